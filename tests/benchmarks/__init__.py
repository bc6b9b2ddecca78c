"""DocMind benchmarks: ``python -m tests.benchmarks.run`` (``make bench``); not collected by pytest."""
