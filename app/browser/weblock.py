"""One tab at a time: a Web Lock held for as long as a piece of work runs.

    release = await acquire("assetVault:backup")   # waits while another tab holds it
    try: ...work...
    finally: release()

Without the Web Locks API (old browsers) every tab is let through: the work must be safe to
run twice (polling and uploads are: idempotent requests, compare-and-swap manifests).
"""

from __future__ import annotations

import asyncio

import js
from pyodide.ffi import create_once_callable


async def acquire(name: str):
    locks = getattr(js.navigator, "locks", None)
    if locks is None:
        return lambda: None
    granted = asyncio.get_event_loop().create_future()

    def held(_lock):
        def executor(resolve, _reject):
            if granted.done():  # the waiter gave up (its work was cancelled): let the lock go at once
                resolve()
            else:
                granted.set_result(resolve)
        return js.Promise.new(create_once_callable(executor))

    locks.request(name, create_once_callable(held))
    return await granted
