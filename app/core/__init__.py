"""Pure core of the vault: runs under CPython 3.11+ and Pyodide, imports nothing from the browser."""
