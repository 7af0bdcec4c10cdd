"""Offline Asset Vault: a local-first media store for AI video work (PyScript on Pyodide)."""

__version__ = "0.1.0"
