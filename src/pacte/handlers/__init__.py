"""Framework-free answers: each handler takes an open store connection (or a path) and
returns an :class:`~pacte.handlers.envelope.Answer`: the data and its envelope (sources,
vintages, licences, resolution, store build hash, and seed and rule where randomness or a
rule enters). The CLI and the API are two thin skins over them."""

from pacte.handlers.envelope import Answer, envelope

__all__ = ["Answer", "envelope"]
