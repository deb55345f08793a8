"""The pinned data cache of ``legacy run|check --data-cache DIR [--fetch]``.

Every download goes to an HTTP server of the test's own on 127.0.0.1, never the internet: a
first run with ``--fetch`` fills DIR and its lock file, a second one with the server stopped
prints the same bytes, a file that changed (in DIR, or upstream) is refused with the class
``hash-mismatch`` naming its URL, and bad input is one line, exit 2, with nothing written. The
scripts import no TensorFlow except the one that goes through ``tf.keras.utils.get_file`` and
``input_data``.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, default_signals

from tf1repro import files
from tf1repro.cli import main
from tf1repro.legacy import data_cache
from tf1repro.legacy.script_run import ScriptRun
from tf1repro.mnist import input_data
from tf1repro.testing import write_mnist

LOCK = data_cache.LOCK_FILE
#: A URL no server answers (the discard port): only the cache can serve it.
UNREACHABLE = "http://127.0.0.1:9"

#: Downloads through urllib (urlretrieve, urlopen with a Request) and requests.
DOWNLOADS = """
import sys
import urllib.request

import requests

base = sys.argv[1]
path, _ = urllib.request.urlretrieve(base + "/data/table.csv", "table.csv")
print(open(path).read().strip())
with urllib.request.urlopen(urllib.request.Request(base + "/data/words.txt")) as response:
    print(response.read().decode().strip(), response.info().get("Content-Length"))
reply = requests.get(base + "/data/words.txt", timeout=5)
print(reply.status_code, reply.text.strip())
"""


class Server:
    """An HTTP server on 127.0.0.1 serving ``folder``, in a thread of this process; ``/stall``
    sends the start of a file, then nothing until the server stops."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.stalled = threading.Event()
        self.stopped = threading.Event()
        server = self

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path != "/stall":
                    super().do_GET()
                    return
                self.send_response(200)
                self.send_header("Content-Length", "1000000")
                self.end_headers()
                self.wfile.write(b"x" * 1000)
                self.wfile.flush()
                server.stalled.set()
                server.stopped.wait(60)

        handler = functools.partial(Quiet, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    folder = tmp_path / "site"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "table.csv").write_text("x,y\n1,2\n")
    (folder / "data" / "words.txt").write_text("pinned words\n")
    served = Server(folder)
    yield served
    served.stop()


def script(tmp_path: Path, text: str = DOWNLOADS, name: str = "fetch_data.py") -> Path:
    folder = tmp_path / "scripts"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def run(path: Path, out: Path, cache: Path, *options: str, args: tuple[str, ...] = ()) -> int:
    argv = ["legacy", "run", str(path), "--out", str(out), "--data-cache", str(cache), *options]
    return main([*argv, "--", *args] if args else argv)


def lock_of(cache: Path) -> dict[str, dict[str, object]]:
    files: dict[str, dict[str, object]] = json.loads((cache / LOCK).read_text())["files"]
    return files


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fetch_fills_the_cache_then_a_run_offline_prints_the_same_bytes(
    tmp_path: Path, server: Server
) -> None:
    path, cache = script(tmp_path), tmp_path / "cache"
    assert run(path, tmp_path / "first", cache, "--fetch", args=(server.base,)) == 0
    # The lock pins each URL to its file in DIR, with the served file's SHA-256 and size.
    lock = lock_of(cache)
    assert json.loads((cache / LOCK).read_text())["format"] == data_cache.LOCK_FORMAT
    assert sorted(lock) == [f"{server.base}/data/table.csv", f"{server.base}/data/words.txt"]
    for url, entry in lock.items():
        original = server.folder / url.removeprefix(server.base + "/")
        assert entry == {
            "file": data_cache.file_name(url),
            "sha256": sha256(original),
            "size": original.stat().st_size,
        }
        assert (cache / str(entry["file"])).read_bytes() == original.read_bytes()
    first = (tmp_path / "first" / "stdout.txt").read_bytes()
    assert first == b"x,y\n1,2\npinned words 13\n200 pinned words\n"

    server.stop()
    before = {p.name: p.read_bytes() for p in cache.iterdir()}
    assert run(path, tmp_path / "second", cache, args=(server.base,)) == 0
    assert (tmp_path / "second" / "stdout.txt").read_bytes() == first
    assert {p.name: p.read_bytes() for p in cache.iterdir()} == before  # nothing written
    # run.json says what was served: each URL once, in the order asked, with its pin.
    served = ScriptRun.load(tmp_path / "second").downloads
    assert [entry["url"] for entry in served] == [
        f"{server.base}/data/table.csv",
        f"{server.base}/data/words.txt",
    ]
    assert all({**lock[entry.pop("url")]} == entry for entry in served)


