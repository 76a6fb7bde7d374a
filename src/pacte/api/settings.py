"""Settings of the JSON API: the one :class:`pacte.settings.Settings` of pacte (``PACTE_DB``,
``PACTE_HOST``, ``PACTE_PORT``, ``PACTE_CORS_ORIGINS``, the ``PACTE_MAX_*`` bounds, read by
:meth:`~pacte.settings.Settings.from_env`), re-exported where the API looks for it."""

from __future__ import annotations

from pacte.settings import Settings

__all__ = ["Settings"]
