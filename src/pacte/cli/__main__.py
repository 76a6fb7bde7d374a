"""``python -m pacte.cli``: the same entry point as the ``pacte`` console script."""

from pacte.cli.main import app

if __name__ == "__main__":
    app(prog_name="pacte")
