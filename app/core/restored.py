"""What the vault takes in from the backup (app/core/backup/): another device's files, their
previews and its newer edits of files held here, and a Blob lost here fetched back. ``Vault`` takes these methods as its own (a mixin):
they write through its store and announce through its change bus like every other write."""

from __future__ import annotations

from .ports import Blob
from .rules import BACKUP_DONE, synced
from .errors import InvalidInputError
from .model import PROJECT_FIELDS, project_changes
from .versions import newer, stamped, version


class Restored:
    async def add_restored(self, project_id: str, entries: list[tuple[dict, Blob]]) -> bool:
        """Add assets fetched from the backup (another device's) to a local project, all or nothing.
        No preview is made here for them: the device that made an asset makes its preview and
        backs it up, and a second one made here would be backed up too, two previews of one
        frame in every copy. One that comes later is linked by add_restored_previews."""
        metas = [self._owing(dict(meta, backup=BACKUP_DONE), previews=False) for meta, _ in entries]
        for meta in metas:
            self.versions.witness_all(meta)  # an edit here then orders after the ones taken in
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

    async def take_synced(self, row: dict, groups: set[str], blob: Blob | None) -> bool:
        """Another device's newer ``groups`` of a file held here, from the bucket's ``row``: its
        name, role and params ("meta"), its bytes ("bytes": ``blob``, checked by the caller
        against the row's size and CRC-32). Whether the file took them."""
        self.versions.witness_all(row)  # an edit here from now on orders after the row's
        change = synced(row, groups)
        if blob is None:
            meta = await self.store.update_record("assets", row["ref"], change)
            dropped = []
        else:
            await self.background.done_with(row["ref"])  # the old bytes' checksum must not land on these
            old = await self.store.get_meta(row["ref"])
            meta = change(old) if old is not None else None
            if meta is not None:
                meta["replacedAt"] = self.clock()  # the project's updatedAt, as a replacement here sets it
            dropped = await self.store.replace_blob(meta, blob) if meta is not None else None
            meta = meta if dropped is not None else None
        if meta is None:
            return False
        for gone in dropped:  # the old bytes' preview; the new one comes from the bucket
            self._publish("asset", "deleted", meta["projectId"], gone)
        self._publish("asset", "updated", meta["projectId"], meta["ref"])
        return True

    async def take_project(self, project_id: str, theirs: dict) -> bool:
        """Another device's newer title and fields of a project held here (the bucket's record)."""
        stamp = version(theirs, "fields")
        try:  # checked as a host app's update is: the bucket is not trusted more than a caller
            fields = project_changes({k: theirs[k] for k in PROJECT_FIELDS if k in theirs})
        except InvalidInputError:
            return False
        self.versions.witness(stamp)

        def change(old: dict) -> dict | None:
            if not newer(stamp, version(old, "fields")):
                return None
            return stamped({**old, **fields, "updatedAt": max(old["updatedAt"], theirs.get("updatedAt") or 0)},
                           "fields", list(stamp))
        if await self.store.update_record("projects", project_id, change) is None:
            return False
        self._publish("project", "updated", project_id)
        return True

    async def put_missing_blob(self, ref: str, blob: Blob) -> bool:
        """A lost Blob fetched back (from the backup, its CRC-32 checked by the caller)."""
        project_id = await self.store.put_missing_blob(ref, blob)
        if project_id is None:
            return False
        self._publish("asset", "updated", project_id, ref)
        return True
