"""Item 3: an output option never replaces what is there unless it is a regular file.

`export`, `model fit --out` and `model score --csv/--out` ended in `os.replace`: as root,
`--out /dev/stdout` replaced the symlink with a file and `--out /dev/null` replaced the
device with a 15 KB regular file. A device node made here (the null device's numbers),
a FIFO and a symlink to the device stand in for /dev/null and /dev/stdout.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import Inputs
from hostile import one_line_error, rater


def commands(i: Inputs, out: str) -> dict[str, list[str]]:
    score = ["model", "score", str(i.samples), "--model", str(i.model), "--workers", "0"]
    return {
        "export oa": ["export", str(i.journal), "--format", "oa", "--out", out],
        "export trl": ["export", str(i.journal), "--format", "trl", "--out", out],
        "model fit": ["model", "fit", str(i.journal), "--out", out, "--kind", "text"]
        + ["--features", "text", "--workers", "0"],
        "model score --csv": [*score, "--csv", out],
        "model score --out": [*score, "--top", "3", "--out", out],
        "rank --csv": ["rank", str(i.journal), "--csv", out],
        "extract": ["extract", str(i.log), "--out", out],
    }


@pytest.fixture
def device(tmp_path: Path) -> Path:
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root (the reported case was as root)")
    return node


NAMES = list(commands(Inputs(*[Path()] * 5), ""))


@pytest.mark.parametrize("name", NAMES)
def test_a_device_is_refused_and_left_a_device(
    inputs: Inputs, device: Path, tmp_path: Path, name: str
) -> None:
    done = rater(*commands(inputs, str(device))[name], env={"RATER_CACHE_DIR": str(tmp_path)})
    one_line_error(done, f"{device}: is a device, not a file")
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_a_fifo_and_a_symlink_to_a_device_are_refused(
    inputs: Inputs, device: Path, tmp_path: Path
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    stdout = tmp_path / "stdout"
    stdout.symlink_to(device)  # as /dev/stdout -> /proc/self/fd/1
    for out, what in ((fifo, "is a FIFO, not a file"), (stdout, "is a device, not a file")):
        done = rater(*commands(inputs, str(out))["export oa"])
        one_line_error(done, what)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and stdout.is_symlink()


def test_a_regular_file_and_a_symlink_to_one_are_written(inputs: Inputs, tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text("yesterday's export\n")
    link = tmp_path / "link.json"
    link.symlink_to(old)
    for out in (old, link, tmp_path / "new" / "labels.json"):
        done = rater(*commands(inputs, str(out))["export oa"])
        assert done.returncode == 0, done.stderr
    assert link.is_symlink() and old.read_text().startswith("[")  # written through the link
    assert (tmp_path / "new" / "labels.json").read_text().startswith("[")
