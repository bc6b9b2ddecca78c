"""The ``docmind`` command line: the headless face of the same engine the app uses."""
