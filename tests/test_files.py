"""The one reader and the one writer (tf1repro.files) and the signal wrapper (tf1repro.signals).

Every refusal is an ``InputError`` / ``OutputError`` whose one line names the path and what is
wrong. The atomicity tests kill a child process (SIGKILL) right after each file-system call of
the writer, for every call in turn, and check that the folder then holds one whole set.

This suite may run as root: no test hands a real device to the writer. Devices, FIFOs, sockets
and links are made in tmp_path, and a test that points at a system path (``/dev/null``) only
ever calls the checks, which refuse before anything is created.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import default_signals, run_python

from tf1repro import files
from tf1repro.cli import main
from tf1repro.files import InputError, OutputError, publishing
from tf1repro.files.leftovers import beside
from tools.matrix.cli import main as matrix_main

# The tests stand in for the one-step exchange in the module that calls it, and the kill tests
# load that module from its file.
PUBLISHING_SOURCE = Path(publishing.__file__)
SCRATCH_NAMES = ("tf1repro-tmp-", "tf1repro-stage-", "tf1repro-old-", "tf1repro-scratch-")


def one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text
    return text


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def leftovers(*folders: Path) -> list[str]:
    """Every file or folder of the writer's scratch naming under ``folders``."""
    found = []
    for folder in folders:
        for _root, dirs, names in os.walk(folder):
            found += [n for n in dirs + names if any(part in n for part in SCRATCH_NAMES)]
    return found


