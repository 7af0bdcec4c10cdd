"""Blob access for the core: size and type, chunked reads into Python, bytes out as a Blob, fetch.

Reads start when asked (the promise runs) and are awaited later, so the next chunk arrives
while the current one is checksummed. Bytes leave the wasm heap through a buffer view, one copy.
"""

from __future__ import annotations

import asyncio

import js
from pyodide.ffi import create_proxy, to_js

from app.core.errors import InvalidInputError

from .jsconv import to_js_record


class BrowserBlobs:
    def __init__(self):
        self._heads: list = []

    def size(self, blob) -> int:
        return int(blob.size)

    def mime(self, blob) -> str:
        return str(blob.type or "")

    def read(self, blob, start: int, end: int):
        promise = blob.slice(start, end).arrayBuffer()

        async def bytes_of():
            return (await promise).to_bytes()

        return bytes_of()

    def head(self, blob, length: int):
        """Heads asked for in the same turn of the event loop are read together, as one Blob
        of slices: a burst of 40 saves then costs one read from the Blob store, not 40."""
        future = asyncio.get_event_loop().create_future()
        self._heads.append((blob, length, future))
        if len(self._heads) == 1:
            asyncio.get_event_loop().call_soon(lambda: asyncio.ensure_future(self._read_heads()))
        return future

    async def _read_heads(self) -> None:
        batch, self._heads = self._heads, []
        lengths = [min(length, int(blob.size)) for blob, length, _ in batch]
        try:
            slices = js.Array.of(*[blob.slice(0, n) for (blob, _, _), n in zip(batch, lengths)])
            data = (await js.Blob.new(slices).arrayBuffer()).to_bytes()
        except Exception:
            data = None  # one unreadable Blob (a file deleted from disk) fails only its own save
        offset = 0
        for (blob, _, future), n in zip(batch, lengths):
            if data is not None:
                future.set_result(data[offset:offset + n])
                offset += n
                continue
            try:
                future.set_result(await self.read(blob, 0, n))
            except Exception:
                future.set_exception(InvalidInputError(
                    "The file could not be read (it may have been moved or deleted)."))

    def read_many(self, blob, ranges: list[tuple[int, int]]):
        """Starts the read now (callers keep reads in flight while they work) and returns an
        awaitable of the ranges' bytes. Several ranges are one read of a Blob made of the
        slices: a trip to the Blob store costs more than the bytes."""
        size = int(blob.size)
        clipped = [(min(start, size), min(end, size)) for start, end in ranges]
        if len(clipped) == 1:
            promise = blob.slice(*clipped[0]).arrayBuffer()
        else:
            promise = js.Blob.new(js.Array.of(*[blob.slice(start, end) for start, end in clipped])).arrayBuffer()

        async def split():
            data = (await promise).to_bytes()
            if len(clipped) == 1:
                return [data]
            out, at = [], 0
            for start, end in clipped:
                out.append(data[at:at + max(0, end - start)])
                at += max(0, end - start)
            return out

        return split()

    def slice(self, blob, start: int, end: int, mime: str):
        return blob.slice(start, end, mime)

    def join(self, parts: list, mime: str):
        pieces = [to_js(p) if isinstance(p, (bytes, bytearray)) else p for p in parts]
        return js.Blob.new(js.Array.of(*pieces), to_js_record({"type": mime}))

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
