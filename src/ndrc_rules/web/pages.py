"""The pages' templates: the papers' Jinja2 set-up (`render.html.configured`:
autoescape, the catalogue, French typography), with the web templates."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader

from ndrc_rules.common.messages import language
from ndrc_rules.common.numbers import readable
from ndrc_rules.render.html import configured


@cache
def environment() -> Environment:
    env = configured(PackageLoader("ndrc_rules.web", "templates"))
    env.filters["readable"] = readable
    return env


def page(template: str, **values: object) -> str:
    return environment().get_template(template).render(lang=language(), **values)