def test_the_file_layer_imports_neither_numpy_nor_tensorflow() -> None:
    # Commands that only read or write files load fast, and the kill tests' children too.
    probe = "import sys, tf1repro.files; print(sorted({'numpy', 'tensorflow'} & set(sys.modules)))"
    result = run_python("-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------
# Reader


@pytest.mark.quick
def test_reader_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "b.json"
    os.mkfifo(fifo)
    result: list[BaseException] = []
    # No writer ever opens the FIFO: a reader that opened it blocking would never return.
    reader = threading.Thread(target=lambda: result.append(_error(files.read_json, fifo)))
    reader.start()
    reader.join(timeout=60)
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert one_line(result[0]) == f"{fifo}: not a regular file (FIFO)"


def _error(function: object, *args: object) -> BaseException:
    try:
        function(*args)  # type: ignore[operator]
    except InputError as error:
        return error
    raise AssertionError("no InputError")


def test_reader_checks_the_open_file_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A regular file swapped for a FIFO between the check and the open: refused, not blocked on.
    fifo = tmp_path / "swapped.json"
    os.mkfifo(fifo)
    real_stat = os.stat
    regular = real_stat(__file__)
    monkeypatch.setattr(
        os, "stat", lambda path, **kw: regular if path == fifo else real_stat(path, **kw)
    )
    with pytest.raises(InputError, match=r"not a regular file \(FIFO\)"):
        files.read_bytes(fifo)


@pytest.mark.quick
@pytest.mark.parametrize(
    ("path", "kind"),
    [("/dev/zero", "character device"), ("/dev/null", "character device"), ("/", "folder")],
)
def test_reader_refuses_devices_and_folders(path: str, kind: str) -> None:
    with pytest.raises(InputError) as caught:
        files.read_bytes(path)
    assert one_line(caught.value) == f"{path}: not a regular file ({kind})"
    assert caught.value.path == path and caught.value.field is None


def test_reader_refuses_a_folder_named_like_a_file(tmp_path: Path) -> None:
    (tmp_path / "x.json").mkdir()
    with pytest.raises(InputError, match=r"x\.json: not a regular file \(folder\)$"):
        files.read_json(tmp_path / "x.json")


def test_reader_refuses_a_socket(tmp_path: Path) -> None:
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(InputError, match=r"not a regular file \(socket\)"):
            files.read_bytes(path)


@pytest.mark.quick
def test_reader_limits_the_size(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b"1" * 101)
    assert files.read_bytes(path, limit=101) == b"1" * 101
    with pytest.raises(InputError, match=r"big\.json: larger than 100 bytes \(101 bytes\)$"):
        files.read_bytes(path, limit=100)


def test_reader_limits_files_that_report_no_size() -> None:
    # /proc files are regular with st_size 0; the limit still holds on what is actually read.
    status = Path("/proc/self/status")
    assert status.stat().st_size == 0
    with pytest.raises(InputError, match=r"status: larger than 10 bytes$"):
        files.read_bytes(status, limit=10)


def test_reader_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        files.read_text(tmp_path / "none.json")
    assert (
        one_line(caught.value)
        == f"{tmp_path / 'none.json'}: cannot be read: No such file or directory"
    )


@pytest.mark.quick
def test_reader_refuses_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bin.json"
    path.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(InputError, match=r"not UTF-8 text: invalid byte 0xff at offset 7$"):
        files.read_json(path)


@pytest.mark.quick
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"loss": [1.0, NaN]}', "not strict JSON: NaN is not a JSON number at line 1 column 16"),
        ('{"a":\n Infinity}', "not strict JSON: Infinity is not a JSON number at line 2 column 2"),
        ("[-Infinity]", "not strict JSON: -Infinity is not a JSON number at line 1 column 2"),
        ("[1e999]", "not strict JSON: 1e999 is too large for a float"),
        # No exponent of 3 digits: 210 digits before the point overflow with e99.
        ("[" + "9" * 210 + "e99]", "not strict JSON: " + "9" * 210 + "e99 is too large"),
        ("[" + "1" * 400 + ".5]", "not strict JSON: " + "1" * 400 + ".5 is too large"),
        ('{"a": 1, "a": 2}', "not strict JSON: duplicate key 'a'"),
        ('{"a": [1, 2', "not valid JSON: Expecting ',' delimiter at line 1 column 12"),
        ("", "empty, not JSON"),
        (" \n", "empty, not JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested deeper than 64 levels (line 1)"),
        ("{" * 100_000, "nested deeper than 64 levels (line 1)"),
        ("1" * 5000, "not valid JSON: Exceeds the limit (4300 digits)"),
    ],
)
def test_strict_json_refusals(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        files.read_json(path)
    assert one_line(caught.value).startswith(f"{path}: {message}")


def test_strict_json_reads_the_largest_numbers_and_underflow_as_python_does() -> None:
    # Just under the float range without a 3-digit exponent (the reader's fast path), and
    # with one (its checked path); an underflow is 0.0 as in Python.
    text = "[" + "9" * 209 + "e99, 1.7976931348623157e308, 1e-400, -0.0, 0.1]"
    read = files.loads_json(text, source="t")
    assert read == json.loads(text) == [1e308, 1.7976931348623157e308, 0.0, 0.0, 0.1]
    assert str(read[3]) == "-0.0"


def test_strict_json_accepts_lookalikes_inside_strings() -> None:
    text = json.dumps({"note": "NaN Infinity " + "[" * 1000, "x": [1.5, -2, None, True]})
    assert files.loads_json(text, source="t") == json.loads(text)
    assert files.loads_json("[" * 64 + "]" * 64, source="t") is not None


@pytest.mark.quick
def test_dumps_json_is_strict_and_stable() -> None:
    assert (
        files.dumps_json({"b": [1, 2.5], "a": "é"})
        == '{\n "b": [\n  1,\n  2.5\n ],\n "a": "\\u00e9"\n}\n'
    )
    with pytest.raises(ValueError):
        files.dumps_json({"loss": float("nan")})


def test_fields_name_the_dotted_field() -> None:
    data = {"config": {"steps": "x", "rate": 0.1}, "runs": [{"seed": 1}, {"seed": 2}, {"seed": -1}]}
    fields = files.Fields(data, "run_batch.json")
    with pytest.raises(InputError) as caught:
        fields.obj("config").integer("steps", low=1)
    assert (
        str(caught.value)
        == "run_batch.json: field 'config.steps': must be an int in the range [1, inf), got \"x\""
    )
    assert caught.value.field == "config.steps" and caught.value.path == "run_batch.json"
    with pytest.raises(
        InputError, match=r"field 'runs\[2\]\.seed': must be an int in the range \[0, 9\], got -1$"
    ):
        [run.integer("seed", low=0, high=9) for run in fields.objs("runs")]
    assert fields.obj("config").number("rate") == 0.1
    with pytest.raises(InputError, match=r"field 'config\.lr': missing$"):
        fields.obj("config").number("lr")
    with pytest.raises(
        InputError, match=r"field 'config\.rate': unknown field \(allowed: steps\)$"
    ):
        fields.obj("config").only("steps")
    with pytest.raises(InputError, match=r"field 'runs': must be a string, got \[\{\"seed\""):
        fields.string("runs")
    with pytest.raises(InputError, match=r"^a\.json: must be a JSON object, got a list$"):
        files.Fields([], "a.json")
    with pytest.raises(InputError, match=r"^a\.json: must be a JSON object, got null$"):
        files.Fields(None, "a.json")
    flag = files.Fields({"on": 1}, "f.json")
    with pytest.raises(InputError, match="must be true or false, got 1"):
        flag.boolean("on")
    assert files.Fields({"n": True}, "f").get("n", bool) is True
    with pytest.raises(InputError, match=r"must be an int in the range \[0, inf\), got true$"):
        files.Fields({"n": True}, "f").integer("n", low=0)
    # An int too large for a float is one line too, not an OverflowError.
    with pytest.raises(InputError, match=r"field 'n': must be a finite float, got 1000000000"):
        files.Fields({"n": 10**400}, "f").number("n")
    with pytest.raises(InputError, match=r"field 'k': must be one of 'a', 'b', got \"c\"$"):
        files.Fields({"k": "c"}, "f").string("k", choices=["a", "b"])


# ---------------------------------------------------------------------------------------------
# Writer: checks


def make_device(path: Path) -> Path:
    """A character device node like /dev/null (1, 3) in tmp_path when root, else a FIFO: both
    are special files the writer must refuse, and replacing them by mistake harms nothing."""
    if os.geteuid() == 0:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    else:
        os.mkfifo(path)
    return path


def test_system_device_is_refused_by_the_check() -> None:
    # Only the check: it refuses before it creates anything.
    with pytest.raises(OutputError) as caught:
        files.check_output_file("/dev/null", option="--out")
    assert one_line(caught.value) == "--out '/dev/null' is not a regular file (character device)"
    assert caught.value.option == "--out" and caught.value.path == "/dev/null"
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
    with pytest.raises(
        OutputError, match=r"^--out '/dev/null' is not a folder \(character device\)$"
    ):
        files.check_output_folder("/dev/null", option="--out")


def test_writer_refuses_special_files(tmp_path: Path) -> None:
    device = make_device(tmp_path / "dev")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in (device, fifo, tmp_path):
        kind = {device: "character device" if os.geteuid() == 0 else "FIFO", fifo: "FIFO"}.get(
            path, "folder"
        )
        with pytest.raises(OutputError, match=rf"is not a regular file \({kind}\)$"):
            files.write_file(path, b"data", option="--out")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and not stat.S_ISREG(os.lstat(device).st_mode)
    assert leftovers(tmp_path) == []


@pytest.mark.quick
def test_writer_refuses_links_and_leaves_their_targets_alone(tmp_path: Path) -> None:
    pointed = tmp_path / "precious.txt"
    pointed.write_text("keep me")
    link, dangling, loop_a, loop_b = (tmp_path / n for n in ("link", "dangling", "la", "lb"))
    link.symlink_to(pointed)
    dangling.symlink_to(tmp_path / "nowhere")
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    for path in (link, dangling, loop_a):
        with pytest.raises(OutputError) as caught:
            files.write_file(path, b"new", option="--out")
        assert one_line(caught.value).endswith(
            "is a symbolic link; tf1repro does not replace links"
        )
        assert os.path.islink(path)
    assert pointed.read_text() == "keep me" and not (tmp_path / "nowhere").exists()
    with pytest.raises(
        OutputError, match=r"cannot be created: .*la: Too many levels of symbolic links$"
    ):
        files.check_output_file(loop_a / "x.json", option="--out")
    with pytest.raises(OutputError, match=r"cannot be created: .*dangling is a dangling link"):
        files.check_output_file(dangling / "x.json", option="--out")
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.quick
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "--out '' is empty; name a file or folder"),
        ("a" * 256, "has a name longer than 255 bytes"),
        ("blocker/x.json", "cannot be created: {tmp}/blocker is a regular file"),
        ("blocker/deeper/x.json", "cannot be created: {tmp}/blocker is a regular file"),
        (".", "is a folder; name a file"),
        ("protected.txt", "is write-protected"),
    ],
)
def test_writer_refuses_bad_paths(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "blocker").write_text("a file")
    (tmp_path / "protected.txt").write_text("read only")
    (tmp_path / "protected.txt").chmod(0o444)
    path = name if name == "" else str(tmp_path / name) if name != "." else str(tmp_path) + "/."
    with pytest.raises(OutputError) as caught:
        files.write_file(path, b"x", option="--out")
    assert message.format(tmp=tmp_path) in one_line(caught.value)
    assert (tmp_path / "protected.txt").read_text() == "read only"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "protected.txt"]


