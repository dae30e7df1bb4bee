"""What to say when a template names something that does not exist: where, and what was meant.

Jinja2's own message is ``'acount' is undefined``, with no template line and no hint. Here an
undefined name or attribute becomes ``templates/mbr.md.j2:7: cadence 'mbr': 'acount' is
undefined; did you mean 'account'?``: the line comes from the traceback (Jinja2 rewrites it
so that template frames carry the template's file name and line), the hint from the variables
the template was given, or the attributes of the object it read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from types import TracebackType
from typing import Any

import jinja2
from jinja2.utils import missing

from tacal.config.values import closest

_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")


def _attributes(obj: Any) -> set[str]:
    if isinstance(obj, dict):
        return {k for k in obj if isinstance(k, str)}
    return {n for n in dir(obj) if not n.startswith("_")}


class HintingUndefined(jinja2.StrictUndefined):
    """StrictUndefined (any use is an error) whose message says which attribute was meant."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        obj, name = self._undefined_obj, self._undefined_name
        if obj is missing or not isinstance(name, str) or self._undefined_hint is not None:
            message: str = super()._undefined_message
            return message
        hint = closest(name, _attributes(obj))
        what = "key" if isinstance(obj, dict) else "attribute"
        return f"{type(obj).__name__} has no {what} {name!r}" + (
            f"; did you mean {hint!r}?" if hint else ""
        )


def template_line(tb: TracebackType | None) -> tuple[str, int] | None:
    """(template file, line) of the innermost template frame of ``tb``."""
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.endswith(".py"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def undefined_message(exc: jinja2.UndefinedError, names: Iterable[str]) -> str:
    """The error's message, with a did-you-mean among ``names`` for an undefined variable."""
    message = exc.message or "undefined"
    match = _UNDEFINED_NAME.match(message)
    if match:
        hint = closest(match.group(1), {n for n in names if not n.startswith("_")})
        if hint:
            message += f"; did you mean {hint!r}?"
    return message


__all__ = ["HintingUndefined", "template_line", "undefined_message"]
