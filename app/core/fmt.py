"""Human-readable numbers for the page."""


def size(n: int | float) -> str:
    n = float(n or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def params_summary(params: dict, limit: int = 160) -> str:
    parts = [f"{k}: {v}" for k, v in params.items() if not isinstance(v, (dict, list))]
    text = " · ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"