def test_check_creates_nothing_and_sees_free_space(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.json"
    assert files.check_output_file(target, option="--out") == target
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(
        OutputError, match=r"cannot be written: \d+ bytes free in .*, about \d+ needed"
    ):
        files.check_output_file(target, option="--out", expected_bytes=1 << 62)


@pytest.mark.quick
def test_write_file_writes_atomically_with_plain_permissions(
    tmp_path: Path, umask_022: None
) -> None:
    os.umask(0o027)
    target = tmp_path / "new" / "out.json"
    assert files.write_file(target, b"one", option="--out") == target
    assert target.read_bytes() == b"one"
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~0o027
    files.write_file(target, b"two", option="--out")
    assert target.read_bytes() == b"two"
    assert leftovers(tmp_path) == []


def test_copy_file_copies_atomically_with_plain_permissions(
    tmp_path: Path, umask_022: None
) -> None:
    os.umask(0o027)
    source = tmp_path / "download"
    source.write_bytes(bytes(range(256)) * 4099)  # more than one copy buffer
    target = tmp_path / "cache" / "data.bin"
    assert files.copy_file(source, target, option="--data-cache") == target
    assert target.read_bytes() == source.read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~0o027
    assert leftovers(tmp_path / "cache") == []
    link = tmp_path / "cache" / "link.bin"
    link.symlink_to(source)
    with pytest.raises(OutputError, match="symbolic link"):
        files.copy_file(source, link, option="--data-cache")
    assert link.is_symlink() and source.read_bytes()[:4] == bytes(range(4))


def test_write_file_turns_a_write_failure_into_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    target = tmp_path / "out.json"
    with pytest.raises(OutputError) as caught:
        files.write_file(target, b"x", option="--out")
    assert one_line(caught.value) == f"--out '{target}' cannot be written: No space left on device"
    assert list(tmp_path.iterdir()) == []


def test_checks_remove_stale_temporaries_of_dead_writers(tmp_path: Path) -> None:
    dead = _dead_pid()
    stale = [
        tmp_path / f".tf1repro-tmp-{dead}-abcd",
        tmp_path / f".out.tf1repro-stage-{dead}-abcd",
    ]
    stale[0].write_text("half")
    stale[1].mkdir()
    (stale[1] / "study.md").write_text("half")
    live = tmp_path / f".tf1repro-tmp-{os.getpid()}-beef"
    live.write_text("mine, in use")
    not_ours = tmp_path / ".tf1repro-tmp-notapid"
    not_ours.write_text("user's")
    files.check_output_file(tmp_path / "x.json", option="--out")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, not_ours.name])


