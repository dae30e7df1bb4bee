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

import functools
import inspect
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.visitor import NodeTransformer

from tacal.errors import TemplateError
from tacal.series.undefined import HintingUndefined, template_line, undefined_message

_PACKAGE = Path(__file__).resolve().parents[1]  # tacal/
SHIPPED = _PACKAGE / "templates"

#: seconds one render (one event description) may take
RENDER_SECONDS = 2.0
#: characters in any string a template makes, and in a rendered agenda
MAX_TEXT = 1_000_000
#: items in any list a template makes
MAX_ITEMS = 1_000_000
#: bits in any integer a template makes (about 3,000 digits)
MAX_INT_BITS = 10_000
#: widths, indents and batch sizes given to filters and string methods
MAX_WIDTH = 10_000

#: a printf-style or format-spec width of seven digits or more
_WIDE_PERCENT = re.compile(r"%[-+ #0]*(\d{7,}|\*)")
_WIDE_FORMAT = re.compile(r"\{[^{}]*:[^{}]*\d{7,}")
#: str methods whose int arguments are widths
_WIDTH_METHODS = {"center", "ljust", "rjust", "zfill", "expandtabs"}
#: controls an agenda may not carry into a calendar: C0 but TAB and LF, DEL, C1
_AGENDA_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_agenda(text: str) -> str:
    """A rendered agenda as calendar text: CRLF and lone CRs become LF (a lone CR ends an
    iCalendar line in some readers) and other control characters are dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _AGENDA_CONTROLS.sub("", text)


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


class TemplateLimit(SecurityError):
    """A template went over its time or size budget."""


def _too_long(what: str, size: int, limit: int, unit: str) -> TemplateLimit:
    return TemplateLimit(f"{what} would be {size:,} {unit} (at most {limit:,})")


def _check_size(value: Any) -> None:
    """Refuse a value a template made that is over the size budget."""
    if isinstance(value, str | bytes):
        if len(value) > MAX_TEXT:
            raise _too_long("a string", len(value), MAX_TEXT, "characters")
    elif isinstance(value, list | tuple | dict | set | frozenset):
        if len(value) > MAX_ITEMS:
            raise _too_long("a list", len(value), MAX_ITEMS, "items")
    elif isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise TemplateLimit(
            f"a number would have {value.bit_length():,} bits (at most {MAX_INT_BITS:,})"
        )


def _check_width(name: str, value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_WIDTH:
        raise TemplateLimit(f"{name}: {value:,} is too wide (at most {MAX_WIDTH:,})")
    if isinstance(value, str) and len(value) > MAX_WIDTH:
        raise TemplateLimit(f"{name}: an indent of {len(value):,} characters is too wide")


def _text_len(value: Any) -> int:
    return len(value) if isinstance(value, str) else len(str(value))


def _joined_len(items: Any, sep: str) -> int | None:
    """Length of ``sep.join(items)`` for a list or tuple, else None (checked afterwards)."""
    if not isinstance(items, list | tuple):
        return None
    if len(items) > MAX_ITEMS:
        raise _too_long("a list", len(items), MAX_ITEMS, "items")
    return sum(_text_len(x) for x in items) + len(sep) * max(0, len(items) - 1)


def _replaced_len(s: Any, old: Any, new: Any, count: Any = None) -> int:
    text, old, new = str(s), str(old), str(new)
    hits = len(text) + 1 if old == "" else text.count(old)
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    return len(text) + hits * (len(new) - len(old))


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse ``left OPERATOR right`` when its result would be over budget."""
    if operator == "*":
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, str | bytes | list | tuple) and isinstance(n, int):
                limit, unit = (
                    (MAX_TEXT, "characters")
                    if isinstance(seq, str | bytes)
                    else (MAX_ITEMS, "items")
                )
                if len(seq) * n > limit:
                    raise _too_long("a repetition", len(seq) * n, limit, unit)
        if isinstance(left, int) and isinstance(right, int):
            bits = left.bit_length() + right.bit_length()
            if bits > MAX_INT_BITS:
                raise TemplateLimit(
                    f"a product would have about {bits:,} bits (at most {MAX_INT_BITS:,})"
                )
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
            estimate = math.log2(abs(left)) * right
            if estimate > MAX_INT_BITS:
                raise TemplateLimit(
                    f"{left} ** {right} would have about {estimate:,.0f} bits "
                    f"(at most {MAX_INT_BITS:,})"
                )
    elif operator == "+":
        sized = isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple)
        if sized and len(left) + len(right) > MAX_TEXT:
            raise _too_long("a sum", len(left) + len(right), MAX_TEXT, "characters")
    elif operator == "%" and isinstance(left, str) and _WIDE_PERCENT.search(left):
        raise TemplateLimit("a %-format width is too wide")


