"""French errors of a rule that fails its pydantic model: the first problem, at its key, with
the closest valid key for an unknown one (:mod:`pacte.targeting.rule`)."""

from __future__ import annotations

import difflib

from pydantic import BaseModel, ValidationError

from pacte.errors import InvalidParameterError, short_value, validation_text


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The sub-model a location of the rule points into (for the keys it accepts)."""
    import typing
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        stack, found = [field.annotation], None
        while stack:  # unwrap Annotated, Optional, list
            t = stack.pop()
            if isinstance(t, type) and issubclass(t, BaseModel):
                found = t
                break
            stack.extend(typing.get_args(t))
        if found is None:
            return None
        model = found
    return model


def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def rule_error(where: str, exc: ValidationError, root: type[BaseModel]
               ) -> InvalidParameterError:
    """The French error of a rule that fails its model ``root``: the first problem, at its
    key (an unknown key with the closest valid one)."""
    err = exc.errors(include_url=False)[0]
    loc = tuple(p for p in err.get("loc", ()) if not (isinstance(p, str) and "[" in p))
    if err.get("type") == "extra_forbidden" and loc:
        key, parent = loc[-1], _model_at(root, loc[:-1])
        allowed = tuple(parent.model_fields) if parent else ()
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = (f" ; voulez-vous dire « {close[0]} » ?" if close else
                f" (clés possibles : {', '.join(allowed)})")
        prefix = _where(loc[:-1])
        return InvalidParameterError(f"{where} : clé inconnue « {key} »"
                                     f"{' dans ' + prefix if prefix else ''}{hint}")
    text = validation_text(err)
    at = _where(loc)
    value = ("" if err.get("type") in ("missing", "value_error") or "input" not in err
             else f" (valeur : {short_value(err['input'])})")
    return InvalidParameterError(f"{where}{' : ' + at if at else ''} : {text}{value}")
