"""User settings kept in localStorage (small JSON): the status provider's base URL.

    settings = Settings(AppStorage(kv))
    settings.configure({"providerUrl": "https://provider.example"})
    settings.provider_url(default="http://127.0.0.1:8000")
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .errors import InvalidInputError
from .refs import AppStorage

KEY = "settings"
MAX_URL = 2048


def parse_provider_url(value: object) -> str | None:
    """A base URL (http(s), no credentials, query or fragment), trailing slash dropped; None
    (or "") resets to the default, the page's own origin."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_URL:
        raise InvalidInputError("providerUrl must be an http(s) URL such as https://provider.example.")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(f"providerUrl must be an http(s) URL, got {value[:100]!r}.")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidInputError("providerUrl must not carry credentials, a query or a fragment.")
    return value.strip().rstrip("/")


class Settings:
    def __init__(self, storage: AppStorage):
        self.storage = storage

    def configure(self, options: object) -> dict:
        if not isinstance(options, dict) or set(options) - {"providerUrl"}:
            raise InvalidInputError("configure takes {providerUrl}.")
        url = parse_provider_url(options.get("providerUrl"))
        current = self.storage.get(KEY, {})
        current = current if isinstance(current, dict) else {}
        current["providerUrl"] = url
        self.storage.put(KEY, current)
        return {"providerUrl": url}

    def provider_url(self, default: str) -> str:
        value = self.storage.get(KEY, {})
        url = value.get("providerUrl") if isinstance(value, dict) else None
        try:
            return parse_provider_url(url) or default
        except InvalidInputError:
            return default
