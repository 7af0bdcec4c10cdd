"""What a list of assets shows: its order, its filters and a text search, kept in the page's URL.

    spec = Browse.from_query("sort=-size&kind=image&q=red+fox")
    shown = spec.apply(metas, texts)        # texts: a SearchTexts kept across keystrokes
    link = "#/project/p1?" + spec.query()   # the same view, shareable, surviving a reload

The default order is the order of the work: frames by their frame number (or timestamp) where
their params say so, everything else after them by creation. Search matches every word typed,
in any order, against an asset's name, role, type and params (prompt, model, seed…), ignoring
case; the text searched is built once per record, so a keystroke over 10,000 assets is a scan
of strings.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode

KINDS = ("image", "video", "audio")
# Sort keys a person picks; "order" is the work's own (frame) order.
SORTS = {"order": "Frame order", "created": "Created", "name": "Name", "size": "Size"}
# Where generators put a frame's position in its params, first found wins.
FRAME_KEYS = ("frameNumber", "frame_number", "frameIndex", "frame_index", "frame", "order")
TIME_KEYS = ("timestamp", "time", "t")


@dataclass(frozen=True)
class Browse:
    sort: str = "order"
    descending: bool = False
    kind: str = ""
    role: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, text: str) -> "Browse":
        """From a URL's query string; anything unknown or malformed falls back to the default,
        since the link may have been typed or shared from a newer version."""
        fields = dict(parse_qsl(text or "", keep_blank_values=False))
        sort = fields.get("sort", "order")
        descending = sort.startswith("-")
        sort = sort.lstrip("-")
        if sort not in SORTS:
            sort, descending = "order", False
        kind = fields.get("kind", "")
        return cls(sort=sort, descending=descending, kind=kind if kind in KINDS else "",
                   role=fields.get("role", "")[:100], q=fields.get("q", "")[:500])

    def query(self) -> str:
        """The query string for a link (empty for the default view)."""
        fields = []
        if self.q.strip():
            fields.append(("q", self.q.strip()))
        if self.sort != "order" or self.descending:
            fields.append(("sort", ("-" if self.descending else "") + self.sort))
        if self.kind:
            fields.append(("kind", self.kind))
        if self.role:
            fields.append(("role", self.role))
        return urlencode(fields, quote_via=quote)  # %20, not +: the hash reads back as typed

    @property
    def filtered(self) -> bool:
        return bool(self.kind or self.role or self.q.strip())

    def with_(self, **changes) -> "Browse":
        return Browse(**{**self.__dict__, **changes})

    def apply(self, metas: list[dict], texts: "SearchTexts | None" = None) -> list[dict]:
        """The assets this view shows, in its order."""
        return self.keep(ordered(metas, self.sort, self.descending), texts or SearchTexts())

    def keep(self, metas: list[dict], texts: "SearchTexts") -> list[dict]:
        """Those of ``metas`` that pass the filters and the search, in the order given."""
        if not self.filtered:
            return list(metas)
        terms, kind, role = words(self.q), self.kind, self.role
        return [m for m in metas
                if (not kind or m.get("kind") == kind) and (not role or m.get("role") == role)
                and (not terms or texts.matches(m, terms))]


class Listing:
    """One list of assets shown many ways: each order is sorted once (for as long as the list
    stays the same), so a keystroke in the search box only filters."""

    def __init__(self, metas: list[dict] | None = None):
        self.metas: list[dict] = []
        self.texts = SearchTexts()
        self._orders: dict[tuple[str, bool], list[dict]] = {}
        self._keys: dict[str, dict[str, tuple[dict, tuple]]] = {}  # sort -> ref -> (record, its sort key)
        self.set(metas or [])

    def set(self, metas: list[dict]) -> None:
        self.metas = metas
        self._orders = {}
        keep = {m["ref"] for m in metas}
        self.texts.forget(keep)
        self._keys = {sort: {ref: v for ref, v in keys.items() if ref in keep} for sort, keys in self._keys.items()}

    def warm(self, metas: list[dict], sort: str | None) -> None:
        """Search texts (and keys of ``sort``) of a slice of the list, made ahead of the first
        keystroke: made by it, 20,000 frames' keys and texts took it to ~230 ms."""
        self.texts.warm(metas)
        if sort is not None:
            key, keys = sort_key(sort), self._keys.setdefault(sort, {})
            for meta in metas:
                keys[meta["ref"]] = (meta, key(meta))

    def show(self, spec: Browse) -> list[dict]:
        return spec.keep(self.order(spec), self.texts)

    def order(self, spec: Browse) -> list[dict]:
        key = (spec.sort, spec.descending)
        if key not in self._orders:
            known, make = self._keys.get(spec.sort, {}), sort_key(spec.sort)

            def sort_by(meta: dict) -> tuple:
                kept = known.get(meta["ref"])
                return kept[1] if kept is not None and kept[0] is meta else make(meta)  # a changed record is a new dict
            self._orders[key] = sorted(self.metas, key=sort_by, reverse=spec.descending)
        return self._orders[key]


