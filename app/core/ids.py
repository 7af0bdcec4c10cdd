"""Opaque, URL-safe identifiers: asset refs (``a_…``) and project IDs (``p_…``), ≤ 64 chars."""

from __future__ import annotations

import re
import secrets

_REF = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def new_ref() -> str:
    return "a_" + secrets.token_urlsafe(12)


def new_project_id() -> str:
    return "p_" + secrets.token_urlsafe(9)


def is_valid_ref(value: object) -> bool:
    return isinstance(value, str) and bool(_REF.match(value))