def _bound(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    try:
        bound = inspect.signature(func).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return {}  # the call itself will report the bad arguments
    return dict(bound.arguments)


def _check_filter(
    name: str, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Refuse a built-in filter call whose result would be over budget, before it runs."""
    if name not in (
        "center",
        "indent",
        "wordwrap",
        "batch",
        "slice",
        "tojson",
        "replace",
        "join",
        "sum",
        "format",
    ):
        return
    a = _bound(getattr(func, "__wrapped__", func), args, kwargs)
    for key in ("width", "linecount", "slices", "indent"):
        if key in a:
            _check_width(f"|{name}", a[key])
    if name == "indent" and "s" in a:
        width = a.get("width", 4)
        size = _text_len(a["s"]) + (str(a["s"]).count("\n") + 1) * (
            width if isinstance(width, int) else _text_len(width)
        )
        if size > MAX_TEXT:
            raise _too_long("|indent", size, MAX_TEXT, "characters")
    elif name == "wordwrap" and "s" in a:
        wrap = a.get("wrapstring") or "\n"
        size = _text_len(a["s"]) * (1 + _text_len(wrap))
        if size > MAX_TEXT:
            raise _too_long("|wordwrap", size, MAX_TEXT, "characters")
    elif name == "replace" and {"s", "old", "new"} <= a.keys():
        size = _replaced_len(a["s"], a["old"], a["new"], a.get("count"))
        if size > MAX_TEXT:
            raise _too_long("|replace", size, MAX_TEXT, "characters")
    elif name == "join" and "value" in a:
        joined = _joined_len(a["value"], str(a.get("d", "")))
        if joined is not None and joined > MAX_TEXT:
            raise _too_long("|join", joined, MAX_TEXT, "characters")
    elif name == "sum" and isinstance(a.get("start"), list | tuple):
        items = a.get("iterable")
        if isinstance(items, list | tuple):
            size = len(a["start"]) + sum(len(x) for x in items if isinstance(x, list | tuple))
            if size > MAX_ITEMS:
                raise _too_long("|sum", size, MAX_ITEMS, "items")
    elif name == "format" and "value" in a and _WIDE_PERCENT.search(str(a["value"])):
        raise TemplateLimit("|format: a width is too wide")


def _check_method(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse a str method call whose result would be over budget, before it runs."""
    target = getattr(obj, "__wrapped__", obj)  # str.format, wrapped by the sandbox
    owner = getattr(target, "__self__", None)
    if not isinstance(owner, str):
        return
    name = getattr(target, "__name__", "")
    if name in _WIDTH_METHODS:
        for value in (*args, *kwargs.values()):
            _check_width(f".{name}()", value)
    elif name == "replace" and len(args) >= 2:
        size = _replaced_len(owner, args[0], args[1], args[2] if len(args) > 2 else None)
        if size > MAX_TEXT:
            raise _too_long(".replace()", size, MAX_TEXT, "characters")
    elif name == "join" and args:
        joined = _joined_len(args[0], owner)
        if joined is not None and joined > MAX_TEXT:
            raise _too_long(".join()", joined, MAX_TEXT, "characters")
    elif name in ("format", "format_map") and _WIDE_FORMAT.search(owner):
        raise TemplateLimit(f".{name}(): a width is too wide")


class AgendaEnvironment(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox with a time and size budget per render (module docstring).

    One environment renders one template at a time (a build renders on one thread).
    """

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = math.inf
        self.globals.pop("lipsum", None)  # lorem ipsum generator: n paragraphs, unbounded
        for name, func in list(self.filters.items()):
            self.filters[name] = self.guarded_filter(name, func)

    # ---- the budget

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateLimit(
                f"took longer than {RENDER_SECONDS:g} s (a loop that does "
                "not end, or one too large?)"
            )

    def loop_items(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """What every ``{% for %}`` iterates (see :meth:`_parse`)."""
        for item in iterable:
            self.check_time()
            yield item

    def concat_text(self, *parts: Any) -> str:
        """The ``~`` operator, with its result's size checked before it is made."""
        texts = [str(p) for p in parts]
        size = sum(len(t) for t in texts)
        if size > MAX_TEXT:
            raise _too_long("a ~ concatenation", size, MAX_TEXT, "characters")
        return "".join(texts)

    def guarded_filter(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)  # keeps jinja_pass_arg: the filter gets the same arguments
        def guarded(*args: Any, **kwargs: Any) -> Any:
            self.check_time()
            _check_filter(name, func, args, kwargs)
            result = func(*args, **kwargs)
            _check_size(result)
            return result

        return guarded

    # ---- sandbox hooks

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Parse, then route every loop through :meth:`loop_items` and every ``~`` through
        :meth:`concat_text`: the sandbox calls both with the budget checks."""
        tree = _Budgeted().visit(super()._parse(source, name, filename))
        assert isinstance(tree, nodes.Template)
        return tree

    def call(self, context: jinja2.runtime.Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.check_time()
        _check_method(obj, args, kwargs)
        result = super().call(context, obj, *args, **kwargs)
        _check_size(result)
        return result

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        self.check_time()
        _check_binop(operator, left, right)
        result = super().call_binop(context, operator, left, right)
        _check_size(result)
        return result

    def getattr(self, obj: Any, attribute: str) -> Any:
        self.check_time()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.check_time()
        return super().getitem(obj, argument)

    def render(self, template: jinja2.Template, context: Mapping[str, Any]) -> str:
        """``template`` rendered within the budget."""
        self.deadline = time.monotonic() + RENDER_SECONDS
        try:
            size = 0
            out = []
            for chunk in template.generate(**context):
                size += len(chunk)
                if size > MAX_TEXT:
                    raise _too_long("the agenda", size, MAX_TEXT, "characters")
                out.append(chunk)
            return clean_agenda("".join(out))
        finally:
            self.deadline = math.inf


class _Budgeted(NodeTransformer):
    """Wraps each loop's iterable in ``environment.loop_items(...)`` and turns each ``~``
    into ``environment.concat_text(...)``: calls, which the sandbox makes through
    :meth:`AgendaEnvironment.call`."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)  # changes node in place
        node.iter = nodes.Call(
            nodes.EnvironmentAttribute("loop_items"),
            [node.iter],
            [],
            None,
            None,
            lineno=node.iter.lineno,
        )
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Call(
            nodes.EnvironmentAttribute("concat_text"),
            node.nodes,
            [],
            None,
            None,
            lineno=node.lineno,
        )


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
    """Looks templates up in the user's folders first, then in the shipped ones."""

    def __init__(self, user_dirs: Sequence[Path] = ()) -> None:
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
        try:
            return self.env.render(template, context).strip()
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
        try:
            return self.env.render(template, context).strip()
        except Exception as exc:  # noqa: BLE001 - any failure of user code is located
            line = _template_line(exc.__traceback__, "<template>")
            message, hint = _problem(exc, context, self.env.globals, "description")
            at = f"line {line}: " if line else ""
            raise TemplateError(f"{prefix}: {at}{message}", hint=hint) from None
