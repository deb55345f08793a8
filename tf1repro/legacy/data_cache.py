"""The pinned data cache of ``legacy run|check --data-cache DIR [--fetch]``: the parent's side.

DIR holds the files that scripts download and the lock file ``tf1repro-data.lock.json``, which
pins each URL to its file in DIR, its SHA-256 and its size (here a file of the 8 bytes
``x,y\\n1,2\\n``)::

    {
     "format": "tf1repro.legacy.data_cache/1",
     "files": {
      "https://example.org/data/table.csv": {
       "file": "b901f53c1f1e-table.csv",
       "sha256": "81bf9fa83c6f7f151bd491a98cd7d933de3965289e3ebd77c6c425f7eaa16392",
       "size": 8
      }
     }
    }

During a run the script's process asks this side for every URL it downloads (see
``standins/downloads.py``, which only maps a URL to a local file) over a socket in the run's
scratch folder. A pinned URL is answered with its file once the file's size and SHA-256 match
the lock; with ``fetch``, a URL not in the lock is downloaded with pooch, copied into DIR and
added to the lock, and a pinned URL whose file is missing is downloaded again and must match.
Anything else is refused, and the refusal names the run's failure class: ``not-cached``,
``hash-mismatch`` or ``network`` (``--fetch`` could not download it).

The lock is rewritten atomically (``tf1repro.files``), under an exclusive lock of DIR so that
several processes filling one cache take turns; nothing is written without ``fetch``, so DIR may
be read-only (a container's read-only mount).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import re
import secrets
import select
import shutil
import socket
import stat
import struct
import sys
import tempfile
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tf1repro import files
from tf1repro.files.reading import kind_of, reason

LOCK_FILE = "tf1repro-data.lock.json"
LOCK_FORMAT = "tf1repro.legacy.data_cache/1"
OPTION = "--data-cache"
#: The socket the script's process asks, in the run's scratch folder.
SOCKET_FILE = "data-cache.sock"
#: The longest path a Unix socket takes, less its final NUL (104 on macOS, 108 on Linux).
SOCKET_PATH_MAX = 103
#: How long the end of a run waits for its data cache's service to stop.
CLOSE_SECONDS = 2.0
#: The largest request a script's process sends: one URL.
REQUEST_LIMIT = 1 << 16
#: The largest lock file read: a few hundred bytes per URL.
LOCK_LIMIT = 16 * 1024 * 1024
SCHEMES = ("http", "https", "ftp")
_SHA256 = re.compile(r"[0-9a-f]{64}")
#: A cached file's name: plain characters, no folder, not hidden.
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,199}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Pin:
    """One URL's entry in the lock: its file in DIR, the file's SHA-256 and size in bytes."""

    file: str
    sha256: str
    size: int


class Refusal(Exception):
    """A URL the cache does not serve: ``kind`` is the run's failure class, ``reason`` one line."""

    def __init__(self, kind: str, url: str, reason: str) -> None:
        self.kind = kind
        self.url = url
        self.reason = reason
        super().__init__(reason)


