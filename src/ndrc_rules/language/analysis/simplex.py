"""Exact linear feasibility over the rationals, for reasoning about rules.

A small two-phase simplex on `Fraction`s with Bland's rule (so it always
terminates). Used by `reachability` to decide, without sampling, whether some
candidate can satisfy a conjunction of linear conditions on grades. Strict
inequalities are handled by maximising a slack ε shared by all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

ZERO, ONE = Fraction(0), Fraction(1)
UNBOUNDED = 1 << 62  # the budget of a caller that sets none


class OverBudget(Exception):
    """The work a caller allowed is spent: the problem is left unsolved."""


@dataclass(slots=True)
class Budget:
    """The tableau cells a caller lets the simplex compute, over all its problems:
    a deterministic bound on the time a proof may take."""

    left: int

    def spend(self, cells: int) -> None:
        self.left -= cells
        if self.left < 0:
            raise OverBudget


@dataclass(frozen=True, slots=True)
class Constraint:
    """Σ coefficients[v]·v  op  bound, with op one of '<=', '<', '='."""

    coefficients: dict[str, Fraction]
    op: str
    bound: Fraction


def solve(
    constraints: list[Constraint],
    variables: dict[str, tuple[Fraction, Fraction]],
    budget: Budget | None = None,
) -> dict[str, Fraction] | None:
    """A point satisfying every constraint within the variables' bounds, or None;
    OverBudget when solving would compute more cells than `budget` has left."""
    names = list(variables)
    epsilon = len(names)  # column of ε
    rows: list[tuple[list[Fraction], str, Fraction]] = []
    for constraint in constraints:
        row = [constraint.coefficients.get(name, ZERO) for name in names] + [ZERO]
        shift = sum((c * variables[n][0] for n, c in zip(names, row, strict=False)), ZERO)
        if constraint.op == "<":
            row[epsilon] = ONE
        rows.append((row, "=" if constraint.op == "=" else "<=", constraint.bound - shift))
    for index, name in enumerate(names):  # x' = x - low, with x' <= high - low
        low, high = variables[name]
        rows.append(([ONE if i == index else ZERO for i in range(epsilon + 1)], "<=", high - low))
    rows.append(([ZERO] * epsilon + [ONE], "<=", ONE))
    objective = [ZERO] * epsilon + [ONE]
    result = _maximise(objective, rows, budget or Budget(UNBOUNDED))
    if result is None:
        return None
    value, point = result
    strict = any(c.op == "<" for c in constraints)
    if strict and value <= 0:
        return None
    return {name: point[i] + variables[name][0] for i, name in enumerate(names)}


def _maximise(
    objective: list[Fraction], rows: list[tuple[list[Fraction], str, Fraction]], budget: Budget
) -> tuple[Fraction, list[Fraction]] | None:
    """Max objective·y subject to rows, y >= 0; None when infeasible (always bounded here)."""
    tableau = _Tableau(len(objective), rows, budget)
    if not tableau.phase_one():
        return None
    tableau.phase_two(objective)
    return tableau.value(), tableau.point(len(objective))


class _Tableau:
    """Dense simplex tableau: rows [A | b] over the columns y, slacks, artificials."""

    def __init__(
        self, width: int, rows: list[tuple[list[Fraction], str, Fraction]], budget: Budget
    ) -> None:
        normalised = [_normalise(coefficients, kind, bound) for coefficients, kind, bound in rows]
        extra = sum(len(columns) for _, columns, _ in normalised)
        self.columns = width + extra
        self.budget = budget
        self._spend_a_pass(len(rows))
        self.rows: list[list[Fraction]] = []
        self.basis: list[int] = []
        self.artificial: set[int] = set()
        column = width
        for coefficients, additions, bound in normalised:
            row = [*coefficients, *([ZERO] * extra), bound]
            for sign, role in additions:
                row[column] = sign
                if role == "artificial":
                    self.artificial.add(column)
                if role != "surplus":
                    self.basis.append(column)
                column += 1
            self.rows.append(row)
        self.cost: list[Fraction] = []

    def phase_one(self) -> bool:
        if not self.artificial:
            return True
        self._set_objective(dict.fromkeys(self.artificial, -ONE))
        self._optimise(forbidden=set())
        if self.value() != 0:
            return False
        self._drive_out_artificials()
        return True

    def phase_two(self, objective: list[Fraction]) -> None:
        self._set_objective({i: c for i, c in enumerate(objective) if c})
        self._optimise(forbidden=self.artificial)

    def _set_objective(self, weights: dict[int, Fraction]) -> None:
        """Reduced costs of maximising Σ weights·y in the current basis; last entry is -z."""
        self._spend_a_pass(len(self.rows))
        cost = [ZERO] * (self.columns + 1)
        for column, weight in weights.items():
            cost[column] = weight
        for row, basic in zip(self.rows, self.basis, strict=True):
            factor = cost[basic]
            if factor:
                cost = [c - factor * r for c, r in zip(cost, row, strict=True)]
        self.cost = cost

    def _optimise(self, forbidden: set[int]) -> None:
        while True:
            entering = next(
                (j for j in range(self.columns) if self.cost[j] > 0 and j not in forbidden), None
            )
            leaving = None if entering is None else self._ratio_test(entering)
            if entering is None or leaving is None:  # optimal (never unbounded: all bounded)
                return
            self._pivot(leaving, entering)

    def _ratio_test(self, column: int) -> int | None:
        """The leaving row: least ratio, ties to the smallest basic column (Bland)."""
        best: int | None = None
        for index, row in enumerate(self.rows):
            if row[column] <= 0:
                continue
            if best is None:
                best = index
                continue
            ratio, least = row[-1] / row[column], self.rows[best][-1] / self.rows[best][column]
            if ratio < least or (ratio == least and self.basis[index] < self.basis[best]):
                best = index
        return best

    def _spend_a_pass(self, rows: int) -> None:
        """Charge the budget for one pass over the tableau's cells."""
        self.budget.spend(rows * (self.columns + 1))

    def _pivot(self, index: int, column: int) -> None:
        self._spend_a_pass(len(self.rows))
        pivot_row = self.rows[index]
        factor = pivot_row[column]
        pivot_row[:] = [value / factor for value in pivot_row]
        for other, row in enumerate(self.rows):
            if other != index and row[column]:
                scale = row[column]
                row[:] = [a - scale * b for a, b in zip(row, pivot_row, strict=True)]
        if self.cost[column]:
            scale = self.cost[column]
            self.cost = [a - scale * b for a, b in zip(self.cost, pivot_row, strict=True)]
        self.basis[index] = column

    def _drive_out_artificials(self) -> None:
        for index, basic in enumerate(self.basis):
            if basic in self.artificial:
                column = next(
                    (
                        j
                        for j in range(self.columns)
                        if j not in self.artificial and self.rows[index][j]
                    ),
                    None,
                )
                if column is not None:
                    self._pivot(index, column)

    def value(self) -> Fraction:
        return -self.cost[-1]

    def point(self, width: int) -> list[Fraction]:
        values = [ZERO] * width
        for row, basic in zip(self.rows, self.basis, strict=True):
            if basic < width:
                values[basic] = row[-1]
        return values


def _normalise(
    coefficients: list[Fraction], kind: str, bound: Fraction
) -> tuple[list[Fraction], list[tuple[Fraction, str]], Fraction]:
    """A row with a non-negative bound and the columns it adds: (sign, role)."""
    if bound < 0:
        coefficients, bound = [-c for c in coefficients], -bound
        if kind == "<=":
            return coefficients, [(-ONE, "surplus"), (ONE, "artificial")], bound
    if kind == "<=":
        return coefficients, [(ONE, "slack")], bound
    return coefficients, [(ONE, "artificial")], bound
