"""Syntax errors of natural French, recognised and explained.

A coordinator copies the regulation's words: `supérieure ou égale à 10`, a
title without quotes, `8 , 5` for 8,5, a parenthesis left open at the end of a
line. The parser reports an unexpected token; these functions turn it into a
diagnostic that says what to write instead (or None: the plain report stands).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lark import Token

from ndrc_rules.common.messages import clip
from ndrc_rules.language.diagnostics import Diagnostic, Hint
from ndrc_rules.language.source import SourceFile, Span

Fold = Callable[[str], str]
# Characters read around the unexpected token, and back for a `(`: a hostile
# megabyte-long line costs no more than a short one.
WINDOW = 400
LOOKBACK = 4000

# Comparisons as the regulations word them (folded: no accents, lower case), with
# the symbol to write. The longer phrases first: `supérieure ou égale à` before
# `supérieure à`.
_AGREE = r"e?s?"  # supérieur, supérieure, supérieurs, supérieures
_TO = r"\s+(?:a|au)\b"
_COMPARISONS = [
    (rf"superieur{_AGREE}\s+ou\s+egal{_AGREE}{_TO}", ">="),
    (rf"egal{_AGREE}\s+ou\s+superieur{_AGREE}{_TO}", ">="),
    (rf"inferieur{_AGREE}\s+ou\s+egal{_AGREE}{_TO}", "<="),
    (rf"egal{_AGREE}\s+ou\s+inferieur{_AGREE}{_TO}", "<="),
    (rf"au\s+moins\s+egal{_AGREE}{_TO}", ">="),
    (rf"au\s+plus\s+egal{_AGREE}{_TO}", "<="),
    (r"au\s+moins\b", ">="),
    (r"au\s+plus\b", "<="),
    (rf"(?:strictement\s+)?superieur{_AGREE}{_TO}", ">"),
    (rf"(?:strictement\s+)?inferieur{_AGREE}{_TO}", "<"),
    (rf"egal{_AGREE}{_TO}", "="),
    (rf"different{_AGREE}\s+de\b", "!="),
]
_PHRASE = re.compile(
    r"(?:est\s+|sont\s+)?(?:"
    + "|".join(f"(?P<c{i}>{p})" for i, (p, _) in enumerate(_COMPARISONS))
    + ")"
)
_NUMBER_AFTER = re.compile(r"\s*(\d+(?:[.,]\d+)?)")
_SPACED_DECIMAL = re.compile(r"(\d+)(?:\s+,\s*|\s*,\s+)(\d+)")
# Keywords that end a title written without quotes (what may follow a title).
_AFTER_TITLE = frozenset(
    {"COEFFICIENT", "REPREND", "FACULTATIF", "DISPENSABLE", "SOURCE", "RNCP", "NIVEAU"}
    | {"SESSION", "DERNIERE", "REGIME", "NOTES", "ATTENDU", "SI", "CITE"}
)
_TEXT_KEYWORDS = frozenset({"CITE", "SOURCE", "IMPORTE"})  # they take a text, not a title
_STRING_OR_COMMENT = re.compile(r'"[^"\n]*"|“[^”\n]*”|«[^»\n]*»|#.*')


def _code(line: str) -> str:
    """A line with its quoted texts masked (same length) and its comment cut off."""
    return _STRING_OR_COMMENT.sub(
        lambda m: "" if m.group()[0] == "#" else "x" * len(m.group()), line
    )


def natural_french(
    source: SourceFile, token: Token, expected: set[str], fold: Fold
) -> Diagnostic | None:
    """The diagnostic for a comparison in words or a spaced decimal comma at `token`."""
    return _comparison_phrase(source, token, expected, fold) or _spaced_decimal(source, token)


def _span(source: SourceFile, line: int, start: int, end: int) -> Span:
    """Columns `start` to `end` (1-based, end exclusive) of `line`."""
    return Span(source.path, line, start, line, end)


def _comparison_phrase(
    source: SourceFile, token: Token, expected: set[str], fold: Fold
) -> Diagnostic | None:
    """`supérieure ou égale à 10` where a comparison is expected: write `>= 10`."""
    if token.type != "NAME" or not {"COMPARATOR", "EQUAL"} & expected:
        return None
    line, column = token.line or 1, token.column or 1
    rest = source.line(line)[column - 1 : column - 1 + WINDOW]
    folded = "".join(fold(c)[:1] or c for c in rest)  # one character for one
    match = _PHRASE.match(folded)
    if match is None:
        return None
    symbol = _COMPARISONS[int(str(match.lastgroup)[1:])][1]
    number = _NUMBER_AFTER.match(rest, match.end())
    fix = f"{symbol} {number.group(1)}" if number else symbol
    found = rest[: match.end()]
    span = _span(source, line, column, column + match.end())
    hint = Hint("hint.comparison_phrase", {"found": found, "fix": fix})
    return Diagnostic("E001", span, {"found": clip(found)}, hint)


def _spaced_decimal(source: SourceFile, token: Token) -> Diagnostic | None:
    """`8 , 5` (or `8, 5`): a decimal comma takes no space around it."""
    if token.type not in {"COMMA", "NUMBER"}:
        return None
    line, column = token.line or 1, token.column or 1
    offset = max(0, column - 1 - WINDOW)
    for match in _SPACED_DECIMAL.finditer(source.line(line)[offset : column - 1 + WINDOW]):
        if offset + match.start() < column <= offset + match.end():
            fix = f"{match.group(1)},{match.group(2)}"
            span = _span(source, line, offset + match.start() + 1, offset + match.end() + 1)
            hint = Hint("hint.decimal_comma", {"fix": fix})
            return Diagnostic("E001", span, {"found": match.group()}, hint)
    return None


def unquoted_title(
    source: SourceFile, token: Token, expected: set[str], keyword_of: Callable[[str], str | None]
) -> Diagnostic | None:
    """`regime apprentissage Contrat d'apprentissage`: a title goes between quotes."""
    line, column = token.line or 1, token.column or 1
    text = source.line(line)[: column - 1 + WINDOW]
    before = text[max(0, column - 1 - WINDOW) : column - 1].split()
    if "STRING" not in expected or token.type != "NAME" or not before:
        return None  # a word opening its line is a statement, not a title
    is_text = keyword_of(before[-1]) in _TEXT_KEYWORDS
    words = []
    ends = "#" if is_text else "[:=#]"  # a title stops before `: CCF` or `= moyenne`
    for word in re.split(ends, text[column - 1 :], maxsplit=1)[0].split():
        if keyword_of(word) in _AFTER_TITLE and not is_text:
            break
        words.append(word)
    title = " ".join(words)
    end = column + len(text[column - 1 :].split(words[-1], 1)[0]) + len(words[-1])
    key = "hint.quote_text" if is_text else "hint.quote_title"
    hint = Hint(key, {"title": clip(title)})
    return Diagnostic("E001", _span(source, line, column, end), {"found": token.value}, hint)


def unclosed_parenthesis(
    source: SourceFile, token: Token, expected: set[str], opens_statement: Callable[[str], bool]
) -> Diagnostic | None:
    """A `)` missing: reported right after the text it should follow (often at the
    end of the previous line), naming the parenthesis it would close."""
    if "RPAR" not in expected or token.type == "RPAR" or token.line is None:
        return None
    last: tuple[int, int] | None = None  # the end of the text before the token
    depth, budget = 0, LOOKBACK
    for number in range(token.line, 0, -1):
        line = source.line(number)
        end = (token.column or 1) - 1 if number == token.line else len(line)
        start = max(0, end - budget)
        code = _code(line[start:end])
        budget -= end - start
        if last is None and code.strip():
            last = (number, start + len(code.rstrip()) + 1)
        for index in range(len(code) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(code[index], 0)
            if depth < 0 and last is not None:
                span = _span(source, last[0], last[1], last[1] + 1)
                return Diagnostic("E009", span, {"line": number, "column": start + index + 1})
        if budget <= 0 or (number < token.line and opens_statement(line)):
            return None
    return None
