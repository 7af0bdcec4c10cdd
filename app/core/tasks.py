"""Tasks that start now, and futures that wake only their waiter.

In the browser every turn of the event loop is a macrotask (~0.1 ms, plus a proxy), and a
sequential save crossed twelve. ``ensure_future`` spends one before a coroutine's first step;
an eager task runs up to its first real wait at once, as a JS async function does. Pyodide's
``loop.create_future()`` adds a bookkeeping callback to every future, a second turn each time
one is resolved; a plain ``asyncio.Future`` has only its waiter's.
"""

from __future__ import annotations

import asyncio
import sys

from .errors import InvalidInputError


def start_now(coro) -> asyncio.Future:
    """``ensure_future`` minus the first turn (Python 3.12+; a plain task before)."""
    loop = asyncio.get_event_loop()
    if sys.version_info >= (3, 12):
        return asyncio.Task(coro, loop=loop, eager_start=True)
    return loop.create_task(coro)


def new_future() -> asyncio.Future:
    return asyncio.Future(loop=asyncio.get_event_loop())


async def raise_if_refused(future) -> None:
    """Await ``future`` for its InvalidInputError alone (the caller has a failure of its own)."""
    try:
        await future
    except InvalidInputError:
        raise
    except Exception:
        pass
