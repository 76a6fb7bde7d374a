"""Commands imported when they are used: ``pacte rank`` imports the module of ``rank`` only,
not the thirteen others (their imports, and Typer's reading of every command's signature,
cost a reader's start more than its own work did).

:class:`LazyGroup` is the application's group: its ``commands`` mapping (:class:`LazyCommands`)
lists every command name in the order of ``pacte --help`` and builds a command the first
time it is asked for, from the ``register(app)`` function of its module, exactly as if the
module had registered it on the application itself. Listing the help builds them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer

from pacte.cli.french import FrenchGroup, install_french


class LazyCommands(MutableMapping):
    """Command name -> click command; a command of ``modules`` (name -> module path) is
    built on first access, with the other commands its module registers."""

    def __init__(self, built: dict, modules: dict[str, str], settings: dict) -> None:
        self._built = dict(built)
        self._order = [*built, *(n for n in modules if n not in built)]
        self._modules = dict(modules)
        self._settings = settings

    def _load(self, module: str) -> None:
        sub = typer.Typer()
        importlib.import_module(module).register(sub)
        install_french(sub)
        group = typer.main.get_group_from_info(typer.models.TyperInfo(sub), **self._settings)
        for name, command in group.commands.items():
            self._built.setdefault(name, command)
        for name, path in list(self._modules.items()):
            if path == module:
                del self._modules[name]

    def __getitem__(self, name: str) -> Any:
        if name not in self._built and name in self._modules:
            self._load(self._modules[name])
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        if name not in self._order:
            self._order.append(name)
        self._modules.pop(name, None)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        self._order.remove(name)
        self._modules.pop(name, None)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, name: object) -> bool:
        return name in self._order


def lazy_group(app: typer.Typer, modules: dict[str, str]) -> type[FrenchGroup]:
    """The group class of ``app``: its own commands, then those of ``modules`` (command name
    -> module whose ``register(app)`` adds it), built when used."""
    settings = {"pretty_exceptions_short": app.pretty_exceptions_short,
                "rich_markup_mode": app.rich_markup_mode,
                "suggest_commands": app.suggest_commands}

    class LazyGroup(FrenchGroup):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.commands = LazyCommands(self.commands, modules, settings)

        def list_commands(self, ctx) -> list[str]:
            return list(self.commands)  # the names, without building the commands

    return LazyGroup