# A name over 200 bytes is cut (with a hash) in the moved-aside folder's name: only the check
# of that very folder knows it is its own.
@pytest.mark.parametrize("name", ["out", "o" * 230])
def test_an_interrupted_two_rename_swap_is_put_back(tmp_path: Path, name: str) -> None:
    aside = beside(tmp_path / name, "old", f"{_dead_pid()}-abcd")
    aside.mkdir()
    (aside / "study.md").write_text("old set")
    files.check_output_folder(tmp_path / name, option="--out")
    assert (tmp_path / name / "study.md").read_text() == "old set"
    assert leftovers(tmp_path) == []


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# ---------------------------------------------------------------------------------------------
# Writer: publishing a set


def folder_state(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative name -> text), the manifest included."""
    return {
        str(path.relative_to(folder)): path.read_text()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.quick
def test_publish_replaces_the_set_and_keeps_the_users_files(
    tmp_path: Path, umask_022: None
) -> None:
    out = tmp_path / "out"
    files.publish(
        out, {"a.md": b"old a", "b.png": b"old b", "sub/c.json": b"old c"}, option="--out"
    )
    (out / "notes.txt").write_text("mine")
    (out / "sub" / "mine.txt").write_text("mine too")
    (out / "link").symlink_to("notes.txt")
    notes_inode = (out / "notes.txt").stat().st_ino
    out.chmod(0o750)

    paths = files.publish(out, {"a.md": b"new a", "d.txt": b"new d"}, option="--out")

    assert paths == [out / "a.md", out / "d.txt"]
    state = folder_state(out)
    manifest = json.loads(state.pop(files.MANIFEST))
    assert manifest == {"format": "tf1repro.set/1", "files": ["a.md", "d.txt"]}
    # b.png and sub/c.json were tf1repro's and are not in the new set: gone.
    assert state == {
        "a.md": "new a",
        "d.txt": "new d",
        "notes.txt": "mine",
        "sub/mine.txt": "mine too",
        "link": "mine",
    }
    assert os.readlink(out / "link") == "notes.txt"
    assert (out / "notes.txt").stat().st_ino == notes_inode  # carried over as a hard link
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert stat.S_IMODE((out / "d.txt").stat().st_mode) == 0o644
    assert leftovers(tmp_path) == []


def test_publish_through_a_link_to_a_folder(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "alias").symlink_to(real)
    assert files.check_output_folder(tmp_path / "alias", option="--out", names=["a"]) == real
    files.publish(tmp_path / "alias", {"a": b"1"}, option="--out")
    assert os.path.islink(tmp_path / "alias") and (real / "a").read_text() == "1"


@pytest.mark.quick
def test_publish_refuses_what_it_cannot_keep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    (out / "project").mkdir(parents=True)
    with pytest.raises(OutputError) as caught:
        files.check_output_folder(out, option="--out", names=["a.md"])
    assert one_line(caught.value) == (
        f"--out '{out}' holds 'project' (folder), which is not one of tf1repro's outputs; "
        "publish into a folder of its own"
    )
    (out / "project").rmdir()
    os.mkfifo(out / "a.md")
    with pytest.raises(OutputError, match=r"a\.md' is not a regular file \(FIFO\)$"):
        files.publish(out, {"a.md": b"x"}, option="--out")
    (out / "a.md").unlink()
    (out / "a.md").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OutputError, match="is a symbolic link"):
        files.publish(out, {"a.md": b"x"}, option="--out")
    (out / "a.md").unlink()
    monkeypatch.chdir(out)
    with pytest.raises(OutputError, match="is the current folder or holds it"):
        files.check_output_folder(".", option="--out")
    with pytest.raises(OutputError, match="is the current folder or holds it"):
        files.check_output_folder(tmp_path, option="--out")
    assert os.listdir(out) == [] and leftovers(tmp_path) == []
    with pytest.raises(OutputError, match=r"^--out '' is empty"):
        files.publish("", {"a": b""}, option="--out")


def test_the_exchange_swaps_two_folders_in_one_step(tmp_path: Path) -> None:
    # The atomic path of publish is available here (Linux, this file system): the kill tests
    # below then exercise it, not the two-rename fallback.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "in_a").write_text("")
    publishing._rename_exchange(tmp_path / "a", tmp_path / "b")
    assert os.listdir(tmp_path / "b") == ["in_a"] and os.listdir(tmp_path / "a") == []


def test_publish_without_the_exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unsupported(a: Path, b: Path) -> None:
        raise OSError(errno.EINVAL, "not here")

    monkeypatch.setattr(publishing, "_rename_exchange", unsupported)
    out = tmp_path / "out"
    files.publish(out, {"a": b"1"}, option="--out")
    files.publish(out, {"a": b"2"}, option="--out")
    assert folder_state(out)["a"] == "2" and leftovers(tmp_path) == []


@pytest.mark.quick
def test_a_failure_between_the_two_renames_puts_the_old_set_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unsupported(a: Path, b: Path) -> None:
        raise OSError(errno.EINVAL, "not here")

    out = tmp_path / "out"
    files.publish(out, {"a": b"old"}, option="--out")
    monkeypatch.setattr(publishing, "_rename_exchange", unsupported)
    real_rename = os.rename

    def failing_second(source: str | Path, destination: str | Path) -> None:
        if ".tf1repro-stage-" in str(source):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_rename(source, destination)

    monkeypatch.setattr(os, "rename", failing_second)
    with pytest.raises(OutputError, match=r"cannot be written: Input/output error$"):
        files.publish(out, {"a": b"new"}, option="--out")
    assert folder_state(out)["a"] == "old" and leftovers(tmp_path) == []


# A child that runs one write and SIGKILLs itself right after its N-th file-system call.
# The publishing module is loaded from its file alone (its siblings from the same tree), so
# that a child starts in milliseconds: nothing but the file layer is imported.
KILLER = r"""
import errno, importlib.util, json, os, signal, sys
from pathlib import Path
source = Path(sys.argv[1])
sys.path.insert(0, str(source.parents[2]))
spec = importlib.util.spec_from_file_location("tf1repro_publishing", source)
publishing = importlib.util.module_from_spec(spec)
spec.loader.exec_module(publishing)
assert not {"numpy", "tensorflow"} & set(sys.modules)
kill_at, action, target, payload, exchange = (
    int(sys.argv[2]), sys.argv[3], sys.argv[4], json.loads(sys.argv[5]), sys.argv[6])
