"""Rescue of media that host apps stuffed into localStorage as base64 data URLs.

    scan(kv)                      -> [{"key": "generatedFrames", "dataUrls": 20, "bytes": 3_200_000}]
    await rescue(kv, vault, keys) -> {"projectId": "p_…", "assets": 20, "bytesFreed": 3_199_000}

Each data URL is moved into a new project and replaced *in place* by ``vault:<ref>``; every other
character of the value stays as it was (a JSON array of frames keeps its ids, prompts, order).
The key is rewritten only after IndexedDB has committed its assets, and only if the host app did
not change the value meanwhile; so a crash or a race never leaves a reference to nothing.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass, field

from .dataurl import parse_data_url
from .errors import InvalidInputError, VaultError
from .ids import new_project_id, new_ref
from .model import AssetOptions, asset_record, new_project
from .ports import KeyValuePort
from .refs import PREFIX
from .sniff import SNIFF_BYTES, resolve_type

REF_PREFIX = "vault:"
# JSON may escape "/" as "\/": accept it inside the base64 run.
_DATA_URL = re.compile(
    r"data:(?:image|video|audio)\\?/[A-Za-z0-9.+-]+(?:;[A-Za-z0-9=._+-]+)*;base64,(?:[A-Za-z0-9+/=]|\\/)+")
_CONTEXT_LIMIT = 1024


@dataclass
class Found:
    start: int
    end: int
    text: str
    path: str = ""
    context: dict = field(default_factory=dict)


def find_data_urls(value: str) -> list[Found]:
    if "data:" not in value:
        return []
    found = [Found(m.start(), m.end(), m.group(0).replace("\\/", "/")) for m in _DATA_URL.finditer(value)]
    if found:
        _add_json_context(value, found)
    return found


def _add_json_context(value: str, found: list[Found]) -> None:
    """Name each data URL by its JSON path and keep its sibling fields as regeneration params."""
    try:
        doc = json.loads(value)
    except ValueError:
        return
    walked: list[tuple[str, str, dict]] = []

    def walk(node, path, parent):
        if isinstance(node, str):
            if _DATA_URL.fullmatch(node):
                walked.append((node, path, parent))
        elif isinstance(node, dict):
            context = {k: v for k, v in node.items()
                       if isinstance(v, (int, float, bool)) or (isinstance(v, str) and len(v) <= _CONTEXT_LIMIT
                                                                 and not v.startswith("data:"))}
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else k, context)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]", parent)

    walk(doc, "", {})
    if len(walked) != len(found) or any(w[0] != f.text for w, f in zip(walked, found)):
        return
    for (_, path, context), item in zip(walked, found):
        item.path = path
        item.context = context


def scan(kv: KeyValuePort) -> list[dict]:
    results = []
    for key in sorted(kv.keys()):
        if key.startswith(PREFIX):
            continue
        value = kv.get(key) or ""
        found = find_data_urls(value)
        if found:
            results.append({"key": key, "dataUrls": len(found), "bytes": sum(len(f.text) for f in found)})
    return results


def rewrite(value: str, replacements: list[tuple[Found, str]]) -> str:
    parts, last = [], 0
    for item, ref in sorted(replacements, key=lambda r: r[0].start):
        parts.append(value[last:item.start])
        parts.append(REF_PREFIX + ref)
        last = item.end
    parts.append(value[last:])
    return "".join(parts)


async def rescue(kv: KeyValuePort, vault, keys: object = None, now_iso: str = "") -> dict:
    """Move the media of ``keys`` (default: every key ``scan`` finds) into one new project."""
    available = {entry["key"] for entry in scan(kv)}
    if keys is None:
        chosen = sorted(available)
    else:
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise InvalidInputError("rescueLegacy takes a list of localStorage keys, or nothing for all.")
        missing = [k for k in keys if k not in available]
        if missing:
            raise InvalidInputError(f"No base64 media found under: {', '.join(missing)}.")
        chosen = list(dict.fromkeys(keys))
    if not chosen:
        raise InvalidInputError("There is no base64 media in localStorage to rescue.")
    created = vault.clock()
    project = new_project({"title": f"Rescued from localStorage {now_iso}".strip()}, new_project_id(), created)
    project_written = False
    total_assets = 0
    bytes_freed = 0
    skipped: list[str] = []
    for key in chosen:
        value = kv.get(key) or ""
        entries, replacements = [], []
        for index, item in enumerate(find_data_urls(value)):
            try:
                parsed = parse_data_url(item.text)
                media = resolve_type(parsed.data[:SNIFF_BYTES], parsed.mime)
            except VaultError as err:
                skipped.append(f"{key} {item.path or index}: {err}")
                continue
            params = dict(item.context, legacyKey=key, legacyPath=item.path or str(index))
            at = vault.clock()
            meta = asset_record(
                ref=new_ref(), project_id=project["id"], kind=media.kind, mime=media.mime,
                size=len(parsed.data), crc32=zlib.crc32(parsed.data), created_at=at,
                options=AssetOptions(role="legacy", params=params),
                default_name=f"{key}-{index + 1}.{media.mime.split('/')[1]}")
            entries.append((meta, vault.blobs.from_bytes(parsed.data, media.mime)))
            replacements.append((item, meta["ref"]))
        if not entries:
            continue
        await vault.add_rescued(entries, None if project_written else project)
        project_written = True
        total_assets += len(entries)
        # Committed: now the value may point at the vault, unless the host app changed it meanwhile.
        if kv.get(key) == value:
            new_value = rewrite(value, replacements)
            kv.set(key, new_value)
            bytes_freed += len(value) - len(new_value)
        else:
            skipped.append(f"{key}: changed while it was being rescued; left as it is (the copies are stored)")
    if not project_written:
        raise InvalidInputError("None of the data URLs found could be read as media: " + "; ".join(skipped))
    return {"projectId": project["id"], "assets": total_assets, "bytesFreed": bytes_freed, "skipped": skipped}
