"""Which files of a list are picked, as a person picks them: a click toggles one, a
shift-click picks the run from the last one clicked, "select all" takes what the list shows.

    picked = Selection()
    picked.toggle("a")                     # {"a"}, anchor "a"
    picked.extend_to("d", ["a", "b", "c", "d"])   # {"a", "b", "c", "d"}
    picked.retain({"a", "c"})              # files gone (deleted, filtered out) leave it
"""

from __future__ import annotations


class Selection:
    def __init__(self):
        self.refs: set[str] = set()
        self.anchor: str | None = None

    def __len__(self) -> int:
        return len(self.refs)

    def __contains__(self, ref: object) -> bool:
        return ref in self.refs

    def toggle(self, ref: str) -> bool:
        """Picks or unpicks ``ref``; True if it is picked now. It becomes the anchor either way."""
        self.anchor = ref
        if ref in self.refs:
            self.refs.discard(ref)
            return False
        self.refs.add(ref)
        return True

    def extend_to(self, ref: str, shown: list[str]) -> None:
        """Shift-click: the run between the anchor and ``ref`` in the list as shown takes the
        anchor's state (picked, or not: a shift-click after an unpick unpicks the run). Without an
        anchor in the list, ``ref`` alone is toggled."""
        if self.anchor not in shown or ref not in shown:
            self.toggle(ref)
            return
        start, end = sorted((shown.index(self.anchor), shown.index(ref)))
        run = shown[start:end + 1]
        if self.anchor in self.refs:
            self.refs.update(run)
        else:
            self.refs.difference_update(run)

    def select_all(self, shown: list[str]) -> None:
        self.refs.update(shown)

    def clear(self) -> None:
        self.refs.clear()
        self.anchor = None

    def retain(self, existing: set[str]) -> None:
        self.refs &= existing
        if self.anchor not in existing:
            self.anchor = None

    def ordered(self, shown: list[str]) -> list[str]:
        """The picked refs in the order the list shows them; picked ones not shown follow."""
        listed = [r for r in shown if r in self.refs]
        seen = set(listed)
        return listed + sorted(self.refs - seen)
