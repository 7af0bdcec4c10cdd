"""The vault's one change stream: everything that changed, told once to every subscriber.

A ``Change`` is typed, and so is what subscribes to it:

- ``project`` / ``asset``: a committed write (``created`` | ``updated`` | ``deleted``, or ``moved``
  for an asset, with ``from_project``: the project it left);
- ``generation``: a tracked generation's status (``gen_id``; ``project_id`` once it has one);
- ``backup``: an asset's backup mark (with ``ref``) or, with ``project_id`` "", the backup settings;
- ``settings``: the page's settings (provider URL, host origins);
- ``checksum``: background CRC-32s stored (the backup waits for them);
- ``status``: the backup's progress in this tab (uploading, errors);
- ``store``: the browser removed the vault's data (``cleared``): everything changed.

The first five are the ``assetvault:change`` contract (``detail()``): every vault page's window
hears them and other tabs get them (``elsewhere`` there). The last three stay in the tab that
made them. Subscribers: the relay to window events and other tabs (app/browser/changes.py), the
page (Shell.changed), the backup queue, and the generation poller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

ANNOUNCED = ("project", "asset", "generation", "backup", "settings")
LOCAL = ("checksum", "status", "store")
RECORD_TYPES = ("project", "asset", "backup", "store")  # what pages of projects and files draw
ACTIONS = ("created", "updated", "deleted", "moved", "cleared")


@dataclass(frozen=True)
class Change:
    type: str
    action: str
    project_id: str = ""
    ref: str | None = None
    from_project: str | None = None
    gen_id: str | None = None
    elsewhere: bool = False  # made in another tab (it came over the BroadcastChannel)

    def __post_init__(self):
        if self.type not in ANNOUNCED + LOCAL or self.action not in ACTIONS:
            raise ValueError(f"not a change: {self.type!r} {self.action!r}")

    @property
    def announced(self) -> bool:
        return self.type in ANNOUNCED

    def concerns(self, project_id: str | None) -> bool:
        """Whether a page showing ``project_id`` (None: every project) shows what changed. A file
        moved concerns the project it left as much as the one it joined; the store cleared, all."""
        return (project_id is None or self.type == "store" or project_id == self.project_id
                or (self.from_project is not None and project_id == self.from_project))

    def detail(self) -> dict:
        """The ``assetvault:change`` event's detail (the README's contract)."""
        out = {"type": self.type, "action": self.action, "projectId": self.project_id}
        for key, value in (("ref", self.ref), ("fromProjectId", self.from_project), ("genId", self.gen_id)):
            if value is not None:
                out[key] = value
        return out

    @classmethod
    def from_detail(cls, detail: object) -> Change | None:
        """Another tab's announced change, or None for anything that is not one."""
        if not isinstance(detail, dict) or detail.get("type") not in ANNOUNCED:
            return None
        fields = {"project_id": detail.get("projectId"), "ref": detail.get("ref"),
                  "from_project": detail.get("fromProjectId"), "gen_id": detail.get("genId")}
        if not isinstance(fields["project_id"], str) or detail.get("action") not in ACTIONS or not all(
                v is None or isinstance(v, str) for v in fields.values()):
            return None
        return cls(detail["type"], detail["action"], elsewhere=True, **fields)


Listener = Callable[[Change], None]


class ChangeBus:
    def __init__(self):
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def publish(self, change: Change) -> None:
        if not isinstance(change, Change):
            raise TypeError(f"the change stream takes a Change, not {type(change).__name__}")
        for listener in self._listeners:
            try:
                listener(change)
            except Exception as err:  # a subscriber's bug must not undo or fail a committed write
                print(f"change listener failed: {err!r}")
