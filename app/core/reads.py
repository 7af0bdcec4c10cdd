"""What the vault reads: projects, asset records and Blobs, straight from its store. ``Vault``
takes these methods as its own (a mixin): reads need nothing but the store and change nothing.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable

from .errors import InvalidInputError, NotFoundError
from .intake import check_id, public
from .model import THUMBNAIL_ROLE
from .ports import Blob, StorePort


class Reads:
    store: StorePort

    async def get_project(self, project_id: object) -> dict:
        check_id(project_id, "project ID")
        record = await self.store.get_project(project_id)
        if record is None:
            raise NotFoundError(f"There is no project {project_id!r}: it may have been deleted.")
        return record

    async def list_projects(self) -> list[dict]:
        """Project summaries, oldest first; counts come from the project records (the store keeps
        them with every asset write), so no asset is read."""
        return [{"id": p["id"], "title": p["title"], "createdAt": p["createdAt"], "updatedAt": p["updatedAt"],
                 "assetCount": p.get("assetCount", 0), "bytes": p.get("bytes", 0)}
                for p in sorted(await self.store.list_projects(), key=lambda p: (p["createdAt"], p["id"]))]

    async def get_meta(self, ref: object) -> dict | None:
        check_id(ref, "asset ref")
        return public(await self.store.get_meta(ref))

    async def get_metas(self, refs: list[str]) -> dict:
        """Metadata of many assets in one read (missing ones are absent): for redrawing cards."""
        for ref in refs:
            check_id(ref, "asset ref")
        return await self.store.get_metas(refs) if refs else {}

    async def get_blob(self, ref: object) -> Blob | None:
        check_id(ref, "asset ref")
        return await self.store.get_blob(ref)

    async def get_blobs(self, refs: list[str]) -> dict:
        """Blobs of many assets in one read (missing ones are absent): for drawing a project."""
        for ref in refs:
            check_id(ref, "asset ref")
        return await self.store.get_blobs(refs) if refs else {}

    async def list_assets(self, project_id: object, options: object = None) -> list[dict]:
        await self.get_project(project_id)
        kind = None
        if options is not None:
            if not isinstance(options, dict) or set(options) - {"kind"}:
                raise InvalidInputError("listAssets options are {kind?: 'image' | 'video' | 'audio'}.")
            kind = options.get("kind")
            if kind is not None and kind not in ("image", "video", "audio"):
                raise InvalidInputError(f"kind must be one of image, video, audio (got {kind!r}).")
        return [public(m) for m in await self.store.list_assets(project_id, kind)]

    async def iter_assets(self, project_id: object, chunk: int = 2000):
        """A project's assets in creation order, ``chunk`` at a time: a 10,000-frame project
        (20,000 records with previews) read and converted in one go blocked the page for
        seconds, while the first chunk is enough to draw the first screen."""
        await self.get_project(project_id)
        after, seen, size = None, set(), chunk
        while True:
            rows = await self.store.list_assets_from(project_id, after, size)
            # The range starts at the last createdAt inclusively: records sharing it (saves in
            # two tabs in one millisecond) are not skipped, and those already yielded are dropped.
            fresh = [m for m in rows if m["ref"] not in seen]
            if fresh:
                yield fresh
            if len(rows) < size:
                return
            last = rows[-1]["createdAt"]
            if last == after:  # a whole chunk at one time: read further from the same place
                seen |= {m["ref"] for m in rows}
                size *= 2
                continue
            after, seen, size = last, {m["ref"] for m in rows if m["createdAt"] == last}, chunk

    async def project_contents(self, project_id: object, refs: set[str] | None = None
                               ) -> tuple[dict, list[dict], Awaitable[dict]]:
        """(project, its assets' metadata, an awaitable of {ref: Blob} for those whose bytes are
        stored): for export; only ``refs`` and their previews when given. The Blobs are being
        read when this returns, so the caller can work out the archive's headers meanwhile."""
        project = await self.get_project(project_id)
        assets = []
        async for chunk in self.iter_assets(project_id):  # 20,000 records in one go held the page
            assets += chunk
        if refs is not None:
            assets = [m for m in assets if m["ref"] in refs or (m["role"] == THUMBNAIL_ROLE
                                                                 and m["params"].get("thumbnailOf") in refs)]
        reading = asyncio.ensure_future(self.store.get_blobs([m["ref"] for m in assets]))
        await asyncio.sleep(0)  # the read's first step runs, and issues every request
        return project, assets, reading
