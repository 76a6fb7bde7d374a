"""The base of the API's declared shapes (:mod:`pacte.api.schemas`)."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict

Num = float | None
T = TypeVar("T")


class _Shape(BaseModel):
    """A declared shape; keys beyond the declared ones are allowed (new columns of the
    catalogue or of a rule), declared ones are checked."""

    model_config = ConfigDict(extra="allow")
