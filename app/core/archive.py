"""The project archive format (a contract): what goes into an export, and what an import accepts.

    entries, manifest = run_steps(export_steps(project, assets, now_ms))  # ZipEntry list, manifest first
    plan = read_manifest(manifest_bytes)  # or InvalidArchiveError

An archive is a zip with ``manifest.json`` first, then the media under ``images/``, ``videos/``,
``audio/`` and ``thumbnails/`` with readable, safe, unique names. The manifest carries the
project record and, per asset, everything needed to restore it exactly: ref, path, kind, role,
name, mime, size, crc32, params, createdAt, and the thumbnail link.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from dataclasses import dataclass
from typing import Generator

from .errors import InvalidArchiveError, InvalidInputError
from .ids import is_valid_ref
from .model import MAX_NAME, PROJECT_FIELDS, AssetOptions, asset_record, extension, new_project
from .sniff import KINDS
from .zipreader import Member, Source, check_name, folded, stream_member
from . import zipwriter
from .zipwriter import ZipEntry

FORMAT = "offline-asset-vault"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
FOLDERS = {"image": "images", "video": "videos", "audio": "audio"}
THUMBNAILS = "thumbnails"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def safe_file_name(name: str, mime: str, fallback: str) -> str:
    """A readable name that is safe on every file system, ending in the type's extension."""
    text = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip(" ._")
    ext = extension(mime)
    stem = text[: -len(ext) - 1] if text.lower().endswith("." + ext) else text
    stem = stem.strip(" ._")[:100] or fallback
    return f"{stem}.{ext}"


def _unique(path: str, taken: set[str]) -> str:
    stem, dot, ext = path.rpartition(".")
    candidate, n = path, 2
    key = folded(candidate)
    while key in taken:
        candidate = f"{stem}-{n}.{ext}" if dot else f"{path}-{n}"
        key = folded(candidate)
        n += 1
    taken.add(key)
    return candidate


def archive_file_name(title: str, now_ms: int) -> str:
    stem = safe_file_name(title, "application/zip", "project").removesuffix(".zip")[:80]
    return f"{stem}-{time.strftime('%Y-%m-%d', time.gmtime(now_ms / 1000))}.zip"


def export_steps(project: dict, assets: list[dict], now_ms: int) -> Generator[None, None, tuple[list[ZipEntry], dict]]:
    """Zip entries for a project (media entries carry the asset ref as ``source``) and the
    manifest, worked out in steps of zipwriter.STEP_ROWS assets: a generator that returns them,
    so that the caller lets the page breathe between steps (at 20,000 entries the work is ~0.3 s
    in Pyodide). zipwriter.run_steps runs it at once."""
    paths = yield from _paths(assets)
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "exportedAt": now_ms,
        "project": {k: project.get(k) for k in ("id", *PROJECT_FIELDS, "status", "createdAt", "updatedAt")},
        "assets": [
            {"ref": m["ref"], "path": paths[m["ref"]], "kind": m["kind"], "role": m["role"], "name": m["name"],
             "mime": m["mime"], "size": m["size"], "crc32": m["crc32"], "params": m["params"],
             "createdAt": m["createdAt"], "thumbnailRef": m.get("thumbnailRef")}
            for m in assets],
    }
    body = yield from _encoded(manifest)
    entries = [ZipEntry(MANIFEST, data=body, mtime_ms=now_ms)]
    entries += [ZipEntry(paths[m["ref"]], m["size"], m["crc32"], source=m["ref"], mtime_ms=m["createdAt"])
                for m in assets]
    return entries, manifest


def _paths(assets: list[dict]) -> Generator[None, None, dict[str, str]]:
    """Each asset's path in the archive, by ref: in its kind's folder, unique after case folding."""
    taken = {folded(MANIFEST)}
    paths: dict[str, str] = {}
    for i, meta in enumerate(assets, 1):
        folder = THUMBNAILS if meta["role"] == "thumbnail" else FOLDERS[meta["kind"]]
        name = safe_file_name(meta["name"], meta["mime"], meta["role"] or meta["kind"])
        paths[meta["ref"]] = _unique(f"{folder}/{name}", taken)
        if i % zipwriter.STEP_ROWS == 0:
            yield
    return paths


