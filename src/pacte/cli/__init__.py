"""Command-line interface (Typer): one module per command group, all thin layers over
:mod:`pacte.handlers`. Nothing imports this package."""

from pacte.cli.main import app


def main() -> None:  # pragma: no cover
    app()


__all__ = ["app", "main"]
