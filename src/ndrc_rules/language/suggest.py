"""The nearest known name to a misspelt one: `vouliez-vous dire … ?` everywhere.

Ranked by how a coordinator misspells: a name that begins the typed one (or
that the typed one begins) comes first — `moyenne_profesionnelle` is the
`moyenne_pro` it starts with, not the `moyenne_generale` of the same length —
then by edit distance (Levenshtein), then by the longest common beginning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

MIN_PREFIX = 3  # characters a shared beginning needs to count (`U1` begins too much)


def nearest(word: str, known: Iterable[str], normal: Callable[[str], str] = str) -> str | None:
    """The known name closest to `word`, compared through `normal` (case and
    accent folding), or None when none is close enough to be meant."""
    typed = normal(word)
    ranked = []
    for name in set(known):
        candidate = normal(name)
        distance = edit_distance(typed, candidate)
        prefix = _prefix_related(typed, candidate)
        if candidate != typed and (prefix or distance <= len(typed) // 3):
            ranked.append((not prefix, distance, -_common_start(typed, candidate), name))
    return min(ranked)[-1] if ranked else None


def edit_distance(a: str, b: str) -> int:
    """Insertions, deletions and substitutions turning `a` into `b`."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            )
        previous = current
    return previous[-1]


def _prefix_related(a: str, b: str) -> bool:
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= MIN_PREFIX and longer.startswith(shorter)


def _common_start(a: str, b: str) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
