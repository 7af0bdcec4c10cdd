"""The bucket layout (a contract): each project as its archive would be, unzipped.

    {prefix}/projects/{projectId}/manifest.json
    {prefix}/projects/{projectId}/images/frame 0001-a1B2c3.png     (and videos/, audio/, thumbnails/)

An asset's path is its readable name plus its ref, so it is the same on every device and two
devices adding "frame.png" to one project at once never write the same key. Bytes given anew
(replaceBlob) add their version: ``frame 0001-a1B2c3~1765000000000-dev.png``. Each version of
the bytes is then an object of its own, and an upload of older bytes that lands late can never
put them under a manifest row that lists newer ones.
"""

from __future__ import annotations

from ..archive import FOLDERS, MANIFEST, THUMBNAILS, safe_file_name
from ..model import THUMBNAIL_ROLE
from ..versions import version

PROJECTS = "projects/"


def projects_prefix(prefix: str) -> str:
    return f"{prefix}/{PROJECTS}" if prefix else PROJECTS


def project_root(prefix: str, project_id: str) -> str:
    return f"{projects_prefix(prefix)}{project_id}/"


def manifest_key(prefix: str, project_id: str) -> str:
    return project_root(prefix, project_id) + MANIFEST


def object_key(prefix: str, project_id: str, path: str) -> str:
    return project_root(prefix, project_id) + path


def asset_path(meta: dict) -> str:
    folder = THUMBNAILS if meta["role"] == THUMBNAIL_ROLE else FOLDERS[meta["kind"]]
    name = safe_file_name(meta["name"], meta["mime"], meta["role"] or meta["kind"])
    stem, _, ext = name.rpartition(".")
    made = version(meta, "bytes")
    return f"{folder}/{stem[:80]}-{meta['ref']}{f'~{made[0]}-{made[1]}' if made else ''}.{ext}"


def project_id_of(common_prefix: str, prefix: str) -> str | None:
    """The project ID in a listing's common prefix ``{prefix}/projects/{id}/``."""
    head = projects_prefix(prefix)
    if not common_prefix.startswith(head) or not common_prefix.endswith("/"):
        return None
    inner = common_prefix[len(head):-1]
    return inner if inner and "/" not in inner else None
