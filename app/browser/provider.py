"""The status provider over fetch: ``GET {providerUrl}/api/file/{id}`` with a timeout.

    provider = FetchProvider(lambda: "https://provider.example")
    status, retry_after, body = await provider.get_file("a1")   # or ProviderUnavailable

The default provider is the page's own origin (serve.py's demo provider).
"""

from __future__ import annotations

import js
from pyodide.ffi import create_once_callable

from app.core.tracker import ProviderUnavailable

from .jsconv import to_py_record
from .net import fetch, read

TIMEOUT_MS = 15_000


class FetchProvider:
    def __init__(self, base_url):
        self.base_url = base_url  # a callable: the setting may change while polling

    async def get_file(self, file_id: str):
        url = f"{self.base_url().rstrip('/')}/api/file/{js.encodeURIComponent(file_id)}"
        controller = js.AbortController.new()
        timer = js.setTimeout(create_once_callable(lambda: controller.abort()), TIMEOUT_MS)
        options = js.Object.new()
        options.cache = "no-store"
        options.signal = controller.signal
        try:
            response = await fetch(url, options)
            status = int(response.status)
            # A cross-origin provider must expose Retry-After (Access-Control-Expose-Headers).
            retry_after = response.headers.get("Retry-After")
            body = None
            if status == 200:
                try:
                    body = to_py_record(await read(response, "json"))
                except Exception:
                    body = None  # not JSON: the tracker treats it as a malformed answer
        except Exception:
            raise ProviderUnavailable(f"no answer from {url}") from None
        finally:
            js.clearTimeout(timer)
        return status, (str(retry_after) if retry_after is not None else None), body
