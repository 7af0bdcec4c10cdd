"""Image previews made in a worker (static/preview-worker.js), for thumbnails.py.

    worker = PreviewWorker(url, max_side=320, quality=0.82, background="#0b0e16")
    blob = await worker.make(image_blob)   # a JPEG Blob; WorkerGone: make it in the page instead

Previews asked for in one turn of the event loop travel as one message. A worker that cannot
start, lacks OffscreenCanvas, or stops answering is given up for good, and every preview it
still owed raises WorkerGone, so the caller makes those itself.
"""

from __future__ import annotations

import asyncio

import js
from pyodide.ffi import create_proxy

from app.core.tasks import new_future

from .jsconv import to_js_record

TIMEOUT_S = 60  # a batch of 16 large images takes seconds; a worker this late is stuck


class WorkerGone(Exception):
    """The worker cannot make previews here: the page makes this one itself."""


class PreviewWorker:
    def __init__(self, url: str, max_side: int, quality: float, background: str):
        self._url = url
        self._options = {"maxSide": max_side, "quality": quality, "background": background}
        self._worker = None
        self._queue: list = []  # (blob, future) not sent yet
        self._sent: dict = {}  # message id -> futures, in the batch's order
        self._next_id = 0
        self._proxies: list = []
        self.usable = True

    async def make(self, blob):
        future = new_future()
        self._queue.append((blob, future))
        if len(self._queue) == 1:
            asyncio.get_event_loop().call_soon(self._send)
        try:
            return await asyncio.wait_for(future, TIMEOUT_S)
        except asyncio.TimeoutError:
            self._give_up()
            raise WorkerGone() from None

    def _start(self) -> None:
        self._worker = js.Worker.new(self._url)
        self._proxies = [create_proxy(self._answered), create_proxy(self._broke)]
        self._worker.onmessage, self._worker.onerror = self._proxies

    def _send(self) -> None:
        batch, self._queue = self._queue, []
        batch = [(blob, future) for blob, future in batch if not future.done()]  # timed out meanwhile
        if not batch:
            return
        try:
            if self._worker is None:
                self._start()
            self._next_id += 1
            self._sent[self._next_id] = [future for _, future in batch]
            message = to_js_record({"id": self._next_id, **self._options})
            message.blobs = js.Array.of(*[blob for blob, _ in batch])
            self._worker.postMessage(message)
        except Exception:
            self._give_up()
            for _, future in batch:
                if not future.done():
                    future.set_exception(WorkerGone())

    def _answered(self, event) -> None:
        data = event.data
        futures = self._sent.pop(int(data.id), [])
        if getattr(data, "unsupported", False):
            self._give_up()
            for future in futures:
                if not future.done():
                    future.set_exception(WorkerGone())
            return
        for future, made in zip(futures, data.previews):
            if future.done():
                continue
            if isinstance(made, str):
                future.set_exception(RuntimeError(made))
            else:
                future.set_result(made)

    def _broke(self, event) -> None:
        event.preventDefault()  # said in the page's terms below, not as an uncaught worker error
        self._give_up()

    def _give_up(self) -> None:
        """From now on the page makes previews itself; what the worker still owes is made there too."""
        self.usable = False
        if self._worker is not None:
            self._worker.terminate()
            self._worker.onmessage = self._worker.onerror = None
        for proxy in self._proxies:
            proxy.destroy()
        self._proxies = []
        sent, self._sent = self._sent, {}
        for futures in sent.values():
            for future in futures:
                if not future.done():
                    future.set_exception(WorkerGone())
