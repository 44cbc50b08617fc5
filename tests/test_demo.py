"""demo: deterministic, cached, readable, and a mix of ok and broken tunes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rater.core.checks import default_settings, text_verdict
from rater.core.corpus import read_samples
from rater.core.demo import demo_corpus


@pytest.mark.slow
def test_demo_is_deterministic_cached_and_mixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = demo_corpus(tmp_path / "one")
    second = demo_corpus(tmp_path / "two")
    assert first.read_bytes() == second.read_bytes()

    mtime = first.stat().st_mtime_ns
    assert demo_corpus(tmp_path / "one") == first and first.stat().st_mtime_ns == mtime

    monkeypatch.setenv("RATER_CACHE_DIR", str(tmp_path / "cache"))
    cached = demo_corpus()
    assert cached.parent == tmp_path / "cache" / "demo"
    assert cached.read_bytes() == first.read_bytes()

    samples = read_samples([str(first)])
    assert 70 <= len(samples) <= 80
    assert all(s.title.startswith("Demo tune ") for s in samples)
    origins = json.loads((first.parent / "origins.json").read_text())
    assert {s.id for s in samples} <= set(origins)
    assert not any("markov" in s.text.lower() or "neill" in s.text.lower() for s in samples)

    settings = default_settings()
    verdicts = {s.id: text_verdict(s, settings) for s in samples}
    real = [i for i in verdicts if "markov" not in origins[i]]
    assert len(real) >= 35 and all(verdicts[i].ok for i in real)
    broken = [v for v in verdicts.values() if not v.ok]
    assert len(broken) >= 3
    assert all("markov" in origins[v.sample_id] for v in broken)


def test_an_unwritable_cache_still_gives_the_demo(tmp_path: Path, monkeypatch) -> None:
    """The corpus goes to the private temporary folder instead (no traceback from
    `rater demo`), the same bytes, and nothing half-written is left anywhere."""
    reference = demo_corpus(tmp_path / "ref")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("RATER_CACHE_DIR", str(blocker / "cache"))
    path = demo_corpus()
    from rater.core import scratch

    assert path.parent == scratch.private_dir() / "demo"
    assert path.read_bytes() == reference.read_bytes()
    assert sorted(p.name for p in path.parent.iterdir()) == ["demo-v2.abc", "origins.json"]
