"""IndexedDB store: projects, asset metadata and Blobs in separate object stores.

    store = await IdbStore.open()
    await store.add_assets([(meta, blob_js)], project)

Listing reads only the ``assets`` store, never Blob data. Every write is one transaction with
strict durability (Chrome 121+ defaults to relaxed, which can lose a commit in a crash). The
store is one class made of its capabilities, a module each: the connection, reads, saves,
background marks, edits; migrations and the per-transaction helpers beside them.
"""

from __future__ import annotations

from .connection import Connection
from .edits import Edits
from .marks import Marks
from .reads import Reads
from .saves import Saves


class IdbStore(Connection, Reads, Saves, Marks, Edits):
    """The vault's StorePort over IndexedDB (app/core/ports.py)."""
