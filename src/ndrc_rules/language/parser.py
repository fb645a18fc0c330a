"""Text → Lark parse tree, with every syntax error reported in one pass.

Keywords are recognised here, not in the grammar: every word is lexed as a
NAME and retyped through `KEYWORDS`, so accents and case never matter and no
keyword can be mis-lexed as the prefix of a name.
"""

from __future__ import annotations

import hashlib
import os
import re
from copy import copy
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from lark import Lark, Token, Tree
from lark import __version__ as LARK_VERSION
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.parsers.lalr_interactive_parser import InteractiveParser

from ndrc_rules.common.messages import clip
from ndrc_rules.language.diagnostics import Diagnostic, Hint, unshown_note
from ndrc_rules.language.names import KEYWORDS, fold
from ndrc_rules.language.phrasing import natural_french, unclosed_parenthesis, unquoted_title
from ndrc_rules.language.source import LINE_END, SourceFile, Span, position, split_lines
from ndrc_rules.language.suggest import nearest

_REVERSED_COMPARATORS = {"=>": ">=", "=<": "<=", "==": "="}


def _retype_keyword(token: Token) -> Token:
    keyword = KEYWORDS.get(fold(token.value))
    return Token.new_borrow_pos(keyword, token.value, token) if keyword else token


def grammar_text() -> str:
    return resources.files("ndrc_rules").joinpath("grammar", "regulation.lark").read_text("utf-8")


@cache
def lalr_parser(*, strict: bool = False) -> Lark:
    """The LALR parser, built once per process.

    Lark's analysis of the grammar is cached in the user's own cache folder, keyed
    by the grammar's text and Lark's version, so a new process loads the tables
    instead of rebuilding them (the strict build, for tests, always rebuilds).
    """
    grammar = grammar_text()
    return Lark(
        grammar,
        parser="lalr",
        lexer="basic",
        propagate_positions=True,
        maybe_placeholders=False,
        lexer_callbacks={"NAME": _retype_keyword},
        strict=strict,
        cache=False if strict else _cache_path(grammar),
    )


def _cache_path(grammar: str) -> str | bool:
    """A file only this user can write (the cache is a pickle), or no cache."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ndrc-rules"
    key = hashlib.sha256(f"{LARK_VERSION}\n{grammar}".encode()).hexdigest()[:24]
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return False
    return str(root / f"lalr-{key}.cache")


# Keywords that open a statement: after a syntax error, parsing resumes at the
# first of them that begins a line.
SYNC_KEYWORDS = frozenset(
    {
        "DIPLOME",
        "IMPORTE",
        "MODELE",
        "APRES",
        "RESULTAT",
        "REGIME",
        "GROUPE",
        "UNITE",
        "PARTIE",
        "FORME",
        "BENEFICE",
        "CHIFFRE",
        "REGLE",
        "SI",
        "SAUF",
        "CITE",
        "SINON",
        "EXEMPLE",
    }
)
# Keywords that open a statement (the others above open a clause of one).
STATEMENT_KEYWORDS = SYNC_KEYWORDS - {"SI", "SAUF", "CITE"}
# When the statement that holds the next one is unreadable (`§regime …`, then
# `groupe …`), recovery opens a stand-in holder so that the rest is still read
# and its syntax errors reported: the shortest of these that lets the keyword in.
# The stand-in and all it holds are dropped from the tree afterwards.
STAND_INS: tuple[tuple[str, ...], ...] = (
    ("REGLE", "NAME"),
    ("UNITE", "NAME"),
    ("GROUPE", "NAME"),
    ("REGIME", "NAME"),
    ("REGIME", "NAME", "REGLE", "NAME"),
    ("REGIME", "NAME", "GROUPE", "NAME"),
    ("GROUPE", "NAME", "UNITE", "NAME"),
    ("REGIME", "NAME", "GROUPE", "NAME", "UNITE", "NAME"),
)
STAND_IN = "\x00"  # the stand-in's name: a control character, refused in any source
MAX_SYNTAX_ERRORS = 100
MAX_DEPTH = 150  # nesting of the parse tree that later stages walk recursively
MAX_NAME = 64  # characters of a name; titles, in quotes, may be as long as needed
MAX_CONTROL_REPORTS = 20
# Control characters but tab and line end, the Unicode line and paragraph
# separators (a line end for some editors, for no pass here), and lone surrogates
# (a `str` given to `loads` may hold one: it is no character at all).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
STATEMENT_DEPTH = 2  # start → regime → its statements (figure, rule)


# Diagnostics about what the whole file lacks (no diploma, no regime), shown at its
# start: after a syntax error, the missing statement may be the unreadable one.
WHOLE_FILE_CODES = frozenset({"E112", "E122"})


@dataclass(frozen=True, slots=True)
class Comment:
    line: int
    column: int
    text: str  # from '#' to the end of the line


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The tree (None if nothing could be read), the comments, every syntax error.

    After an error the parser skips to the next line that opens a statement;
    `damaged` lists the line ranges it could not read, so that later stages
    can keep quiet about what they never saw.
    """

    tree: Tree | None
    comments: tuple[Comment, ...]
    diagnostics: list[Diagnostic]
    damaged: tuple[tuple[int, int], ...] = ()
    lost_names: frozenset[str] = frozenset()  # folded names the damaged statements declare

    def spares(self, diagnostic: Diagnostic) -> bool:
        """Whether a later diagnostic in this file may stem from what could not be
        read: it is about damaged text, a name declared there, or what the whole
        file lacks."""
        span = diagnostic.span
        touched = any(first <= span.end_line and span.line <= last for first, last in self.damaged)
        whole_file = diagnostic.code in WHOLE_FILE_CODES and (span.line, span.column) == (1, 1)
        return touched or self.lost(diagnostic) or (whole_file and bool(self.damaged))

    def lost(self, diagnostic: Diagnostic) -> bool:
        """Whether a diagnostic, in any file, is about a name the damaged text declares."""
        names = (diagnostic.args.get(key, "") for key in ("name", "base"))
        return not self.lost_names.isdisjoint(fold(str(name)) for name in names)


