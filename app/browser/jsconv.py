"""Conversions at the JS boundary, and JS events/requests as Python awaitables.

Plain records cross as JSON (small metadata: exact, with null for None both ways); Blobs and
other JS objects cross as proxies, never copied.

    record = to_py_record(js_object)        # -> dict | list | None
    obj_js = to_js_record({"a": None})      # -> {a: null}
    value = await settle(request_js)        # IDBRequest -> its result
"""

from __future__ import annotations

import json

import js
from pyodide.ffi import JsException, JsProxy, create_proxy, jsnull

from app.core.tasks import new_future

_PLAIN = ("[object Object]", "[object Array]")


def is_plain(value) -> bool:
    return isinstance(value, JsProxy) and js.Object.prototype.toString.call(value) in _PLAIN


def is_blob(value) -> bool:
    return isinstance(value, JsProxy) and js.Object.prototype.toString.call(value) in ("[object Blob]", "[object File]")


def to_py_record(value):
    """A JS value from a caller or from IndexedDB, as plain Python data (Blobs stay proxies)."""
    if value is None or is_null(value):
        return None
    if is_plain(value):
        return json.loads(js.JSON.stringify(value))
    return value


def is_null(value) -> bool:
    """JS null: ``jsnull`` in this Pyodide (falsy), a proxy of null in older ones."""
    return value is jsnull or (isinstance(value, JsProxy) and js.Object.prototype.toString.call(value) == "[object Null]")


def to_js_record(value):
    if isinstance(value, (dict, list)) or value is None:
        return js.JSON.parse(json.dumps(value))
    return value


def js_error_name(err: BaseException) -> str:
    """The DOMException/Error name behind a JsException ('QuotaExceededError', ...)."""
    if isinstance(err, JsException):
        name = getattr(err, "name", None)
        if isinstance(name, str) and name != "JsException":
            return name
        text = str(err)
        return text.split(":", 1)[0].strip() if ":" in text else text
    return type(err).__name__


def settle(target, ok: str = "onsuccess", fail: str = "onerror", value=None, also_fail: str | None = None):
    """A future for one JS event pair: resolves with ``value()`` (default: target.result)."""
    fut = new_future()

    # Released by whichever event comes (an IndexedDB request or transaction always ends with
    # one, even for a waiter cancelled meanwhile); a done callback cost a turn of the loop.
    def release():
        for handler in (ok, fail) + ((also_fail,) if also_fail else ()):
            setattr(target, handler, None)
        for proxy in proxies:
            proxy.destroy()

    def on_ok(_event):
        release()
        if not fut.done():
            fut.set_result(value() if value else target.result)

    def on_fail(event):
        release()
        if not fut.done():
            source = getattr(event, "target", None)  # a request's error bubbles up to its transaction
            fut.set_exception(DomError(getattr(target, "error", None) or getattr(source, "error", None)))

    proxies = [create_proxy(on_ok), create_proxy(on_fail)]
    setattr(target, ok, proxies[0])
    setattr(target, fail, proxies[1])
    if also_fail:
        setattr(target, also_fail, proxies[1])
    return fut


class DomError(Exception):
    """A DOMException from an event (IndexedDB request or transaction error)."""

    def __init__(self, error_js):
        self.name = str(getattr(error_js, "name", "") or "UnknownError")
        self.message = str(getattr(error_js, "message", "") or "")
        self.stalled = False  # its transaction never ended (see tx_end)
        super().__init__(f"{self.name}: {self.message}")
