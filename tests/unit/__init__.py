"""In-process unit tests: no external tools, no subprocess."""
