"""One module per connector under test, each defining ``SUBJECT`` (see the package above)."""
