"""The vault's own localStorage: small JSON under app-prefixed keys, within a budget, never media.

    refs = AppStorage(kv)
    refs.put("lastProject", "p_x1y2")        # stored as assetVault:lastProject = "\\"p_x1y2\\""
    refs.get("lastProject")                   # -> "p_x1y2"

IndexedDB holds the data; these values are conveniences. So when localStorage is unavailable or
full, the vault keeps working and ``problem`` says why (the page shows it).
"""

from __future__ import annotations

import json

from .dataurl import is_media_data_url
from .errors import InvalidInputError, QuotaExceededError, StorageUnavailableError
from .ports import KeyValuePort

PREFIX = "assetVault:"
MAX_VALUE_BYTES = 4 * 1024
MAX_TOTAL_BYTES = 256 * 1024


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


class AppStorage:
    def __init__(self, kv: KeyValuePort | None):
        self.kv = kv
        self.problem: str | None = None if kv is not None else "localStorage is not available in this browser."

    def get(self, name: str, default=None):
        if self.kv is None:
            return default
        try:
            raw = self.kv.get(PREFIX + name)
        except StorageUnavailableError as err:
            self.problem = str(err)
            return default
        if raw is None:
            return default
        try:
            return json.loads(raw)
        except ValueError:
            return default

    def put(self, name: str, value) -> bool:
        """Store a small JSON value; False (and ``problem`` set) if localStorage refused it."""
        encoded = json.dumps(value, separators=(",", ":"))
        check_small_value(PREFIX + name, encoded)
        if self.kv is None:
            return False
        try:
            if self.bytes_used(excluding=PREFIX + name) + _utf8_len(PREFIX + name + encoded) > MAX_TOTAL_BYTES:
                raise QuotaExceededError(
                    f"The vault's localStorage budget ({MAX_TOTAL_BYTES // 1024} KiB) is used up.")
            self.kv.set(PREFIX + name, encoded)
        except (StorageUnavailableError, QuotaExceededError) as err:
            self.problem = f"Settings could not be saved in localStorage ({err}); your media is safe in IndexedDB."
            return False
        return True

    def remove(self, name: str) -> None:
        if self.kv is not None:
            try:
                self.kv.remove(PREFIX + name)
            except StorageUnavailableError as err:
                self.problem = str(err)

    def bytes_used(self, excluding: str | None = None) -> int:
        """UTF-8 bytes of the vault's own keys and values."""
        if self.kv is None:
            return 0
        total = 0
        try:
            for key in self.kv.keys():
                if key.startswith(PREFIX) and key != excluding:
                    total += _utf8_len(key) + _utf8_len(self.kv.get(key) or "")
        except StorageUnavailableError as err:
            self.problem = str(err)
        return total


def check_small_value(key: str, encoded: str) -> None:
    size = _utf8_len(encoded)
    if size > MAX_VALUE_BYTES:
        raise InvalidInputError(
            f"{key} would take {size} bytes in localStorage; vault values are at most {MAX_VALUE_BYTES}.")
    if "data:" in encoded and any(is_media_data_url(part) for part in encoded.split('"')):
        raise InvalidInputError(f"{key} holds a media data URL: media belongs in IndexedDB, not localStorage.")
