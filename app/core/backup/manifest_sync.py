"""Each project's manifest in the bucket, rewritten with a compare-and-swap after its uploads, and
the tombstones of files deleted here kept until a manifest holds them."""

from __future__ import annotations

from ..errors import InvalidArchiveError, NotFoundError, RemoteConflict, RemoteError, RemoteUnreachableError
from . import layout
from . import manifest as manifests
from . import multipart

DELETED_KEY = "backup.deleted."  # + project ID: {ref: deletedAt} not yet in that project's manifest
MANIFEST_TRIES = 8


class ManifestSync:
    async def _note_deleted(self, project_id: str, ref: str) -> None:
        self._tombs_due.setdefault(project_id, {})[ref] = self.clock()
        try:
            await multipart.forget(self.vault.marks, self.remote, ref)
        except RemoteError as err:  # the server's half-upload expires by its own rules
            print(f"could not abort an unfinished upload: {err}")
        key = DELETED_KEY + project_id
        async with self._tombstoning:  # an asset and its preview are deleted together: no lost write
            due = self._tombs_due.pop(project_id, None)
            if due:  # with those of the same burst noted meanwhile: one write for a move of 10,000
                gone = await self.vault.marks.setting(key) or {}
                gone.update(due)
                await self.vault.marks.save_setting(key, gone)
        self._dirty.setdefault(project_id, 0.0)
        self.wake()

    async def _write_manifest(self, project_id: str) -> None:
        """Merge this device's uploads into the bucket's manifest, compare-and-swap, retry on a race."""
        key = layout.manifest_key(self.config.prefix, project_id)
        for _ in range(MANIFEST_TRIES):
            try:
                project = await self.vault.get_project(project_id)
            except NotFoundError:
                return  # deleted here: its backup stays as it was
            # The manifest this tab wrote last is what the bucket holds unless another device wrote
            # since, and then the compare-and-swap below fails and it is read afresh: no download
            # and parse of a 20,000-row manifest every few seconds of a burst.
            cached = self._written.pop(project_id, None)
            etag, remote_doc = cached if cached else (None, None)
            if cached is None:
                remote_doc, _, etag = await self.read_manifest(project_id)
            assets = [m async for chunk in self.vault.iter_assets(project_id) for m in chunk]
            gone = await self.deleted_here(project_id)
            doc = manifests.merged(remote_doc, project, [m for m in assets if m.get("backup") == "uploaded"],
                                   gone, self.clock())
            try:
                written = await self.remote.put_bytes(key, manifests.encode(doc), "application/json",
                                                      if_match=etag, if_none_match=etag is None)
            except RemoteConflict:
                continue  # another device wrote it meanwhile: read theirs and merge again
            if written:
                self._written[project_id] = (written, doc)
            if gone:
                await self._forget_deleted(project_id, gone)
            return
        raise RemoteUnreachableError(f"The backup of project {project_id!r} kept changing under us; "
                                     "it is retried shortly.")

    async def deleted_here(self, project_id: str) -> dict:
        """Refs deleted on this device that the bucket's manifest does not list as deleted yet."""
        stored = await self.vault.marks.setting(DELETED_KEY + project_id) or {}
        return {**stored, **self._tombs_due.get(project_id, {})}

    async def _forget_deleted(self, project_id: str, sent: dict) -> None:
        async with self._tombstoning:
            gone = await self.deleted_here(project_id)
            rest = {ref: when for ref, when in gone.items() if sent.get(ref) != when}
            await self.vault.marks.save_setting(DELETED_KEY + project_id, rest or None)

    async def read_manifest(self, project_id: str) -> tuple[dict | None, object, str | None]:
        """(raw document for merging, checked Manifest for restoring, ETag), or Nones if there is none."""
        found = await self.remote.get(layout.manifest_key(self.config.prefix, project_id))
        if found is None:
            return None, None, None
        blob, etag = found
        data = await self.blobs.read(blob, 0, self.blobs.size(blob))
        try:
            doc, manifest = manifests.parse(data)
        except InvalidArchiveError as err:
            raise RemoteError(f"The backup's manifest of project {project_id!r} is damaged ({err}); it was "
                              "left as it is. Delete that project from the backup to start it afresh.") from None
        return doc, manifest, etag