def parse(source: SourceFile) -> ParseResult:
    hidden = _control_characters(source)
    if hidden:  # invisible in an editor, and nowhere legitimate: nothing else is read
        return ParseResult(None, comments(source), hidden)
    recovery = _Recovery(source)
    tree: Tree | None = None
    try:
        tree = lalr_parser().parse(source.text, on_error=recovery.on_error)
    except UnexpectedInput as error:
        recovery.record(error)
    if recovery.unshown:  # damage past the limit was not tracked: nothing more is checked
        tree = None
        recovery.diagnostics.append(recovery.unshown_note())
    if tree is not None:
        recovery.drop_stand_ins(tree)
    deepest = _too_deep(tree, source) if tree is not None else None
    if deepest is not None:
        tree = None
        recovery.diagnostics.append(deepest)
    long_names = _too_long_names(tree, source) if tree is not None else []
    if long_names:
        tree = None
        recovery.diagnostics.extend(long_names)
    damaged = recovery.damaged_ranges()
    lost = frozenset(recovery.lost_names - {""})
    return ParseResult(tree, comments(source), recovery.diagnostics, damaged, lost)


def comments(source: SourceFile) -> tuple[Comment, ...]:
    """Every '#' comment, found outside quoted texts."""
    found = []
    closing = {'"': '"', "“": "”", "«": "»"}
    for number, line in enumerate(split_lines(source.text), start=1):
        quote = None
        for column, char in enumerate(line, start=1):
            if quote:
                quote = None if char == quote else quote
            elif char in closing:
                quote = closing[char]
            elif char == "#":
                found.append(Comment(number, column, line[column - 1 :].rstrip()))
                break
    return tuple(found)


def _declared_names(source: SourceFile, line: int) -> set[str]:
    """The names a damaged line may declare: the word after its keyword (`regle
    admission …`), or, when its keyword is unreadable, any of its words after the
    first (`§§ xregime initial …` may have meant `initial`)."""
    words = [fold(_NOT_IN_NAME.sub("", word)) for word in source.line(line).split()]
    keyword = KEYWORDS.get(words[0]) if words else None
    if keyword is None:
        return set(words[1:])
    return set(words[1:2]) if keyword in STATEMENT_KEYWORDS else set()  # a clause declares nothing


