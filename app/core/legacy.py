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
from dataclasses import dataclass, field

from .dataurl import parse_data_url
from .errors import InvalidInputError, VaultError
from .model import AssetOptions
from .ports import KeyValuePort
from .refs import PREFIX
from .sniff import SNIFF_BYTES, MediaType, resolve_type

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


@dataclass(frozen=True)
class Rescued:
    """A data URL's media as the vault stores it."""

    data: bytes
    media: MediaType
    options: AssetOptions
    name: str


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
    title = f"Rescued from localStorage {now_iso}".strip()
    project_id, total_assets, bytes_freed, skipped = None, 0, 0, []
    for key in _chosen(kv, keys):
        value = kv.get(key) or ""
        found = _media(key, value, skipped)
        if not found:
            continue
        project_id, refs = await vault.add_rescued([data for _, data in found], project_id, title)
        total_assets += len(refs)
        # Committed: now the value may point at the vault, unless the host app changed it meanwhile.
        if kv.get(key) == value:
            new_value = rewrite(value, [(item, ref) for (item, _), ref in zip(found, refs)])
            kv.set(key, new_value)
            bytes_freed += len(value) - len(new_value)
        else:
            skipped.append(f"{key}: changed while it was being rescued; left as it is (the copies are stored)")
    if project_id is None:
        raise InvalidInputError("None of the data URLs found could be read as media: " + "; ".join(skipped))
    return {"projectId": project_id, "assets": total_assets, "bytesFreed": bytes_freed, "skipped": skipped}


def _chosen(kv: KeyValuePort, keys: object) -> list[str]:
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
    return chosen


def _media(key: str, value: str, skipped: list[str]) -> list[tuple[Found, Rescued]]:
    """The data URLs in ``value`` that hold media, each as found and as the vault stores it."""
    found = []
    for index, item in enumerate(find_data_urls(value)):
        try:
            parsed = parse_data_url(item.text)
            media = resolve_type(parsed.data[:SNIFF_BYTES], parsed.mime)
        except VaultError as err:
            skipped.append(f"{key} {item.path or index}: {err}")
            continue
        params = dict(item.context, legacyKey=key, legacyPath=item.path or str(index))
        found.append((item, Rescued(parsed.data, media, AssetOptions(role="legacy", params=params),
                                    f"{key}-{index + 1}.{media.mime.split('/')[1]}")))
    return found
