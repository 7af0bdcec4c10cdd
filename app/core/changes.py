"""The vault's change bus: every committed write is told, once, to every subscriber.

A change is {type, action, projectId, ref?, fromProjectId?}: type "project" | "asset" | "backup",
action "created" | "updated" | "deleted", or "moved" (an asset, with ``fromProjectId``: the
project it left). Subscribers are the backup queue, and the relay to the page's views, window
events and other tabs (app/browser/changes.py).
"""

from __future__ import annotations

from typing import Callable

Listener = Callable[[dict], None]


class ChangeBus:
    def __init__(self):
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def publish(self, kind: str, action: str, project_id: str, ref: str | None = None,
                from_project: str | None = None) -> None:
        change = {"type": kind, "action": action, "projectId": project_id}
        if ref is not None:
            change["ref"] = ref
        if from_project is not None:
            change["fromProjectId"] = from_project
        for listener in self._listeners:
            try:
                listener(change)
            except Exception as err:  # a subscriber's bug must not undo or fail a committed write
                print(f"change listener failed: {err!r}")
