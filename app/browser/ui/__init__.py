"""The page: DOM built from Python with createElement/textContent only (never HTML strings)."""
