"""Blob access for the core: size and type, chunked reads into Python, bytes out as a Blob, fetch.

Reads start when asked (the promise runs) and are awaited later, so the next chunk arrives
while the current one is checksummed. Bytes leave the wasm heap through a buffer view, one copy.
"""

from __future__ import annotations

import js
from pyodide.ffi import create_proxy

from app.core.errors import InvalidInputError

from .jsconv import to_js_record


class BrowserBlobs:
    def size(self, blob) -> int:
        return int(blob.size)

    def mime(self, blob) -> str:
        return str(blob.type or "")

    def read(self, blob, start: int, end: int):
        promise = blob.slice(start, end).arrayBuffer()

        async def bytes_of():
            return (await promise).to_bytes()

        return bytes_of()

    def from_bytes(self, data: bytes, mime: str):
        proxy = create_proxy(data)
        view = proxy.getBuffer("u8")
        try:
            return js.Blob.new(js.Array.of(view.data), to_js_record({"type": mime}))
        finally:
            view.release()
            proxy.destroy()

    async def fetch(self, url: str):
        try:
            response = await js.fetch(url)
        except Exception:
            raise InvalidInputError(
                f"Could not download {url}: the request failed (offline, blocked by CORS, or the server "
                "did not answer).") from None
        if not response.ok:
            raise InvalidInputError(f"Could not download {url}: the server answered {response.status} "
                                    f"{response.statusText}.".replace(" .", "."))
        return await response.blob()