def ordered(metas: list[dict], sort: str = "order", descending: bool = False) -> list[dict]:
    return sorted(metas, key=sort_key(sort), reverse=descending)


def sort_key(sort: str):
    """The key that puts a list in ``sort`` order ("order": frame order, then creation)."""
    if sort == "name":
        return lambda m: (str(m.get("name", "")).casefold(), m.get("createdAt", 0), m["ref"])
    if sort == "size":
        return lambda m: (m.get("size", 0), m.get("createdAt", 0), m["ref"])
    if sort == "created":
        return lambda m: (m.get("createdAt", 0), m["ref"])
    return frame_key


def frame_key(meta: dict) -> tuple:
    """Frames first, by frame number then timestamp; the rest after them by creation."""
    params = meta.get("params") or {}
    frame = _number(params, FRAME_KEYS)
    stamp = _number(params, TIME_KEYS)
    if frame is None and stamp is None:
        return (1, 0.0, 0.0, meta.get("createdAt", 0), meta["ref"])
    return (0, math.inf if frame is None else frame, math.inf if stamp is None else stamp,
            meta.get("createdAt", 0), meta["ref"])


def _number(params: dict, keys: tuple[str, ...]) -> float | None:
    for key in keys:
        value = params.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)) and math.isfinite(value):
            return float(value)
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                continue
            if math.isfinite(number):
                return number
    return None


def words(q: str) -> list[str]:
    return [w for w in q.casefold().split() if w]


def search_text(meta: dict) -> str:
    """Everything a person may search an asset by, as one lower-case string."""
    params = meta.get("params") or {}
    return "\n".join((str(meta.get("name", "")), str(meta.get("role", "")), str(meta.get("mime", "")),
                      str(meta.get("ref", "")), _flat(params))).casefold()


def _flat(value, key: str = "") -> str:
    if isinstance(value, dict):
        return "\n".join(_flat(v, f"{key}.{k}" if key else str(k)) for k, v in value.items())
    if isinstance(value, str):
        return f"{key} {value}"
    return f"{key} {json.dumps(value, ensure_ascii=False)}"


class SearchTexts:
    """Search texts by ref, built once per record version: a keystroke then costs one substring
    scan per asset, not a walk through every asset's params."""

    def __init__(self):
        self._texts: dict[str, tuple[dict, str]] = {}  # ref -> (the record it was made from, text)

    def text(self, meta: dict) -> str:
        kept = self._texts.get(meta["ref"])
        if kept is None or kept[0] is not meta:  # a changed record arrives as a new dict
            kept = self._texts[meta["ref"]] = (meta, search_text(meta))
        return kept[1]

    def warm(self, metas: list[dict]) -> None:
        """Builds the texts of ``metas`` ahead of the first keystroke (which would otherwise build
        10,000 at once: ~150 ms)."""
        for meta in metas:
            self.text(meta)

    def matches(self, meta: dict, terms: list[str]) -> bool:
        text = self.text(meta)
        return all(term in text for term in terms)

    def forget(self, keep: set[str]) -> None:
        """Drops the texts of assets no longer listed."""
        self._texts = {ref: v for ref, v in self._texts.items() if ref in keep}


def roles(metas: list[dict]) -> list[str]:
    """The roles present, for the role filter: most common first."""
    counts: dict[str, int] = {}
    for m in metas:
        role = str(m.get("role", ""))
        counts[role] = counts.get(role, 0) + 1
    return sorted(counts, key=lambda r: (-counts[r], r))


def group_by_project(metas: list[dict], titles: dict[str, str]) -> list[tuple[str, str, list[dict]]]:
    """Search results across projects: (projectId, title, assets) with projects by title."""
    groups: dict[str, list[dict]] = {}
    for m in metas:
        groups.setdefault(m.get("projectId", ""), []).append(m)
    return sorted(((pid, titles.get(pid, pid), items) for pid, items in groups.items()),
                  key=lambda g: (g[1].casefold(), g[0]))
