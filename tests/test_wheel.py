"""The installed wheel works outside the repository: its data comes as package data.

The real twin of every test that imports `rater` from the checkout: a wheel is built from a
copy of the sources, installed into a fresh virtual environment, and `rater check` runs from
a folder outside the repository on a tune with a blacklisted snippet. Only the built-in
blacklist (package data, read with importlib.resources) can name it. To stay fast and
offline, the fresh venv borrows the dependencies from this one through a `.pth` path entry.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "rater", "blacklists", "soundfonts")


def first_snippet() -> str:
    for line in (REPO / "blacklists" / "abc.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and "\\n" not in line:
            return line
    raise AssertionError("the built-in blacklist has no one-line snippet")


@pytest.mark.slow
def test_installed_wheel_reads_its_blacklist_outside_the_repository(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:  # a copy, so building leaves nothing behind in the checkout
        path = REPO / name
        if path.is_dir():
            shutil.copytree(
                path, src / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(path, src / name)
    assert (src / "rater" / "data" / "blacklists").is_symlink()
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["-w", str(dist), str(src)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("rater-*.whl")
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
        + ["--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "borrowed_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    snippet = first_snippet()
    tune = elsewhere / "tune.abc"
    tune.write_text(f"X:1\nT:Borrowed\nM:4/4\nL:1/8\nK:D\n{snippet}|\ndefg abag|fedc d4|]\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "RATER_CACHE_DIR": str(tmp_path / "c")}
    where = subprocess.run(
        [str(python), "-c", "import rater; print(rater.__file__)"],
        cwd=elsewhere,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), f"rater came from {where}, not the wheel"
    done = subprocess.run(
        [str(venv / "bin" / "rater"), "check", "tune.abc", "--json"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    (line,) = [json.loads(x) for x in done.stdout.splitlines()]
    assert line["ok"] is False and "blacklist" in line["reasons"]
    assert any(snippet.lower() in d for d in line["details"])
    # every module of the checkout ships (a folder without __init__.py would be left out)
    modules = sorted(
        ".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for p in (REPO / "rater").rglob("*.py")
        if p.name != "__main__.py"
    )
    assert "rater.analysis.model.fit" in modules
    code = (
        "import importlib, sys\n"
        "for m in sys.argv[1:]:\n"
        "    f = importlib.import_module(m).__file__\n"
        f"    assert f.startswith({str(venv)!r}), (m, f)\n"
        "print(len(sys.argv) - 1)\n"
    )
    shipped = subprocess.run(
        [str(python), "-c", code, *modules],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shipped.returncode == 0, shipped.stderr
    assert shipped.stdout.strip() == str(len(modules))
    # the team store's migrations are package data: `rater db init` works from the wheel
    latest = subprocess.run(
        [str(python), "-c", "from rater.rating.store import schema; print(schema.LATEST)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    migrations = sorted((REPO / "rater/rating/store/migrations").glob("[0-9]*.sql"))
    assert latest.stdout.strip() == str(int(migrations[-1].name[:4])), latest.stderr