class DataCache:
    """The data cache in ``folder`` (absolute), filled on demand when ``fetch``."""

    def __init__(self, folder: Path, fetch: bool) -> None:
        self.folder = folder
        self.fetch = fetch
        self.lock_path = folder / LOCK_FILE
        # One resolution at a time: two runs of a check asking for one URL fetch it once.
        self._turn = threading.Lock()
        self._verified: dict[str, tuple[int, int, int, int]] = {}

    def pins(self) -> dict[str, Pin]:
        """The lock's entries (none when there is no lock yet); a malformed lock is one
        ``files.InputError`` naming the lock file and the field."""
        if not os.path.lexists(self.lock_path):
            return {}
        fields = files.Fields(files.read_json(self.lock_path, limit=LOCK_LIMIT), self.lock_path)
        fields.only("format", "files")
        fields.string("format", choices=(LOCK_FORMAT,))
        entries = fields.obj("files")
        pins = {}
        for url in entries.data:
            if not is_served(url):
                raise entries.error(url, "must be keyed by an http, https or ftp URL")
            entry = entries.obj(url)
            entry.only("file", "sha256", "size")
            name = entry.string("file")
            if not _FILE_NAME.fullmatch(name):
                raise entry.error("file", f"must be a plain file name in the cache, got {name!r}")
            sha256 = entry.string("sha256")
            if not _SHA256.fullmatch(sha256):
                raise entry.error("sha256", f"must be 64 lower-case hex digits, got {sha256!r}")
            pins[url] = Pin(name, sha256, entry.integer("size", low=0))
        return pins

    def resolve(self, url: str, scratch: Path) -> tuple[Path, Pin]:
        """The verified local file of ``url`` and its pin, fetched first (through the folder
        ``scratch``) when allowed and needed; otherwise ``Refusal``."""
        with self._turn:
            try:
                pin = self.pins().get(url)
            except files.InputError as error:
                raise Refusal("not-cached", url, f"cannot use the data cache: {error}") from None
            if pin is None:
                if not self.fetch:
                    raise Refusal(
                        "not-cached",
                        url,
                        f"downloads {url}, which is not in the data cache {self.folder}; run "
                        "once with --fetch on a machine with network to pin it",
                    )
                pin = self._fetch(url, None, scratch)
            path = self.folder / pin.file
            if not os.path.lexists(path):
                if not self.fetch:
                    raise Refusal(
                        "not-cached",
                        url,
                        f"downloads {url}, pinned in {self.lock_path} but its file {pin.file} "
                        "is missing; run with --fetch to download it again",
                    )
                pin = self._fetch(url, pin, scratch)
            self._verify(url, path, pin)
            return path, pin

    def _verify(self, url: str, path: Path, pin: Pin) -> None:
        """Refuse a file whose size or SHA-256 is not the pinned one (hashed once per change)."""
        try:
            info = os.stat(path)
        except OSError as error:
            raise Refusal("not-cached", url, f"{path} cannot be read: {reason(error)}") from None
        if not stat.S_ISREG(info.st_mode):
            raise Refusal("not-cached", url, f"{path} is not a regular file")
        key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
        if self._verified.get(str(path)) == key:
            return
        found = sha256_of(path)
        if found != pin.sha256:
            raise Refusal(
                "hash-mismatch",
                url,
                f"the data cache's copy of {url} ({pin.file}) is not the pinned file: SHA-256 "
                f"{found}, {info.st_size} bytes, where {LOCK_FILE} pins {pin.sha256}, "
                f"{pin.size} bytes; put the pinned file back, or delete its entry from the lock "
                "and fetch it again with --fetch",
            )
        self._verified[str(path)] = key

    def _fetch(self, url: str, pin: Pin | None, scratch: Path) -> Pin:
        """Download ``url`` with pooch into ``scratch`` (the run's scratch folder, removed with
        the run even when Ctrl-C ends it mid-download), then copy it into the cache; a pinned
        one must match."""
        import pooch

        # pooch reports each download on its logger; the runner is quiet by default.
        pooch.get_logger().setLevel(logging.WARNING)
        folder = Path(tempfile.mkdtemp(prefix="fetch-", dir=scratch))
        try:
            try:
                downloaded = Path(pooch.retrieve(url, None, fname="download", path=folder))
            except Exception as error:  # requests', ftplib's and the OS's errors alike
                raise Refusal(
                    "network", url, f"could not download {url}: {_one_line(error)}"
                ) from None
            found = sha256_of(downloaded)
            if pin is not None and found != pin.sha256:
                raise Refusal(
                    "hash-mismatch",
                    url,
                    f"{url} now serves other data than {LOCK_FILE} pins: SHA-256 {found} where "
                    f"the lock pins {pin.sha256}; if the change is wanted, delete its entry "
                    "from the lock and fetch it again",
                )
            name = pin.file if pin is not None else file_name(url)
            files.copy_file(downloaded, self.folder / name, option=OPTION)
            fetched = Pin(name, found, downloaded.stat().st_size)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if pin is None:
            self._pin(url, fetched)
        return fetched

    def _pin(self, url: str, pin: Pin) -> None:
        """Add ``url`` to the lock file, re-read under DIR's lock (another process may have
        added its own URLs meanwhile)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with files.locked_folder(self.folder):
            pins = self.pins()
            pins.setdefault(url, pin)
            lock = {
                "format": LOCK_FORMAT,
                "files": {
                    key: {"file": entry.file, "sha256": entry.sha256, "size": entry.size}
                    for key, entry in sorted(pins.items())
                },
            }
            files.write_file(self.lock_path, files.dumps_json(lock).encode(), option=OPTION)


def is_served(url: str) -> bool:
    """Whether ``url`` is one the cache holds: http, https or ftp, with a host."""
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in SCHEMES and bool(parts.netloc)


def file_name(url: str) -> str:
    """The name of ``url``'s file in the cache: a digest of the URL, then its own name."""
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    base = _UNSAFE.sub("_", urllib.parse.urlsplit(url).path.rpartition("/")[2]).strip("._")
    return f"{digest}-{base[:100]}" if base else digest


def sha256_of(path: Path) -> str:
    """The SHA-256 of the file ``path``, hex, as pooch computes it."""
    import pooch

    return str(pooch.file_hash(str(path), alg="sha256"))


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


# -- opening a cache -----------------------------------------------------------------------------

_caches: dict[tuple[Path, bool], DataCache] = {}
_caches_lock = threading.Lock()


