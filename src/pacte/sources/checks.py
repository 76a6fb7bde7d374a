"""Checks of a download before any byte is fetched (the address) and before it is kept
(the received bytes look like the registered format), with French errors."""

from __future__ import annotations

from pathlib import Path

from pacte.errors import UnexpectedContentError
from pacte.sources.registry import Source

#: Magic numbers of the binary formats of the registry (``Source.format``'s first word).
SIGNATURES = {"zip": (b"PK\x03\x04", b"PK\x05\x06"), "xlsx": (b"PK\x03\x04",),
              "7z": (b"7z\xbc\xaf\x27\x1c",)}
_HTML = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml")


def check_url(url: str) -> str:
    """An http(s) URL with a host, or InvalidParameterError (French) before any download."""
    from urllib.parse import urlsplit

    from pacte.errors import InvalidParameterError

    try:
        parts = urlsplit(str(url).strip())
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InvalidParameterError(f"adresse invalide : {url!r} ; une adresse http:// ou "
                                    "https:// est attendue (ex. https://www.insee.fr/…) ; "
                                    "rien n'a été téléchargé")
    return str(url).strip()


def check_signature(source: Source, part: Path) -> None:
    """The received bytes look like the registered format: not empty, not an HTML page,
    the magic number of a zip / xlsx / 7z file, a CSV header followed by data."""
    size = part.stat().st_size
    what = f"{source.id} {source.vintage}"
    if size == 0:
        raise UnexpectedContentError(f"{what} : fichier reçu vide (0 octet) ; rien n'a été "
                                     "gardé")
    with open(part, "rb") as f:
        head = f.read(1 << 16)
    kind = source.format.split()[0].lower() if source.format else ""
    if head.lstrip()[:16].lower().startswith(_HTML):
        raise UnexpectedContentError(f"{what} : le serveur a renvoyé une page HTML au lieu "
                                     f"du fichier {kind or 'attendu'} (page d'erreur ou de "
                                     "connexion ?) ; rien n'a été gardé")
    if kind in SIGNATURES:
        if not head.startswith(SIGNATURES[kind]):
            raise UnexpectedContentError(f"{what} : le fichier reçu n'est pas un fichier "
                                         f"{kind} (signature absente) ; rien n'a été gardé")
    elif kind == "csv":
        if b"\0" in head:
            raise UnexpectedContentError(f"{what} : le fichier reçu n'est pas un CSV (octets "
                                         "binaires) ; rien n'a été gardé")
        lines = [ln for ln in head.splitlines() if ln.strip()]
        if len(lines) < 2 and size <= len(head):
            raise UnexpectedContentError(f"{what} : le fichier CSV reçu n'a qu'un en-tête, "
                                         "aucune ligne de données ; rien n'a été gardé (le "
                                         "fichier en cache, s'il existe, est intact)")
