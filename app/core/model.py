"""Records the vault stores, as plain dicts (what IndexedDB holds), and their validation.

    project = new_project({"title": "Sunset"}, now_ms=clock())
    opts = AssetOptions.parse({"role": "frame", "params": {"seed": 7}})
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .errors import InvalidInputError
from .sniff import KINDS

MAX_TITLE = 200
MAX_TEXT = 4000
MAX_NAME = 255
MAX_ROLE = 40
MAX_PARAMS_JSON = 64 * 1024

PROJECT_FIELDS = ("title", "prompt", "style", "mood", "durationSec", "frameCount")


def _text(value: object, field_name: str, limit: int, default: str = "") -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidInputError(f"{field_name} must be text, got {type(value).__name__}.")
    value = value.strip()
    if len(value) > limit:
        raise InvalidInputError(f"{field_name} is {len(value)} characters long; the limit is {limit}.")
    if "\x00" in value:
        raise InvalidInputError(f"{field_name} contains a NUL character.")
    return value


def _number(value: object, field_name: str, integer: bool) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
        raise InvalidInputError(f"{field_name} must be a non-negative number, got {value!r}.")
    if integer:
        if int(value) != value:
            raise InvalidInputError(f"{field_name} must be a whole number, got {value!r}.")
        return int(value)
    return value


def new_project(options: object, project_id: str, now_ms: int) -> dict:
    if not isinstance(options, dict):
        raise InvalidInputError("createProject takes an object such as {title: 'My video'}.")
    unknown = set(options) - set(PROJECT_FIELDS)
    if unknown:
        raise InvalidInputError(f"Unknown project field(s): {', '.join(sorted(unknown))}.")
    title = _text(options.get("title"), "title", MAX_TITLE)
    if not title:
        raise InvalidInputError("A project needs a title.")
    return {
        "id": project_id,
        "title": title,
        "prompt": _text(options.get("prompt"), "prompt", MAX_TEXT),
        "style": _text(options.get("style"), "style", MAX_TITLE),
        "mood": _text(options.get("mood"), "mood", MAX_TITLE),
        "durationSec": _number(options.get("durationSec"), "durationSec", integer=False),
        "frameCount": _number(options.get("frameCount"), "frameCount", integer=True),
        "status": "active",
        "createdAt": now_ms,
        "updatedAt": now_ms,
        "assetCount": 0,  # every asset, thumbnails included; kept by the store with each write
        "bytes": 0,
    }


def project_changes(fields: object) -> dict:
    """The fields of an edit (updateProject), each checked as createProject checks it; null
    clears one (a title cannot be cleared)."""
    if not isinstance(fields, dict) or not fields:
        raise InvalidInputError("updateProject takes the fields to change, such as {title: 'New title'}.")
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise InvalidInputError(f"Unknown project field(s): {', '.join(sorted(unknown))}.")
    changes: dict = {}
    for name, value in fields.items():
        if name in ("durationSec", "frameCount"):
            changes[name] = _number(value, name, integer=name == "frameCount")
        else:
            changes[name] = _text(value, name, MAX_TEXT if name == "prompt" else MAX_TITLE)
    if "title" in changes and not changes["title"]:
        raise InvalidInputError("A project needs a title.")
    return changes


def asset_changes(fields: object) -> dict:
    """The fields of an edit (updateAsset): name, role, params, checked as at a save."""
    if not isinstance(fields, dict) or not fields or set(fields) - {"name", "role", "params"}:
        raise InvalidInputError("updateAsset takes the fields to change: {name?, role?, params?}.")
    parsed = AssetOptions.parse(fields)
    changes = {name: getattr(parsed, name) for name in fields}
    if "name" in changes and not changes["name"]:
        raise InvalidInputError("A file needs a name.")
    if changes.get("role") == THUMBNAIL_ROLE:
        raise InvalidInputError("The role thumbnail is the vault's own, for the previews it makes.")
    return changes


@dataclass(frozen=True)
class AssetOptions:
    kind: str | None = None
    role: str = ""
    name: str = ""
    params: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, options: object) -> "AssetOptions":
        if options is None:
            return cls()
        if not isinstance(options, dict):
            raise InvalidInputError("Asset options must be an object: {kind?, role?, name?, params?}.")
        unknown = set(options) - {"kind", "role", "name", "params"}
        if unknown:
            raise InvalidInputError(f"Unknown asset option(s): {', '.join(sorted(unknown))}.")
        kind = options.get("kind")
        if kind is not None and kind not in KINDS:
            raise InvalidInputError(f"kind must be one of image, video, audio (got {kind!r}).")
        params = options.get("params")
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise InvalidInputError("params must be an object of generation parameters.")
        try:
            encoded = json.dumps(params, allow_nan=False)
        except (TypeError, ValueError) as err:
            raise InvalidInputError(f"params must be plain JSON (text, numbers, lists, objects): {err}.") from None
        if len(encoded) > MAX_PARAMS_JSON:
            raise InvalidInputError(
                f"params are {len(encoded)} bytes as JSON; the limit is {MAX_PARAMS_JSON}. "
                "Keep media out of params: save it as an asset and put its ref in params."
            )
        return cls(
            kind=kind,
            role=_text(options.get("role"), "role", MAX_ROLE),
            name=_text(options.get("name"), "name", MAX_NAME),
            params=json.loads(encoded),
        )


THUMBNAIL_ROLE = "thumbnail"  # the role of previews the vault makes (and providers send)


def asset_record(*, ref: str, project_id: str, kind: str, mime: str, size: int, crc32: int,
                 created_at: int, options: AssetOptions, default_name: str) -> dict:
    return {
        "ref": ref,
        "projectId": project_id,
        "kind": kind,
        "role": options.role or kind,
        "name": options.name or default_name,
        "mime": mime,
        "size": size,
        "crc32": crc32,
        "createdAt": created_at,
        "params": options.params,
        "thumbnailRef": None,
    }


_EXT = {"image/jpeg": "jpg", "audio/mpeg": "mp3", "video/quicktime": "mov", "audio/x-wav": "wav",
        "audio/wav": "wav", "video/x-matroska": "mkv", "audio/mp4": "m4a", "audio/aac": "aac"}


def extension(mime: str) -> str:
    return _EXT.get(mime) or mime.split("/", 1)[1].removeprefix("x-")


def default_name(kind: str, mime: str, created_at: int) -> str:
    ext = mime.split("/", 1)[1].replace("x-", "").replace("mpeg", "mp3").replace("quicktime", "mov")
    return f"{kind}-{created_at}.{ext}"
