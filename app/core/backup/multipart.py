"""Large media in parts: a fixed part size (every part but the last the same, as R2 requires),
and an upload that survives a reload without sending again what the server already has.

    parts = plan(size)                                 # [(number, start, end)]
    await upload(vault.marks, remote, blobs, meta, blob, key, on_bytes)  # resumes: IndexedDB + ListParts

The upload ID and the part ETags are kept in IndexedDB (the vault's settings) as parts finish;
after a reload the server's own list (ListParts) decides which parts are there, so a part that
finished just before the page closed is not sent twice, and one the server lost is sent again.
"""

from __future__ import annotations

from typing import Callable

from ..ports import BlobPort

MIB = 1024 * 1024
PART_BYTES = 16 * MIB  # S3 wants >= 5 MiB but the last; 16 MiB x 10,000 parts covers any asset
THRESHOLD = 32 * MIB  # smaller objects go in one PUT (a retry resends at most this much)
STATE_KEY = "backup.multipart."  # + ref: {key, size, uploadId, parts: {number: etag}}


def plan(size: int, part_bytes: int = PART_BYTES) -> list[tuple[int, int, int]]:
    """(part number from 1, start, end) covering ``size`` bytes."""
    return [(i + 1, start, min(start + part_bytes, size)) for i, start in enumerate(range(0, size, part_bytes))]


async def upload(marks, remote, blobs: BlobPort, meta: dict, blob, key: str,
                 on_bytes: Callable[[int], None] | None = None) -> None:
    """``marks``: the vault's (the upload's state is kept in its settings); ``remote``: the bucket."""
    state_key = STATE_KEY + meta["ref"]
    state = await marks.setting(state_key)
    have: dict[int, tuple[str, int]] | None = None
    if state and state.get("key") == key and state.get("size") == meta["size"]:
        have = await remote.list_parts(key, state["uploadId"])  # None: the server dropped the upload
    if have is None:
        state = {"key": key, "size": meta["size"], "uploadId": await remote.start_multipart(key, meta["mime"]),
                 "parts": {}}
        await marks.save_setting(state_key, state)
        have = {}
    etags: dict[int, str] = {}
    for number, start, end in plan(meta["size"], PART_BYTES):
        if number in have and have[number][1] == end - start:
            etags[number] = have[number][0]
            if on_bytes:
                on_bytes(end - start)
            continue
        part = blobs.slice(blob, start, end, "application/octet-stream")
        etags[number] = await remote.put_part(key, state["uploadId"], number, part)
        state["parts"][str(number)] = etags[number]
        await marks.save_setting(state_key, state)
        if on_bytes:
            on_bytes(end - start)
    await remote.complete_multipart(key, state["uploadId"], sorted(etags.items()))
    await marks.save_setting(state_key, None)


async def forget(marks, remote, ref: str) -> None:
    """An asset deleted before its upload finished: abort the server's half and the bookkeeping."""
    state = await marks.setting(STATE_KEY + ref)
    if state:
        try:
            await remote.abort_multipart(state["key"], state["uploadId"])
        finally:
            await marks.save_setting(STATE_KEY + ref, None)
