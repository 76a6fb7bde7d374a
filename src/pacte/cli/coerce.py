"""Option values converted without pydantic when the answer is plain.

Typer (0.29) converts every parameter of the invoked command through a pydantic
``TypeAdapter``, built on first use: importing pydantic and building the adapters cost more
than the rest of a reader's start. :class:`PlainParam` takes the values a command line
usually gives (a text, a whole number written plainly, a choice, a path, a list of texts,
a default already of the right type) and returns exactly what the adapter would; any other
value, and every value the adapter would refuse, goes to Typer's own adapter, so that the
value, the error and its French wording (:mod:`pacte.cli.french`) stay Typer's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

from typer._coercion import RuntimeParam, build_runtime_param
from typer._param_types import coerce_cli_choice, coerce_cli_path
from typer.core import _TyperParameter

#: A whole number as pydantic reads it from a text, in its plainest writing only (no sign
#: ``+``, spaces, underscores, leading zeros or decimal point: those go to pydantic).
PLAIN_INT = re.compile(r"0|-?[1-9][0-9]{0,17}")


class _Adapter(Exception):
    """The value is for Typer's adapter to convert (or refuse)."""


def _plain_int(value: Any, low: float | None, high: float | None) -> int:
    if type(value) is str and PLAIN_INT.fullmatch(value):
        value = int(value)
    if type(value) is not int or (low is not None and value < low) or (
            high is not None and value > high):
        raise _Adapter
    return value


def _plain(annotation: Any, info: Any, value: Any, param: Any, ctx: Any) -> Any:
    """``value`` converted as Typer's adapter for ``annotation`` converts it, or
    :class:`_Adapter` when that answer is not plain."""
    if info.parser is not None:
        raise _Adapter
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        if not isinstance(value, list | tuple):
            raise _Adapter
        return [_plain(item, info, v, param, ctx) for v in value]
    if annotation is str:
        if type(value) is not str:
            raise _Adapter
        return value
    if annotation is int:
        if info.clamp:
            raise _Adapter
        return _plain_int(value, info.min, info.max)
    if annotation is float:
        if type(value) is not float or info.clamp or info.min is not None \
                or info.max is not None:
            raise _Adapter
        return value
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        try:
            return coerce_cli_choice(value, choices=list(annotation),
                                     case_sensitive=info.case_sensitive, ctx=ctx)
        except Exception:
            raise _Adapter from None
    if isinstance(annotation, type) and issubclass(annotation, Path) and info.path_type is None:
        if isinstance(value, str) and value and "\0" not in value:
            value = annotation(value)  # what pydantic makes of a text
        if not isinstance(value, annotation):
            raise _Adapter
        try:
            return coerce_cli_path(value, info, path_type=annotation, param=param, ctx=ctx)
        except Exception:
            raise _Adapter from None
    raise _Adapter


@dataclass(frozen=True)
class PlainParam(RuntimeParam):
    """A parameter's conversion: plain values here, the others by Typer's adapter."""

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            return _plain(self.annotation, self.parameter_info, value, param, ctx)
        except _Adapter:
            return build_runtime_param(param.type_descriptor)._coerce_value(
                value, param=param, ctx=ctx)


def plain_params(command: Any, ctx: Any) -> None:
    """Give each Typer parameter of ``command`` (its help option included) not converted
    yet a :class:`PlainParam` (Typer builds its own on first use, in
    ``_TyperParameter.get_runtime_param``)."""
    for param in command.get_params(ctx):
        if isinstance(param, _TyperParameter) and param._runtime_param is None:
            desc = param.type_descriptor
            if desc.file_annotation is None:
                param._runtime_param = PlainParam(parameter_info=desc.parameter_info,
                                                  annotation=desc.annotation)
