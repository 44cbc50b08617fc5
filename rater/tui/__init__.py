"""The terminal UI; the only package that imports textual (tests/test_core_no_textual.py)."""
