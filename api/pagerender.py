"""Rendering the passport page: ``api/templates/passport.html`` in Jinja2, escaped (docs/passport-page.md).

Jinja2 rather than strings built in Python because the page nests two trees (the supply chain and the
verification report) whose recursion reads best as template macros, and because autoescaping by default
means no value from a credential (a product name, a check's message) can open a tag, where hand-built HTML
must remember ``escape`` at every one of dozens of places. Templates are package data, loaded once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from api.i18n import Language, strings
from api.pages import PassportPage
from verifier.report import Report, Status

_MARKS = {str(Status.PASSED): "✓", str(Status.FAILED): "✗", str(Status.NOT_CHECKED): "–"}


def _utc(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@cache
def environment() -> Environment:
    """The page's Jinja2 environment: autoescape on, undefined names an error (a template typo fails the
    tests instead of rendering blank)."""
    env = Environment(
        loader=PackageLoader("api", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["utc"] = _utc
    return env


def render_page(page: PassportPage, report: Report | None, lang: Language, *, root: str = "") -> str:
    """The passport page as HTML.

    Args:
        page: the product's page model (``api.pages.passport_page``).
        report: the verification report of the product's bundle, or None when none was computed (the
            verification section says so).
        lang: the page's language (``api.i18n.negotiate``).
        root: the path the API is mounted under (``""`` at the root), prefixed to the page's links.

    Returns:
        The HTML document.
    """
    template = environment().get_template("passport.html")
    return template.render(page=page, report=report, lang=lang, s=strings(lang.key), marks=_MARKS, root=root)
