"""What the vault takes in from the backup (app/core/backup/): another device's files and their
previews, and a Blob lost here fetched back. ``Vault`` takes these methods as its own (a mixin):
they write through its store and announce through its change bus like every other write."""

from __future__ import annotations

from .ports import Blob
from .rules import BACKUP_DONE


class Restored:
    async def add_restored(self, project_id: str, entries: list[tuple[dict, Blob]]) -> bool:
        """Add assets fetched from the backup (another device's) to a local project, all or nothing.
        No preview is made here for them: the device that made an asset makes its preview and
        backs it up, and a second one made here would be backed up too, two previews of one
        frame in every copy. One that comes later is linked by add_restored_previews."""
        metas = [self._owing(dict(meta, backup=BACKUP_DONE), previews=False) for meta, _ in entries]
        with self.background.foreground():
            if not await self.store.add_to_project(project_id, [(m["ref"], m, b) for m, (_, b) in zip(metas, entries)],
                                                   self.clock()):
                return False
        for meta, (_, blob) in zip(metas, entries):
            self._stored(meta, blob, previews=False)
        return True

    async def add_restored_previews(self, entries: list[tuple[dict, Blob]]) -> int:
        """Previews fetched from the backup for assets this device holds, each linked to its
        parent unless the parent has one; how many were."""
        items = [(meta["params"]["thumbnailOf"], dict(meta, backup=BACKUP_DONE), blob) for meta, blob in entries]
        return sum(await self._attach_items(items))

    async def put_missing_blob(self, ref: str, blob: Blob) -> bool:
        """A lost Blob fetched back (from the backup, its CRC-32 checked by the caller)."""
        project_id = await self.store.put_missing_blob(ref, blob)
        if project_id is None:
            return False
        self._publish("asset", "updated", project_id, ref)
        return True
