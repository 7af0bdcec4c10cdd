"""How an IndexedDB write transaction ends, with a watchdog for one that never does.

    watch(tx, committed, failed, stalled)   # callbacks, called from the transaction's own events
    await ended(tx, stalled)                # None on commit; raises DomError on abort or stall

A transaction whose request fails gets an error event and then, by the spec, an abort. WebKit,
where it refuses a Blob after another request of the same transaction (private browsing),
sends the error and then nothing: the transaction neither commits nor aborts, abort() throws,
and every later transaction on its stores, from any connection of the page, waits behind it.
So an error with no abort within STALL_S is taken as that stall: the caller gets the error,
and ``stalled(tx)`` tells the store to give up the connection ``tx`` was made on.
"""

from __future__ import annotations

import asyncio

from pyodide.ffi import create_proxy

from app.core.tasks import new_future

from .jsconv import DomError

STALL_S = 2.0  # an abort follows its error within a task or two; seconds is a stall


def watch(tx, committed, failed, stalled) -> None:
    """committed() on commit; failed(DomError) on abort, or on a stall (then ``stalled(tx)``)."""
    first_error: list = []
    timer: list = []

    def release() -> None:
        tx.oncomplete = tx.onerror = tx.onabort = None
        for proxy in proxies:
            proxy.destroy()
        for handle in timer:
            handle.cancel()

    def on_complete(_event) -> None:
        release()
        committed()

    def on_error(event) -> None:
        if not first_error:
            source = getattr(event, "target", None)  # a request's error bubbles up to its transaction
            first_error.append(DomError(getattr(source, "error", None) or getattr(tx, "error", None)))
            timer.append(asyncio.get_event_loop().call_later(STALL_S, on_stall))

    def on_abort(_event) -> None:
        release()
        failed(first_error[0] if first_error else DomError(getattr(tx, "error", None)))

    def on_stall() -> None:
        timer.clear()  # this is the timer
        release()
        first_error[0].stalled = True
        failed(first_error[0])  # first: the caller hears its own error, then the rest are failed
        stalled(tx)

    proxies = [create_proxy(on_complete), create_proxy(on_error), create_proxy(on_abort)]
    tx.oncomplete, tx.onerror, tx.onabort = proxies


def ended(tx, stalled):
    """A future: None once ``tx`` commits; DomError once it aborts or stalls."""
    fut = new_future()

    def committed() -> None:
        if not fut.done():
            fut.set_result(None)

    def failed(err: DomError) -> None:
        if not fut.done():
            fut.set_exception(err)

    watch(tx, committed, failed, stalled)
    return fut