_NOT_IN_NAME = re.compile(r"[^\w.-]")  # a stray `§` inside a declared name is not part of it


class _Recovery:
    """Panic-mode recovery: after an error, skip to a statement that begins a line."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self.damaged: list[list[int]] = []  # [first line, last line]
        self.skipped_to = -1  # where the last skipped text ends
        self.lost_names: set[str] = set()  # folded names the damaged statements may declare
        self.handled_line, self.handled_start = 0, 0  # the last error's line, its statement's
        self.unshown, self.first_unshown = 0, 0  # syntax errors past the limit, the first's line

    def on_error(self, error: UnexpectedInput) -> bool:
        """Report, then resume. A bad character is dropped like a blank: the words
        around it are read on (a misread they cause belongs to the same report). A
        bad token ends its statement: the rest of its line is skipped, then every
        token up to a keyword that opens a line and a statement.

        The work per error is bounded: what an error's line tells (the statement it
        damages, the names it may declare) is worked out once per line, and past
        MAX_SYNTAX_ERRORS reports the errors are only counted (`unshown`)."""
        start, end = _extent(error)
        if not self._still_skipping(start):
            line = getattr(error, "line", None) or _last_line(self.source)
            if len(self.diagnostics) >= MAX_SYNTAX_ERRORS:
                self._count_unshown(line)
            elif line != self.handled_line:
                self.record(error)
                self._damage(line)
        self.skipped_to = end
        if isinstance(error, UnexpectedToken):
            # Back to where a statement may begin, so that no word of the damaged
            # statement is read as the start of another one.
            _unwind(error.interactive_parser, SYNC_KEYWORDS)
            return self._resync(error)
        return True

    def _damage(self, line: int) -> None:
        first = self._statement_start(line)
        self.handled_line, self.handled_start = line, first
        self.damaged.append([first, line])
        self.lost_names |= _declared_names(self.source, first) | _declared_names(self.source, line)

    def _count_unshown(self, line: int) -> None:
        if line != self.handled_line:
            self.handled_line = line
            self.unshown += 1
            self.first_unshown = self.first_unshown or line

    def _resync(self, error: UnexpectedToken) -> bool:
        token, parser = error.token, error.interactive_parser
        if token.type == "$END":
            self.damaged[-1][1] = _last_line(self.source)
            return _unwind(parser, {"$END"})
        if token.type not in SYNC_KEYWORDS or not self._opens_line(token):
            self.damaged[-1][1] = token.line or self.damaged[-1][1]
            self._skip_line(parser)
            return True  # drop the token, keep skipping
        if _unwind(parser, {token.type}) or _open_stand_in(parser, token):
            parser.feed_token(token)
            self.skipped_to = -1
        else:
            self._skip_line(parser)
        return True

    def _skip_line(self, parser: InteractiveParser) -> None:
        """Skip to the end of the current line: no statement starts inside a damaged one,
        and no word of it may be read as the start of another."""
        state = parser.lexer_thread.state
        assert state is not None, "a parser that has read a token has a lexer state"
        start = state.line_ctr.char_pos
        end = self.source.text.find(LINE_END, start)
        end = len(self.source.text) if end < 0 else end
        state.line_ctr.feed(self.source.text[start:end])
        self.skipped_to = max(self.skipped_to, end)

    def _still_skipping(self, start: int) -> bool:
        """Whether only blanks and comments lie between the last skip and `start`."""
        gap = self.source.text[self.skipped_to : start]
        return self.skipped_to >= 0 and _BLANK.fullmatch(gap) is not None

    def _opens_line(self, token: Token) -> bool:
        return not self.source.line(token.line or 1)[: (token.column or 1) - 1].strip()

    def _statement_start(self, line: int) -> int:
        """The line opening the damaged statement; for a unit or a part, its group's.
        The walk stops at the last error's line, whose statement is known: errors come
        in the order of the text, so no line is walked twice."""
        wanted = STATEMENT_KEYWORDS
        for number in range(line, 0, -1):
            if number == self.handled_line and wanted is STATEMENT_KEYWORDS:
                return self.handled_start
            keyword = _keyword_of(_first_word(self.source.line(number)))
            if keyword in wanted:
                if keyword not in {"UNITE", "PARTIE"}:
                    return number
                wanted = frozenset({"GROUPE", "REGIME"})
        return line

    def unshown_note(self) -> Diagnostic:
        span = Span(self.source.path, self.first_unshown, 1, self.first_unshown, 2)
        return unshown_note(span, self.unshown)

    def record(self, error: UnexpectedInput) -> None:
        line = getattr(error, "line", None) or _last_line(self.source)
        if any(d.span.line == line for d in self.diagnostics):
            return
        self.diagnostics.append(_diagnostic(self.source, error))

    def drop_stand_ins(self, tree: Tree) -> None:
        """Remove the stand-in holders; what they held counts as damaged text."""
        for node in list(tree.iter_subtrees_topdown()):
            kept = []
            for child in node.children:
                if isinstance(child, Tree) and _is_stand_in(child):
                    self._lose(child)
                else:
                    kept.append(child)
            node.children = kept

    def _lose(self, node: Tree) -> None:
        meta = node.meta
        if not getattr(meta, "empty", True):
            self.damaged.append([meta.line, meta.end_line])
        for inner in node.iter_subtrees():
            name = inner.children[1] if len(inner.children) > 1 else None
            if isinstance(name, Token) and name.type == "NAME" and name != STAND_IN:
                self.lost_names.add(fold(name.value))

    def damaged_ranges(self) -> tuple[tuple[int, int], ...]:
        return tuple((first, last) for first, last in self.damaged)


# Possessive: a comment is taken to its line's end at once. `(?:\s|#[^\n]*)*` tried every
# way to split a run of `#` into comments before failing: 3,000 `#` stalled `check`.
_BLANK = re.compile(r"(?:\s|#[^\n]*+)*+")
_FIRST_WORD = re.compile(r"\s*(\S*)")


def _first_word(line: str) -> str:
    """A line's first word, read without splitting the whole line."""
    match = _FIRST_WORD.match(line)
    return match.group(1) if match else ""


