"""Every output file is written whole or not at all: into a temporary sibling (same folder,
so the same file system), flushed to disk, then renamed over the target. A failure at any
point (full disk, quota, a writer's own error) removes the temporary file and leaves the
previous target byte-identical; the failure is a French :class:`~pacte.errors.WriteError`.

A target that exists and is not a regular file (a device, a pipe, a folder) is refused
before anything is computed: renaming over ``/dev/null`` would replace the device node.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pacte.errors import InvalidParameterError, WriteError

#: French words for the system errors a write meets.
OS_REASONS = {errno.ENOSPC: "disque plein", errno.EDQUOT: "quota disque dépassé",
              errno.EROFS: "système de fichiers en lecture seule",
              errno.EACCES: "accès refusé", errno.EPERM: "opération non permise",
              errno.ENOENT: "dossier inexistant", errno.EISDIR: "c'est un dossier",
              errno.EFBIG: "fichier trop grand", errno.EIO: "erreur d'entrée-sortie du disque",
              errno.ENAMETOOLONG: "nom de fichier trop long"}


def os_reason(exc: OSError) -> str:
    """A French reason for a system error (its errno), without any path."""
    return OS_REASONS.get(exc.errno, f"erreur système {errno.errorcode.get(exc.errno, '?')}")


def check_target(path: Path, what: str = "fichier de sortie") -> Path:
    """``path`` if it can be replaced by a regular file: absent, or a regular file (a
    symbolic link is followed to its target). A device, pipe, socket or folder is refused."""
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise InvalidParameterError(f"{what} {path} : {os_reason(exc)}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InvalidParameterError(f"{what} {path} : c'est un dossier, un nom de fichier est "
                                    "attendu")
    if not stat.S_ISREG(st.st_mode):
        kind = ("un périphérique" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                else "un tube" if stat.S_ISFIFO(st.st_mode)
                else "une socket" if stat.S_ISSOCK(st.st_mode) else "un fichier spécial")
        raise InvalidParameterError(f"{what} {path} : c'est {kind}, pas un fichier ordinaire ; "
                                    "refusé (il serait remplacé)")
    return path.resolve() if path.is_symlink() else path


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - a folder that cannot be opened (some platforms)
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - not every file system syncs folders
        pass
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(target: Path, what: str = "fichier de sortie") -> Iterator[Path]:
    """Yield a temporary sibling of ``target`` (same extension, absent) to write; when the
    block ends without error the file is flushed to disk and renamed over ``target``. On any
    error the temporary file is removed and ``target`` is left as it was."""
    target = check_target(Path(target), what)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
                           f"{target.suffix}")
    try:
        yield tmp
        if not tmp.is_file():
            raise WriteError(f"écriture de {target} : rien n'a été écrit")
        _fsync_file(tmp)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except OSError as exc:
        raise WriteError(f"écriture de {target} impossible : {os_reason(exc)} ; le fichier "
                         "précédent (s'il existait) est intact") from None
    finally:
        if tmp.exists() or tmp.is_symlink():
            tmp.unlink(missing_ok=True)


def write_bytes(target: Path, data: bytes, what: str = "fichier de sortie") -> Path:
    """``data`` into ``target``, whole or not at all."""
    with atomic_path(target, what) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
    return Path(target)


def write_text(target: Path, text: str, what: str = "fichier de sortie",
               encoding: str = "utf-8") -> Path:
    """``text`` into ``target``, whole or not at all."""
    return write_bytes(target, text.encode(encoding), what)
