"""Nothing the vault does in the background changes the page under a pressed pointer.

A click is a press and a release on the same node. When something redraws between the two (a
host app's save, a preview landing, a backup mark, a poll, a notice that closes) and the pressed
node is replaced, moved or shifted, Firefox fires no click and Chromium fires it on an ancestor
with no handler: the person's click is lost. Views used to guard their own nodes (keyed lists,
morphing cards, a redraw held while renaming), each mended where a lost click showed, and the
class of bug stayed: the viewer, the Backup panel's buttons and the usage bar still rebuilt
under the pointer.

It is closed here, once, for every view: from a pointerdown on the page until just after the
click that its release dispatches, background work that draws waits. The views reach the vault,
the backup, the bridge and the tracker only through ``Held`` proxies (``Shell`` makes them), whose
every await resumes only once no pointer is pressed, and they sleep with ``pause``, which does
the same. What a view does after it read something or slept therefore runs while nothing is
pressed, and runs to its next await without a break: a redraw cannot land inside a click. What
a person's own click does (the handler that runs in the click event) is not held: it happens
before the release is let go.

Why not a DOM-morphing library (idiomorph, morphdom)? Keeping node identity across redraws is
half of it (``dom.Keyed`` and ``dom.morph`` still do that, so a redraw that runs between clicks
moves nothing needlessly); but a card added above the pointer, a notice opening or closing, or an
image landing moves the pressed control without replacing it, which no morph prevents. Morphing
every view would also mean moving every listener to delegation (a morphed-in node keeps the old
node's listeners, bound to the old rendering's data). Holding redraws through a press covers
replacement and movement alike, for every view and every future one, with a few lines.
"""

from __future__ import annotations

import asyncio
import inspect

import js
from pyodide.ffi import create_once_callable, create_proxy

# A press whose release the page never hears of (the pointer left with the window in a way that
# sent neither pointerup nor pointercancel) lets the page draw again after this long.
LONGEST_PRESS_MS = 10_000


class Presses:
    """Whether a pointer is pressed on the page, and a way to wait until none is."""

    def __init__(self):
        self._down: set = set()
        self._released: asyncio.Future | None = None
        self._proxies: list = []
        self._timer = None
        self._safety = None  # one proxy for every press's safety timer (a cleared timer never frees its own)

    def install(self, target) -> None:
        """Listens on ``target`` (the window) in the capture phase: before any handler of the
        page's own can stop the event."""
        options = js.Object.fromEntries(js.Array.of(js.Array.of("capture", True)))
        # Not blur: another tab or window taking the focus does not end a press here (the release
        # still comes to this page), and it happens while a person holds the button.
        for kind, fn in (("pointerdown", self._pressed), ("pointerup", self._lifted),
                         ("pointercancel", self._lifted)):
            proxy = create_proxy(fn)
            self._proxies.append(proxy)
            target.addEventListener(kind, proxy, options)
        self._safety = create_proxy(self._all_lifted)

    @property
    def pressed(self) -> bool:
        return bool(self._down)

    async def settled(self) -> None:
        """Returns at once (with no turn of the event loop) when nothing is pressed; else once
        the press ended and its click was dispatched."""
        while self._down:
            if self._released is None or self._released.done():
                self._released = asyncio.get_event_loop().create_future()
            await self._released

    def _pressed(self, event) -> None:
        self._down.add(event.pointerId)
        self._arm_safety()

    def _lifted(self, event) -> None:
        if event.pointerId in self._down:
            # The click (or auxclick, contextmenu) is dispatched after pointerup in the same
            # task: the page may draw again once that has run.
            js.setTimeout(create_once_callable(lambda: self._let_go(event.pointerId)), 0)

    def _all_lifted(self) -> None:
        for pointer in list(self._down):
            self._let_go(pointer)

    def _let_go(self, pointer) -> None:
        self._down.discard(pointer)
        if not self._down:
            if self._timer is not None:
                js.clearTimeout(self._timer)
                self._timer = None
            if self._released is not None and not self._released.done():
                self._released.set_result(None)

    def _arm_safety(self) -> None:
        if self._timer is not None:
            js.clearTimeout(self._timer)
        self._timer = js.setTimeout(self._safety, LONGEST_PRESS_MS)


PRESSES = Presses()


async def pause(seconds: float) -> None:
    """asyncio.sleep for views: wakes only when no pointer is pressed."""
    await asyncio.sleep(seconds)
    await PRESSES.settled()


class Held:
    """``target`` as the views see it: each coroutine method's result, and each item of an async
    generator, is handed back only when no pointer is pressed; ``facets``, attributes that are
    parts of the target's door (the vault's ``marks``), are held the same way. Everything else
    passes through."""

    def __init__(self, target, presses: Presses = PRESSES, facets: tuple[str, ...] = ()):
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_presses", presses)
        object.__setattr__(self, "_facets", facets)

    def __getattr__(self, name):
        value = getattr(self._target, name)
        if name in self._facets:
            return Held(value, self._presses)
        if inspect.iscoroutinefunction(value):
            return self._held_call(value)
        if inspect.isasyncgenfunction(value):
            return self._held_generator(value)
        return value

    def __setattr__(self, name, value):
        setattr(self._target, name, value)

    def _held_call(self, method):
        presses = self._presses

        async def call(*args, **kwargs):
            try:
                result = await method(*args, **kwargs)
            except Exception:
                await presses.settled()  # the error's notice waits too
                raise
            await presses.settled()
            return result
        return call

    def _held_generator(self, method):
        presses = self._presses

        async def generate(*args, **kwargs):
            async for item in method(*args, **kwargs):
                await presses.settled()
                yield item
        return generate
