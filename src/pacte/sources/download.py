"""Download official source files into the cache, verified and placed atomically.

Cache directory: ``$PACTE_CACHE`` if set, else platformdirs' user cache directory
(``~/.cache/pacte`` on Linux). Layout: ``<cache>/<source id>/<vintage>/<file name>`` and,
beside each file, ``<file name>.meta.json``: url, sha256, size, fetched_at, licence,
vintage. A file counts as fetched only when both are there.

How a download goes:

1. bytes go to ``<file name>.part`` (never read as data); a ``.part.json`` keeps the URL and
   the server's validator (ETag or Last-Modified) so a later run can resume;
2. a cut connection or a 5xx/429 answer is retried with exponential backoff; each retry asks
   for the missing bytes only (``Range: bytes=N-`` with ``If-Range``) and appends them when
   the server answers 206, or starts again from zero when it answers 200;
3. the whole file is then checked: size and sha256 against the registry when it knows them,
   expected columns for CSV files; a failed check deletes the ``.part``;
4. only then is the ``.part`` renamed to its final name (``os.replace``, atomic) and the
   sidecar written.

If every attempt fails, a :class:`FetchError` (French message) is raised; no final file is
created. An interrupted ``.part`` is kept so that the next ``pacte fetch`` resumes it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from pacte.errors import (
    ChecksumError,
    FetchError,
    OfflineError,
    UnexpectedContentError,
)
from pacte.settings import VERSION, sha256_file
from pacte.sources.cache import (  # noqa: F401 - the cache API, re-exported
    META_SUFFIX,
    PART_SUFFIX,
    Fetched,
    _meta_path,
    _part_info_path,
    _part_path,
    cache_inventory,
    cache_path,
    read_cached,
)
from pacte.sources.checks import check_signature, check_url
from pacte.sources.registry import Source, get_source
from pacte.sources.stream import (
    DEFAULT_DEADLINE,
    MAX_DOWNLOAD_BYTES,
    SIZE_SLACK,
    Budget,
    check_complete_csv,
    decoded,
)

#: Answers worth retrying: timeouts, rate limiting, server errors.
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")



class _Bar:
    """A rich download bar on stderr, or nothing."""

    def __init__(self, enabled: bool, description: str):
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
            TransferSpeedColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), transient=False, disable=not enabled)
        self.description = description
        self.task = None

    def __enter__(self):
        self.progress.__enter__()
        self.task = self.progress.add_task(self.description, total=None)
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def reset(self, total: int | None, completed: int) -> None:
        self.progress.update(self.task, total=total, completed=completed)

    def advance(self, n: int) -> None:
        self.progress.advance(self.task, n)


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None):
        super().__init__(reason)
        self.wait = wait


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return min(float(value), 60.0) if value.isdigit() else None


def _http_error(url: str, response: httpx.Response) -> FetchError:
    return FetchError(f"{url} : le serveur a répondu HTTP {response.status_code} "
                      f"({response.reason_phrase or 'erreur'}) ; aucun fichier n'a été écrit")


def _download_once(client: httpx.Client, url: str, path: Path, bar: _Bar,
                   budget: Budget) -> httpx.Headers:
    """One GET into ``<path>.part``, resuming it when possible. Returns the headers of the
    answer. Raises _Retry for a retryable answer, FetchError for another HTTP error,
    httpx.TransportError when the connection fails or is cut."""
    part, info_path = _part_path(path), _part_info_path(path)
    info: dict = {}
    if part.exists() and info_path.exists():
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = {}
    have = part.stat().st_size if part.exists() and info.get("url") == url else 0
    headers = {"Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
        if info.get("validator"):
            headers["If-Range"] = info["validator"]
    with client.stream("GET", url, headers=headers) as r:
        if r.status_code == 416 and have:  # nothing after byte `have`: maybe complete
            match = re.fullmatch(r"bytes \*/(\d+)", r.headers.get("Content-Range", ""))
            if match and int(match.group(1)) == have:
                return r.headers
            part.unlink(missing_ok=True)
            raise _Retry("reprise refusée par le serveur (HTTP 416)", wait=0)
        if r.status_code in RETRY_STATUS:
            raise _Retry(f"HTTP {r.status_code}", wait=_retry_after(r))
        if r.status_code >= 400:
            raise _http_error(url, r)
        start, total = 0, None
        if r.status_code == 206:
            match = _CONTENT_RANGE.fullmatch(r.headers.get("Content-Range", ""))
            if not match or int(match.group(1)) != have:
                part.unlink(missing_ok=True)
                raise _Retry("plage renvoyée incohérente", wait=0)
            start = have
            total = None if match.group(3) == "*" else int(match.group(3))
        elif "Content-Length" in r.headers:
            total = int(r.headers["Content-Length"])
        encoding = r.headers.get("Content-Encoding", "identity").lower().strip()
        encoded = encoding not in ("identity", "")
        validator = r.headers.get("ETag") or r.headers.get("Last-Modified")
        info_path.write_text(json.dumps({"url": url, "validator": None if encoded else validator}),
                             encoding="utf-8")
        bar.reset(total, start)
        written = start
        with open(part, "ab" if start else "wb") as f:
            # no chunk size: each network read is written at once, so a cut transfer
            # keeps every byte received; a compressed answer is inflated by bounded blocks
            chunks = decoded(r.iter_raw(), encoding, url) if encoded else r.iter_raw()
            for chunk in chunks:
                f.write(chunk)
                written += len(chunk)
                bar.advance(len(chunk))
                budget.check_size(written, r.num_bytes_downloaded, encoded)
                budget.check_time(written)
        # bytes on the wire against the announced length, before anything is placed
        raw = start + r.num_bytes_downloaded
        if total is not None and raw != total:
            raise httpx.RemoteProtocolError(f"{raw} octets reçus sur {total}")
        return r.headers


def _download(client: httpx.Client, url: str, path: Path, bar: _Bar, retries: int,
              backoff: float, sleep: Callable[[float], None],
              budget: Budget) -> httpx.Headers:
    """_download_once with retries and exponential backoff (backoff, 2 x backoff, ...),
    all within the budget's deadline."""
    for attempt in range(retries + 1):
        try:
            return _download_once(client, url, path, bar, budget)
        except FetchError:
            if budget.remaining() > 0:  # too big, a bomb, a bad body: nothing to resume
                _part_path(path).unlink(missing_ok=True)
                _part_info_path(path).unlink(missing_ok=True)
            raise
        except httpx.TooManyRedirects:
            raise FetchError(f"{url} : trop de redirections (boucle de redirections ?) ; "
                             "aucun fichier n'a été écrit") from None
        except httpx.DecodingError as exc:
            raise FetchError(f"{url} : réponse illisible ({exc}) ; aucun fichier n'a été "
                             "écrit") from None
        except _Retry as exc:
            reason, wait = str(exc), exc.wait
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            reason, wait = f"connexion impossible ({exc})", None
            if attempt == retries:
                raise OfflineError(
                    f"{url} : connexion impossible ({exc}). Êtes-vous hors ligne ? Vérifiez "
                    "l'accès à Internet (ou le proxy, variables HTTPS_PROXY) puis relancez ; "
                    "aucun fichier n'a été écrit") from exc
        except httpx.TransportError as exc:
            reason, wait = f"transfert interrompu ({exc})", None
            if attempt == retries:
                part = _part_path(path)
                got = part.stat().st_size if part.exists() else 0
                raise FetchError(
                    f"{url} : téléchargement interrompu après {got} octets ({exc}). "
                    f"Relancez « pacte fetch » pour reprendre ; le fragment {part.name} n'est "
                    "jamais lu comme une donnée") from exc
        if attempt == retries:
            raise FetchError(f"{url} : échec après {retries + 1} tentatives ({reason}) ; "
                             "aucun fichier n'a été écrit")
        pause = backoff * 2 ** attempt if wait is None else wait
        if pause >= budget.remaining():
            raise FetchError(f"{url} : délai total de {budget.seconds:g} s épuisé avant la "
                             f"tentative suivante ({reason}) ; relancez « pacte fetch »")
        sleep(pause)
    raise AssertionError("unreachable")


