"""Text → Lark parse tree, with every syntax error reported in one pass.

Keywords are recognised here, not in the grammar: every word is lexed as a
NAME and retyped through `KEYWORDS`, so accents and case never matter and no
keyword can be mis-lexed as the prefix of a name.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from .diagnostics import Diagnostic, Hint
from .source import SourceFile, Span

# Folded spelling → keyword terminal. Synonyms share a terminal.
KEYWORDS: dict[str, str] = {
    "diplome": "DIPLOME",
    "rncp": "RNCP",
    "niveau": "NIVEAU",
    "source": "SOURCE",
    "session": "SESSION",
    "resultat": "RESULTAT",
    "regime": "REGIME",
    "reprend": "REPREND",
    "groupe": "GROUPE",
    "facultatif": "FACULTATIF",
    "facultative": "FACULTATIF",
    "dispensable": "DISPENSABLE",
    "unite": "UNITE",
    "partie": "PARTIE",
    "coefficient": "COEFFICIENT",
    "ccf": "CCF",
    "situation": "SITUATIONS",
    "situations": "SITUATIONS",
    "epff": "EPFF",
    "de": "DE",
    "des": "DE",
    "preparation": "PREPARATION",
    "forme": "FORME",
    "chiffre": "CHIFFRE",
    "regle": "REGLE",
    "si": "SI",
    "alors": "ALORS",
    "sauf": "SAUF",
    "sinon": "SINON",
    "choix": "CHOIX",
    "unites": "UNITES",
    "parmi": "PARMI",
    "cite": "CITE",
    "ou": "OU",
    "et": "ET",
    "non": "NON",
    "entre": "ENTRE",
    "inclus": "INCLUS",
    "exclu": "EXCLU",
    "abs": "ABS",
    "dans": "DANS",
    "moyenne": "MOYENNE",
    "total": "TOTAL",
    "coefficients": "COEFFICIENTS",
    "points": "POINTS",
    "au-dessus": "AU_DESSUS",
    "arrondi": "ARRONDI",
    "tronque": "TRONQUE",
    "decimale": "DECIMALES",
    "decimales": "DECIMALES",
}

_REVERSED_COMPARATORS = {"=>": ">=", "=<": "<=", "==": "="}


def fold(word: str) -> str:
    """Case- and accent-insensitive spelling: 'Règle' → 'regle', 'au_dessus' → 'au-dessus'."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("_", "-") if plain.replace("_", "-") in KEYWORDS else plain


def _retype_keyword(token: Token) -> Token:
    keyword = KEYWORDS.get(fold(token.value))
    return Token.new_borrow_pos(keyword, token.value, token) if keyword else token


def grammar_text() -> str:
    return resources.files("ndrc_rules").joinpath("grammar", "regulation.lark").read_text("utf-8")


@cache
def lalr_parser(*, strict: bool = False) -> Lark:
    """The LALR parser, built once per process."""
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="basic",
        propagate_positions=True,
        maybe_placeholders=False,
        lexer_callbacks={"NAME": _retype_keyword},
        strict=strict,
    )


def parse(source: SourceFile) -> tuple[Tree | None, list[Diagnostic]]:
    """Parse a whole file; a syntax error yields a diagnostic instead of a tree."""
    try:
        return lalr_parser().parse(source.text), []
    except UnexpectedInput as error:
        return None, [_diagnostic(source, error)]


def _last_line(source: SourceFile) -> int:
    return source.text.rstrip("\n").count("\n") + 1


def _diagnostic(source: SourceFile, error: UnexpectedInput) -> Diagnostic:
    if isinstance(error, UnexpectedCharacters):
        return _unexpected_character(source, error)
    if isinstance(error, UnexpectedToken) and error.token.type != "$END":
        return _unexpected_token(source, error)
    line = _last_line(source)
    column = len(source.line(line)) + 1
    expected = getattr(error, "expected", None) or getattr(error, "accepts", None) or set()
    return Diagnostic(
        "E003", Span(source.path, line, column, line, column + 1), hint=_expected_hint(expected)
    )


def _unexpected_character(source: SourceFile, error: UnexpectedCharacters) -> Diagnostic:
    line_text = source.line(error.line)
    found = line_text[error.column - 1 : error.column + 1].strip() or line_text[error.column - 1]
    span = Span(source.path, error.line, error.column, error.line, error.column + len(found))
    if found in _REVERSED_COMPARATORS:
        hint = Hint(
            "hint.reversed_comparator", {"found": found, "fix": _REVERSED_COMPARATORS[found]}
        )
        return Diagnostic("E002", span, {"found": found}, hint)
    if found[0] in '"“«':
        rest = len(line_text) + 1
        span = Span(source.path, error.line, error.column, error.line, rest)
        return Diagnostic("E004", span, hint=Hint("hint.split_string"))
    return Diagnostic("E002", span, {"found": found[0]}, _expected_hint(error.allowed or set()))


def _unexpected_token(source: SourceFile, error: UnexpectedToken) -> Diagnostic:
    token = error.token
    span = Span(
        source.path,
        token.line or 1,
        token.column or 1,
        token.end_line or token.line or 1,
        token.end_column or (token.column or 1) + 1,
    )
    expected = error.accepts or error.expected
    if token.type in KEYWORDS.values() and "NAME" in expected:
        return Diagnostic("E005", span, {"found": token.value})
    reversed_ = _reversed_comparator(source, span)
    if reversed_:
        return reversed_
    return Diagnostic("E001", span, {"found": token.value}, _expected_hint(expected))


def _reversed_comparator(source: SourceFile, span: Span) -> Diagnostic | None:
    """`=>` or `=<` typed for `>=` / `<=`: lexed as `=` then `>`, caught at either."""
    line = source.line(span.line)
    for start in (span.column - 2, span.column - 1):
        found = line[max(start, 0) : start + 2]
        if start >= 0 and found in _REVERSED_COMPARATORS:
            where = Span(span.file, span.line, start + 1, span.line, start + 3)
            hint = Hint(
                "hint.reversed_comparator", {"found": found, "fix": _REVERSED_COMPARATORS[found]}
            )
            return Diagnostic("E001", where, {"found": found}, hint)
    return None


def _expected_hint(expected: set[str]) -> Hint | None:
    labels = sorted({_label(name) for name in expected if not name.startswith("__")})
    if not labels:
        return None
    shown = ", ".join(labels[:8]) + (", …" if len(labels) > 8 else "")
    return Hint("hint.expected", {"expected": shown})


_PUNCTUATION = {
    "COLON": "`:`",
    "SEMICOLON": "`;`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "COMMA": "`,`",
    "PLUS": "`+`",
    "MINUS": "`-`",
    "TIMES": "`*`",
    "DIVIDE": "`/`",
}


def _label(terminal: str) -> str:
    from .messages import FRENCH, text

    if terminal in _PUNCTUATION:
        return _PUNCTUATION[terminal]
    if "token." + terminal in FRENCH:
        return text("token." + terminal)
    spelling = next((word for word, kw in KEYWORDS.items() if kw == terminal), terminal.lower())
    return f"`{spelling}`"