calls = 0

def counted(function):
    def wrapper(*args, **kwargs):
        global calls
        result = function(*args, **kwargs)
        calls += 1
        if calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    return wrapper

def unsupported(a, b):
    raise OSError(errno.EINVAL, "no exchange here")

for name in ("fsync", "replace", "rename", "link", "unlink", "rmdir", "mkdir", "symlink"):
    setattr(os, name, counted(getattr(os, name)))
publishing._rename_exchange = (
    counted(publishing._rename_exchange) if exchange == "yes" else unsupported)
if action == "publish":
    publishing.publish(target, {k: v.encode() for k, v in payload.items()}, option="--out")
else:
    publishing.write_file(target, payload.encode(), option="--out")
print(calls)
"""


def run_killed(
    kill_at: int, action: str, target: Path, payload: object, exchange: str
) -> int | None:
    """Run the write in a child killed after call ``kill_at``; the number of calls if it ended."""
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            KILLER,
            str(PUBLISHING_SOURCE),
            str(kill_at),
            action,
            str(target),
            json.dumps(payload),
            exchange,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if child.returncode == -signal.SIGKILL:
        return None
    assert child.returncode == 0, child.stderr
    return int(child.stdout)


OLD_SET = {"study.md": "old table", "study.png": "old plot", "runs/a.json": "old run"}
NEW_SET = {"study.md": "new table", "study.json": "new figures", "runs/a.json": "new run"}


@pytest.mark.parametrize("exchange", ["yes", "no"])
def test_a_kill_at_any_call_leaves_the_old_set_or_the_new(tmp_path: Path, exchange: str) -> None:
    outcomes = set()
    for kill_at in range(1, 200):
        base = tmp_path / str(kill_at)
        out = base / "out"
        files.publish(out, {k: v.encode() for k, v in OLD_SET.items()}, option="--out")
        (out / "notes.txt").write_text("the user's")
        ended = run_killed(kill_at, "publish", out, NEW_SET, exchange)
        if exchange == "no":
            # The two-rename swap may leave the target missing; any check puts it back.
            files.check_output_folder(out, option="--out")
        state = folder_state(out)
        manifest = json.loads(state.pop(files.MANIFEST))
        assert state.pop("notes.txt") == "the user's", kill_at
        assert state in (OLD_SET, NEW_SET), (kill_at, state)
        assert manifest["files"] == sorted(state), kill_at
        outcomes.add("new" if state == NEW_SET else "old")
        # The next run's check removes whatever the killed one left.
        files.check_output_folder(out, option="--out", names=list(NEW_SET))
        assert leftovers(base) == [], kill_at
        if ended is not None:
            assert ended == kill_at - 1 and state == NEW_SET
            break
    else:
        raise AssertionError("the publish never ran to its end")
    assert outcomes == {"old", "new"}
    assert kill_at > 10  # every step of the write was a kill point


def test_a_kill_at_any_call_of_write_file_leaves_one_whole_file(tmp_path: Path) -> None:
    for kill_at in range(1, 50):
        base = tmp_path / str(kill_at)
        base.mkdir()
        target = base / "result.json"
        target.write_text("old")
        ended = run_killed(kill_at, "write", target, "new", "yes")
        assert target.read_text() in ("old", "new"), kill_at
        files.check_output_file(target, option="--out")
        assert os.listdir(base) == ["result.json"], kill_at
        if ended is not None:
            assert target.read_text() == "new"
            break
    else:
        raise AssertionError("the write never ran to its end")
    assert kill_at > 2


# ---------------------------------------------------------------------------------------------
# Scratch folders and signals


@pytest.mark.quick
def test_scratch_dir_is_removed_even_on_an_interrupt() -> None:
    with pytest.raises(KeyboardInterrupt), files.scratch_dir("test") as scratch:
        (scratch / "events").write_text("x")
        raise KeyboardInterrupt
    assert not scratch.exists()
    assert scratch.name.startswith(f"tf1repro-scratch-test-{os.getpid()}-")


def test_scratch_dir_removes_those_of_killed_processes() -> None:
    stale = Path(tempfile.gettempdir()) / f"tf1repro-scratch-legacy-{_dead_pid()}-abcd"
    stale.mkdir()
    (stale / "run.json").write_text("{}")
    with files.scratch_dir("test"):
        assert not stale.exists()


# A CLI-like child: the real tf1repro.cli.main, with one subcommand that works in a scratch
# folder until it is stopped.
WORKER = r"""
import sys, time
from tf1repro import cli, files