def _encoded(manifest: dict) -> Generator[None, None, bytes]:
    """The manifest as JSON, one asset a line, encoded a step at a time: one json.dumps of 20,000
    rows held the page."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    head = encode({k: v for k, v in manifest.items() if k != "assets"})
    lines = [head[:-1] + ', "assets": [']
    rows = manifest["assets"]
    for start in range(0, len(rows), zipwriter.STEP_ROWS):
        yield
        lines += [encode(row) + "," for row in rows[start:start + zipwriter.STEP_ROWS]]
    if rows:
        lines[-1] = lines[-1][:-1]
    lines.append("]}")
    return "\n".join(lines).encode("utf-8")


@dataclass(frozen=True)
class ManifestAsset:
    ref: str
    path: str
    kind: str
    mime: str
    size: int
    crc32: int
    created_at: int
    thumbnail_ref: str | None
    options: AssetOptions


@dataclass(frozen=True)
class Manifest:
    project: dict  # validated project fields (title, prompt, ...), plus id and times if valid
    assets: list[ManifestAsset]


def read_manifest(data: bytes) -> Manifest:
    def bad(why: str) -> InvalidArchiveError:
        return InvalidArchiveError(f"{MANIFEST!r}: {why}")

    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise bad(f"it is not valid JSON ({err})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise bad(f"it is not an {FORMAT} manifest (format is {doc.get('format') if isinstance(doc, dict) else None!r})")
    version = doc.get("version")
    if version != FORMAT_VERSION:
        raise bad(f"it is format version {version!r}; this vault reads version {FORMAT_VERSION}. "
                  "It was probably made by a newer version of the vault: update this one and import again.")
    record = doc.get("project")
    if not isinstance(record, dict):
        raise bad("it has no project record")
    try:
        fields = new_project({k: record.get(k) for k in PROJECT_FIELDS if record.get(k) not in (None, "")},
                             "p_import", 0)
    except InvalidInputError as err:
        raise bad(f"its project record is invalid: {err}") from None
    project = {k: fields[k] for k in PROJECT_FIELDS}
    project["id"] = record["id"] if is_valid_ref(record.get("id")) else None
    for stamp in ("createdAt", "updatedAt"):
        project[stamp] = record[stamp] if _whole(record.get(stamp)) else None
    rows = doc.get("assets")
    if not isinstance(rows, list):
        raise bad("it has no asset list")
    assets, refs, paths = [], set(), set()
    for index, row in enumerate(rows):
        assets.append(_manifest_asset(row, index, bad))
        if assets[-1].ref in refs or folded(assets[-1].path) in paths:
            raise bad(f"asset {index + 1} repeats a ref or path")
        refs.add(assets[-1].ref)
        paths.add(folded(assets[-1].path))
    for a in assets:
        if a.thumbnail_ref is not None and a.thumbnail_ref not in refs:
            raise bad(f"{a.path!r} links a thumbnail {a.thumbnail_ref!r} the archive does not hold")
    return Manifest(project, assets)


def project_record(manifest: Manifest, fallback_id: str, now_ms: int) -> dict:
    """The project record an import or restore stores: the manifest's, with its ID and times
    where they were valid."""
    p = manifest.project
    project = new_project({k: p[k] for k in PROJECT_FIELDS if p[k] not in (None, "")}, p["id"] or fallback_id, now_ms)
    project["createdAt"] = p["createdAt"] or now_ms
    project["updatedAt"] = p["updatedAt"] or now_ms
    return project


def asset_meta(asset: ManifestAsset, project_id: str, kind: str, mime: str) -> dict:
    """The metadata an import or restore stores for a manifest entry whose bytes were checked."""
    meta = asset_record(ref=asset.ref, project_id=project_id, kind=kind, mime=mime, size=asset.size,
                        crc32=asset.crc32, created_at=asset.created_at, options=asset.options, default_name="")
    meta["thumbnailRef"] = asset.thumbnail_ref
    return meta


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _manifest_asset(row: object, index: int, bad) -> ManifestAsset:
    if not isinstance(row, dict):
        raise bad(f"asset {index + 1} is not an object")
    where = f"asset {index + 1} ({row.get('path')!r})"
    if not is_valid_ref(row.get("ref")):
        raise bad(f"{where} has no valid ref")
    path = row.get("path")
    if not isinstance(path, str) or check_name(path):
        raise bad(f"{where} has an unsafe path ({check_name(path) if isinstance(path, str) else 'missing'})")
    if row.get("kind") not in KINDS or not isinstance(row.get("mime"), str):
        raise bad(f"{where} has no valid kind and mime")
    if not _whole(row.get("size")) or not _whole(row.get("crc32")) or row["crc32"] > 0xFFFFFFFF:
        raise bad(f"{where} has no valid size and crc32")
    if not _whole(row.get("createdAt")):
        raise bad(f"{where} has no valid createdAt")
    thumb = row.get("thumbnailRef")
    if thumb is not None and not is_valid_ref(thumb):
        raise bad(f"{where} has an invalid thumbnailRef")
    name = row.get("name") if isinstance(row.get("name"), str) else ""
    try:
        options = AssetOptions.parse({"kind": row["kind"], "role": row.get("role") or "",
                                      "name": name[:MAX_NAME], "params": row.get("params") or {}})
    except InvalidInputError as err:
        raise bad(f"{where}: {err}") from None
    return ManifestAsset(row["ref"], path, row["kind"], row["mime"], row["size"], row["crc32"],
                         row["createdAt"], thumb, options)


def is_skipped_in_plain_zip(name: str) -> str | None:
    """Why an entry of a plain zip (no manifest) is not imported, before looking at its bytes."""
    base = name.rstrip("/").rsplit("/", 1)[-1]
    if name.startswith("__MACOSX/"):
        return "macOS resource data"
    if base.startswith("."):
        return "a hidden file"
    return None


async def read_manifest_entry(source: Source, member: Member) -> Manifest:
    if member.size > MAX_MANIFEST_BYTES:
        raise InvalidArchiveError(f"{MANIFEST!r}: it is {member.size:,} bytes; the limit is {MAX_MANIFEST_BYTES:,}")
    pieces: list[bytes] = []
    await stream_member(source, member, pieces.append)
    return read_manifest(b"".join(pieces))


def match_manifest(manifest: Manifest, members: list[Member]):
    """Pair each manifest asset with its zip entry, which must agree on size and CRC-32.
    Returns ([(member, asset)], [why each other entry is skipped])."""
    by_name = {m.name: m for m in members}
    plan = []
    for asset in manifest.assets:
        member = by_name.get(asset.path)
        if member is None or member.is_dir:
            raise InvalidArchiveError(f"{asset.path!r}: the manifest lists it but the archive does not hold it")
        if (member.size, member.crc32) != (asset.size, asset.crc32):
            raise InvalidArchiveError(f"{asset.path!r}: its size or CRC-32 disagrees with the manifest")
        plan.append((member, asset))
    listed = {a.path for a in manifest.assets} | {MANIFEST}
    skipped = [f"{m.name}: not listed in the manifest" for m in members if not m.is_dir and m.name not in listed]
    return plan, skipped
