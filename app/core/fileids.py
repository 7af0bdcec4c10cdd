"""Comma-separated generation file IDs, as pasted or as found in ``#/status/<ids>``.

    split_ids(" a1, b2,,a1 ,<svg>")   -> (["a1", "b2"], ["<svg>"])
    parse_ids("a1,b2")                -> ["a1", "b2"]   (or InvalidIdError listing the bad ones)

Commas split; whitespace around an ID is trimmed; empty items are dropped; order is kept and
repeats are removed. An ID is 1-64 of ``A-Z a-z 0-9 _ -``; at most MAX_IDS per generation.
"""

from __future__ import annotations

import re

from .errors import InvalidIdError

FILE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_IDS = 100
SHOWN_BAD = 10


def split_ids(text: str) -> tuple[list[str], list[str]]:
    """(valid IDs, invalid items), both in order and without repeats."""
    valid: list[str] = []
    invalid: list[str] = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        bucket = valid if FILE_ID.match(item) else invalid
        if item not in bucket:
            bucket.append(item)
    return valid, invalid


def parse_ids(text: object) -> list[str]:
    if not isinstance(text, str):
        raise InvalidIdError("File IDs are text: comma-separated IDs such as 'a1,b2,c3'.")
    valid, invalid = split_ids(text)
    if invalid:
        shown = ", ".join(describe(b) for b in invalid[:SHOWN_BAD])
        more = f" and {len(invalid) - SHOWN_BAD} more" if len(invalid) > SHOWN_BAD else ""
        raise InvalidIdError(f"Not valid file IDs (1-64 letters, digits, '_' or '-'): {shown}{more}.")
    if not valid:
        raise InvalidIdError("No file IDs given: paste comma-separated IDs such as 'a1,b2,c3'.")
    if len(valid) > MAX_IDS:
        raise InvalidIdError(f"{len(valid)} file IDs given; a generation tracks at most {MAX_IDS}.")
    return valid


def describe(item: str) -> str:
    """A bad ID as a short, printable quotation (it is shown to a person, never run)."""
    text = item if len(item) <= 40 else item[:37] + "..."
    return repr(text)
