"""The bounds of one download (:mod:`pacte.sources.download`): an overall deadline, a size
bound on the bytes written, a bound on the decompression ratio of a compressed answer
(a « gzip bomb » of 308 KB inflates to 300 MB), streaming decompression that never inflates
more than one bounded block at a time, and the completeness of a received CSV.

Every refusal is a French :class:`~pacte.errors.FetchError`.
"""

from __future__ import annotations

import csv
import io
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

from pacte.errors import FetchError, UnexpectedContentError

#: Largest file written when the registry does not know the size (bytes).
MAX_DOWNLOAD_BYTES = 4 * 1024**3
#: Slack over a registered size (a server may add a final newline, a BOM).
SIZE_SLACK = 1024 * 1024
#: Largest decompression ratio accepted beyond the first :data:`RATIO_FREE` bytes (official
#: CSV files compress 5 to 20 times; a bomb, about 1,000 times).
MAX_RATIO = 200
RATIO_FREE = 16 * 1024 * 1024
#: Bytes inflated at most per step (memory stays bounded whatever the ratio).
BLOCK = 1024 * 1024
#: Overall time allowed for one download, retries included (seconds).
DEFAULT_DEADLINE = 3600.0


class Budget:
    """Deadline and size bounds of one download of ``what`` (an URL)."""

    def __init__(self, what: str, deadline: float, max_bytes: int,
                 clock=time.monotonic):
        self.what, self.max_bytes, self.clock = what, max_bytes, clock
        self.seconds = deadline
        self.end = clock() + deadline

    def remaining(self) -> float:
        return self.end - self.clock()

    def check_time(self, got: int) -> None:
        if self.remaining() <= 0:
            raise FetchError(f"{self.what} : délai total de {self.seconds:g} s dépassé après "
                             f"{got} octets (serveur trop lent) ; relancez « pacte fetch » "
                             "pour reprendre, le fragment reçu n'est jamais lu comme une "
                             "donnée")

    def check_size(self, written: int, raw: int, encoded: bool) -> None:
        if written > self.max_bytes:
            raise FetchError(f"{self.what} : fichier plus grand que prévu (plus de "
                             f"{self.max_bytes} octets) ; téléchargement arrêté, rien n'a été "
                             "gardé")
        if encoded and written > RATIO_FREE and written > MAX_RATIO * max(raw, 1):
            raise FetchError(f"{self.what} : réponse compressée qui se décompresse plus de "
                             f"{MAX_RATIO} fois ({raw} octets reçus, {written} écrits) ; bombe "
                             "de décompression probable, téléchargement arrêté, rien n'a été "
                             "gardé")


def decoded(raw: Iterator[bytes], encoding: str, what: str) -> Iterator[bytes]:
    """The bytes of a ``Content-Encoding: gzip`` or ``deflate`` answer, inflated by blocks of
    at most :data:`BLOCK` bytes; a corrupted stream is a French FetchError."""
    if encoding in ("gzip", "x-gzip"):
        wbits = 16 + zlib.MAX_WBITS
    elif encoding == "deflate":
        wbits = zlib.MAX_WBITS
    else:
        raise FetchError(f"{what} : encodage de transfert non pris en charge ({encoding!r}) ; "
                         "rien n'a été gardé")
    d = zlib.decompressobj(wbits)
    try:
        for chunk in raw:
            data = chunk
            while data:
                out = d.decompress(data, BLOCK)
                if out:
                    yield out
                data = d.unconsumed_tail
        tail = d.flush()
        if tail:
            yield tail
        if not d.eof:
            raise zlib.error("flux incomplet")
    except zlib.error as exc:
        raise FetchError(f"{what} : corps compressé ({encoding}) illisible ou tronqué ({exc}) ; "
                         "rien n'a été gardé") from None


def check_complete_csv(part: Path, separator: str, what: str) -> None:
    """A CSV whose last line is cut (fewer fields than the header, no final newline) is a
    truncated transfer, not data: refused (a ``Content-Length`` shorter than the body gave a
    200-byte file cut mid-row, placed as complete)."""
    size = part.stat().st_size
    if size == 0:
        return
    with open(part, "rb") as f:
        head = f.read(1 << 16)
        f.seek(max(0, size - (1 << 16)))
        tail = f.read()
    if tail.endswith((b"\n", b"\r")):
        return
    first = head.splitlines()[0] if head else b""
    last = tail.splitlines()[-1] if tail else b""

    def fields(line: bytes) -> int:
        text = line.decode("latin-1")
        return len(next(csv.reader(io.StringIO(text), delimiter=separator), []))

    if fields(last) < fields(first):
        raise UnexpectedContentError(f"{what} : fichier tronqué (dernière ligne incomplète : "
                                     f"{fields(last)} champs sur {fields(first)}) ; rien n'a "
                                     "été gardé")