def build_parser():
    parser = cli.Parser(prog="tf1repro")
    commands = parser.add_subparsers(dest="command", required=True)
    work = commands.add_parser("work")
    work.set_defaults(handler=handle)
    return parser

def handle(args):
    with files.scratch_dir("work") as scratch:
        print(scratch, flush=True)
        while True:
            time.sleep(0.01)

cli.build_parser = build_parser
sys.exit(cli.main(["work"]))
"""


@pytest.mark.quick
@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGHUP, 129)]
)
def test_a_stopped_command_prints_one_line_and_cleans_up(signum: int, code: int) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", WORKER],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_signals,
    )
    assert child.stdout is not None and child.stderr is not None
    scratch = Path(child.stdout.readline().strip())
    assert scratch.is_dir()
    child.send_signal(signum)
    assert child.wait(timeout=60) == code
    assert child.stderr.read() == "tf1repro work: interrupted\n"
    assert not scratch.exists()


# TensorFlow's stderr, captured while it runs, is replayed when the run fails, not when the
# user stops it.
QUIET_STOP = r"""
import os, sys
from tf1repro import runtime
runtime.configure(verbose=False)
try:
    with runtime._quiet_stderr():
        os.write(2, b"a notice of TensorFlow's\n")
        raise KeyboardInterrupt if sys.argv[1] == "stop" else RuntimeError
