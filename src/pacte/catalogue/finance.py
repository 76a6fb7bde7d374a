"""Local finances: no indicator of the catalogue (the DCRTP simulator, :mod:`pacte.finance`,
and the profile's « Finances locales » block read the fetched OFGL file), but a family for
the profile's sections and for the envelope of the answers built on that file."""

from __future__ import annotations

from pacte.catalogue.base import Family

FAMILY = Family("finance", "finances locales", tables={"ofgl_rei": ("ofgl_rei",)})
