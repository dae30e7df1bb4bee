"""Agenda templates rendered into event descriptions, in a Jinja2 sandbox with budgets.

User templates are code from a file anyone on the team may edit; the sandbox stops them from
reaching Python internals, and StrictUndefined turns a typo into an error at ``validate`` time
instead of an empty agenda in a customer's invite. On top of Jinja2's sandbox
(:class:`AgendaEnvironment`):

- **Read-only data**: the immutable sandbox refuses the methods that change a list, dict or
  set (``{{ accounts.clear() }}`` emptied every account's series); the model objects are
  frozen dataclasses.
- **Time**: each render has :data:`RENDER_SECONDS`. The deadline is checked in the sandbox's
  own hooks, on the thread that renders: every call (functions, methods, macros, filters,
  tests), every intercepted operator, and every loop iteration (each ``{% for %}``'s iterable
  is wrapped when the template is parsed, so ``{% for i in range(100000) %}{% for j in
  range(100000) %}x`` stops, although its inner loop calls nothing). No thread, signal or
  trace function: a check that raises inside the template can always stop it, where a
  thread running it could not be killed.
- **Size**: strings and lists a template makes are limited before they are made (``*``,
  ``+``, ``~``, ``%``, ``**``, ``|join``, ``|replace``, ``|indent``, ``|wordwrap``, ``|sum``,
  widths such as ``|center(n)``), and checked after every call; a rendered agenda may be at
  most :data:`MAX_TEXT` characters, integers at most :data:`MAX_INT_BITS` bits; ``range`` is
  capped by the sandbox (100,000 items).
- **Plain text out**: line ends become LF and other control characters are dropped
  (:func:`clean_agenda`), whatever the template or its data hold.
- **Every failure is located**: a template error of any kind (``{{ 1 + "a" }}``, ``1/0``,
  a recursive macro, a budget) is a :class:`~tacal.errors.TemplateError` naming the template
  file and line (or the config line of an inline ``description``), never a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.sandbox import SecurityError

from tacal.errors import TemplateError
from tacal.series.agenda_memo import AgendaMemo, Reads, memo_key, template_reads
from tacal.series.sandbox import AgendaEnvironment, TemplateLimit
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


def _template_line(tb: TracebackType | None, filename: str) -> int | None:
    """The template line of the innermost frame of ``filename`` in a traceback (Jinja2
    rewrites tracebacks so that template code shows with its own file and line)."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _problem(
    exc: BaseException,
    context: Mapping[str, Any] | None = None,
    globals_: Mapping[str, Any] | None = None,
    what: str = "template",
) -> tuple[str, str | None]:
    """The message and hint for an exception raised while rendering."""
    if isinstance(exc, jinja2.UndefinedError):
        names = [*(context or {}), *(globals_ or {})]
        return (
            undefined_message(exc, names),
            f"the variables of this {what} are: {', '.join(sorted(context or {}))}",
        )
    if isinstance(exc, TemplateLimit):
        return f"over the template budget: {exc}", (
            "agendas are short texts: simplify the template"
        )
    if isinstance(exc, SecurityError):
        return f"blocked by the template sandbox: {exc}", (
            "templates can read the variables "
            "listed in the README, not change "
            "them or reach Python internals"
        )
    if isinstance(exc, RecursionError):
        return "recursion too deep (a macro or recursive loop that calls itself without end?)", None
    if isinstance(exc, MemoryError):
        return "out of memory (a value far too large?)", None
    if isinstance(exc, jinja2.TemplateError):
        return str(exc), None
    return f"{type(exc).__name__}: {exc}", "fix the expression on that line"


class Agendas:
    """Looks templates up in the user's folders first, then in the shipped ones.

    With a ``memo``, an agenda rendered before from the same sources and the same values of
    everything it reads is taken from it instead of rendered (:mod:`.agenda_memo`).
    """

    def __init__(self, user_dirs: Sequence[Path] = (), memo: AgendaMemo | None = None) -> None:
        self.search = [*[p for p in user_dirs if p.is_dir()], shipped_dir()]
        self.env = AgendaEnvironment(
            loader=jinja2.FileSystemLoader([str(p) for p in self.search]),
            undefined=HintingUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["money"] = self.env.guarded_filter("money", _money)
        self._cache: dict[str, jinja2.Template] = {}
        self.memo = memo
        self._reads: dict[tuple[str, str], Reads | None] = {}
        self._seen: dict[int, tuple[Any, str | None]] = {}

    def _key(self, name: str, source: str | None, context: Mapping[str, Any]) -> str | None:
        """The memo key of rendering ``name`` (a file, or an inline ``source``); None: do not
        remember."""
        if self.memo is None:
            return None
        at = (name, source or "")
        if at not in self._reads:
            text = source
            if text is None and self.env.loader is not None:
                try:
                    text = self.env.loader.get_source(self.env, name)[0]
                except jinja2.TemplateError:
                    text = None
            self._reads[at] = None if text is None else template_reads(self.env, name, text)
        reads = self._reads[at]
        if reads is None:
            return None
        return memo_key(reads, context, self.env.globals, self._seen)

    def _remembered(self, key: str | None) -> str | None:
        return None if key is None or self.memo is None else self.memo.get(key)

    def _remember(self, key: str | None, text: str) -> str:
        if key is not None and self.memo is not None:
            self.memo.put(key, text)
        return text

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
        filename = template.filename or name
        key = self._key(name, None, context)
        found = self._remembered(key)
        if found is not None:
            return found
        try:
            return self._remember(key, self.env.render(template, context).strip())
        except Exception as exc:  # noqa: BLE001 - any failure of user code is located
            inner = template_line(exc.__traceback__)  # an included template names itself
            if inner is not None and inner[0] not in ("<template>", "<unknown>"):
                where = f"{inner[0]}:{inner[1]}"
            else:
                line = _template_line(exc.__traceback__, filename)
                where = f"{filename}:{line}" if line else filename
            message, hint = _problem(exc, context, self.env.globals, "template")
            raise TemplateError(f"{where}: {owner}: {message}", hint=hint) from None

    def render_string(
        self, text: str, context: Mapping[str, Any], owner: str, where: str | None = None
    ) -> str:
        """An inline ``description``; ``where`` is its cadence's ``PATH:LINE: cadence[N]``."""
        prefix = f"{where}.description" if where else f"{owner}: description"
        try:
            template = self.env.from_string(text)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"{prefix}: line {exc.lineno}: template syntax error: {exc.message}",
                hint="fix the Jinja2 syntax in that description",
            ) from None
        key = self._key("<description>", text, context)
        found = self._remembered(key)
        if found is not None:
            return found
        try:
            return self._remember(key, self.env.render(template, context).strip())
        except Exception as exc:  # noqa: BLE001 - any failure of user code is located
            line = _template_line(exc.__traceback__, "<template>")
            message, hint = _problem(exc, context, self.env.globals, "description")
            at = f"line {line}: " if line else ""
            raise TemplateError(f"{prefix}: {at}{message}", hint=hint) from None