def test_a_file_changed_in_the_cache_or_upstream_is_refused(tmp_path: Path, server: Server) -> None:
    path, cache = script(tmp_path), tmp_path / "cache"
    assert run(path, tmp_path / "fill", cache, "--fetch", args=(server.base,)) == 0
    url = f"{server.base}/data/table.csv"
    copy = cache / str(lock_of(cache)[url]["file"])
    pinned = copy.read_bytes()

    copy.write_bytes(pinned.replace(b"2", b"3"))
    assert run(path, tmp_path / "local", cache, args=(server.base,)) == 1
    refused = ScriptRun.load(tmp_path / "local")
    assert (refused.kind, refused.line) == ("hash-mismatch", 8)
    assert url in refused.reason and sha256(copy) in refused.reason

    # Upstream changed: --fetch downloads the missing file again and refuses what it got.
    copy.unlink()
    lock_before = (cache / LOCK).read_bytes()
    (server.folder / "data" / "table.csv").write_text("x,y\n1,3\n")
    assert run(path, tmp_path / "upstream", cache, "--fetch", args=(server.base,)) == 1
    refused = ScriptRun.load(tmp_path / "upstream")
    assert refused.kind == "hash-mismatch" and url in refused.reason
    assert not copy.exists() and (cache / LOCK).read_bytes() == lock_before


def test_a_url_not_in_the_cache_fails_its_script_with_a_class_naming_it(tmp_path: Path) -> None:
    # The script swallows the error and exits 1: the class still says why.
    path = script(
        tmp_path,
        "import sys, urllib.request\n"
        "try:\n"
        f"    urllib.request.urlopen('{UNREACHABLE}/never.csv')\n"
        "except Exception as error:\n"
        "    print('download failed:', type(error).__name__)\n"
        "    sys.exit(1)\n",
    )
    cache = tmp_path / "cache"
    cache.mkdir()
    assert run(path, tmp_path / "out", cache) == 1
    result = ScriptRun.load(tmp_path / "out")
    assert result.kind == "not-cached", result.reason
    assert f"{UNREACHABLE}/never.csv" in result.reason and "--fetch" in result.reason
    assert (tmp_path / "out" / "stdout.txt").read_text() == "download failed: DataNotCached\n"
    assert list(cache.iterdir()) == []


def test_an_unreachable_url_with_fetch_is_a_network_failure_and_writes_nothing(
    tmp_path: Path, server: Server
) -> None:
    server.stop()
    cache = tmp_path / "cache"
    assert run(script(tmp_path), tmp_path / "out", cache, "--fetch", args=(server.base,)) == 1
    result = ScriptRun.load(tmp_path / "out")
    assert result.kind == "network" and f"{server.base}/data/table.csv" in result.reason
    assert not cache.exists()


def _corrupt(cache: Path, text: str) -> None:
    cache.mkdir()
    (cache / LOCK).write_text(text)


GOOD_ENTRY = {"file": "a.csv", "sha256": "0" * 64, "size": 1}


