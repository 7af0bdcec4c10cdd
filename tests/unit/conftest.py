import asyncio

import pytest

from app.core.vault import MonotonicClock, Vault
from tests.fakes import FakeBlobs, FakeStore, FakeThumbnails


class Harness:
    def __init__(self, quota_bytes=None):
        self.store = FakeStore(quota_bytes)
        self.blobs = FakeBlobs()
        self.thumbnails = FakeThumbnails()
        self.now = [1_700_000_000_000]
        self.vault = Vault(self.store, self.blobs, self.thumbnails, MonotonicClock(lambda: self.now[0]))


@pytest.fixture
def harness():
    return Harness()


@pytest.fixture
def run():
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    pending = asyncio.all_tasks(loop)
    if pending:  # background thumbnail work a test did not wait for
        loop.run_until_complete(asyncio.gather(*pending))
    loop.close()
