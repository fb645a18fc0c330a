"""Surface AST → core model: resolve names, expand regimes, order figures.

The checking stage. It never raises: problems become diagnostics, and a
`Program` is returned only when there is no error. Names are matched without
regard to case or accents (`U1` = `u1`, `général` = `general`).

One mistake, one diagnostic: as Elm and rustc do, what an error leaves unknown
is "poisoned", and the errors that would only stem from it are not reported.
A failed import poisons the outcomes and regimes it might have declared; a
regime whose base is unknown (or that acts as derived, with no `reprend`),
everything it would have inherited; a unit or
regime declared twice, the name the second declaration was meant to have (the
first unknown name of its kind met where it is in scope); an unknown name, its
later uses; a `sinon` missing from a model, the regimes that reuse it (one
report, at the model).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction

from ndrc_rules.common.columns import (
    JURY,
    JURY_REASON,
    KEPT_SUFFIX,
    RESIT_SUFFIX,
    SESSION,
    split_column,
)
from ndrc_rules.common.messages import text
from ndrc_rules.common.numbers import parse_decimal, short
from ndrc_rules.common.status import MARKERS
from ndrc_rules.language import core as m
from ndrc_rules.language import surface as s
from ndrc_rules.language.constructs import AGGREGATES, AggregateKind
from ndrc_rules.language.diagnostics import Diagnostic, Hint, has_errors, unique
from ndrc_rules.language.names import fold
from ndrc_rules.language.source import SourceFile, Span
from ndrc_rules.language.suggest import nearest

GRADE_SCALE = (Fraction(0), Fraction(20))
IMPORTABLE = "importable"  # outcomes and regimes: a failed import may have declared them
MAX_DECIMALS = 6
MAX_SITUATIONS = 20  # of one CCF; each is a part S1…SN of the unit
EPFF_MODES = {
    "ecrite": "ecrite",
    "ecrit": "ecrite",
    "orale": "orale",
    "oral": "orale",
    "pratique": "pratique",
}


def check(
    document: s.Document,
    source: SourceFile,
    imports: tuple[tuple[str, str], ...] = (),
    *,
    incomplete: bool = False,
) -> tuple[m.Program | None, list[Diagnostic]]:
    """`incomplete`: an import failed (already reported), so any outcome, model or
    regime may be one it would have declared."""
    checker = _Checker(incomplete)
    program = replace(checker.program(document, source), imports=imports)
    diagnostics = checker.reported()
    if has_errors(diagnostics):
        return None, diagnostics
    return program, diagnostics


@dataclass
class _Regime:
    """A regime being assembled: inherited parts first, then its own items."""

    name: str
    title: str | None
    base: str | None
    span: Span
    groups: dict[str, m.GroupDef] = field(default_factory=dict)
    units: dict[str, m.UnitDef] = field(default_factory=dict)
    main: _Rules = field(default_factory=lambda: _Rules())
    resit: _Rules | None = None  # after `apres controle`
    orphan: bool = False  # its base is unknown or part of a loop: already reported
    model: bool = False
    kept: m.KeptGradesDef | None = None
    parent: _Regime | None = None
    own_default: bool = False  # its own `sinon` (not inherited)
    lost_units: list[_Lost] = field(default_factory=list)  # its own and inherited


@dataclass(eq=False)
class _Lost:
    """A unit or regime declared twice: the second declaration is dropped, and the
    name it was meant to have is declared nowhere. The first unknown name of its
    kind met where it is in scope is taken for that name, and not reported."""

    report: int  # index of its E102 among the checker's diagnostics
    like: str = ""  # a unit code's letters before its number (`U5` → `u`): the meant one's too
    meant: str | None = None  # folded name, once met


@dataclass
class _Rules:
    """Figures and rules of one phase, as declared so far (inherited first)."""

    figures: dict[str, s.Figure] = field(default_factory=dict)
    rules: dict[str, _PendingRule] = field(default_factory=dict)
    default: _PendingRule | None = None

    def copy(self) -> _Rules:
        return _Rules(dict(self.figures), dict(self.rules), self.default)


@dataclass(frozen=True)
class _PendingException:
    condition: s.Condition
    citation: m.Citation | None
    span: Span


@dataclass(frozen=True)
class _PendingRule:
    """A rule whose outcome is known but whose names await the complete regime."""

    name: str
    title: str | None
    condition: s.Condition | None
    exceptions: tuple[_PendingException, ...]
    outcome: m.OutcomeDef
    resit: s.ResitTerms | None
    citation: m.Citation | None
    span: Span


class _Checker:
    def __init__(self, incomplete: bool = False) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.outcomes: dict[str, m.OutcomeDef] = {}
        self.incomplete = incomplete
        self.built: dict[str, _Regime] = {}
        self.unknown_uses: dict[str, list[int]] = {}  # folded unknown name → its reports
        self.lost_regimes: list[_Lost] = []
        # Regimes lacking a default, by the furthest ancestor that lacks it too.
        self.without_default: dict[str, tuple[_Regime, list[str]]] = {}

    # --- reporting -------------------------------------------------------------
    def error(self, code: str, span: Span, hint: Hint | None = None, **args: object) -> None:
        self.diagnostics.append(Diagnostic(code, span, args, hint))

    def unknown(
        self,
        subject: s.Name,
        known: Iterable[str],
        code: str = "E101",
        *,
        scope: _Regime | str | None = None,
        unit: bool = False,
        **args: object,
    ) -> None:
        """An unknown name, unless it stems from an error already reported. `scope`:
        the regime it is looked up in, or IMPORTABLE (the file's outcomes and
        regimes), or None (a fixed vocabulary); `unit`: a unit code may stand there."""
        if self.poisoned(subject, scope, unit=unit):
            return
        if scope is not None:  # a declared name: all its uses share one cause
            self.use_of_unknown(_unit_code(subject) if unit else fold(subject.value))
        hint = _suggestion(subject.value, known)
        self.error(code, subject.span, hint, **{"name": subject.value, **args})

    def use_of_unknown(self, key: str) -> None:
        """The next diagnostic is a use of the unknown name `key`."""
        self.unknown_uses.setdefault(key, []).append(len(self.diagnostics))

    def reported(self) -> list[Diagnostic]:
        """Every diagnostic, each once, in file order; an unknown name once, at its
        first use (one missing or misspelt declaration, however many uses)."""
        repeats: set[int] = set()
        for uses in self.unknown_uses.values():
            first = min(uses, key=lambda i: _place(self.diagnostics[i]))
            repeats.update(i for i in uses if i != first)
        kept = (d for i, d in enumerate(self.diagnostics) if i not in repeats)
        # A derived regime re-resolves what it inherits: report each problem once.
        return sorted(unique(kept), key=lambda d: (d.span.line, d.span.column))

    def poisoned(self, name: s.Name, scope: _Regime | str | None, *, unit: bool = False) -> bool:
        if scope == IMPORTABLE:  # a regime's name (outcomes have their own path)
            return self.incomplete or self.meant(fold(name.value), name.value, self.lost_regimes)
        if not isinstance(scope, _Regime):
            return False
        code = _unit_code(name)
        shown = name.value.split(".", 1)[0]
        return scope.orphan or (unit and self.meant(code, shown, scope.lost_units))

    def meant(self, key: str, shown: str, lost: list[_Lost]) -> bool:
        """Whether `key` is the name a declaration dropped as a duplicate was meant
        to have; the first such name met is taken, and named in that E102."""
        for declaration in lost:
            if declaration.meant is None and key.startswith(declaration.like):
                declaration.meant = key
                report = self.diagnostics[declaration.report]
                hint = Hint("hint.meant_name", {"name": shown})
                self.diagnostics[declaration.report] = replace(report, hint=hint)
            if declaration.meant == key:
                return True
        return False

    # --- document ------------------------------------------------------------
    def program(self, document: s.Document, source: SourceFile) -> m.Program:
        diploma = self.diploma(document)
        self.outcomes = self.declare_outcomes(document.outcomes)
        regimes = self.regimes(document.regimes, document.span)
        examples = self.examples(document.examples, regimes)
        return m.Program(
            source.path, source.sha256, diploma, tuple(self.outcomes.values()), regimes, examples
        )

    def diploma(self, document: s.Document) -> m.DiplomaDef:
        # A file of models only (the national base) needs no diploma.
        models_only = all(r.model for r in document.regimes)
        if len(document.diplomas) > 1 or (not document.diplomas and not models_only):
            where = document.diplomas[1].span if document.diplomas else _start(document.span)
            self.error("E112", where)
        if not document.diplomas:
            return m.DiplomaDef("?", "?", None, None, None, None)
        d = document.diplomas[0]
        return m.DiplomaDef(
            d.code.value,
            d.title,
            d.rncp.text if d.rncp else None,
            d.level.text if d.level else None,
            d.source,
            d.session.text if d.session else None,
            d.last_session.text if d.last_session else None,
            d.span,
        )

    def declare_outcomes(self, outcomes: tuple[s.Outcome, ...]) -> dict[str, m.OutcomeDef]:
        table: dict[str, m.OutcomeDef] = {}
        for outcome in outcomes:
            if self.is_new(table, outcome.name, "kind.outcome"):
                table[fold(outcome.name.value)] = m.OutcomeDef(
                    outcome.name.value, outcome.label, outcome.span
                )
        return table

    def is_new(self, table: Mapping[str, object], name: s.Name, kind: str) -> bool:
        """True for a name not yet in `table`; otherwise reports the duplicate."""
        previous = table.get(fold(name.value))
        if previous is not None:
            self.duplicate(name, kind, getattr(previous, "span", name.span).line)
        return previous is None

    def duplicate(self, name: s.Name, kind: str, line: int) -> None:
        self.error(
            "E102",
            name.span,
            Hint("hint.rename", {"name": name.value}),
            kind=text(kind).split(" ", 1)[1],
            name=name.value,
            line=line,
        )

    # --- examples --------------------------------------------------------------
    def examples(
        self, examples: tuple[s.Example, ...], regimes: tuple[m.RegimeDef, ...]
    ) -> tuple[m.ExampleDef, ...]:
        declared: dict[str, s.Example] = {}
        checked = []
        by_name = {fold(r.name): r for r in regimes}
        for example in examples:
            if not self.is_new(declared, example.name, "kind.example"):
                continue
            declared[fold(example.name.value)] = example
            regime = by_name.get(fold(example.regime.value))
            if regime is None:
                self.unknown(example.regime, [r.name for r in regimes], scope=IMPORTABLE)
                continue
            checked.append(self.example(example, regime))
        return tuple(checked)

    def example(self, example: s.Example, regime: m.RegimeDef) -> m.ExampleDef:
        columns = _example_columns(regime)
        scope = self.built[fold(regime.name)]
        given: dict[str, s.ExampleGrade] = {}
        for grade in example.grades:
            if self.is_new(given, grade.column, "kind.column"):
                given[fold(grade.column.value)] = grade
            column = columns.get(fold(grade.column.value))
            if column is None:
                known = [name for name, _ in columns.values()]
                self.unknown(grade.column, known, scope=scope, unit=True)
            else:
                self.example_value(grade, *column)
        self.outcome(example.outcome)
        rules = self.example_rules(example, regime, scope, fold(JURY) in given)
        # A regime without `sinon` has been reported: an example decided by it is not.
        rule = fold(example.rule.value) if example.rule else None
        missing_default = rule == "sinon" and scope.main.default is None
        if example.rule and rules is not None and rule not in rules and not missing_default:
            self.unknown(example.rule, rules.values(), scope=scope)
        return m.ExampleDef(
            example.name.value,
            example.title,
            regime.name,
            tuple(
                (columns.get(fold(g.column.value), (g.column.value, ""))[0], g.value)
                for g in example.grades
            ),
            self.outcome(example.outcome).name,
            (rules or {}).get(fold(example.rule.value)) if example.rule else None,
            example.span,
            example.after_resit is not None,
        )

    def example_value(self, grade: s.ExampleGrade, column: str, kind: str) -> None:
        """The value of one example column, checked against what that column holds."""
        if kind == _GRADE:
            if grade.quoted or not _example_value(grade.value):
                self.error("E130", grade.span, value=grade.value)
        elif kind == _OUTCOME and not grade.quoted:
            self.outcome(s.Name(grade.value, grade.span))
        elif not _example_kind_ok(grade, kind):
            expected = text(f"example.{kind}")
            self.error("E150", grade.span, value=grade.value, column=column, expected=expected)

    def example_rules(
        self, example: s.Example, regime: m.RegimeDef, scope: _Regime, jury: bool
    ) -> dict[str, str] | None:
        """The rules that may decide the example (folded name → name): those of the
        phase it names, and `jury` when the example records the jury's decision;
        None (reported, unless the regime's inheritance already was) when it names a
        phase the regime lacks."""
        if example.after_resit is None:
            phase = m.PhaseDef(regime.figures, regime.rules)
        elif regime.resit is None:
            if not scope.orphan:
                self.error("E151", example.after_resit.span, regime=regime.name)
            return None
        else:
            phase = regime.resit
        rules = {fold(r.name): r.name for r in phase.rules}
        return {**rules, JURY: JURY} if jury else rules

    # --- regimes ---------------------------------------------------------------
    def regimes(self, regimes: tuple[s.Regime, ...], whole: Span) -> tuple[m.RegimeDef, ...]:
        if not regimes:
            self.error("E122", _start(whole))
        declared: dict[str, s.Regime] = {}
        for regime in regimes:
            if self.is_new(declared, regime.name, "kind.regime"):
                declared[fold(regime.name.value)] = regime
            else:
                self.lost_regimes.append(_Lost(len(self.diagnostics) - 1))
        built = self.built
        for key in self.inheritance_order(declared):
            built[key] = self.regime(declared[key], built)
        finished = tuple(self.finish(built[key]) for key in declared if not built[key].model)
        self.report_missing_defaults()
        return finished

    def inheritance_order(self, declared: dict[str, s.Regime]) -> list[str]:
        """Bases before the regimes that reuse them; unknown bases and cycles reported."""
        order: list[str] = []
        for key, regime in declared.items():
            chain = [key]
            base = regime.base
            while base is not None and fold(base.value) not in order:
                base_key = fold(base.value)
                if base_key not in declared:
                    known = [r.name.value for r in declared.values()]
                    name = declared[chain[-1]].name.value
                    self.unknown(base, known, "E104", name=name, base=base.value, scope=IMPORTABLE)
                    break
                if base_key in chain:
                    cycle = " → ".join(declared[k].name.value for k in [*chain, base_key])
                    self.error("E126", base.span, regime=regime.name.value, cycle=cycle)
                    break
                chain.append(base_key)
                base = declared[base_key].base
            order.extend(k for k in reversed(chain) if k not in order)
        return order

    def regime(self, regime: s.Regime, built: dict[str, _Regime]) -> _Regime:
        base = built.get(fold(regime.base.value)) if regime.base else None
        result = _Regime(regime.name.value, regime.title, base.name if base else None, regime.span)
        result.orphan = regime.base is not None and (base is None or base.orphan)
        result.model = regime.model
        result.own_default = any(isinstance(item, s.Default) for item in regime.items)
        if base:
            result.parent, result.lost_units = base, list(base.lost_units)
            result.groups, result.units = dict(base.groups), dict(base.units)
            result.main = base.main.copy()
            result.resit = base.resit.copy() if base.resit else None
            result.kept = base.kept
        own: dict[str, int] = {}  # names this regime itself declares → line
        for item in regime.items:
            match item:
                case s.Group():
                    self.group(item, result)
                case s.FormOverride():
                    self.form_override(item, result, regime)
                case s.KeptGrades():
                    result.kept = self.kept_grades(item)
                case _:
                    self.phase_item(item, result.main, result, own)
        if regime.resit is not None:
            result.resit = result.resit or _Rules()
            own_resit: dict[str, int] = {}
            for item in regime.resit:
                self.phase_item(item, result.resit, result, own_resit)
        return result

    def phase_item(
        self,
        item: s.Figure | s.Rule | s.Default,
        phase: _Rules,
        regime: _Regime,
        own: dict[str, int],
    ) -> None:
        match item:
            case s.Figure():
                self.own_name(own, "chiffre:", item.name, "kind.figure")
                phase.figures[fold(item.name.value)] = item
            case s.Rule():
                self.own_name(own, "regle:", item.name, "kind.rule")
                self.rule(item, phase, regime)
            case s.Default():
                if "sinon" in own:
                    self.error("E131", item.span, line=own["sinon"])
                own.setdefault("sinon", item.span.line)
                phase.default = self.default(item)

    def own_name(self, own: dict[str, int], prefix: str, name: s.Name, kind: str) -> None:
        """A regime may redefine what it inherits, but not declare a name twice itself."""
        key = prefix + fold(name.value)
        if key in own:
            self.duplicate(name, kind, own[key])
        own.setdefault(key, name.span.line)

    def group(self, group: s.Group, regime: _Regime) -> None:
        """A group and its units. A group declared twice is reported once: its units
        are still declared and checked, so that nothing else stems from it."""
        new = self.is_new(regime.groups, group.name, "kind.group")
        if new and not group.units and not group.optional:  # a diploma may have no optional unit
            self.error("E117", group.name.span, name=group.name.value)
        codes = []
        for unit in group.units:
            if self.is_new(regime.units, unit.code, "kind.unit"):
                regime.units[fold(unit.code.value)] = self.unit(unit, group)
                codes.append(unit.code.value)
            else:
                letters = re.match(r"\D*(?=\d)", fold(unit.code.value))
                like = letters.group() if letters else ""
                regime.lost_units.append(_Lost(len(self.diagnostics) - 1, like))
        if new:
            regime.groups[fold(group.name.value)] = m.GroupDef(
                group.name.value, group.title, tuple(codes), group.span
            )

    def unit(self, unit: s.Unit, group: s.Group) -> m.UnitDef:
        coefficient = None
        if group.optional and unit.coefficient:
            where = {"group": group.name.value, "line": group.span.line}
            hint = Hint("hint.optional_group", where)
            self.error("E108", unit.coefficient.span, hint, name=unit.code.value, **where)
        elif not group.optional:
            coefficient = self.coefficient(unit.coefficient, unit.code)
        if unit.parts and any(isinstance(f, s.Ccf) for f in unit.forms):
            self.error("E123", unit.code.span, name=unit.code.value)
        forms = self.forms(unit.forms)
        parts = tuple(self.part(p) for p in unit.parts) or _situations(forms, unit.span)
        return m.UnitDef(
            unit.code.value,
            unit.title or unit.code.value,
            group.name.value,
            coefficient,
            group.optional,
            group.exemptable,
            forms,
            parts,
            unit.span,
        )

    def coefficient(self, number: s.Number | None, owner: s.Name) -> Fraction:
        if number is None:
            self.error("E107", owner.span, Hint("hint.add_coefficient"), name=owner.value)
            return Fraction(1)
        if number.value <= 0:
            self.error("E106", number.span, name=owner.value, value=number.text)
        return number.value

    def part(self, part: s.Part) -> m.PartDef:
        return m.PartDef(
            part.name.value,
            part.title,
            self.coefficient(part.coefficient, part.name),
            self.forms(part.forms),
            part.span,
        )

    def forms(self, forms: tuple[s.Form, ...]) -> tuple[m.Form, ...]:
        return tuple(self.form(f) for f in forms)

    def form(self, form: s.Form) -> m.Form:
        if isinstance(form, s.Ccf):
            count = form.situations.value
            if count.denominator != 1 or not 1 <= count <= MAX_SITUATIONS:
                self.error(
                    "E134", form.situations.span, value=form.situations.text, most=MAX_SITUATIONS
                )
                count = Fraction(0)  # no parts S1…SN are made up for it
            return m.Form("CCF", (), int(count), None, None, form.span)
        modes = []
        for written in form.modes:
            mode = EPFF_MODES.get(fold(written.value))
            if mode is None:
                self.unknown(written, sorted(set(EPFF_MODES.values())), "E116")
            modes.append(mode or written.value)
        preparation = form.preparation.minutes if form.preparation else None
        return m.Form("EPFF", tuple(modes), None, form.duration.minutes, preparation, form.span)

    def kept_grades(self, item: s.KeptGrades) -> m.KeptGradesDef:
        low, high = GRADE_SCALE
        if not low <= item.threshold.value <= high:
            self.error(
                "E111", item.threshold.span, Hint("hint.threshold_scale"), value=item.threshold.text
            )
        if item.years.value.denominator != 1 or item.years.value < 1:
            self.error("E106", item.years.span, name="benefice", value=item.years.text)
        return m.KeptGradesDef(
            item.op,
            item.threshold.value,
            int(item.years.value),
            _citation(item.citation),
            item.span,
        )

    def form_override(self, item: s.FormOverride, regime: _Regime, node: s.Regime) -> None:
        if regime.base is None and not regime.orphan:
            self.error("E120", item.span, regime=regime.name)
            # It acts as a derived regime: what it would inherit is unknown, not missing.
            regime.orphan = True
            return
        unit = regime.units.get(fold(item.unit.value))
        if unit is None:
            self.forms(item.forms)  # checked all the same
            known = [u.code for u in regime.units.values()]
            self.unknown(item.unit, known, "E105", regime=node.name.value, scope=regime, unit=True)
            return
        forms = self.forms(item.forms)
        regime.units[fold(unit.code)] = replace(
            unit, forms=forms, parts=_situations(forms, unit.span)
        )

    # --- rules -----------------------------------------------------------------
    def rule(self, rule: s.Rule, phase: _Rules, regime: _Regime) -> None:
        key = fold(rule.name.value)
        inherited = phase.rules.get(key)
        exceptions = tuple(
            _PendingException(e.condition, _citation(rule.citation), e.span)
            for e in rule.exceptions
        )
        if rule.condition is None or rule.conclusion is None:
            if inherited is None:
                if regime.orphan:  # the rule may be one its unknown base has
                    return
                self.use_of_unknown(key)  # as a rule to restate, `key` is unknown
                if rule.exceptions and regime.base:
                    self.error("E124", rule.name.span, name=rule.name.value, base=regime.base)
                    return
                # Restating a rule, with no `sinon` of its own: a `reprend` is missing.
                derived = regime.base is None and not regime.own_default
                hint = Hint("hint.add_base", {"regime": regime.name}) if derived else None
                self.error("E113", rule.name.span, hint, name=rule.name.value)
                regime.orphan = derived
                return
            if exceptions:
                inherited = replace(inherited, exceptions=inherited.exceptions + exceptions)
            elif rule.citation:  # the diploma's own text for the same rule
                inherited = replace(inherited, citation=_citation(rule.citation))
            phase.rules[key] = inherited
            return
        phase.rules[key] = _PendingRule(
            rule.name.value,
            rule.title,
            rule.condition,
            exceptions,
            self.outcome(rule.conclusion.outcome),
            rule.conclusion.resit,
            _citation(rule.citation),
            rule.span,
        )

    def default(self, default: s.Default) -> _PendingRule:
        return _PendingRule(
            m.DEFAULT_RULE,
            None,
            None,
            (),
            self.outcome(default.conclusion.outcome),
            default.conclusion.resit,
            _citation(default.citation),
            default.span,
        )

    def outcome(self, name: s.Name) -> m.OutcomeDef:
        outcome = self.outcomes.get(fold(name.value))
        if outcome is None and self.incomplete:  # it may be one the failed import declares
            return m.OutcomeDef(name.value, name.value, name.span)
        if outcome is None:
            known = [o.name for o in self.outcomes.values()]
            hint = _suggestion(name.value, known) or Hint(
                "hint.declare_outcome" if known else "hint.no_outcome", {"name": name.value}
            )
            # With no outcome declared at all, one cause for every outcome used.
            self.use_of_unknown("resultat:" + (fold(name.value) if known else ""))
            self.error("E103", name.span, hint, name=name.value)
            outcome = m.OutcomeDef(name.value, name.value, name.span)
        return outcome

    # --- completing a regime -----------------------------------------------------
    def finish(self, regime: _Regime) -> m.RegimeDef:
        if not regime.units and not regime.orphan:
            self.error("E114", regime.span, regime=regime.name)
        main = self.phase(regime, regime.main)
        resit = None
        if regime.resit is not None:
            # After the resit, figures not restated keep their definitions.
            figures = {**regime.main.figures, **regime.resit.figures}
            rules = _Rules(figures, regime.resit.rules, regime.resit.default)
            resit = self.phase(regime, rules, resit=True)
        return m.RegimeDef(
            regime.name,
            regime.title,
            regime.base,
            tuple(regime.units.values()),
            tuple(regime.groups.values()),
            main.figures,
            main.rules,
            regime.span,
            resit,
            regime.kept,
        )

    def phase(self, regime: _Regime, rules: _Rules, *, resit: bool = False) -> m.PhaseDef:
        resolver = _Resolver(self, regime, rules)
        figures = resolver.ordered_figures()
        resolved = [resolver.rule(r) for r in rules.rules.values()]
        if rules.default is not None:
            resolved.append(resolver.rule(rules.default))
        elif not regime.orphan:
            top = _lacking_default(regime, resit=resit)
            self.without_default.setdefault(fold(top.name), (top, []))[1].append(regime.name)
        return m.PhaseDef(figures, tuple(resolved))

    def report_missing_defaults(self) -> None:
        """E109 once per place where one `sinon` would mend every regime lacking it:
        the furthest ancestor they share that lacks it too (a model, often)."""
        for top, regimes in self.without_default.values():
            heirs = [name for name in dict.fromkeys(regimes) if name != top.name]
            hint = (
                Hint("hint.add_default_inherited", {"regimes": ", ".join(heirs)})
                if heirs
                else Hint("hint.add_default")
            )
            self.error("E109", top.span, hint, regime=top.name)


class _Resolver:
    """Resolves the names of one assembled regime into core expressions."""

    def __init__(self, checker: _Checker, regime: _Regime, phase: _Rules) -> None:
        self.checker = checker
        self.regime = regime
        self.phase = phase
        self.figure_scale: dict[str, str | None] = {}
        self.cyclic: set[str] = set()  # figures on a reported cycle

    def known(self) -> list[str]:
        return [u.code for u in self.regime.units.values()] + [
            f.name.value for f in self.phase.figures.values()
        ]

    # --- figures, in dependency order ------------------------------------------
    def ordered_figures(self) -> tuple[m.FigureDef, ...]:
        done: dict[str, m.FigureDef] = {}
        for key in self.phase.figures:
            self.visit(key, [], done)
        return tuple(done.values())

    def visit(self, key: str, path: list[str], done: dict[str, m.FigureDef]) -> None:
        """Depth first: a figure is resolved after the figures it reads."""
        if key in done or key in self.cyclic:
            return
        figure = self.phase.figures[key]
        if key in path:
            loop = path[path.index(key) :]
            cycle = " → ".join(self.phase.figures[k].name.value for k in [*loop, key])
            self.checker.error("E110", figure.name.span, cycle=cycle)
            self.cyclic.update(loop)
            return
        for dependency in _figure_references(figure.expr, self.phase.figures):
            self.visit(dependency, [*path, key], done)
        if key in self.cyclic:
            return
        expr = self.expr(figure.expr)
        self.figure_scale[key] = _scale(expr, self.figure_scale)
        done[key] = m.FigureDef(
            figure.name.value,
            figure.title,
            expr,
            self.rounding(figure.rounding),
            _citation(figure.citation),
            figure.span,
        )

    def rounding(self, rounding: s.Rounding | None) -> m.Rounding | None:
        if rounding is None:
            return None
        decimals = rounding.decimals.value
        if decimals.denominator != 1 or not 0 <= decimals <= MAX_DECIMALS:
            self.checker.error("E129", rounding.decimals.span, value=rounding.decimals.text)
        return m.Rounding(rounding.mode, int(decimals), rounding.span)

    # --- expressions -------------------------------------------------------------
    def expr(self, expr: s.Expr) -> m.Expr:
        match expr:
            case s.Literal():
                return m.Const(expr.value.value, expr.span)
            case s.Reference():
                return self.reference(expr.name, expr.span)
            case s.Aggregate():
                optional = AGGREGATES[expr.kind].takes_optional
                units = self.unit_set(expr.units, allow_optional=optional)
                threshold = expr.threshold.value if expr.threshold else None
                sets = tuple(n.value for n in expr.units)
                return m.Aggregate(expr.kind, units, sets, threshold, expr.span)
            case s.Binary():
                if expr.op == "/" and _is_zero(expr.right):
                    self.checker.error("E125", expr.right.span)
                return m.Arithmetic(expr.op, self.expr(expr.left), self.expr(expr.right), expr.span)
            case s.Negate():
                operand = self.expr(expr.operand)
                # A negative number is a constant, checked like any other threshold.
                if isinstance(operand, m.Const):
                    return m.Const(-operand.value, expr.span)
                return m.Negative(operand, expr.span)
        raise AssertionError(expr)

    def reference(self, name: s.Name, span: Span) -> m.Expr:
        key = fold(name.value)
        if key in self.phase.figures:
            return m.FigureRef(self.phase.figures[key].name.value, span)
        if key in self.regime.units:
            return m.UnitGrade(self.regime.units[key].code, span)
        kind = self.kind_of(key)
        if kind:
            self.checker.error("E118", name.span, name=name.value, kind=_kind_text(kind))
        else:
            self.checker.unknown(name, self.known(), scope=self.regime, unit=True)
        return m.Const(Fraction(0), span)

    def kind_of(self, key: str) -> str | None:
        if key in self.regime.groups:
            return "kind.group"
        if key in self.checker.outcomes:
            return "kind.outcome"
        if key in self.phase.rules:
            return "kind.rule"
        return None

    def unit_set(self, names: tuple[s.Name, ...], *, allow_optional: bool) -> tuple[str, ...]:
        codes: list[str] = []
        for name in names:
            key = fold(name.value)
            if key in self.regime.groups:
                members = list(self.regime.groups[key].units)
            elif key in self.regime.units:
                members = [self.regime.units[key].code]
            elif key in self.phase.figures:
                self.checker.error(
                    "E119", name.span, name=name.value, kind=_kind_text("kind.figure")
                )
                continue
            else:
                self.checker.unknown(
                    name,
                    [g.name for g in self.regime.groups.values()]
                    + [u.code for u in self.regime.units.values()],
                    scope=self.regime,
                    unit=True,
                )
                continue
            for code in members:
                unit = self.regime.units[fold(code)]
                if unit.optional and not allow_optional:
                    self.checker.error("E128", name.span, name=code)
                elif code not in codes:
                    codes.append(code)
        return tuple(codes)

    # --- rules -----------------------------------------------------------------
    def rule(self, rule: _PendingRule) -> m.RuleDef:
        condition = self.condition(rule.condition) if rule.condition is not None else None
        exceptions = tuple(
            m.ExceptionDef(self.condition(e.condition), e.citation, e.span) for e in rule.exceptions
        )
        return m.RuleDef(
            rule.name,
            rule.title,
            condition,
            exceptions,
            rule.outcome,
            self.resit(rule.resit),
            rule.citation,
            rule.span,
        )

    def resit(self, terms: s.ResitTerms | None) -> m.ResitDef | None:
        if terms is None:
            return None
        count = int(terms.count.value)
        sets = tuple(n.value for n in terms.among)
        reported = len(self.checker.diagnostics)
        units = self.unit_set(terms.among, allow_optional=False)
        if (
            len(units) < count
            and len(self.checker.diagnostics) == reported
            and not self.regime.orphan
        ):
            self.checker.error(
                "E115", terms.span, count=count, group=", ".join(sets), available=len(units)
            )
        return m.ResitDef(count, units, sets, terms.span, terms.remaining)

    def condition(self, condition: s.Condition) -> m.Cond:
        match condition:
            case s.Comparison():
                left, right = self.expr(condition.left), self.expr(condition.right)
                self.check_threshold(left, right, condition.right)
                self.check_threshold(right, left, condition.left)
                return m.Compare(condition.op, left, right, condition.span)
            case s.Between():
                return self.between(condition)
            case s.Absence():
                units = self.unit_set(condition.units, allow_optional=True)
                return m.AnyAbsent(units, tuple(n.value for n in condition.units), condition.span)
            case s.Logical():
                sides = self.condition(condition.left), self.condition(condition.right)
                kind = m.All if condition.op == "et" else m.Any_
                operands = [operand for side in sides for operand in _flatten(side, kind)]
                return kind(tuple(operands), condition.span)
            case s.Not():
                return m.Negation(self.condition(condition.operand), condition.span)
        raise AssertionError(condition)

    def between(self, condition: s.Between) -> m.InRange:
        value, low, high = (self.expr(e) for e in (condition.value, condition.low, condition.high))
        self.check_threshold(value, low, condition.low)
        self.check_threshold(value, high, condition.high)
        if isinstance(low, m.Const) and isinstance(high, m.Const) and low.value > high.value:
            self.checker.error("E121", condition.span, low=short(low.value), high=short(high.value))
        return m.InRange(
            value, low, condition.low_inclusive, high, condition.high_inclusive, condition.span
        )

    def check_threshold(self, measured: m.Expr, threshold: m.Expr, node: s.Expr) -> None:
        if (
            not isinstance(threshold, m.Const)
            or isinstance(measured, m.Const)
            or _scale(measured, self.figure_scale) != "grade"
        ):
            return
        low, high = GRADE_SCALE
        if not low <= threshold.value <= high:
            self.checker.error(
                "E111", node.span, Hint("hint.threshold_scale"), value=short(threshold.value)
            )


# --- small pure helpers ------------------------------------------------------------
def _is_zero(expr: s.Expr) -> bool:
    """A divisor written as the number 0 (possibly negated)."""
    while isinstance(expr, s.Negate):
        expr = expr.operand
    return isinstance(expr, s.Literal) and expr.value.value == 0


# What an example column holds, as a candidates file would.
_GRADE, _YEAR, _OUTCOME, _REASON = "grade", "year", "outcome", "reason"


def _example_columns(regime: m.RegimeDef) -> dict[str, tuple[str, str]]:
    """Every column a candidate of the regime may have: folded → (name, what it holds)."""
    columns = {
        SESSION: _YEAR,
        JURY: _OUTCOME,
        JURY_REASON: _REASON,
    }
    for unit in regime.units:
        columns[unit.code] = _GRADE
        columns.update({f"{unit.code}.{p.name}": _GRADE for p in unit.parts})
        columns[f"{unit.code}.{RESIT_SUFFIX}"] = _GRADE
        columns[f"{unit.code}{KEPT_SUFFIX}"] = _YEAR
    return {fold(name): (name, kind) for name, kind in columns.items()}


def _example_kind_ok(grade: s.ExampleGrade, kind: str) -> bool:
    """A year is four digits; a jury's reason is a quoted text; an outcome is a name."""
    if kind == _YEAR:
        return not grade.quoted and grade.value.isdigit() and len(grade.value) == 4
    return grade.quoted == (kind == _REASON)


def _example_value(value: str) -> bool:
    """A grade from 0 to 20 or a marker, as a candidates file would hold it."""
    if value.upper() in MARKERS:
        return True
    try:
        return GRADE_SCALE[0] <= parse_decimal(value) <= GRADE_SCALE[1]
    except ValueError:
        return False


def _lacking_default(regime: _Regime, *, resit: bool) -> _Regime:
    """The furthest ancestor of `regime` whose phase lacks a default too."""
    top = regime
    while top.parent is not None:
        phase = top.parent.resit if resit else top.parent.main
        if phase is None or phase.default is not None:
            break
        top = top.parent
    return top


def _unit_code(name: s.Name) -> str:
    """The folded unit code a name stands for where a unit may: `U6.S1` is a part of U6,
    `U2.1` a unit of its own."""
    return split_column(fold(name.value))[0]


def _place(diagnostic: Diagnostic) -> tuple[str, int, int]:
    span = diagnostic.span
    return span.file, span.line, span.column


def _start(span: Span) -> Span:
    return Span(span.file, 1, 1, 1, 2)


def _suggestion(name: str, known: Iterable[str]) -> Hint | None:
    names = sorted(set(known))
    close = nearest(name, names, fold)
    if close:
        return Hint("hint.did_you_mean", {"suggestion": close})
    if names:
        return Hint("hint.known_names", {"names": ", ".join(names[:12])})
    return None


def _kind_text(kind: str) -> str:
    return text(kind)


def _citation(citation: s.Citation | None) -> m.Citation | None:
    return m.Citation(citation.text, citation.source, citation.span) if citation else None


def _situations(forms: tuple[m.Form, ...], span: Span) -> tuple[m.PartDef, ...]:
    """A CCF of N situations is graded from parts S1…SN of equal weight."""
    count = next((f.situations for f in forms if f.kind == "CCF" and f.situations), 0)
    return tuple(
        m.PartDef(f"S{i}", f"Situation d'évaluation {i}", Fraction(1), (), span)
        for i in range(1, count + 1)
    )


def _figure_references(expr: s.Expr, figures: dict[str, s.Figure]) -> list[str]:
    match expr:
        case s.Reference() if fold(expr.name.value) in figures:
            return [fold(expr.name.value)]
        case s.Binary():
            return _figure_references(expr.left, figures) + _figure_references(expr.right, figures)
        case s.Negate():
            return _figure_references(expr.operand, figures)
    return []


def _flatten(condition: m.Cond, kind: type[m.All | m.Any_]) -> tuple[m.Cond, ...]:
    return condition.operands if isinstance(condition, kind) else (condition,)


def _scale(expr: m.Expr, figures: dict[str, str | None]) -> str | None:
    """'grade' when an expression is on the 0–20 scale, as far as can be told."""
    match expr:
        case m.UnitGrade():
            return "grade"
        case m.Aggregate(kind=kind):
            return "grade" if AGGREGATES[kind].grade_scale else None
        case m.FigureRef():
            return figures.get(fold(expr.name))
        case m.Arithmetic(op="/", right=m.Aggregate(kind=AggregateKind.COEFFICIENTS)):
            return "grade"
    return None