def _check_columns(source: Source, part: Path) -> None:
    """For CSV sources, the header must hold every registered column."""
    if source.format != "csv" or not source.columns:
        return
    with open(part, "rb") as f:
        head = f.read(1 << 16)
    encoding = source.encoding or "utf-8-sig"
    try:
        text = head.decode(encoding)
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    first = next(csv.reader(io.StringIO(text), delimiter=source.separator or ","), [])
    header = {cell.strip() for cell in first}
    missing = [c for c in source.columns if c not in header]
    if missing:
        raise UnexpectedContentError(
            f"{source.id} {source.vintage} : le fichier reçu n'a pas les colonnes attendues "
            f"({', '.join(missing)}) ; page d'erreur ou format changé ? Rien n'a été gardé")


def _verify(source: Source, part: Path) -> tuple[str, int]:
    size = part.stat().st_size
    if size == 0:
        raise UnexpectedContentError(f"{source.id} {source.vintage} : fichier reçu vide "
                                     "(0 octet) ; rien n'a été gardé")
    if source.size is not None and size != source.size:
        raise ChecksumError(f"{source.id} {source.vintage} : taille reçue {size} octets, "
                            f"attendue {source.size} ; fichier rejeté, rien n'a été gardé")
    sha = sha256_file(part)
    if source.sha256 and sha != source.sha256:
        raise ChecksumError(f"{source.id} {source.vintage} : empreinte sha256 différente de "
                            f"celle du registre (attendue {source.sha256[:12]}…, reçue "
                            f"{sha[:12]}…) ; fichier corrompu ou modifié, rien n'a été gardé")
    _check_columns(source, part)  # an HTML page as CSV: its columns are missing
    check_signature(source, part)
    if source.format and source.format.split()[0].lower() == "csv":
        check_complete_csv(part, source.separator or ",", f"{source.id} {source.vintage}")
    return sha, size


