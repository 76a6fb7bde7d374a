"""Exception tree. Messages are French: they are shown to users as is."""

from __future__ import annotations


class PacteError(Exception):
    """Base of every error pacte raises on purpose."""


class ParseError(PacteError):
    """A source file could not be read: names the file, the line (1-based, as in an editor)
    and the value at fault."""

    def __init__(self, path: object, message: str, line: int | None = None, value: object = None):
        self.path = str(path)
        self.line = line
        self.value = value
        where = self.path if line is None else f"{self.path}, ligne {line}"
        detail = "" if value is None else f" (valeur : {value!r})"
        super().__init__(f"{where} : {message}{detail}")


class GeographyError(PacteError):
    """A territory code cannot be placed on the reference geography."""


class BuildError(PacteError):
    """The store could not be built; the previous store is left untouched."""


class InvalidParameterError(PacteError):
    """A bad parameter (unknown level, indicator, period...): names the value and lists the
    valid ones. The CLI exits with code 2."""


class UnknownTerritoryError(PacteError):
    """A code or name matches no territory; carries the closest matches."""

    def __init__(self, query: str, level: str | None, suggestions: list[str]):
        self.query = query
        self.level = level
        self.suggestions = suggestions
        lvl = f" au niveau {level}" if level else ""
        hint = ("; voulez-vous dire : " + ", ".join(suggestions)) if suggestions else ""
        super().__init__(f"Territoire inconnu{lvl} : {query!r}{hint}")
