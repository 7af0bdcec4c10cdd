"""Human-readable numbers and params for the page."""

import json


def size(n: int | float) -> str:
    n = float(n or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def count(n: int, noun: str) -> str:
    """"1 file", "10,000 files": a number and its noun, agreeing."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def params_summary(params: dict, limit: int = 160) -> str:
    parts = [f"{k}: {v}" for k, v in params.items() if not isinstance(v, (dict, list))]
    text = " · ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def params_rows(params: dict, prefix: str = "") -> list[tuple[str, str]]:
    """Generation params as (key, value) rows for a table: nested objects as dotted keys, lists
    and other values as compact JSON, strings as they are."""
    rows: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows += params_rows(value, name + ".")
        elif isinstance(value, str):
            rows.append((name, value))
        else:
            rows.append((name, json.dumps(value, ensure_ascii=False, separators=(", ", ": "))))
    return rows
