"""User settings kept in localStorage (small JSON): the status provider's base URL, and the
origins of host apps allowed to use the vault through static/vault-client.js.

    settings = Settings(AppStorage(kv))
    settings.configure({"providerUrl": "https://provider.example"})
    settings.configure({"hostOrigins": ["https://generator.example"]})
    settings.provider_url(default="http://127.0.0.1:8000")

static/vault-host.js reads hostOrigins from the same record (KEY, under the app's prefix)
without waiting for Python: a host's call is refused or queued from the first moment.
"""

from __future__ import annotations

from urllib.parse import urlsplit
from typing import Callable

from .changes import Change
from .errors import InvalidInputError
from .refs import AppStorage

KEY = "settings"
MAX_URL = 2048
MAX_HOST_ORIGINS = 20


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


def parse_host_origins(value: object) -> list[str]:
    """Origins (scheme://host[:port], http(s)) allowed to call the vault from their pages; an
    explicit list: no wildcard, since a listed origin can read and delete every stored file."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_HOST_ORIGINS:
        raise InvalidInputError(f"hostOrigins must be a list of at most {MAX_HOST_ORIGINS} origins such as "
                                "[\"https://generator.example\"].")
    origins: list[str] = []
    for item in value:
        if not isinstance(item, str) or len(item) > 300:
            raise InvalidInputError("Each of hostOrigins must be an origin such as https://generator.example.")
        text = item.strip()
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password \
                or parts.path not in ("", "/") or parts.query or parts.fragment or "*" in text:
            raise InvalidInputError(f"{item[:100]!r} is not an origin: write scheme, host and port only, such as "
                                    "https://generator.example or http://127.0.0.1:8080 (no path, no wildcard).")
        try:
            port = parts.port
        except ValueError:
            raise InvalidInputError(f"{item[:100]!r} has a port that is not a number from 0 to 65535.") from None
        default = {"http": 80, "https": 443}[parts.scheme]
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        origin = f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default) else "")
        if origin not in origins:  # as the browser writes event.origin: lower case, default port left out
            origins.append(origin)
    return origins


class Settings:
    def __init__(self, storage: AppStorage, announce: Callable[[Change], None] = lambda _change: None):
        self.storage = storage
        self._announce = announce  # the vault's change stream: every vault page and host app hears it

    def configure(self, options: object) -> dict:
        """Sets the fields given (null resets one); the settings as they now stand."""
        if not isinstance(options, dict) or set(options) - {"providerUrl", "hostOrigins"}:
            raise InvalidInputError("configure takes {providerUrl?, hostOrigins?}.")
        current = self._current()
        if "providerUrl" in options:
            current["providerUrl"] = parse_provider_url(options["providerUrl"])
        if "hostOrigins" in options:
            current["hostOrigins"] = parse_host_origins(options["hostOrigins"])
        self.storage.put(KEY, current)
        if options:
            self._announce(Change("settings", "updated"))
        return {"providerUrl": current.get("providerUrl"), "hostOrigins": self.host_origins()}

    def _current(self) -> dict:
        value = self.storage.get(KEY, {})
        return dict(value) if isinstance(value, dict) else {}

    def host_origins(self) -> list[str]:
        try:
            return parse_host_origins(self._current().get("hostOrigins"))
        except InvalidInputError:
            return []

    def provider_url(self, default: str) -> str:
        value = self.storage.get(KEY, {})
        url = value.get("providerUrl") if isinstance(value, dict) else None
        try:
            return parse_provider_url(url) or default
        except InvalidInputError:
            return default