def _extent(error: UnexpectedInput) -> tuple[int, int]:
    """Character offsets of the text an error is about."""
    if isinstance(error, UnexpectedToken) and error.token.type != "$END":
        return error.token.start_pos or 0, error.token.end_pos or 0
    offset = getattr(error, "pos_in_stream", None) or 0
    return offset, offset + 1


def _unwind(parser: InteractiveParser, terminals: frozenset[str] | set[str]) -> bool:
    """Pop parser states down to the nearest that accepts one of `terminals`, if any."""
    state = parser.parser_state
    table = state.parse_conf.states
    accepting = [
        i for i, number in enumerate(state.state_stack) if not terminals.isdisjoint(table[number])
    ]
    if not accepting:
        return False
    del state.state_stack[accepting[-1] + 1 :]
    del state.value_stack[accepting[-1] :]
    return True


def _open_stand_in(parser: InteractiveParser, keyword: Token) -> bool:
    """Open the shortest stand-in holder that accepts `keyword`, if one does."""
    for tokens in STAND_INS:
        trial = _dry_run(parser)
        if not _unwind(trial, {tokens[0]}):
            continue
        stand_in = [Token.new_borrow_pos(kind, STAND_IN, keyword) for kind in tokens]
        try:
            for token in [*stand_in, keyword]:
                trial.feed_token(token)
        except UnexpectedToken:
            continue
        _unwind(parser, {tokens[0]})
        for token in stand_in:
            parser.feed_token(token)
        return True
    return False


def _dry_run(parser: InteractiveParser) -> InteractiveParser:
    """A copy to try tokens on. It builds no tree: the tree builder may extend
    the lists it shares with `parser` in place."""
    trial: InteractiveParser = parser.copy(deepcopy_values=False)
    conf = copy(trial.parser_state.parse_conf)
    conf.callbacks = {}
    trial.parser_state.parse_conf = conf
    return trial


def _is_stand_in(node: Tree) -> bool:
    return any(isinstance(c, Token) and c == STAND_IN for c in node.children)


