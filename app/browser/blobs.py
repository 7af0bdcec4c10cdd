"""Blob access for the core: size and type, chunked reads into Python, bytes out as a Blob, fetch.

Reads start when asked (the promise runs) and are awaited later, so the next chunk arrives
while the current one is checksummed. Bytes leave the wasm heap through a buffer view, one copy.
"""

from __future__ import annotations

import js
from pyodide.ffi import create_proxy, to_js

from app.core.errors import InvalidInputError
from app.core.tasks import new_future, start_now

from .jsconv import to_js_record
from .net import NetError, read
from .net import fetch as net_fetch

HEADS_BYTES = 16 * 1024 * 1024  # read together at most, whatever the number of saves in flight


class BrowserBlobs:
    def __init__(self):
        self._heads: list = []
        self._reading = False

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
        """The first ``length`` bytes. A read starts at once when none is in flight; heads asked
        for meanwhile go together when it ends, as one Blob (of slices where only the start is
        wanted), up to HEADS_BYTES: a burst of 40 saves costs two reads from the Blob store,
        not 40, and a host app awaiting each save in turn waits for no turn of the event loop."""
        future = new_future()
        self._heads.append((blob, length, future))
        if not self._reading:
            self._read_heads()
        return future

    def _read_heads(self) -> None:
        batch, total = [], 0
        while self._heads and (not batch or total + self._heads[0][1] <= HEADS_BYTES):
            batch.append(self._heads.pop(0))
            total += batch[-1][1]
        sizes = [int(blob.size) for blob, _, _ in batch]
        lengths = [min(length, size) for (_, length, _), size in zip(batch, sizes)]
        # Whole Blobs where asked for: slicing one costs as much as reading ~100 KB of it.
        parts = [blob if n == size else blob.slice(0, n) for (blob, _, _), n, size in zip(batch, lengths, sizes)]
        self._reading = True
        try:
            promise = (parts[0] if len(parts) == 1 else js.Blob.new(js.Array.of(*parts))).arrayBuffer()
        except Exception:
            promise = None

        # Settled from the promise's own callbacks: awaited in a task, each read cost two more turns.
        def done(buffer):
            for proxy in proxies:
                proxy.destroy()
            # One copy into the heap; each save's part is a view of it, not a second copy.
            data = memoryview(buffer.to_bytes()) if buffer is not None else None
            offset = 0
            for (blob, _, future), n in zip(batch, lengths):
                if data is not None:
                    future.set_result(data[offset:offset + n])
                    offset += n
                else:  # one unreadable Blob (a file deleted from disk) fails only its own save
                    start_now(self._read_alone(blob, n, future))
            self._reading = False
            if self._heads:
                self._read_heads()

        proxies = [create_proxy(done), create_proxy(lambda _err: done(None))]
        if promise is None:
            done(None)
        else:
            promise.then(*proxies)

    async def _read_alone(self, blob, n: int, future) -> None:
        try:
            future.set_result(await self.read(blob, 0, n))
        except Exception:
            future.set_exception(InvalidInputError("The file could not be read (it may have been moved or deleted)."))

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

    async def assemble(self, parts: list, mime: str):
        """join for thousands of parts, in steps the page stays responsive through (static/blob-join.js)."""
        chunks, ends, blobs, at = [], [], [], 0
        for part in parts:
            if isinstance(part, (bytes, bytearray, memoryview)):
                chunks.append(part)
                at += len(part)
            else:
                ends.append(at)
                blobs.append(part)
        return await _join(to_js(b"".join(chunks)), to_js(ends), to_js(blobs), mime)

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
            response = await net_fetch(url)
        except Exception:
            raise InvalidInputError(
                f"Could not download {url}: the request failed (offline, blocked by CORS, or the server "
                "did not answer).") from None
        if not response.ok:
            raise InvalidInputError(f"Could not download {url}: the server answered {response.status} "
                                    f"{response.statusText}.".replace(" .", "."))
        try:
            return await read(response, "blob")
        except NetError as err:
            raise InvalidInputError(f"Could not download {url}: the connection broke off ({err.message}).") from None


def _join(*args):
    return js.__assetVaultJoin(*args)  # out here: in a class the name would be mangled
