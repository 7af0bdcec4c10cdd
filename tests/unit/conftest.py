import asyncio
import threading

import pytest

from app.core.intake import MonotonicClock
from app.core.vault import Vault
from tests.fakes import FakeBlobs, FakeStore, FakeThumbnails


class Harness:
    def __init__(self, quota_bytes=None, store=None):
        self.store = store or FakeStore(quota_bytes)  # another's store: a second tab, or a restart
        self.blobs = FakeBlobs()
        self.thumbnails = FakeThumbnails()
        self.now = [1_700_000_000_000]
        self.vault = Vault(self.store, self.blobs, self.thumbnails, MonotonicClock(lambda: self.now[0]))


@pytest.fixture
def harness():
    return Harness()


@pytest.fixture
def run():
    """Run a coroutine to completion on a loop of its own thread.

    Not the main thread: pytest-playwright's sync API keeps a loop running there for the session.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run_coro(coro):
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=30)

    yield run_coro

    async def drain():  # background work a test did not wait for
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        await asyncio.gather(*others, return_exceptions=True)

    run_coro(drain())
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()