def _too_deep(tree: Tree, source: SourceFile) -> Diagnostic | None:
    """E006 where the tree nests deeper than later stages may recurse, else None.

    Walked with an explicit stack: the check itself cannot overflow.
    """
    stack = [(tree, 1, tree)]
    while stack:
        node, depth, statement = stack.pop()
        if depth > MAX_DEPTH:  # reported where the statement holding it begins
            meta = statement.meta
            line, column = getattr(meta, "line", 1), getattr(meta, "column", 1)
            span = Span(source.path, line, column, line, column + 1)
            return Diagnostic("E006", span, {"limit": MAX_DEPTH})
        for child in node.children:
            if isinstance(child, Tree):
                stack.append((child, depth + 1, child if depth <= STATEMENT_DEPTH else statement))
    return None


def _control_characters(source: SourceFile) -> list[Diagnostic]:
    """E008 for each control character (tabs and line ends aside), quotes included."""
    found = []
    for match in _CONTROL.finditer(source.text):
        line, column = position(source.text, match.start())
        span = Span(source.path, line, column, line, column + 1)
        code = f"U+{ord(match.group()):04X}"
        found.append(Diagnostic("E008", span, {"code": code}, Hint("hint.control")))
        if len(found) == MAX_CONTROL_REPORTS:
            break
    return found


def _too_long_names(tree: Tree, source: SourceFile) -> list[Diagnostic]:
    """E007 for each name longer than MAX_NAME: it would fill every message that
    quotes it, and no regulation needs one."""
    found = []
    for token in tree.scan_values(
        lambda v: isinstance(v, Token) and v.type == "NAME" and len(v) > MAX_NAME
    ):
        span = Span(source.path, token.line, token.column, token.line, token.column + len(token))
        args = {"found": clip(str(token), 24), "length": len(token), "limit": MAX_NAME}
        found.append(Diagnostic("E007", span, args, Hint("hint.short_name")))
    return found


def _last_line(source: SourceFile) -> int:
    return len(split_lines(source.text.rstrip(LINE_END)))


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
    pair = line_text[error.column - 1 : error.column + 1]
    if pair in _REVERSED_COMPARATORS:
        span = Span(source.path, error.line, error.column, error.line, error.column + 2)
        fix = {"found": pair, "fix": _REVERSED_COMPARATORS[pair]}
        return Diagnostic("E002", span, {"found": pair}, Hint("hint.reversed_comparator", fix))
    found = line_text[error.column - 1 : error.column] or " "
    if found in '"“«':
        rest = len(line_text) + 1
        span = Span(source.path, error.line, error.column, error.line, rest)
        return Diagnostic("E004", span, hint=Hint("hint.split_string"))
    span = Span(source.path, error.line, error.column, error.line, error.column + 1)
    hint = Hint("hint.quotes") if found in "'‘’" else None
    return Diagnostic("E002", span, {"found": clip(found)}, hint)


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
    phrased = natural_french(source, token, expected, fold) or unclosed_parenthesis(
        source, token, expected, _opens_statement
    )
    if phrased:
        return phrased
    misspelt = _misspelt_keyword(token, expected)
    title = None if misspelt else unquoted_title(source, token, expected, _keyword_of)
    hint = misspelt or _expected_hint(expected)
    return title or Diagnostic("E001", span, {"found": token.value}, hint)


def _keyword_of(word: str) -> str | None:
    return KEYWORDS.get(fold(word))


def _opens_statement(line: str) -> bool:
    words = line.split()
    return bool(words) and _keyword_of(words[0]) in STATEMENT_KEYWORDS


def _misspelt_keyword(token: Token, expected: set[str]) -> Hint | None:
    """`coefficent` where `coefficient` was expected: suggest the keyword."""
    if token.type != "NAME":
        return None
    spellings = [word for word, terminal in KEYWORDS.items() if terminal in expected]
    close = nearest(fold(token.value), spellings)
    return Hint("hint.did_you_mean", {"suggestion": close}) if close else None


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
    from ndrc_rules.common.messages import FRENCH, text

    if terminal in _PUNCTUATION:
        return _PUNCTUATION[terminal]
    if "token." + terminal in FRENCH:
        return text("token." + terminal)
    spelling = next((word for word, kw in KEYWORDS.items() if kw == terminal), terminal.lower())
    return f"`{spelling}`"
