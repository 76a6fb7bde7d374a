"""Reading a rule file safely: a size cap before reading (``/dev/zero`` is refused, not read
until memory runs out), UTF-8 text only, YAML's safe loader with duplicate keys refused, a
nesting depth limit (no RecursionError) and aliases expanded at most to a node budget (no
« billion laughs »). French errors name the file, the line and the column, never the content.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from pacte.errors import InvalidParameterError
from pacte.settings import LIMITS

#: PyYAML's problems (English) in French; the file's content is never echoed.
YAML_PROBLEMS = {
    "mapping values are not allowed here": "« : » inattendu (clé mal indentée ou valeur "
                                            "contenant « : » sans guillemets ?)",
    "could not find expected ':'": "« : » attendu après une clé",
    "did not find expected key": "clé attendue (indentation incohérente ?)",
    "did not find expected '-' indicator": "élément de liste « - » attendu",
    "found character '\\t' that cannot start any token": "tabulation interdite (utilisez "
                                                          "des espaces)",
    "found undefined alias": "alias non défini",
    "expected <block end>, but found": "fin de bloc attendue (indentation incohérente ?)",
    "found unexpected end of stream": "fin de fichier inattendue (guillemet non fermé ?)",
    "found duplicate anchor": "ancre en double",
}


class _Refused(yaml.MarkedYAMLError):
    """A limit of :class:`SafeRuleLoader` (the problem is already French)."""


class SafeRuleLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` refusing duplicate keys and nesting deeper than
    ``LIMITS.max_yaml_depth``."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > LIMITS.max_yaml_depth:
                raise _Refused(problem=f"imbrication trop profonde (maximum : "
                                       f"{LIMITS.max_yaml_depth} niveaux)",
                               problem_mark=self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise _Refused(problem="clé non scalaire", problem_mark=key_node.start_mark)
            if key in seen:
                raise _Refused(problem=f"clé en double « {key} »",
                               problem_mark=key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _count_nodes(node, budget: int) -> int:
    """Nodes of a composed document with aliases expanded, stopping beyond ``budget``
    (iterative: no recursion on deep documents)."""
    n, stack = 0, [node]
    while stack:
        cur = stack.pop()
        n += 1
        if n > budget:
            return n
        if isinstance(cur, yaml.SequenceNode):
            stack.extend(cur.value)
        elif isinstance(cur, yaml.MappingNode):
            for k, v in cur.value:
                stack.extend((k, v))
    return n


def _french(path: object, exc: yaml.YAMLError) -> InvalidParameterError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = str(getattr(exc, "problem", "") or "")
    if isinstance(exc, _Refused):
        text = problem
    else:
        text = next((fr for en, fr in YAML_PROBLEMS.items() if problem.startswith(en)),
                    "syntaxe invalide")
    where = f" à la ligne {mark.line + 1}, colonne {mark.column + 1}" if mark else ""
    return InvalidParameterError(f"{path} : YAML invalide{where} : {text}")


def parse_yaml(text: str, where: object) -> object:
    """The document of ``text`` (safe loader, limits above), French errors naming ``where``."""
    loader = SafeRuleLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _count_nodes(node, LIMITS.max_yaml_nodes) > LIMITS.max_yaml_nodes:
            raise InvalidParameterError(
                f"{where} : YAML refusé : plus de {LIMITS.max_yaml_nodes} valeurs une fois les "
                "alias développés (alias imbriqués ?)")
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _french(where, exc) from None
    except RecursionError:
        raise InvalidParameterError(f"{where} : YAML invalide : imbrication trop profonde "
                                    f"(maximum : {LIMITS.max_yaml_depth} niveaux)") from None
    finally:
        loader.dispose()


def read_text(path: Path) -> str:
    """The UTF-8 text of a rule file, at most ``LIMITS.max_rule_bytes`` read (French errors:
    missing file, folder, rights, too large, binary)."""
    if path.is_dir():
        raise InvalidParameterError(f"{path} est un dossier, pas un fichier YAML")
    cap = LIMITS.max_rule_bytes
    try:
        with open(path, "rb") as f:
            data = f.read(cap + 1)
    except FileNotFoundError:
        raise InvalidParameterError(f"{path} : fichier illisible (introuvable)") from None
    except PermissionError:
        raise InvalidParameterError(f"{path} : lecture refusée (droits insuffisants)") from None
    except OSError as exc:
        raise InvalidParameterError(f"{path} : fichier illisible ({exc.strerror})") from None
    if len(data) > cap:
        raise InvalidParameterError(f"{path} : fichier trop volumineux pour une règle "
                                    f"(maximum : {cap} octets)")
    try:
        if b"\0" in data:
            raise UnicodeDecodeError("utf-8", data, 0, 1, "nul")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidParameterError(f"{path} : ce n'est pas un fichier texte YAML (UTF-8) ; "
                                    "fichier binaire ?") from None