except BaseException:
    print("tf1repro x: ended", file=sys.stderr)
"""


@pytest.mark.parametrize(("how", "replayed"), [("stop", False), ("error", True)])
def test_a_stopped_run_does_not_replay_tensorflows_notices(how: str, replayed: bool) -> None:
    child = subprocess.run(
        [sys.executable, "-c", QUIET_STOP, how], capture_output=True, text=True, check=True
    )
    notice = "a notice of TensorFlow's\n"
    assert child.stderr == (notice if replayed else "") + "tf1repro x: ended\n"


@pytest.mark.quick
def test_signals_ignored_at_start_stay_ignored() -> None:
    from tf1repro import signals

    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with signals.interruptible():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN)
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)


# ---------------------------------------------------------------------------------------------
# The commands switched to the reader and the writer


def test_matrix_report_refuses_bad_inputs_and_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "r.json"
    os.mkfifo(fifo)
    assert matrix_main(["report", str(fifo)]) == 2
    assert (
        capsys.readouterr().err
        == f"python -m tools.matrix: error: {fifo}: not a regular file (FIFO)\n"
    )

    good = tmp_path / "good"
    good.mkdir()
    record = {
        "format": "tf1repro.matrix/1",
        "release": "2.21",
        "date": "d",
        "outcome": "passed",
        "versions": {"tensorflow": "2.21.0", "numpy": "2", "keras": "3", "python": "3.11"},
        "import_seconds": 1.0,
        "seconds": 2.0,
        "warnings": [],
        "checks": {
            "replay": {
                "outcome": "passed",
                "passed": "3",
                "failed": 0,
                "skipped": 0,
                "figures": {},
                "failures": [],
            }
        },
    }
    (good / "bad.json").write_text(json.dumps(record))
    assert matrix_main(["report", str(good)]) == 2
    assert capsys.readouterr().err == (
        f"python -m tools.matrix: error: {good / 'bad.json'}: field 'checks.replay.passed': "
        'must be an int in the range [0, inf), got "3"\n'
    )
    record["checks"]["replay"]["passed"] = 3  # type: ignore[index]
    (good / "bad.json").write_text(json.dumps(record))

    device = make_device(tmp_path / "null")
    link = tmp_path / "link.md"
    link.symlink_to(tmp_path / "elsewhere.md")
    for out in (device, link, tmp_path, tmp_path / "loop" / "x.md"):
        if out.name == "x.md":
            (tmp_path / "loop").symlink_to(tmp_path / "loop")
        assert matrix_main(["report", str(good), "--out", str(out)]) == 2
        captured = capsys.readouterr()
        assert captured.err.count("\n") == 1 and captured.err.startswith(
            f"python -m tools.matrix: error: --out '{out}' "
        )
        assert captured.out == ""  # refused before the page was rendered
    assert not stat.S_ISREG(os.lstat(device).st_mode) and os.path.islink(link)
    assert not (tmp_path / "elsewhere.md").exists()

    assert matrix_main(["report", str(good), "--out", str(tmp_path / "page.md")]) == 0
    assert (tmp_path / "page.md").read_text() == capsys.readouterr().out


def test_matrix_run_refuses_a_path_for_a_release(capsys: pytest.CaptureFixture[str]) -> None:
    assert matrix_main(["run", "--release", "../../x"]) == 2
    assert "--release must be a label" in capsys.readouterr().err


def test_matrix_run_refuses_an_empty_out_rather_than_take_the_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Before any test of the suite runs (an empty --out once ran it and wrote the default).
    assert matrix_main(["run", "--out", ""]) == 2
    assert capsys.readouterr().err == (
        "python -m tools.matrix: error: --out '' is empty; name a file or folder\n"
    )


def test_legacy_diff_reads_through_the_reader(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "a.txt"
    os.mkfifo(fifo)
    assert main(["legacy", "diff", str(fifo), "/dev/zero"]) == 2
    assert (
        capsys.readouterr().err
        == f"tf1repro legacy: error: RUN_A '{fifo}': not a regular file (FIFO)\n"
    )
    log = tmp_path / "b.txt"
    log.write_bytes(b"loss 1.5 \xff\n")
    assert main(["legacy", "diff", str(log), str(log)]) == 0
    assert capsys.readouterr().out.startswith("identical: 1 lines, 1 numbers")
