"""Runs the tracker in the browser: one loop per unfinished generation, paced by its schedule.

- No requests while the browser is offline; right after the ``online`` event, every unfinished
  file is asked at once.
- No polling while the page is hidden; it resumes when the page is visible again.
- One tab polls a generation at a time: the loop holds the Web Lock
  ``assetVault:generation:<id>``; other tabs follow its progress on the change stream (a
  ``generation`` change from that tab: ``changed``) and take over when that tab closes.
- After a reload, every unfinished generation in localStorage resumes.
"""

from __future__ import annotations

import asyncio

import js
from pyodide.ffi import create_proxy

from .weblock import acquire

MAX_SLEEP_S = 60


class Poller:
    def __init__(self, tracker):
        self.tracker = tracker
        self.loops: dict[str, asyncio.Task] = {}
        self.wakes: dict[str, asyncio.Event] = {}
        self.holding: set[str] = set()  # generations this tab polls (it holds their lock)
        self._proxies = [create_proxy(self._online), create_proxy(self._visibility)]
        js.window.addEventListener("online", self._proxies[0])
        js.document.addEventListener("visibilitychange", self._proxies[1])

    def resume_all(self) -> None:
        for gen_id in self.tracker.known():
            try:
                if not self.tracker.finished(gen_id):
                    self.start(gen_id)
            except Exception as err:  # a damaged record must not stop the others
                print(f"generation {gen_id} not resumed: {err}")

    def start(self, gen_id: str) -> None:
        if gen_id not in self.loops or self.loops[gen_id].done():
            self.wakes[gen_id] = asyncio.Event()
            self.loops[gen_id] = asyncio.ensure_future(self._run(gen_id))

    # -- events ---------------------------------------------------------------------------

    def _online(self, _event) -> None:
        for gen_id in self.loops:
            self.tracker.wake_now(gen_id)
        self._wake_all()

    def _visibility(self, _event) -> None:
        self._wake_all()

    def changed(self, change) -> None:
        """The vault's change stream (subscribed before the page, which then draws the new record)."""
        if change.elsewhere and change.type == "generation" and change.gen_id not in self.holding:
            self.tracker.reread(change.gen_id)

    def _wake_all(self) -> None:
        for event in self.wakes.values():
            event.set()

    # -- the loop -------------------------------------------------------------------------

    async def _run(self, gen_id: str) -> None:
        release = await acquire(f"assetVault:generation:{gen_id}")
        self.holding.add(gen_id)
        try:
            self.tracker.reread(gen_id)  # another tab may have moved it on
            self.tracker.changed(gen_id)
            await self._loop(gen_id)
        except Exception as err:
            print(f"polling {gen_id} stopped: {err}")
        finally:
            self.holding.discard(gen_id)
            release()

    async def _loop(self, gen_id: str) -> None:
        wake = self.wakes[gen_id]
        while not self.tracker.finished(gen_id):
            if not js.navigator.onLine or js.document.visibilityState == "hidden":
                wake.clear()
                await wake.wait()
                continue
            due = self.tracker.next_wake(gen_id)
            wait_ms = due - int(js.Date.now())
            if wait_ms > 0:
                wake.clear()
                try:
                    await asyncio.wait_for(wake.wait(), min(wait_ms / 1000, MAX_SLEEP_S))
                except asyncio.TimeoutError:
                    pass
                continue
            await self.tracker.step(gen_id)
        self.tracker.changed(gen_id)
