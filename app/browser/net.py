"""fetch() and response bodies for Python, through static/net.js (why: see there).

    response = await fetch(url, options)    # raises NetError when no response came
    text = await read(response, "text")     # "text", "json", "blob"; NetError if the body broke off
"""

from __future__ import annotations

import js


class NetError(Exception):
    """No response, or a body that broke off; ``name`` and ``message`` from the browser's text."""

    def __init__(self, text: str):
        name, _, message = text.partition(": ")
        self.name, self.message = (name, message) if message else ("Error", text)
        super().__init__(text)


async def fetch(url: str, options=None):
    return _value(await js.__assetVaultNet.fetch(url, options))


async def read(response, how: str):
    return _value(await js.__assetVaultNet.read(response, how))


def _value(outcome):
    if isinstance(outcome, str):
        raise NetError(outcome)
    return outcome[0]
