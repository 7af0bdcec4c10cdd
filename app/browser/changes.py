"""Changes, told everywhere they are wanted: this page, host apps on ``window``, other tabs.

    relay = ChangeRelay(on_change=shell.changed)
    vault.subscribe(relay.local)      # a commit in this tab
    # -> shell.changed(change); window "assetvault:change" event; BroadcastChannel to other tabs
    # <- another tab's changes arrive as shell.changed(change) and the same window event

A change is ``{type, action, projectId, ref?}`` (the ``assetvault:change`` event's detail, a
contract). Changes made in one turn of the event loop travel to other tabs as one message: a
burst of 200 saves is one post, not 200.
"""

from __future__ import annotations

import asyncio

import js
from pyodide.ffi import create_proxy

from .jsconv import to_js_record, to_py_record

CHANNEL = "asset-vault"
EVENT = "assetvault:change"


class ChangeRelay:
    def __init__(self, on_change, channel: str = CHANNEL, on_remote=None):
        self.on_change = on_change
        self.on_remote = on_remote  # also told of other tabs' changes (after the page is)
        self._outbox: list[dict] = []
        self._channel = None
        if hasattr(js, "BroadcastChannel"):
            self._channel = js.BroadcastChannel.new(channel)
            self._receive_proxy = create_proxy(self._receive)
            self._channel.onmessage = self._receive_proxy

    def local(self, change: dict) -> None:
        self._tell_page(change)
        if self._channel is None:
            return
        self._outbox.append(change)
        if len(self._outbox) == 1:
            asyncio.get_event_loop().call_soon(self._flush)

    def _flush(self) -> None:
        batch, self._outbox = self._outbox, []
        try:
            self._channel.postMessage(to_js_record(batch))
        except Exception as err:  # a closed channel (page unloading): other tabs reload anyway
            print(f"could not tell other tabs: {err!r}")

    def _receive(self, event) -> None:
        batch = to_py_record(event.data)
        if not isinstance(batch, list):
            return
        for change in batch:
            if isinstance(change, dict) and isinstance(change.get("projectId"), str):
                self._tell_page(change)
                if self.on_remote is not None:
                    self.on_remote(change)

    def _tell_page(self, change: dict) -> None:
        self.on_change(change)
        detail = js.Object.fromEntries(to_js_record([["detail", change]]))
        js.window.dispatchEvent(js.CustomEvent.new(EVENT, detail))
