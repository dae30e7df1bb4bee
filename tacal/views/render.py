"""Templates to HTML: one Jinja2 environment, autoescaping everything.

Names, titles and account names come from a config or a CRM export that anyone may have
typed; autoescaping (on for every template, not by file extension) makes ``<script>`` in an
account name text. The templates and their stylesheet ship inside the package and the page
inlines them: a page that fetched a font or a stylesheet would leak who looks at it, and would
not render offline.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from tacal.ical.expand import Occurrence
from tacal.views.grid import FLAG_TEXT, KINDS, PersonGrid
from tacal.views.report import Report

#: The only script any page carries: the subscribe page's copy button. A served page allows
#: exactly this script through its Content-Security-Policy hash (:data:`SCRIPT_CSP`).
COPY_SCRIPT = (
    "document.querySelectorAll('button[data-copy]').forEach(function(b){"
    "b.addEventListener('click',function(){"
    "var f=document.getElementById(b.getAttribute('data-copy'));"
    "var done=function(){b.textContent='Copied';};"
    "if(navigator.clipboard){navigator.clipboard.writeText(f.value).then(done,function(){"
    "f.select();});}else{f.select();document.execCommand('copy');done();}});});"
)

SCRIPT_CSP = (
    "'sha256-" + base64.b64encode(hashlib.sha256(COPY_SCRIPT.encode()).digest()).decode() + "'"
)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tacal.views", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(flag_text=FLAG_TEXT, kinds=KINDS, copy_script=Markup(COPY_SCRIPT))
    env.filters["hours"] = lambda value: f"{value:.1f}"
    return env


def render(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)


def preview_page(
    *,
    title: str,
    subtitle: str,
    grids: Sequence[PersonGrid],
    others: Sequence[Occurrence],
    generated: dt.date,
) -> str:
    """The week view: one section per person, one grid per week."""
    return render(
        "preview.html.j2",
        title=title,
        subtitle=subtitle,
        grids=grids,
        others=others,
        generated=generated,
    )


def report_page(report: Report, *, title: str, subtitle: str) -> str:
    """``tacal report --format html``: the same figures as the table, as a page."""
    return render("report.html.j2", title=title, subtitle=subtitle, report=report)


__all__ = ["COPY_SCRIPT", "SCRIPT_CSP", "environment", "preview_page", "render", "report_page"]