@pytest.mark.parametrize(
    ("prepare", "options", "message"),
    [
        ("none", ["--fetch"], "--fetch needs --data-cache DIR"),
        ("empty", [], "--data-cache '' must name a folder"),
        ("file", [], "--data-cache '{cache}' is not a folder (regular file)"),
        ("device", [], "--data-cache '{cache}' is not a folder (character device)"),
        ("dangling", ["--fetch"], "--data-cache '{cache}' is a symbolic link that leads nowhere"),
        ("missing", [], "--data-cache '{cache}' does not exist; fill it once with --fetch"),
        ("not-json", [], "{cache}/{lock}: not valid JSON"),
        ("format", [], "{cache}/{lock}: field 'format': must be one of"),
        ("sha256", [], "field 'files.http://h/a.csv.sha256': must be 64 lower-case hex digits"),
        ("escape", ["--fetch"], "field 'files.http://h/a.csv.file': must be a plain file name"),
        ("url", [], "field 'files.file:///etc/passwd': must be keyed by an http, https or ftp"),
        ("size", [], "field 'files.http://h/a.csv.size': must be an int in the range [0, inf)"),
        ("extra", [], "field 'files.http://h/a.csv.md5': unknown field"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    prepare: str,
    options: list[str],
    message: str,
) -> None:
    marker = tmp_path / "ran"
    path = script(tmp_path, f"open({str(marker)!r}, 'w').write('x')\n")
    cache = tmp_path / "cache"
    entry: dict[str, object] = dict(GOOD_ENTRY)
    lock: dict[str, object] = {"format": data_cache.LOCK_FORMAT, "files": {"http://h/a.csv": entry}}
    if prepare == "file":
        cache.write_text("a file")
    elif prepare == "device":
        cache.symlink_to("/dev/null")
    elif prepare == "dangling":
        cache.symlink_to(tmp_path / "nowhere")
    elif prepare == "not-json":
        _corrupt(cache, '{"format": ')
    elif prepare == "format":
        _corrupt(cache, json.dumps({**lock, "format": "pooch/1"}))
    elif prepare in ("sha256", "escape", "size", "extra", "url"):
        changed: dict[str, dict[str, object]] = {
            "sha256": {"sha256": "ABC"},
            "escape": {"file": "../outside"},
            "size": {"size": -1},
            "extra": {"md5": "0" * 32},
            "url": {},
        }
        entry.update(changed[prepare])
        if prepare == "url":
            lock["files"] = {"file:///etc/passwd": entry}
        _corrupt(cache, json.dumps(lock))
    given = "" if prepare == "empty" else str(cache)
    argv = ["legacy", "run", str(path), "--out", str(tmp_path / "out"), *options]
    if prepare != "none":
        argv += ["--data-cache", given]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1, error
    assert message.format(cache=cache, lock=LOCK) in error, error
    assert not marker.exists()  # no script ran
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written


def test_keras_get_file_and_input_data_are_served_from_the_cache(tmp_path: Path) -> None:
    # Pinned by hand, under TF 1.x's MNIST URLs and a port where nothing listens: the script can
    # only get its data from the cache (without it: not-cached, or a refused connection).
    site = tmp_path / "site"
    write_mnist(site, train=8, test=3)
    (site / "table.csv").write_text("x,y\n1,2\n")
    urls = {input_data.SOURCE_URL + name: name for name in input_data.FILES}
    urls[f"{UNREACHABLE}/data/table.csv"] = "table.csv"
    cache = tmp_path / "cache"
    cache.mkdir()
    pins = {}
    for url, name in urls.items():
        (cache / name).write_bytes((site / name).read_bytes())
        pins[url] = {
            "file": name,
            "sha256": sha256(site / name),
            "size": (site / name).stat().st_size,
        }
    (cache / LOCK).write_text(json.dumps({"format": data_cache.LOCK_FORMAT, "files": pins}))
    path = script(
        tmp_path,
        "import os, sys\n"
        "import tensorflow as tf\n"
        "from tensorflow.examples.tutorials.mnist import input_data\n"
        "mnist = input_data.read_data_sets('MNIST_data', validation_size=2)\n"
        "print(mnist.train.num_examples, mnist.test.labels.tolist())\n"
        "table = tf.keras.utils.get_file('table.csv', origin=sys.argv[1] + '/data/table.csv',\n"
        "                                 cache_dir=os.getcwd())\n"
        "print(open(table).read().strip())\n",
        name="keras_data.py",
    )
    assert run(path, tmp_path / "out", cache, args=(UNREACHABLE,)) == 0
    result = ScriptRun.load(tmp_path / "out")
    labels = write_mnist(tmp_path / "again", train=8, test=3)["t10k"][1].tolist()
    printed = (tmp_path / "out" / "stdout.txt").read_text().splitlines()
    # Keras reports its download (from the cache) on stdout, as it does from the network.
    assert printed[0] == f"6 {labels}" and printed[-2:] == ["x,y", "1,2"], printed
    assert [entry["url"] for entry in result.downloads] == list(urls)
    assert result.compat["data_cache"] == os.path.realpath(cache)
    assert sorted(p.name for p in cache.iterdir()) == sorted([*urls.values(), LOCK])


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_run_stopped_mid_download_leaves_no_scratch_and_nothing_in_the_cache(
    tmp_path: Path, server: Server, signum: int
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    path = script(tmp_path, "import sys, urllib.request\nurllib.request.urlopen(sys.argv[1])\n")
    cache, out = tmp_path / "cache", tmp_path / "out"
    argv = ["legacy", "run", str(path), "--out", str(out), "--data-cache", str(cache), "--fetch"]
    parent = subprocess.Popen(
        [sys.executable, "-m", "tf1repro", *argv, "--", f"{server.base}/stall"],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_signals,
    )
    try:
        assert server.stalled.wait(120), parent.communicate()  # pooch is mid-download
        parent.send_signal(signum)
        # A bound, not a speed claim: the stalled download would hold the run for a minute.
        _, stderr = parent.communicate(timeout=50)
    finally:
        parent.kill()
    assert parent.returncode == 128 + signum and stderr.count("\n") == 1, stderr
    assert not out.exists() and not cache.exists()
    assert list(scratch.iterdir()) == []


def test_the_socket_is_in_the_runs_scratch_folder_unless_that_path_is_too_long(
    tmp_path: Path,
) -> None:
    assert data_cache.socket_address(Path("/tmp/s")) == f"/tmp/s/{data_cache.SOCKET_FILE}"
    deep = tmp_path / ("d" * data_cache.SOCKET_PATH_MAX)
    if sys.platform == "linux":  # Linux's abstract namespace: no path, a random name
        address = data_cache.socket_address(deep)
        assert address.startswith("\0tf1repro-data-cache-") and len(address) < 60
        assert address != data_cache.socket_address(deep)
    else:
        with pytest.raises(files.OutputError, match="set TMPDIR to a shorter folder"):
            data_cache.socket_address(deep)
