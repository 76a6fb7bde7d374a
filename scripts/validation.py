"""Write docs/validation.md: pacte's headline figures beside published French references
(:func:`pacte.report.validation.render_validation`).

Run from the repository root:  python scripts/validation.py [--db STORE.duckdb] [--out FILE]
(default store: ``PACTE_DB`` or the user's store, built first if missing; default output:
docs/validation.md). ``tests/test_validation.py`` regenerates the page and checks the file
is current.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pacte
from pacte import store
from pacte.report.validation import render_validation
from pacte.settings import default_db_path

OUT = Path(__file__).resolve().parents[1] / "docs" / "validation.md"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    db = args.db or default_db_path()
    if not Path(db).exists():
        pacte.build(db)
    with store.connect(db) as con:
        text = render_validation(con)
    args.out.write_text(text, encoding="utf-8")
    print(f"écrit : {args.out}")


if __name__ == "__main__":
    main()
