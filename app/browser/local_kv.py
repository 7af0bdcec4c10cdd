"""window.localStorage as the core's KeyValuePort: browser exceptions become vault errors."""

from __future__ import annotations

import js

from app.core.errors import QuotaExceededError, StorageUnavailableError

from .jsconv import js_error_name


class LocalStorageKV:
    def __init__(self):
        try:
            self.storage = js.window.localStorage
            self.storage.length  # noqa: B018 - touching it raises where storage is blocked
        except Exception as err:
            raise StorageUnavailableError(f"localStorage is not available ({js_error_name(err)}).") from None

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except Exception as err:
            name = js_error_name(err)
            if "Quota" in name:
                raise QuotaExceededError("localStorage is full.") from None
            raise StorageUnavailableError(f"localStorage refused the operation ({name}).") from None

    def keys(self) -> list[str]:
        return [self._call(self.storage.key, i) for i in range(int(self.storage.length))]

    def get(self, key: str):
        value = self._call(self.storage.getItem, key)
        return None if value is None or not isinstance(value, str) else value

    def set(self, key: str, value: str) -> None:
        self._call(self.storage.setItem, key, value)

    def remove(self, key: str) -> None:
        self._call(self.storage.removeItem, key)
