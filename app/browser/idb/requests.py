"""IndexedDB requests inside one transaction: callbacks that live as long as it, project counters
bumped in the same transaction, and the few JS objects every transaction uses.

Requests of a transaction are issued synchronously, or chained inside IndexedDB's own callbacks:
an await in Python lets the transaction auto-commit before the next request.
"""

from __future__ import annotations

import functools

import js
from pyodide.ffi import create_proxy


BATCH_MAX = 64  # saves in one transaction (see _take_queued)
PUT_SLICE = 500  # records put per request event in a long write (see move_assets)
BLOB_SLICE = 2000  # Blobs taken into Python per turn of the event loop (see get_blobs)
GET_SLICE = 200  # get requests made per request event in a large read (see _get_requests)


# JS objects are made on first use, not at import: the app's modules are imported into the
# start-up snapshot (static/start.mjs), which cannot hold JS objects made then.
@functools.cache
def durability(which: str):
    return js.JSON.parse(f'{{"durability": "{which}"}}')


@functools.cache
def result_of():
    """request => request.result as a JS function, for Array.map: the getter called with the
    element as `this`."""
    return js.Function.prototype.call.bind(js.Object.getOwnPropertyDescriptor(js.IDBRequest.prototype, "result").get)


class Conflict(Exception):
    """A key that must be new exists already."""


class handler:
    """A JS callback proxy that lives for one transaction."""

    def __init__(self, fn):
        self.proxy = create_proxy(fn)

    def __enter__(self):
        return self.proxy

    def __exit__(self, *exc):
        self.proxy.destroy()


def destroy(proxies: list) -> None:
    for proxy in proxies:
        proxy.destroy()


def bump(projects, deltas: dict, updated_at: dict | None = None, handlers: list | None = None) -> None:
    """Add (count, bytes) deltas to projects' counters inside the caller's transaction: one get
    and one put per project (two gets before either put would lose one of the updates)."""
    for project_id, (count, size) in deltas.items():
        def got(event, count=count, size=size, project_id=project_id):
            project = event.target.result
            if project is None:
                return
            project.assetCount = max(0, int(project.assetCount or 0) + count)
            project.bytes = max(0, int(project.bytes or 0) + size)
            if updated_at and project_id in updated_at:
                project.updatedAt = updated_at[project_id]
            projects.put(project)
        on_project = create_proxy(got)
        handlers.append(on_project)
        projects.get(project_id).onsuccess = on_project
