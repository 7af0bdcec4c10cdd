"""The change stream's way out of the page's Python: window events for host apps, other tabs.

    relay = ChangeRelay(vault.announce)
    vault.subscribe(relay.changed)
    # an announced change -> window "assetvault:change" event; made here: BroadcastChannel to other tabs
    # <- another tab's changes are published on this tab's stream (``elsewhere``), and so reach the
    #    page, the backup queue, the poller and this window's event like its own

The event's detail is ``Change.detail()`` (a contract). Changes made in one turn of the event
loop travel to other tabs as one message: a burst of 200 saves is one post, not 200.
"""

from __future__ import annotations

import asyncio

import js
from pyodide.ffi import create_proxy

from app.core.changes import Change

from .jsconv import to_js_record, to_py_record

CHANNEL = "asset-vault"
EVENT = "assetvault:change"


class ChangeRelay:
    def __init__(self, publish, channel: str = CHANNEL):
        self._publish = publish  # the vault's stream: another tab's changes go on it
        self._outbox: list[dict] = []
        self._channel = None
        if hasattr(js, "BroadcastChannel"):
            self._channel = js.BroadcastChannel.new(channel)
            self._receive_proxy = create_proxy(self._receive)
            self._channel.onmessage = self._receive_proxy

    def changed(self, change: Change) -> None:
        if not change.announced:
            return
        detail = change.detail()
        event = js.Object.fromEntries(to_js_record([["detail", detail]]))
        js.window.dispatchEvent(js.CustomEvent.new(EVENT, event))
        if self._channel is None or change.elsewhere:
            return
        self._outbox.append(detail)
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
        for detail in batch:
            change = Change.from_detail(detail)
            if change is not None:
                self._publish(change)