def _place(source: Source, url: str, path: Path, sha: str, size: int,
           headers: httpx.Headers) -> Fetched:
    """Rename the verified ``.part`` to its final name, then write the sidecar (a file
    without sidecar is not taken as fetched)."""
    meta = {"source": source.id, "vintage": source.vintage, "title": source.title,
            "url": url, "landing_page": source.landing_page, "licence": source.licence,
            "sha256": sha, "size": size, "sha256_registered": source.sha256 is not None,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "filename": source.filename, "format": source.format,
            "etag": headers.get("ETag"), "last_modified": headers.get("Last-Modified"),
            "pacte_version": VERSION}
    meta_path = _meta_path(path)
    meta_path.unlink(missing_ok=True)
    os.replace(_part_path(path), path)
    tmp = meta_path.with_name(meta_path.name + ".tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, meta_path)
    _part_info_path(path).unlink(missing_ok=True)
    return Fetched(path, meta)


def fetch(source_id: str, vintage: str | None = None, cache_dir: str | Path | None = None,
          progress: bool = True, *, url: str | None = None, force: bool = False,
          registry: dict | None = None, retries: int = 4, backoff: float = 1.0,
          timeout: float = 60.0, deadline: float = DEFAULT_DEADLINE,
          max_bytes: int | None = None,
          sleep: Callable[[float], None] = time.sleep) -> Fetched:
    """Download ``source_id`` (its last registered vintage if ``vintage`` is None) into the
    cache and return the verified file with its metadata.

    A complete cached copy is returned as is unless ``force``. ``url`` replaces the
    registered URLs (sources without a stable direct link); otherwise the registered URLs
    are tried in order. Raises :class:`OfflineError`, :class:`ChecksumError`,
    :class:`UnexpectedContentError` or :class:`FetchError`, all with French messages.

    ``timeout`` bounds each network read, ``deadline`` the whole download of one address
    (retries included); ``max_bytes`` (default: the registered size with some slack, else
    :data:`~pacte.sources.stream.MAX_DOWNLOAD_BYTES`) the bytes written, and a compressed
    answer may not inflate beyond :data:`~pacte.sources.stream.MAX_RATIO` times.
    """
    if url is not None:
        url = check_url(url)  # before the cache, the network and any retry
    source = get_source(source_id, vintage, registry)
    if not force and (cached := read_cached(source, cache_dir)) is not None:
        return cached
    urls = [url] if url else [check_url(u) for u in source.urls]
    if not urls:
        raise FetchError(f"{source.id} {source.vintage} : pas d'adresse de téléchargement "
                         f"directe enregistrée. Prenez le lien du fichier sur "
                         f"{source.landing_page} et passez-le avec --url "
                         f"({source.url_note})")
    path = cache_path(source, cache_dir)
    base = path.parent
    while not base.exists() and base != base.parent:  # the nearest existing folder
        base = base.parent
    if not os.access(base, os.W_OK | os.X_OK):
        raise FetchError(f"{base} : dossier du cache non accessible en écriture ; rien n'a "
                         "été téléchargé (choisissez un autre --cache)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FetchError(f"{path.parent} : dossier du cache impossible à créer "
                         f"({exc.strerror}) ; rien n'a été téléchargé") from None
    client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
                          follow_redirects=True,
                          headers={"User-Agent": f"pacte/{VERSION}"})
    errors: list[FetchError] = []
    with client, _Bar(progress, f"{source.id} {source.vintage}") as bar:
        for candidate in urls:
            bound = max_bytes or (source.size + SIZE_SLACK if source.size
                                  else MAX_DOWNLOAD_BYTES)
            budget = Budget(candidate, deadline, bound)
            try:
                headers = _download(client, candidate, path, bar, retries, backoff, sleep,
                                    budget)
            except FetchError as exc:
                errors.append(exc)
                continue
            try:
                sha, size = _verify(source, _part_path(path))
            except FetchError:
                _part_path(path).unlink(missing_ok=True)
                _part_info_path(path).unlink(missing_ok=True)
                raise
            return _place(source, candidate, path, sha, size, headers)
    if len(errors) == 1:
        raise errors[0]
    raise type(errors[-1])("; ".join(str(e) for e in errors))