def open_cache(folder: str | os.PathLike[str], fetch: bool) -> DataCache:
    """The data cache in ``folder``, checked before any run; one object per folder in this
    process, so that the runs of a check share its turns.

    Refused with an ``files.OutputError`` naming ``--data-cache``: an empty path; pooch missing
    (it hashes the files, and fetches them); something that
    is not a folder (a file, a device, a link to one, a link that leads nowhere); a missing
    folder without ``fetch`` (nothing could be served), or one that cannot be created with it.
    A malformed lock file is a ``files.InputError`` naming the lock and the field.
    """
    text = os.fspath(folder)
    if not text:
        raise files.OutputError(OPTION, text, "must name a folder")
    if importlib.util.find_spec("pooch") is None:
        raise files.OutputError(
            OPTION, text, "needs pooch, which is not installed: pip install 'tf1repro[legacy]'"
        )
    path = Path(os.path.abspath(text))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise files.OutputError(OPTION, text, "is a symbolic link that leads nowhere") from None
        if not fetch:
            raise files.OutputError(
                OPTION, text, "does not exist; fill it once with --fetch on a machine with network"
            ) from None
        files.check_output_file(path / LOCK_FILE, option=OPTION)
        return _registered(path, fetch)
    except OSError as error:
        raise files.OutputError(OPTION, text, f"cannot be used: {reason(error)}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise files.OutputError(OPTION, text, f"is not a folder ({kind_of(info.st_mode)})")
    cache = _registered(Path(os.path.realpath(path)), fetch)
    cache.pins()  # a malformed lock stops the command here, before any run
    if fetch:
        files.check_output_file(cache.lock_path, option=OPTION)
    return cache


def _registered(folder: Path, fetch: bool) -> DataCache:
    with _caches_lock:
        return _caches.setdefault((folder, fetch), DataCache(folder, fetch))


# -- serving one run -----------------------------------------------------------------------------


class Service:
    """Answers one run's requests on the Unix socket ``address`` (a thread), and keeps what it
    served and refused, in order; downloads go through ``staging``, the run's scratch folder."""

    def __init__(self, cache: DataCache, staging: Path) -> None:
        self.cache = cache
        self.staging = staging
        self.served: dict[str, Pin] = {}
        self.refused: list[Refusal] = []
        self.address = socket_address(staging)
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(self.address)
        self._listener.listen(8)
        self._wake_read, self._wake_write = os.pipe()
        self._thread = threading.Thread(target=self._serve, name="data-cache", daemon=True)
        self._thread.start()

    def downloads(self) -> list[dict[str, object]]:
        """What was served, for ``run.json``: url, file, sha256, size."""
        return [
            {"url": url, "file": pin.file, "sha256": pin.sha256, "size": pin.size}
            for url, pin in self.served.items()
        ]

    def close(self) -> None:
        """Stop serving. A download still under way (the run was stopped meanwhile) is not
        waited for beyond ``CLOSE_SECONDS``: it fails once the run's scratch folder is gone."""
        os.close(self._wake_write)  # EOF wakes the thread, which closes the rest
        self._thread.join(CLOSE_SECONDS)

    def _serve(self) -> None:
        try:
            while True:
                ready, _, _ = select.select([self._listener.fileno(), self._wake_read], [], [])
                if self._wake_read in ready:
                    return
                connection, _ = self._listener.accept()
                with connection:
                    if _same_user(connection):
                        self._answer(connection)
        finally:
            self._listener.close()
            os.close(self._wake_read)

    def _answer(self, connection: socket.socket) -> None:
        request = b""
        while len(request) <= REQUEST_LIMIT and (chunk := connection.recv(REQUEST_LIMIT)):
            request += chunk
        try:
            url = json.loads(request).get("url")
        except (ValueError, AttributeError):
            url = None
        if not isinstance(url, str):
            return  # not our child's request: no answer
        try:
            path, pin = self.cache.resolve(url, self.staging)
        except Refusal as refused:
            refusal: Refusal | None = refused
        except (files.OutputError, OSError) as error:  # e.g. DIR became read-only meanwhile
            refusal = Refusal("error", url, f"the data cache cannot serve {url}: {error}")
        else:
            refusal = None
            self.served.setdefault(url, pin)
        if refusal is None:
            reply = {"path": str(path)}
        else:
            self.refused.append(refusal)
            reply = {"kind": refusal.kind, "message": refusal.reason}
        with contextlib.suppress(OSError):  # the script may be gone meanwhile
            connection.sendall(json.dumps(reply).encode())


def socket_address(staging: Path) -> str:
    """Where a run's service listens: ``SOCKET_FILE`` in its scratch folder (private to this
    user), or, when that path is too long for a Unix socket (a deep ``TMPDIR``), a random name
    in Linux's abstract namespace, where ``_same_user`` keeps other users out."""
    path = str(staging / SOCKET_FILE)
    if len(os.fsencode(path)) <= SOCKET_PATH_MAX:
        return path
    if sys.platform != "linux":
        raise files.OutputError(
            "TMPDIR",
            str(staging.parent),
            "is too deep for the data cache's socket; set TMPDIR to a shorter folder",
        )
    return f"\0tf1repro-data-cache-{secrets.token_hex(16)}"


def _same_user(connection: socket.socket) -> bool:
    """Whether the process at the other end runs as this user (Linux; elsewhere the socket's
    private folder already says so)."""
    if not hasattr(socket, "SO_PEERCRED"):
        return True
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    uid: int = struct.unpack("3i", credentials)[1]
    return uid == os.getuid()


@contextlib.contextmanager
def serving(cache: DataCache, staging: Path) -> Iterator[Service]:
    """Serve ``cache`` to one run whose scratch folder is ``staging``, until the block ends."""
    service = Service(cache, staging)
    try:
        yield service
    finally:
        service.close()
