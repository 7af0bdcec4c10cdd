"""The bucket's projects as a person meets them: listed, restored, deleted from the backup, and a
file whose Blob was lost here fetched back."""

from __future__ import annotations

import asyncio

from ..errors import InvalidInputError, NotFoundError, RemoteError, VaultError
from ..ids import is_valid_ref
from . import layout
from . import manifest as manifests
from .manifest_sync import DELETED_KEY


class RemoteProjects:
    async def restore_project(self, project_id: object) -> dict:
        result = await self._restore(project_id)
        self._tell()
        return result

    async def recover(self, meta: dict):
        """The Blob of an asset whose stored bytes are gone, fetched back from the backup and
        checked against its CRC-32, and stored again; None if the backup cannot give it (not
        uploaded, unreachable, altered): the page then shows the params to regenerate it."""
        if self.config is None or meta.get("backup") != "uploaded" or meta.get("crc32") is None:
            return None
        ref = meta["ref"]
        if ref not in self._recovering:
            self._recovering[ref] = asyncio.ensure_future(self._recover(meta))
        try:
            return await asyncio.shield(self._recovering[ref])
        finally:
            if self._recovering.get(ref) is not None and self._recovering[ref].done():
                del self._recovering[ref]

    async def _recover(self, meta: dict):
        path = layout.asset_path(meta)
        try:
            blob = await self.fetch_blob(layout.object_key(self.config.prefix, meta["projectId"], path),
                                            path, meta["size"], meta["crc32"], meta["mime"])
        except VaultError as err:
            print(f"could not fetch {meta['ref']} back from the backup: {err}")
            return None
        await self.vault.put_missing_blob(meta["ref"], blob)
        return blob

    async def list_remote_projects(self) -> list[dict]:
        config = self.need_config()
        _, prefixes = await self.remote.list(layout.projects_prefix(config.prefix), "/")
        local = {p["id"] for p in await self.vault.list_projects()}
        found = []
        for common in prefixes:
            project_id = layout.project_id_of(common, config.prefix)
            if project_id is None or not is_valid_ref(project_id):
                continue
            try:
                doc, _, _ = await self.read_manifest(project_id)
            except RemoteError:
                doc = None
            if doc is None and not (await self.remote.list(layout.project_root(config.prefix, project_id)))[0]:
                continue  # an empty folder (SeaweedFS keeps one after its objects are deleted)
            row = manifests.summary(doc) if doc else {"title": "", "updatedAt": None, "assetCount": 0, "bytes": 0,
                                                      "incomplete": True}
            found.append(dict(row, id=project_id, local=project_id in local))
        return sorted(found, key=lambda r: (-(r["updatedAt"] or 0), r["id"]))

    async def delete_remote_project(self, project_id: object) -> dict:
        config = self.need_config()
        if not is_valid_ref(project_id):
            raise InvalidInputError(f"{project_id!r} is not a valid project ID.")
        keys, _ = await self.remote.list(layout.project_root(config.prefix, project_id))
        if not keys:
            raise NotFoundError(f"The backup holds no project {project_id!r}.")
        # The manifest first: from then on no device restores or merges a half-deleted project.
        keys.sort(key=lambda k: k["key"] != layout.manifest_key(config.prefix, project_id))
        for item in keys:
            await self.remote.delete(item["key"])
        await self.vault.marks.save_setting(DELETED_KEY + project_id, None)
        return {"objectsDeleted": len(keys)}
