"""The papers as HTML: Jinja2 templates (`templates/`), autoescaped, with their print CSS
inlined so that one file is the whole document (the PDF is printed from it).

Every label comes from the catalogue (`t` in the templates), with French
typography: a narrow non-breaking space before `:` `;` `?` `!` and inside « ».
User texts (titles, citations, ids, names, reasons) are escaped by Jinja2.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from jinja2 import BaseLoader, Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from ndrc_rules.common.messages import language, text
from ndrc_rules.render import views

NARROW_NBSP = "\u202f"
_BEFORE = re.compile(r"[ \u00a0]+([:;?!»])")  # a space before high punctuation or »
_AFTER = re.compile(r"(«)[ \u00a0]+")


def french(prose: str) -> str:
    """Prose with French spacing: no line may break before `:` `;` `?` `!` `»` or
    after `«` (a narrow non-breaking space there)."""
    return _AFTER.sub(rf"\1{NARROW_NBSP}", _BEFORE.sub(rf"{NARROW_NBSP}\1", prose))


def label(key: str, /, **args: object) -> str:
    """A catalogue text with French spacing (escaped by the template, like any text)."""
    return french(text(key, **args))


def css_string(value: str) -> Markup:
    """A CSS string literal for `content:`; every character but letters, digits and
    spaces escaped, so no text can close the string or the style element."""
    escaped = "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in value)
    return Markup(f'"{escaped}"')


@cache
def environment() -> Environment:
    return configured(PackageLoader("ndrc_rules.render", "templates"))


def configured(loader: BaseLoader) -> Environment:
    """An environment for people's documents (the papers, the web pages): autoescaped,
    the catalogue as `t`, French typography as `french`."""
    env = Environment(
        loader=loader,
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["t"] = label
    env.filters["css_string"] = css_string
    env.filters["french"] = french
    return env


def pv(cohort: views.Cohort) -> str:
    """The procès-verbal de délibération of the cohort's session."""
    return _render("pv.html", title=text("pv.title"), pv=views.pv(cohort))


def releves(cohort: views.Cohort, ids: Sequence[str] = ()) -> str:
    """The relevés de notes, one a page (the candidates `ids` only, if given)."""
    return _render("releve.html", title=text("releve.title"), sheets=views.sheets(cohort, ids))


def _render(template: str, **values: object) -> str:
    return environment().get_template(template).render(lang=language(), **values)
