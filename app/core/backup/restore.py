"""Bring media back from the bucket: a whole project onto a device that never had it, or the
other devices' additions and deletions into a project both hold.

    await backup._restore("p_abc")           # all or nothing, every byte's CRC-32 checked
    await backup.pull("p_abc", doc, manifest) # (added, deleted) in a project both sides hold

A mixin of the backup service (service.py), as its uploads and manifests are: it uses the
service's remote, Blob port, clock and manifests, and reaches the vault through its methods.

Every object is fetched as a Blob and its CRC-32 computed before anything is stored; one wrong
byte refuses the lot with IntegrityError naming the file, and nothing half-restored stays.
"""

from __future__ import annotations

import asyncio

from ..archive import Manifest, ManifestAsset, asset_meta, project_record
from ..errors import IntegrityError, InvalidInputError, NotFoundError
from ..ids import is_valid_ref
from ..model import THUMBNAIL_ROLE
from ..versions import ASSET_GROUPS, newer, version
from . import layout

PARALLEL = 4  # downloads in flight


class Restoring:
    async def _restore(self, project_id: object) -> dict:
        config = self.need_config()
        if not is_valid_ref(project_id):
            raise InvalidInputError(f"{project_id!r} is not a valid project ID.")
        if any(p["id"] == project_id for p in await self.vault.list_projects()):
            raise InvalidInputError(f"Project {project_id!r} is on this device already: Sync now brings in what "
                                    "other devices added to it.")
        doc, manifest, _ = await self.read_manifest(project_id)
        if doc is None:
            raise NotFoundError(f"The backup holds no project {project_id!r} (or its upload has not finished).")
        entries = await self._fetch_checked(config.prefix, project_id, manifest.assets, _versions(doc))
        project = project_record(manifest, project_id, self.clock())
        if (doc.get("project") or {}).get("versions"):
            project["versions"] = doc["project"]["versions"]
        if not await self.vault.import_project(project, entries, restored=True):
            raise InvalidInputError(f"Project {project_id!r} or one of its assets appeared on this device while "
                                    "restoring; nothing was restored. Use Sync now instead.")
        return {"projectId": project_id, "assets": len(entries), "bytes": sum(m["size"] for m, _ in entries)}

    async def pull(self, project_id: str, doc: dict, manifest: Manifest, listed: dict[str, str] | None = None
                   ) -> tuple[int, int, int]:
        """Apply the bucket's view of a project both sides hold (``doc`` and its checked ``manifest``):
        take other devices' newer edits, fetch what they added, delete what they deleted, and move
        here what they moved here from another project this device holds. ``listed``: {ref:
        project ID} of the manifests read for this sync; a ref tombstoned here but listed by
        another project was moved there, and that project's pull moves it. (added, deleted,
        changed): moves are none of them."""
        vault = self.vault
        local = {m["ref"]: m async for chunk in vault.iter_assets(project_id) for m in chunk}
        changed = await self._take_changes(project_id, doc, manifest, local)
        if changed:  # new bytes took their old previews along: the new ones are fetched below
            local = {m["ref"]: m async for chunk in vault.iter_assets(project_id) for m in chunk}
        gone = {**(doc.get("deleted") or {}), **await self.deleted_here(project_id)}
        # Nor the preview of a deleted asset, which a manifest written by an older version still lists.
        missing = [a for a in manifest.assets if a.ref not in local and a.ref not in gone
                   and a.options.params.get("thumbnailOf") not in gone]
        # Previews of assets here already (their device made them after this one pulled the asset)
        # are linked to them; the rest come in as assets.
        late = [a for a in missing if a.options.params.get("thumbnailOf") in local]
        missing = [a for a in missing if a not in late]
        added = 0
        missing, late = await self._moved_here(project_id, missing, late)
        versions = _versions(doc)
        if missing:
            entries = await self._fetch_checked(self.config.prefix, project_id, missing, versions)
            if await vault.add_restored(project_id, entries):
                added = len(entries)
        if late:
            added += await vault.add_restored_previews(
                await self._fetch_checked(self.config.prefix, project_id, late, versions))
        removed = 0
        for ref in doc.get("deleted") or {}:
            if ref in local and (listed or {}).get(ref, project_id) == project_id and await vault.delete_asset(ref):
                removed += 1
        return added, removed, changed

    async def _moved_here(self, project_id: str, missing: list, late: list) -> tuple[list, list]:
        """Files another device moved here from a project this one holds: moved here too, not
        fetched. What is left to fetch."""
        held = await self.vault.get_metas([a.ref for a in missing if a.options.role != THUMBNAIL_ROLE])
        if not held:
            return missing, late
        try:
            await self.vault.move_assets(sorted(held), project_id, sent=True)
        except (NotFoundError, InvalidInputError):
            return missing, late  # deleted or changed meanwhile: fetched instead
        moved = set(held) | {m.get("thumbnailRef") for m in held.values()}
        return [a for a in missing if a.ref not in moved], [a for a in late if a.ref not in moved]

    async def _take_changes(self, project_id: str, doc: dict, manifest: Manifest, local: dict) -> int:
        """Other devices' newer edits of files held here (versions.py): names, roles and params,
        and new bytes, fetched and checked first. The project's own fields too. How many changed."""
        theirs = dict(manifest.project, versions=(doc.get("project") or {}).get("versions"))
        changed = int(await self.vault.take_project(project_id, theirs))
        versions = _versions(doc)
        for asset in manifest.assets:
            mine = local.get(asset.ref)
            row = dict(asset_meta(asset, project_id, asset.kind, asset.mime), path=asset.path,
                       versions=versions.get(asset.ref))
            groups = {g for g in ASSET_GROUPS if newer(version(row, g), version(mine, g))} if mine else set()
            if not groups or asset.kind != mine["kind"]:
                continue
            blob = None
            if "bytes" in groups:
                blob = await self.fetch_blob(layout.object_key(self.config.prefix, project_id, asset.path),
                                             asset.path, asset.size, asset.crc32, asset.mime)
            changed += await self.vault.take_synced(row, groups, blob)
        return changed

    async def _fetch_checked(self, prefix: str, project_id: str, assets: list[ManifestAsset],
                             versions: dict[str, dict | None]) -> list[tuple[dict, object]]:
        """(metadata, Blob) for each asset, after its size and CRC-32 matched the manifest; its
        record keeps the manifest's ``versions`` of it, so it is not taken in again."""
        lanes = asyncio.Semaphore(PARALLEL)

        async def one(asset: ManifestAsset):
            async with lanes:
                blob = await self.fetch_blob(layout.object_key(prefix, project_id, asset.path), asset.path,
                                             asset.size, asset.crc32, asset.mime)
                meta = asset_meta(asset, project_id, asset.kind, asset.mime)
                if versions.get(asset.ref):
                    meta["versions"] = versions[asset.ref]
                return meta, blob

        tasks = [asyncio.ensure_future(one(a)) for a in assets]
        try:
            return list(await asyncio.gather(*tasks))
        finally:
            for task in tasks:
                if not task.done():
                    task.cancel()
                elif not task.cancelled():
                    task.exception()  # retrieved: the first refusal is the one reported

    async def fetch_blob(self, key: str, path: str, size: int, crc32: int, mime: str):
        """One object as a Blob of ``mime``, once its size and CRC-32 are the recorded ones."""
        found = await self.remote.get(key)
        if found is None:
            raise NotFoundError(f"{path!r} is listed in the backup's manifest but missing from the bucket.")
        blob, blobs = found[0], self.blobs
        got = blobs.size(blob)
        if got != size or await self.vault.checksum(blob, got) != crc32:
            raise IntegrityError(f"{path!r} in the backup does not match its recorded size and CRC-32: it was "
                                 "altered or damaged in the bucket. Nothing was restored.")
        return blobs.slice(blob, 0, size, mime)


def _versions(doc: dict) -> dict[str, dict | None]:
    """{ref: versions} of a manifest's rows (parse() checked their shape)."""
    return {row["ref"]: row.get("versions") for row in doc.get("assets") or []}
