"""A project's manifest in the bucket: the archive manifest, plus the deletions devices agreed on.

    doc = merged(remote_doc, project, uploaded_metas, deleted={ref: when}, now_ms)
    doc, manifest = parse(data)          # the archive format's checks, or InvalidArchiveError

It is the archive's ``manifest.json`` (format ``offline-asset-vault`` version 1, readable by
``importArchive`` and any tool that reads our archives), extended compatibly with
``"deleted": {ref: deletedAtMs}``: a ref deleted on one device stays deleted when another device
that still holds it writes the manifest, so a deletion is never undone by a sync. A file moved to
another project (same ref) is a deletion here and an addition there; moved back later, its
``movedAt`` is newer than the tombstone, which is then dropped. An entry is
listed only once its object is in the bucket, so a manifest never names a missing object.
"""

from __future__ import annotations

import json

from ..archive import FORMAT, FORMAT_VERSION, Manifest, read_manifest
from ..errors import InvalidArchiveError
from ..ids import is_valid_ref
from ..model import PROJECT_FIELDS
from ..rules import is_file
from .layout import asset_path

PROJECT_KEYS = ("id", *PROJECT_FIELDS, "status", "createdAt", "updatedAt")


def entry(meta: dict) -> dict:
    return {"ref": meta["ref"], "path": asset_path(meta), "kind": meta["kind"], "role": meta["role"],
            "name": meta["name"], "mime": meta["mime"], "size": meta["size"], "crc32": meta["crc32"],
            "params": meta["params"], "createdAt": meta["createdAt"], "thumbnailRef": meta.get("thumbnailRef")}


def merged(remote: dict | None, project: dict, uploaded: list[dict], deleted: dict[str, int], now_ms: int) -> dict:
    """The union of what the bucket lists and what this device uploaded, less every deletion
    either side knows of; the project record of whichever side changed it last."""
    remote = remote or {}
    gone = dict(remote.get("deleted") or {})
    for ref, when in deleted.items():
        gone[ref] = max(when, gone.get(ref, 0))
    for meta in uploaded:  # moved back in after it was moved out: its tombstone here is stale
        if meta["ref"] in gone and meta.get("movedAt", 0) > gone[meta["ref"]]:
            del gone[meta["ref"]]
    rows = {row["ref"]: row for row in remote.get("assets") or [] if not _deleted(row, gone)}
    rows.update((m["ref"], entry(m)) for m in uploaded if not _deleted(m, gone))
    listed = []
    for row in sorted(rows.values(), key=lambda r: (r["createdAt"], r["ref"])):
        if row.get("thumbnailRef") not in rows:  # a preview not uploaded yet, or deleted
            row = dict(row, thumbnailRef=None)
        listed.append(row)
    theirs = remote.get("project") or {}
    mine = {k: project.get(k) for k in PROJECT_KEYS}
    record = theirs if (theirs.get("updatedAt") or 0) > (mine.get("updatedAt") or 0) else mine
    return {"format": FORMAT, "version": FORMAT_VERSION, "exportedAt": now_ms, "project": record,
            "assets": listed, "deleted": gone}


def _deleted(row: dict, gone: dict) -> bool:
    """Deleted, or the preview of a deleted asset (deleting a frame deletes its preview; older
    versions tombstoned only the frame, and the preview stayed listed, a preview of nothing)."""
    return row["ref"] in gone or (row.get("params") or {}).get("thumbnailOf") in gone


def encode(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse(data: bytes) -> tuple[dict, Manifest]:
    """The raw document (for merging) and the checked manifest (for restoring)."""
    manifest = read_manifest(data)
    doc = json.loads(data.decode("utf-8"))
    gone = doc.get("deleted", {})
    if not isinstance(gone, dict) or not all(is_valid_ref(k) and isinstance(v, int) for k, v in gone.items()):
        raise InvalidArchiveError("'manifest.json': its deleted list is not {ref: time}")
    doc["deleted"] = gone
    return doc, manifest


def summary(doc: dict) -> dict:
    project = doc.get("project") or {}
    assets = doc.get("assets") or []
    return {"id": project.get("id"), "title": project.get("title") or "", "updatedAt": project.get("updatedAt"),
            "assetCount": sum(map(is_file, assets)), "bytes": sum(a["size"] for a in assets)}
