"""What an edit does to a record, written once: the vault hands these to the store, which applies
them inside its transaction to the record as it then stands (IndexedDB or the test fake alike).
Each returns the new record, or None to refuse the change for that record.

A project's counters (``assetCount``, ``bytes``), kept on its record in the transaction of every
write so that listing projects reads no asset: ``totals`` and ``change_totals``. A project's count
is of its files, as its page shows them; its bytes include their previews, what it takes up.

The backup mark: a record that has one ("queued", "uploaded", "failed") is queued again by any
change the bucket's copy must follow, and its ``rev`` goes up, so that an upload of the old
version that ends after the change does not mark the new one sent.
"""

from __future__ import annotations

from .model import THUMBNAIL_ROLE
from .sniff import MediaType
from .versions import ASSET_GROUPS, BYTES_FIELDS, META_FIELDS, newer, stamped, version

BACKUP_QUEUED, BACKUP_DONE, BACKUP_FAILED = "queued", "uploaded", "failed"


def _requeued(old: dict, new: dict, state: str = BACKUP_QUEUED) -> dict:
    if "backup" in new:
        new.update(backup=state, rev=old.get("rev", 0) + 1)
        new.pop("backupError", None)
    return new


def edited(changes: dict, stamp: list):
    """A rename, a role or params (a file's; a preview is the vault's own), at version ``stamp``."""
    def change(old: dict) -> dict | None:
        if old["role"] == THUMBNAIL_ROLE:
            return None
        new = {**old, **changes}
        return _requeued(old, stamped(new, "meta", stamp)) if new != old else new
    return change


def moved(refs: set[str], project_id: str, now: int, sent: bool):
    """Into ``project_id``: each asked file, and the preview of each (a preview asked for alone
    is refused). ``sent``: the bucket holds it there already (another device's move)."""
    def change(old: dict) -> dict | None:
        if old["role"] == THUMBNAIL_ROLE and old["params"].get("thumbnailOf") not in refs:
            return None
        return _requeued(old, dict(old, projectId=project_id, movedAt=now), BACKUP_DONE if sent else BACKUP_QUEUED)
    return change


def deletion(meta: dict) -> tuple[list[str], str | None]:
    """What deleting ``meta`` takes along: a file's preview goes with it; a preview deleted alone
    leaves its file (returned, to be unlinked) without one."""
    along = [meta["thumbnailRef"]] if meta.get("thumbnailRef") else []
    parent = meta["params"].get("thumbnailOf") if meta["role"] == THUMBNAIL_ROLE else None
    return along, parent


def takes_preview(parent: dict | None) -> bool:
    """A preview is stored for a file still there and without one (a provider's came first, say)."""
    return parent is not None and not parent.get("thumbnailRef")


def remarked(meta: dict, state: str | None, only: set | None) -> dict | None:
    """Backup turned on, off, or a retry: ``meta`` with mark ``state`` (None: no mark), if its
    mark is one of ``only`` (None: any); else None, unchanged."""
    if only is not None and meta.get("backup") not in only:
        return None
    new = {k: v for k, v in meta.items() if k not in ("backupError", "backup")}
    if state is not None:
        new["backup"] = state
    return new


def backup_settled(meta: dict, fields: dict) -> dict | None:
    """An upload's outcome ({"backup": state, "backupError"?, "ifRev"?}) applied to ``meta``; None
    if backup was turned off meanwhile, or the record changed since the upload began (its rev is
    not ``ifRev``: an upload of bytes since replaced must not mark the new ones sent)."""
    fields = dict(fields)
    if "backup" not in meta or fields.pop("ifRev", meta.get("rev", 0)) != meta.get("rev", 0):
        return None
    new = {k: v for k, v in meta.items() if k != "backupError"}
    new.update(fields)
    return new


def to_move(found: dict[str, dict], project_id: str) -> tuple[dict[str, dict], set[str]]:
    """Of the records asked to move (by ref), those a move writes (not in ``project_id`` already),
    and the refs of the previews they take along that are still to be read."""
    moving = {ref: m for ref, m in found.items() if m["projectId"] != project_id}
    return moving, {m["thumbnailRef"] for m in moving.values() if m.get("thumbnailRef")} - set(moving)


def replaced(old: dict, media: MediaType, size: int, crc: int | None, now: int, stamp: list) -> dict:
    """New bytes under the same ref, at version ``stamp``: a new type, size and checksum, no
    preview yet (its old one goes), and the bucket's copy is stale."""
    new = dict(stamped(old, "bytes", stamp), mime=media.mime, size=size, crc32=crc, thumbnailRef=None,
               rev=old.get("rev", 0) + 1, replacedAt=now)
    new.pop("pending", None)
    new.pop("backupError", None)
    if "backup" in new:
        new["backup"] = BACKUP_QUEUED
    return new


def is_file(meta: dict) -> bool:
    """A file a person saved or made, as opposed to a preview the vault made of one."""
    return meta.get("role") != THUMBNAIL_ROLE


def totals(metas) -> dict[str, tuple[int, int]]:
    """Per project ID, (files, bytes) of these records: previews add bytes, not files."""
    out: dict = {}
    for meta in metas:
        count, size = out.get(meta["projectId"], (0, 0))
        out[meta["projectId"]] = (count + is_file(meta), size + meta["size"])
    return out


def change_totals(added=(), removed=()) -> dict[str, tuple[int, int]]:
    """Per project ID, what its counters gain (negative: lose) when ``added`` records are
    written and ``removed`` ones go (a record moved or given new bytes is in both)."""
    out = totals(added)
    for project_id, (count, size) in totals(removed).items():
        have, total = out.get(project_id, (0, 0))
        out[project_id] = (have - count, total - size)
    return {pid: delta for pid, delta in out.items() if delta != (0, 0)}


def synced(row: dict, groups: set[str]):
    """Another device's newer ``groups`` ("meta", "bytes") of a file, from the bucket's ``row``,
    taken in. A record that then matches the row in every group is what the bucket holds; one
    that joined a change of its own with the row's (a rename here, new bytes there) is sent
    again, so that the other devices get the join."""
    def change(old: dict) -> dict | None:
        if old["role"] == THUMBNAIL_ROLE and "meta" in groups:
            return None
        new = dict(old)
        for group in groups:
            for key in META_FIELDS if group == "meta" else BYTES_FIELDS:
                new[key] = row[key]
            new = stamped(new, group, list(version(row, group)))
        if "bytes" in groups:
            new["thumbnailRef"] = None  # the old bytes' preview goes; the row's comes with the pull
        if "backup" not in new:
            return new
        joined = any(newer(version(new, g), version(row, g)) for g in ASSET_GROUPS)
        if joined:
            return _requeued(old, new)
        # An upload of the old version still under way must not mark this one sent.
        return dict(new, backup=BACKUP_DONE, rev=old.get("rev", 0) + 1)
    return change
