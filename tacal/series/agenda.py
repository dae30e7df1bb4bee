"""Agenda templates rendered into event descriptions, in a Jinja2 sandbox.

User templates are code from a file anyone on the team may edit; the sandbox stops them from
reaching Python internals, and StrictUndefined turns a typo into an error at ``validate`` time
instead of an empty agenda in a customer's invite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from tacal.errors import TemplateError
from tacal.series.undefined import HintingUndefined, template_line, undefined_message

_PACKAGE = Path(__file__).resolve().parents[1]  # tacal/
SHIPPED = _PACKAGE / "templates"


def shipped_dir() -> Path:
    """The templates folder that ships with tacal: ``tacal/templates`` when installed,
    ``templates/`` at the top of the source tree in a checkout or editable install."""
    if SHIPPED.is_dir():
        return SHIPPED
    return _PACKAGE.parent / "templates"


def _money(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number >= 1_000_000:
        return f"${number / 1_000_000:.1f}M"
    if number >= 1_000:
        return f"${number / 1_000:.0f}k"
    return f"${number:.0f}"


class Agendas:
    """Looks templates up in the user's folders first, then in the shipped ones."""

    def __init__(self, user_dirs: Sequence[Path] = ()) -> None:
        self.search = [*[p for p in user_dirs if p.is_dir()], shipped_dir()]
        self.env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader([str(p) for p in self.search]),
            undefined=HintingUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["money"] = _money
        self._cache: dict[str, jinja2.Template] = {}

    def template(self, name: str, owner: str) -> jinja2.Template:
        if name not in self._cache:
            try:
                self._cache[name] = self.env.get_template(name)
            except jinja2.TemplateNotFound:
                where = ", ".join(str(p) for p in self.search)
                raise TemplateError(
                    f"{owner}: template {name!r} not found (looked in {where})",
                    hint="create it in the templates folder next to your config, or fix the name",
                ) from None
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateError(
                    f"{exc.filename or name}:{exc.lineno}: template syntax error: {exc.message}",
                    hint="fix the Jinja2 syntax in that template",
                ) from None
        return self._cache[name]

    def render(self, name: str, context: Mapping[str, Any], owner: str) -> str:
        template = self.template(name, owner)
        try:
            return template.render(**context).strip()
        except jinja2.UndefinedError as exc:
            file, line = template_line(exc.__traceback__) or (template.filename or name, 0)
            raise TemplateError(
                f"{file}{f':{line}' if line else ''}: {owner}: "
                f"{undefined_message(exc, [*context, *self.env.globals])}",
                hint=f"the variables of this template are: {', '.join(sorted(context))}",
            ) from None
        except SecurityError as exc:
            raise TemplateError(
                f"{template.filename or name}: {owner}: blocked by the template sandbox: {exc}"
            ) from None
        except jinja2.TemplateError as exc:
            raise TemplateError(f"{template.filename or name}: {owner}: {exc}") from None

    def render_string(self, text: str, context: Mapping[str, Any], owner: str) -> str:
        try:
            return self.env.from_string(text).render(**context).strip()
        except jinja2.UndefinedError as exc:
            _, line = template_line(exc.__traceback__) or ("", 0)
            raise TemplateError(
                f"{owner}: description{f' line {line}' if line else ''}: "
                f"{undefined_message(exc, [*context, *self.env.globals])}",
                hint=f"the variables of this description are: {', '.join(sorted(context))}",
            ) from None
        except (jinja2.TemplateError, SecurityError) as exc:
            raise TemplateError(f"{owner}: description: {exc}") from None
