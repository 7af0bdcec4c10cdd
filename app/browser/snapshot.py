"""The start-up snapshot: when to make one, and what the usage bar says about it.

static/start.mjs restores it (a page is ready in ~0.6 s instead of ~1.9-3 s) and holds the
mechanics as ``window.__assetVaultSnapshot``; this module holds the policy. The build ships one
per app version, which a first visit starts from; a little after the page is ready, and only with
room to spare, it is kept in the version's cache (or, where it could not be used, one is made in
a worker): it is ~31 MB of the site's storage, the same storage as the media.
"""

from __future__ import annotations

import asyncio

import js

MODE_KEY = "assetVault:snapshots"
DELAY_S = 2.0  # after ready: the page's own first work (listing, previews) goes first
# Made only while the site keeps this much free beyond it: media matters more than a fast start.
HEADROOM = 512 * 2**20
SIZE_GUESS = 32 * 2**20


class StartupSnapshot:
    def __init__(self, glue=None):
        self.glue = glue if glue is not None else getattr(js.window, "__assetVaultSnapshot", None)
        self.making = None

    @property
    def available(self) -> bool:
        return self.glue is not None

    @property
    def started_from(self) -> str:
        """"snapshot", "fresh" (none stored), "fallback" (one failed and was deleted) or "off"."""
        if not self.available:
            return "off"
        return "off" if self.mode == "off" else str(self.glue.state.start)

    @property
    def mode(self) -> str:
        return str(self.glue.mode()) if self.available else "off"

    async def size(self) -> int | None:
        """Bytes stored for this app version (0: none), None where there is no Cache Storage."""
        if not self.available:
            return None
        size = await self.glue.size()
        return None if size is None else int(size)

    def schedule(self, usage, on_made) -> None:
        """After the page is ready: make one for this version if none was there and room allows,
        or delete the one this page started from if the site has since run short of room (the
        disk filled up). ``usage`` is the bridge's usage() coroutine function."""
        if not self.available or self.mode == "off":
            return
        if self.started_from == "snapshot" and str(getattr(self.glue.state, "from")) == "cache":
            self.making = asyncio.ensure_future(self._drop_when_short(usage, on_made))
        elif self.started_from == "snapshot":  # the build's, fetched: stored now, with room
            self.making = asyncio.ensure_future(self._store_when_room(self.glue.keep, usage, on_made))
        else:
            self.making = asyncio.ensure_future(self._store_when_room(self.glue.make, usage, on_made))

    async def _drop_when_short(self, usage, on_dropped) -> None:
        try:
            info = await usage()
            if info["quota"] is not None and info["quota"] - info["usage"] < HEADROOM:
                await self.glue.drop()
                on_dropped()
        except Exception as err:
            print(f"start-up snapshot not checked: {err}")

    async def _store_when_room(self, store, usage, on_made) -> None:
        await asyncio.sleep(DELAY_S)
        try:
            if await self.size() != 0:
                return  # made by another tab meanwhile, or no Cache Storage
            info = await usage()
            if info["quota"] is not None and info["quota"] - info["usage"] < HEADROOM + SIZE_GUESS:
                return
            js.performance.mark("assetVault:snapshot-start")  # bench/ reads these: the background cost
            await store()
            js.performance.mark("assetVault:snapshot-made")
            on_made()
        except Exception as err:  # a slower start next time is all it costs: not the user's concern
            print(f"start-up snapshot not made: {err}")

    async def turn_off(self) -> None:
        """Frees its space now and makes none again in this browser (a worker making one stops)."""
        js.localStorage.setItem(MODE_KEY, "off")
        if self.making is not None:
            self.making.cancel()
        await self.glue.drop()

    def turn_on(self) -> None:
        js.localStorage.removeItem(MODE_KEY)
