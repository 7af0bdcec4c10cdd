"""Check a vault archive without a browser, with the same reader the app imports with.

    .venv/bin/python -m tools.archive verify Sunset-2026-11-21.zip

Checks the zip structure and every name (app/core/zipreader.py), the manifest and that it agrees
with the entries (app/core/archive.py), every entry's CRC-32, and that every image decodes with
Pillow. Prints a summary; exits 1 with the reason if anything is wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
from pathlib import Path

from PIL import Image

from app.core.archive import MANIFEST, match_manifest, read_manifest_entry
from app.core.errors import InvalidArchiveError
from app.core.zipreader import read_members, stream_member

MAX_IMAGE_BYTES = 256 * 1024 * 1024


class FileSource:
    def __init__(self, path: Path):
        self.file = path.open("rb")
        self.size = path.stat().st_size

    async def read_many(self, ranges):
        out = []
        for start, end in ranges:
            self.file.seek(start)
            out.append(self.file.read(max(0, end - start)))
        return out


async def verify(path: Path) -> list[str]:
    source = FileSource(path)
    members = await read_members(source)
    by_name = {m.name: m for m in members}
    if MANIFEST not in by_name:
        raise InvalidArchiveError(f"there is no {MANIFEST}: this is not a vault export")
    manifest = await read_manifest_entry(source, by_name[MANIFEST])
    plan, skipped = match_manifest(manifest, members)
    decoded = 0
    for member, asset in plan:
        pieces: list[bytes] | None = [] if asset.kind == "image" and member.size <= MAX_IMAGE_BYTES else None
        await stream_member(source, member, pieces.append if pieces is not None else None)
        if pieces is not None:
            try:
                with Image.open(io.BytesIO(b"".join(pieces))) as image:
                    image.load()
            except Exception as err:
                raise InvalidArchiveError(f"{member.name!r}: the image does not decode ({err})") from None
            decoded += 1
    lines = [f"{path.name}: OK",
             f"  project {manifest.project['title']!r}, {len(plan)} assets, every CRC-32 verified, "
             f"{decoded} images decoded"]
    lines += [f"  not in the manifest: {s}" for s in skipped]
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.archive", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("verify", help="check an exported archive")
    check.add_argument("archive", type=Path)
    args = parser.parse_args(argv)
    if not args.archive.is_file():
        print(f"{args.archive}: no such file", file=sys.stderr)
        return 1
    try:
        lines = asyncio.run(verify(args.archive))
    except InvalidArchiveError as err:
        print(f"{args.archive.name}: FAILED: {err}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
