"""The script's downloads, served from the pinned data cache (``--data-cache``), in its process.

Loaded by file by the bootstrap (standard library only: the script may run in another
interpreter than tf1repro's), which calls ``install`` with the socket of the parent's data
cache. Every URL the script fetches with a GET is asked of the parent, which answers with the
path of a verified local copy (fetching it first with ``--fetch``) or refuses it; this side only
maps a URL to that file. Served this way:

* ``urllib.request`` (``urlopen``, ``urlretrieve``, and every ``OpenerDirector``), hence
  ``tf.keras.utils.get_file`` and Keras' datasets, which download through it;
* ``requests`` (every ``HTTPAdapter``, so ``requests.get`` and sessions), once it is imported;
* ``input_data``'s MNIST fetcher (the stand-in calls ``path``).

A refused URL raises one of the classes below (``OSError``, not ``URLError``: a script's
``except URLError`` retry loop must not spin on a file that will never come); the parent also
keeps the refusal, so the run is classified by it even when the script catches the error.
"""

from __future__ import annotations

import email
import functools
import http.client
import importlib.abc
import importlib.machinery
import io
import json
import os
import socket
import sys
import urllib.parse
import urllib.request
import urllib.response
from collections.abc import Sequence
from typing import Any

#: The URL schemes the cache serves; any other (``file:``, ``data:``) goes its own way.
SCHEMES = ("http", "https", "ftp")
#: The largest answer the parent sends (a path and a one-line reason).
REPLY_LIMIT = 1 << 16

SOCKET: str | None = None


class DataNotCached(OSError):
    """The URL is not in the data cache, and the run may not fetch it (no ``--fetch``)."""


class DataHashMismatch(OSError):
    """The data at the URL is not what the cache's lock file pinned."""


class DataFetchFailed(OSError):
    """``--fetch`` could not download the URL."""


REFUSALS = {
    "not-cached": DataNotCached,
    "hash-mismatch": DataHashMismatch,
    "network": DataFetchFailed,
}


def path(url: str) -> str:
    """The local file holding ``url``'s data, as the parent's data cache serves it."""
    assert SOCKET is not None, "install() first"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(SOCKET)
        connection.sendall(json.dumps({"url": url}).encode() + b"\n")
        connection.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := connection.recv(REPLY_LIMIT):
            chunks.append(chunk)
    if not chunks:
        raise DataFetchFailed(f"the data cache did not answer for {url}")
    reply = json.loads(b"".join(chunks))
    if "path" in reply:
        return str(reply["path"])
    raise REFUSALS.get(reply["kind"], DataFetchFailed)(reply["message"])


def served(url: str, method: str) -> bool:
    """Whether the cache serves this request: a GET (or HEAD) of an http, https or ftp URL."""
    return method in ("GET", "HEAD") and urllib.parse.urlsplit(url).scheme in SCHEMES


def install(socket_path: str) -> None:
    """Serve the script's downloads through the parent's data cache at ``socket_path``."""
    global SOCKET
    SOCKET = socket_path
    urllib.request.OpenerDirector.open = _cached_open(  # type: ignore[method-assign]
        urllib.request.OpenerDirector.open
    )
    adapters = sys.modules.get("requests.adapters")
    if adapters is not None:
        _patch_requests(adapters)
    else:
        sys.meta_path.insert(0, _PatchOnImport("requests.adapters", _patch_requests))


# -- urllib ---------------------------------------------------------------------------------------


def _cached_open(open_url: Any) -> Any:
    @functools.wraps(open_url)
    def cached_open(opener: Any, fullurl: Any, data: Any = None, *args: Any, **kwargs: Any) -> Any:
        request = fullurl if isinstance(fullurl, urllib.request.Request) else None
        url = request.full_url if request is not None else str(fullurl)
        method = request.get_method() if request is not None else "GET"
        if data is not None or not served(url, method):
            return open_url(opener, fullurl, data, *args, **kwargs)
        local = path(url)
        headers = email.message_from_string(
            f"Content-Length: {os.path.getsize(local)}\nContent-Type: application/octet-stream\n\n",
            _class=http.client.HTTPMessage,
        )
        return urllib.response.addinfourl(_body(local, method), headers, url, 200)

    return cached_open


def _body(local: str, method: str) -> Any:
    """The file to read the response from (nothing for a HEAD)."""
    return open(local, "rb") if method == "GET" else io.BytesIO()


# -- requests -------------------------------------------------------------------------------------


def _patch_requests(adapters: Any) -> None:
    send = adapters.HTTPAdapter.send

    @functools.wraps(send)
    def cached_send(adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not served(request.url, request.method or ""):
            return send(adapter, request, *args, **kwargs)
        local = path(request.url)
        models = sys.modules["requests.models"]
        structures = sys.modules["requests.structures"]
        response = models.Response()
        response.status_code = 200
        response.reason = "OK"
        response.url = request.url
        response.request = request
        response.connection = adapter
        response.headers = structures.CaseInsensitiveDict(
            {
                "Content-Length": str(os.path.getsize(local)),
                "Content-Type": "application/octet-stream",
            }
        )
        response.raw = _body(local, request.method)
        return response

    adapters.HTTPAdapter.send = cached_send


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Runs ``patch(module)`` right after the module ``name`` is first executed."""

    def __init__(self, name: str, patch: Any) -> None:
        self.name = name
        self.patch = patch

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _Patching(spec.loader, self.patch)
        sys.meta_path.remove(self)
        return spec


class _Patching(importlib.abc.Loader):
    """The module's own loader (its source, resources...), patching the module once executed."""

    def __init__(self, loader: Any, patch: Any) -> None:
        self.loader = loader
        self.patch = patch

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self.loader.exec_module(module)
        self.patch(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)
