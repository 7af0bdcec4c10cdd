"""Building DOM safely, and owning what a view creates.

    scope = Scope()
    button = h("button", {"class": "danger", "onclick": scope.on(delete)}, "Delete")

Text always goes in as text nodes, so provider or user text cannot become markup (PyScript would
run an injected <script type="py">). URLs are allowed only as http(s), blob: or in-page links.
A Scope holds the event proxies and object URLs of one rendering and frees them together.
"""

from __future__ import annotations

import js
from pyodide.ffi import create_once_callable, create_proxy

_SAFE_URL_PREFIXES = ("http://", "https://", "blob:", "#")
_URL_ATTRS = {"href", "src", "poster"}


def safe_url(url: str) -> str | None:
    return url if isinstance(url, str) and url.lower().startswith(_SAFE_URL_PREFIXES) else None


class Scope:
    def __init__(self):
        self._proxies = []
        self._urls = []
        self._listening = []

    def on(self, fn):
        proxy = create_proxy(fn)
        self._proxies.append(proxy)
        return proxy

    def listen(self, target, kind: str, fn) -> None:
        """addEventListener, undone at dispose: an event that comes after (an image that finishes
        loading once its view is gone) must not call a destroyed proxy."""
        proxy = self.on(fn)
        target.addEventListener(kind, proxy)
        self._listening.append((target, kind, proxy))

    def object_url(self, blob) -> str:
        url = js.URL.createObjectURL(blob)
        self._urls.append(url)
        return url

    @property
    def empty(self) -> bool:
        return not (self._proxies or self._urls)

    def dispose(self) -> None:
        for target, kind, proxy in self._listening:
            target.removeEventListener(kind, proxy)
        for url in self._urls:
            js.URL.revokeObjectURL(url)
        for proxy in self._proxies:
            proxy.destroy()
        self._urls, self._proxies, self._listening = [], [], []


def morph(old, new):
    """old brought to show what new shows, keeping every node of it that can stay (focus, a
    loaded image); returns the node that stands. Only for trees without listeners of their own:
    a kept node keeps its."""
    if old.nodeType != new.nodeType or old.nodeName != new.nodeName:
        old.replaceWith(new)
        return new
    if old.nodeType == _TEXT:
        if old.data != new.data:
            old.data = new.data
    elif old.nodeType == _ELEMENT:
        sync_attributes(old, new)
        morph_children(old, list(old.childNodes), list(new.childNodes))
    return old


def sync_attributes(old, new) -> None:
    for name in old.getAttributeNames():
        if not new.hasAttribute(name):
            old.removeAttribute(name)
    for name in new.getAttributeNames():
        value = new.getAttribute(name)
        if old.getAttribute(name) != value:
            old.setAttribute(name, value)
    if old.nodeName == "INPUT":  # a property h() sets, not an attribute
        old.checked = new.checked


def morph_children(parent, mine: list, theirs: list) -> None:
    """mine (parent's last children) made into theirs: pair by pair when they line up, else
    replaced."""
    if len(mine) != len(theirs):
        for node in mine:
            node.remove()
        parent.append(*theirs)
        return
    for node, other in zip(mine, theirs):
        if not node.isEqualNode(other):
            morph(node, other)


_ELEMENT, _TEXT = 1, 3


class Keyed:
    """The children of ``parent``, each kept by a key and built again only when its signature
    changes: a redraw of a list moves and rebuilds nothing it need not (focus, a loaded image and
    a playing clip stay). No redraw lands during a press at all (presses.py). Each child owns a
    Scope (its listeners and object URLs), freed when the child goes."""

    def __init__(self, parent):
        self.parent = parent
        self._kept: dict = {}  # key -> (signature, node, scope)

    def stale(self, key, signature) -> bool:
        kept = self._kept.get(key)
        return kept is None or kept[0] != signature

    def update(self, items) -> None:
        """``items``: ``(key, signature, build)`` in display order; ``build(scope)`` makes the node."""
        old, self._kept = self._kept, {}
        at = self.parent.firstChild
        for key, signature, build in items:
            entry = old.pop(key, None)
            if entry is None or entry[0] != signature:
                scope = Scope()
                node = build(scope)
                if entry is not None and entry[2].empty and scope.empty and entry[1].parentNode is not None:
                    node = morph(entry[1], node)  # no listeners to carry over: the pressed node stays
                elif entry is not None:
                    if at is not None and entry[1].isSameNode(at):
                        at = node
                    if entry[1].parentNode is not None:
                        entry[1].replaceWith(node)
                    entry[2].dispose()
                entry = (signature, node, scope)
            node = entry[1]
            if at is not None and node.isSameNode(at):
                at = at.nextSibling
            else:
                self.parent.insertBefore(node, at)
            self._kept[key] = entry
        for _signature, node, scope in old.values():
            node.remove()
            scope.dispose()

    def dispose(self) -> None:
        for _signature, _node, scope in self._kept.values():
            scope.dispose()
        self._kept = {}


def h(tag: str, attrs: dict | None = None, *children):
    el = js.document.createElement(tag)
    for key, value in (attrs or {}).items():
        if value is None or value is False:
            continue
        if key.startswith("on"):
            el.addEventListener(key[2:], value)
        elif key == "class":
            el.className = value
        elif key in _URL_ATTRS:
            url = safe_url(value)
            if url:
                el.setAttribute(key, url)
        elif key in ("value", "checked", "muted"):
            setattr(el, key, value)
        else:
            el.setAttribute(key, "" if value is True else str(value))
    append(el, *children)
    return el


def accept_drops(zone, scope: Scope, on_files) -> None:
    """Make ``zone`` take dropped files (highlighted while something is dragged over it)."""
    def over(event):
        event.preventDefault()
        zone.classList.add("over")

    def leave(_event):
        zone.classList.remove("over")

    def drop(event):
        event.preventDefault()
        zone.classList.remove("over")
        on_files(event.dataTransfer.files)

    for name, fn in (("dragover", over), ("dragleave", leave), ("drop", drop)):
        zone.addEventListener(name, scope.on(fn))


def append(el, *children) -> None:
    for child in children:
        if child is None or child is False:
            continue
        if isinstance(child, (list, tuple)):
            append(el, *child)
        elif isinstance(child, (str, int, float)):
            el.appendChild(js.document.createTextNode(str(child)))
        else:
            el.appendChild(child)


def clear(el) -> None:
    el.replaceChildren()


def keep_focus(container):
    """Before a redraw of ``container``: returns a function that, after it, gives the focus back
    to the field that had it, if the redraw kept that element (views keep their forms across
    redraws). Moving a node drops its focus, and a person typing would go on typing into nothing.
    Called before the view builds its new tree, which is when the kept nodes move; the element
    keeps its value and caret, which focus() restores."""
    focused = js.document.activeElement
    if focused is None or focused.isSameNode(js.document.body) or not container.contains(focused):
        return lambda: None

    def restore() -> None:
        now = js.document.activeElement
        if focused.isConnected and (now is None or now.isSameNode(js.document.body)):
            focused.focus(no_scroll())

    return restore


def no_scroll():
    return js.Object.fromEntries(js.Array.of(js.Array.of("preventScroll", True)))


def save_as(blob, name: str) -> None:
    """Hand a Blob to the browser as a download named ``name``."""
    url = js.URL.createObjectURL(blob)
    link = h("a", {"href": url, "download": name, "hidden": True})
    js.document.body.appendChild(link)
    link.click()
    link.remove()
    js.setTimeout(create_once_callable(lambda: js.URL.revokeObjectURL(url)), 60_000)


def by_id(element_id: str):
    return js.document.getElementById(element_id)
