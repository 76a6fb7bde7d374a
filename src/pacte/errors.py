"""Exception tree and the one table mapping each error to a CLI exit code and an HTTP status.

Messages are French: they are shown to users as is. Every error a user can meet is a
:class:`PacteError`; the CLI and the API never let another exception reach the user.
"""

from __future__ import annotations


class PacteError(Exception):
    """Base of every error pacte raises on purpose."""


class ParseError(PacteError):
    """A source file could not be read: names the file, the line (1-based, as in an editor)
    and the value at fault."""

    def __init__(self, path: object, message: str, line: int | None = None, value: object = None):
        self.path = str(path)
        self.message = message
        self.line = line
        self.value = value
        where = self.path if line is None else f"{self.path}, ligne {line}"
        detail = "" if value is None else f" (valeur : {value!r})"
        super().__init__(f"{where} : {message}{detail}")

    def at(self, path: object) -> ParseError:
        """The same error about another file (a parser that read a cleaned copy of it)."""
        return ParseError(path, self.message, line=self.line, value=self.value)


class GeographyError(PacteError):
    """A territory code cannot be placed on the reference geography."""


class BuildError(PacteError):
    """The store could not be built; the previous store is left untouched."""


class StoreError(PacteError):
    """The store is missing, unreadable or corrupted (``pacte build`` repairs it)."""


class InvalidParameterError(PacteError, ValueError):
    """A bad parameter (unknown level, indicator, period...): names the value and lists the
    valid ones. The CLI exits with code 2."""


class WriteError(PacteError):
    """An output file could not be written (full disk, quota, read-only file system); the
    previous file, if any, is left untouched."""


class DataError(PacteError, ValueError):
    """The inputs of a computation are inconsistent (shapes, missing sectors, empty sets):
    a pure ``calc_*`` function refuses them, in French."""


class UnknownTerritoryError(PacteError):
    """A code or name matches no territory; carries the closest matches."""

    def __init__(self, query: str, level: str | None, suggestions: list[str],
                 detail: str | None = None):
        self.query = query
        self.level = level
        self.suggestions = suggestions
        lvl = f" au niveau {level}" if level else ""
        hint = ("; voulez-vous dire : " + ", ".join(suggestions)) if suggestions else ""
        super().__init__(detail or f"Territoire inconnu{lvl} : {query!r}{hint}")


class FetchError(PacteError):
    """A download failed (network, HTTP error, truncated transfer)."""


class OfflineError(FetchError):
    """The server could not be reached at all."""


class ChecksumError(FetchError):
    """The downloaded file's size or sha256 differs from the registry's."""


class UnexpectedContentError(FetchError):
    """The downloaded file is not in the expected format (e.g. missing columns)."""


#: error class -> (CLI exit code, HTTP status). The most specific class listed wins.
STATUS: dict[type[PacteError], tuple[int, int]] = {
    UnknownTerritoryError: (2, 404),
    InvalidParameterError: (2, 422),
    ParseError: (1, 422),
    DataError: (1, 422),
    GeographyError: (1, 422),
    StoreError: (1, 503),
    BuildError: (1, 500),
    WriteError: (1, 507),
    OfflineError: (1, 502),
    FetchError: (1, 502),
    PacteError: (1, 500),
}


#: French wording of the validation errors (pydantic error types) a rule, a request or a
#: setting can meet; ``ctx`` values fill the braces.
VALIDATION_MESSAGES = {
    "missing": "valeur obligatoire manquante",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "int_from_float": "nombre entier attendu (pas de décimales)",
    "float_parsing": "nombre attendu",
    "float_type": "nombre attendu",
    "finite_number": "nombre fini attendu (ni infini ni NaN)",
    "bool_parsing": "booléen attendu (true ou false)",
    "bool_type": "booléen attendu (true ou false)",
    "greater_than": "valeur trop petite (doit être > {gt})",
    "greater_than_equal": "valeur trop petite (minimum : {ge})",
    "less_than": "valeur trop grande (doit être < {lt})",
    "less_than_equal": "valeur trop grande (maximum : {le})",
    "json_invalid": "JSON invalide",
    "dict_type": "dictionnaire attendu (clé: valeur)",
    "model_type": "dictionnaire attendu (clé: valeur)",
    "model_attributes_type": "dictionnaire attendu (clé: valeur)",
    "string_too_long": "texte trop long (maximum : {max_length} caractères)",
    "string_too_short": "texte vide",
    "string_type": "texte attendu",
    "string_pattern_mismatch": "valeur non acceptée",
    "too_long": "liste trop longue (maximum : {max_length} éléments)",
    "too_short": "liste vide ou trop courte (minimum : {min_length} élément(s))",
    "extra_forbidden": "clé inconnue",
    "list_type": "liste attendue",
    "literal_error": "valeur inconnue (valeurs possibles : {expected})",
    "enum": "valeur inconnue (valeurs possibles : {expected})",
}


def _bound(value: object) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).replace("'", "").replace(" or ", " ou ")


def validation_text(err: dict) -> str:
    """French text of one pydantic error (a dict of ``ValidationError.errors()``): the
    message of a French ``ValueError`` raised by a validator, else the wording of
    :data:`VALIDATION_MESSAGES` with its bound (never the input, which may be huge)."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    text = VALIDATION_MESSAGES.get(kind, "valeur invalide")
    try:
        return text.format(**{k: _bound(v) for k, v in ctx.items()})
    except (KeyError, IndexError):
        return text.split(" (")[0]


def short_value(value: object, limit: int = 60) -> str:
    """``repr`` of a value cut to ``limit`` characters (a message never echoes a large
    input)."""
    if isinstance(value, dict | list | tuple):
        scalar = all(isinstance(v, str | int | float | bool | None) for v in value)
        if not scalar or len(value) > 10:  # never walk a deep or large structure
            return "{…}" if isinstance(value, dict) else "[…]"
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def status_of(exc: BaseException) -> tuple[int, int]:
    """(exit code, HTTP status) of an error, from :data:`STATUS` (first matching class in
    the error's method resolution order)."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return (1, 500)
