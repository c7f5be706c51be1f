"""The public Python API: same values as the CLI, nothing touched on disk, clean exports."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import kinechain
from conftest import shared
from kinechain.io import read_c3d
from kinechain.io._results import angles_csv, write_results
from kinechain.report._svg import _nice_ticks


def test_exported_members() -> None:
    """``__all__`` lists exactly the public names (subpackages aside)."""
    import inspect

    public = sorted(
        n
        for n in dir(kinechain)
        if not n.startswith("_") and not inspect.ismodule(getattr(kinechain, n))
    )
    assert sorted(set(kinechain.__all__) - {"__version__"}) == public


@pytest.fixture(scope="module")
def hc032(hc032_walk_raw: Path, hc032_static_raw: Path) -> kinechain.Analysis:
    return kinechain.analyze(read_c3d(hc032_walk_raw), read_c3d(hc032_static_raw), flat_foot=True)


def test_analyze_is_pure_and_complete(hc032: kinechain.Analysis, tmp_path: Path) -> None:
    assert hc032.model == "plug_in_gait"
    assert hc032.time.shape == hc032.angles["left_knee_flexion"].shape == (211,)
    metrics = hc032.metrics()
    json.dumps(metrics, allow_nan=True)  # JSON-ready
    assert set(metrics["chain"]) >= {"left", "right"}
    # cycles: every stride normalised to 101 points
    for side in ("left", "right"):
        curves = hc032.cycles[side]["ankle_dorsiflexion"]
        assert curves.ndim == 2 and curves.shape[1] == 101 and curves.shape[0] >= 1


def test_api_and_written_files_agree(hc032: kinechain.Analysis, tmp_path: Path) -> None:
    out = write_results(hc032, tmp_path / "r", report=False)
    assert (out / "angles.csv").read_text() == angles_csv(hc032)
    written = json.loads((out / "metrics.json").read_text())
    peak = hc032.metrics()["chain"]["right"]["peak_stance_dorsiflexion"]["mean"]
    assert written["chain"]["right"]["peak_stance_dorsiflexion"]["mean"] == pytest.approx(peak)


def test_failed_write_leaves_nothing(
    hc032: kinechain.Analysis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kinechain.report

    def boom(_: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(kinechain.report, "render_report", boom)
    with pytest.raises(RuntimeError):
        write_results(hc032, tmp_path / "r")
    assert list(tmp_path.iterdir()) == []


def test_overwrite_replaces_the_folder_whole(hc032: kinechain.Analysis, tmp_path: Path) -> None:
    target = tmp_path / "r"
    target.mkdir()
    (target / "old.txt").write_text("old")
    write_results(hc032, target, report=False, overwrite=True)
    assert sorted(p.name for p in target.iterdir()) == ["angles.csv", "events.csv", "metrics.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["r"]


def test_report_is_self_contained(hc032: kinechain.Analysis) -> None:
    from kinechain.report import render_report

    html = render_report(hc032)
    for section in ("Kinetic chain", "Spatiotemporal", "Joint angles", "Gait events"):
        assert section in html
    assert html.count("<svg") >= 8
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "<script" not in html


def test_nice_ticks_worked_examples() -> None:
    # span 53 / 5 = 10.6 → the next 1-2-5 step is 20; ticks inside [-12, 41]
    assert _nice_ticks(-12.0, 41.0) == [0.0, 20.0, 40.0]
    # span 1 / 5 = 0.2 → step 0.2
    assert _nice_ticks(0.0, 1.0) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert _nice_ticks(-3.0, 7.0) == [-2.0, 0.0, 2.0, 4.0, 6.0]


def test_file_events_are_used_when_present() -> None:
    """With the original file, the EVENT group's four events come through as 'file'."""
    trial = read_c3d(shared("c3d", "biomechzoo", "HC032A03.c3d"))
    res = kinechain.analyze(trial)
    file_events = sorted(e.time_s for e in res.events if e.source == "file")
    assert file_events == pytest.approx([1.67, 2.19, 2.28, 2.82], abs=1e-6)
    assert np.isfinite(res.angles["left_knee_flexion"]).sum() > 200
