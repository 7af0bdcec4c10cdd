"""The backup's queue as the vault keeps it: a ``backup`` mark on each record ("queued",
"uploaded", "failed"; absent while backup is off), written in the transaction that writes the
record, so the queue survives a crash a moment after a save as surely as the asset does. The
backup's settings and bookkeeping (the secret among them) live beside it, in IndexedDB only.

The backup service (app/core/backup/) reads and sets marks only through here: ``vault.marks``.
"""

from __future__ import annotations

from typing import Callable

from .ports import StorePort
from .rules import BACKUP_QUEUED


class BackupMarks:
    def __init__(self, store: StorePort, publish: Callable[..., None]):
        self._store = store
        self._publish = publish
        self._on = False

    @property
    def on(self) -> bool:
        """New records are queued for upload as they are written."""
        return self._on

    def start(self) -> None:
        self._on = True

    def pause(self) -> None:
        """Backup was turned off (in another tab, which cleared the marks): new records get none."""
        self._on = False

    async def stop(self) -> None:
        """Backup turned off here: no record keeps a mark."""
        self._on = False
        await self._store.mark_backup(None, None)

    def mark_new(self, meta: dict) -> dict:
        if self._on:
            meta.setdefault("backup", BACKUP_QUEUED)
        return meta

    async def requeue(self, states: set | None) -> int:
        """Queue every record whose mark is in ``states`` (all records if None); a count."""
        return await self._store.mark_backup(BACKUP_QUEUED, states)

    async def queue(self, limit: int) -> list[dict]:
        return await self._store.list_backup(BACKUP_QUEUED, limit)

    async def set_states(self, states: dict[str, dict]) -> None:
        """{ref: {"backup": state, "backupError"?: why}}; each announced (the cards show it)."""
        for ref, project_id in (await self._store.set_backup(states)).items():
            self._publish("backup", "updated", project_id, ref)

    async def counts(self) -> dict:
        return await self._store.count_backup()

    async def by_project(self) -> dict[str, dict]:
        return await self._store.backup_by_project()

    async def bytes_queued(self) -> int:
        return await self._store.bytes_queued()

    async def setting(self, key: str) -> object:
        return await self._store.get_setting(key)

    async def save_setting(self, key: str, value: object) -> None:
        await self._store.put_setting(key, value)
