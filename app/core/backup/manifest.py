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

Rows and the project record also carry ``"versions"`` ({group: [ms, device]}, versions.py): of
two rows for one file, the one newer in every group is listed; when each is newer in one (a
rename on one device, new bytes on another) the one changed last is, and the device holding
the other change joins both at its next pull and sends the join, newer in both. The project
record listed is the one whose fields were changed last.
"""

from __future__ import annotations

import json

from ..archive import FORMAT, FORMAT_VERSION, Manifest, read_manifest
from ..errors import InvalidArchiveError
from ..ids import is_valid_ref
from ..model import PROJECT_FIELDS
from ..rules import is_file
from ..versions import ASSET_GROUPS, check_versions, newer, version
from .layout import asset_path

PROJECT_KEYS = ("id", *PROJECT_FIELDS, "status", "createdAt", "updatedAt", "versions")


def entry(meta: dict) -> dict:
    row = {"ref": meta["ref"], "path": asset_path(meta), "kind": meta["kind"], "role": meta["role"],
           "name": meta["name"], "mime": meta["mime"], "size": meta["size"], "crc32": meta["crc32"],
           "params": meta["params"], "createdAt": meta["createdAt"], "thumbnailRef": meta.get("thumbnailRef")}
    if meta.get("versions"):
        row["versions"] = meta["versions"]
    return row


def listed_row(mine: dict, theirs: dict | None) -> dict:
    """Of this device's row for a file and the bucket's: the one to list (see above)."""
    if theirs is None:
        return mine
    m, t = ([version(row, g) for g in ASSET_GROUPS] for row in (mine, theirs))
    mine_behind = any(newer(b, a) for a, b in zip(m, t))
    theirs_behind = any(newer(a, b) for a, b in zip(m, t))
    if mine_behind and theirs_behind:  # each newer in one group: the one changed last
        return mine if newer(_latest(m), _latest(t)) else theirs
    return theirs if mine_behind else mine


def _latest(versions: list):
    known = [v for v in versions if v is not None]
    return max(known) if known else None


def listed_project(mine: dict, theirs: dict) -> dict:
    """The project record whose fields were changed last (its times break a tie)."""
    mv, tv = version(mine, "fields"), version(theirs, "fields")
    if newer(tv, mv):
        return theirs
    if newer(mv, tv):
        return mine
    return theirs if (theirs.get("updatedAt") or 0) > (mine.get("updatedAt") or 0) else mine


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
    rows.update((m["ref"], listed_row(entry(m), rows.get(m["ref"]))) for m in uploaded if not _deleted(m, gone))
    listed = []
    for row in sorted(rows.values(), key=lambda r: (r["createdAt"], r["ref"])):
        if row.get("thumbnailRef") not in rows:  # a preview not uploaded yet, or deleted
            row = dict(row, thumbnailRef=None)
        listed.append(row)
    mine = {k: project.get(k) for k in PROJECT_KEYS if k != "versions" or project.get(k)}
    record = listed_project(mine, remote.get("project") or {})
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
    rows = doc.get("assets") or []
    if not check_versions((doc.get("project") or {}).get("versions")) or not all(
            check_versions(row.get("versions")) for row in rows):
        raise InvalidArchiveError("'manifest.json': a versions entry is not {group: [ms, device]}")
    return doc, manifest


def summary(doc: dict) -> dict:
    project = doc.get("project") or {}
    assets = doc.get("assets") or []
    return {"id": project.get("id"), "title": project.get("title") or "", "updatedAt": project.get("updatedAt"),
            "assetCount": sum(map(is_file, assets)), "bytes": sum(a["size"] for a in assets)}
