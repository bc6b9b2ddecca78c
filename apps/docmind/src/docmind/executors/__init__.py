"""Where the heavy work is executed: worker processes on this machine (``local``), or a Ray cluster.

The pipeline above hands tasks to one seam and reads their outcomes back; it never names an executor.
"""
