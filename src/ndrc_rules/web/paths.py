"""Files of the served folder, and nothing else: a name from a request is a plain file
name of the folder (no separator, no NUL, no leading dot), whose real path, symlinks
resolved, is still in the folder."""

from __future__ import annotations

from pathlib import Path

REGULATION = ".reg"
STORE = ".sqlite"


class OutsideFolder(Exception):
    """A name that does not designate a file of the folder: answered 404."""


def confined(folder: Path, name: str, suffix: str, *, exists: bool = True) -> Path:
    """The file `name` of `folder` ending in `suffix`; raises OutsideFolder for any
    other name (`../x`, `/etc/passwd`, `a\\0b`, a symlink leaving the folder), and,
    when `exists`, for a file that is not there."""
    bad = not name or "\x00" in name or "/" in name or "\\" in name or name.startswith(".")
    if bad or not name.endswith(suffix):
        raise OutsideFolder(name)
    root = folder.resolve()
    path = root / name
    try:
        real = path.resolve(strict=exists)
    except (OSError, RuntimeError):
        raise OutsideFolder(name) from None
    if real.parent != root or (exists and not real.is_file()):
        raise OutsideFolder(name)
    return path


def listed(folder: Path, suffix: str) -> list[str]:
    """The names of the folder's files ending in `suffix` that `confined` accepts, sorted."""
    names: list[str] = []
    for path in sorted(folder.glob(f"*{suffix}")):
        try:
            confined(folder, path.name, suffix)
        except OutsideFolder:
            continue
        names.append(path.name)
    return names
