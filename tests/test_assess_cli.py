"""`kinechain assess`, `intake-template` and `progress`, end to end in a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import shared


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kinechain.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def template() -> dict[str, object]:
    proc = run_cli("intake-template")
    assert proc.returncode == 0, proc.stderr
    data: dict[str, object] = json.loads(proc.stdout)
    assert data["schema"] == "kinechain.intake/1"
    return data


@pytest.fixture(scope="module")
def hc032_gait(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gait") / "hc032"
    proc = run_cli(
        "analyze",
        shared("c3d", "biomechzoo", "HC032A03.c3d"),
        "--static",
        shared("c3d", "biomechzoo", "HC032A01.c3d"),
        "--flat-foot",
        "--out",
        out,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def write(tmp: Path, name: str, data: object) -> Path:
    p = tmp / name
    p.write_text(json.dumps(data))
    return p


def test_assess_the_issue_example(tmp_path: Path, template: dict[str, object]) -> None:
    intake = write(tmp_path, "intake.json", template)
    out = tmp_path / "a"
    proc = run_cli("assess", intake, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "assessment.json",
        "handout.pdf",
        "report.html",
    ]
    a = json.loads((out / "assessment.json").read_text())
    assert list(a)[:2] == ["schema", "red_flags"]  # red flags first
    assert a["red_flags"]["refer"] is False and a["red_flags"]["urgency"] == "none"
    # ODI: 12 of 45 answered points (section 8 unanswered) = 26.67 %
    assert a["questionnaires"]["odi"]["score_percent"] == pytest.approx(26.67, abs=0.01)
    # STarT Back: total 5 (item 9 = 3 'very much' counts 1), psychosocial 3 → medium
    assert a["questionnaires"]["startback"]["risk"] == "medium"
    # left: 0° knee extended, 20° flexed → gastrocnemius; right 12° → normal
    assert a["calf"]["left"]["classification"] == "gastrocnemius"
    assert a["calf"]["right"]["classification"] == "normal"
    ids = {(f["id"], f["side"]) for f in a["findings"] if f["present"]}
    assert ("calf_gastrocnemius_tight", "left") in ids
    ex = {e["id"]: e for e in a["program"]["exercises"]}
    assert "gastrocnemius_stretch" in ex and "walking_breaks" in ex  # 9 h sitting
    assert a["lumbar_load"]["standing"]
    assert (out / "handout.pdf").read_bytes()[:5] == b"%PDF-"
    assert "Red flags" in (out / "report.html").read_text()


def test_emergency_red_flag_empties_the_program(tmp_path: Path, template: dict) -> None:
    data = json.loads(json.dumps(template))
    data["red_flags"]["saddle_anaesthesia"] = True
    out = tmp_path / "a"
    proc = run_cli("assess", write(tmp_path, "i.json", data), "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "RED FLAGS (emergency)" in proc.stderr
    a = json.loads((out / "assessment.json").read_text())
    assert a["red_flags"]["refer"] is True and a["red_flags"]["urgency"] == "emergency"
    assert a["program"]["exercises"] == [] and a["program"]["withheld_reason"]


def test_invalid_intake_lists_every_error(tmp_path: Path, template: dict) -> None:
    data = json.loads(json.dumps(template))
    data["questionnaires"]["nprs"] = 14
    data["tests"]["wblt_cm"]["left"] = -3
    out = tmp_path / "a"
    proc = run_cli("assess", write(tmp_path, "bad.json", data), "--out", out)
    assert proc.returncode == 2
    assert "questionnaires.nprs" in proc.stderr and "tests.wblt_cm.left" in proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()


def test_assess_with_gait(tmp_path: Path, hc032_gait: Path) -> None:
    # the HC032 child: 60.3 kg, 1.58 m
    intake = {
        "schema": "kinechain.intake/1",
        "date": "2026-11-02",
        "patient": {"age": 12, "sex": "male", "height_m": 1.58, "mass_kg": 60.3},
        "tests": {
            "df_knee_extended_deg": {"left": 8, "right": 4},
            "df_knee_flexed_deg": {"left": 20, "right": 9},
        },
        "questionnaires": {"nprs": 3},
    }
    out = tmp_path / "a"
    proc = run_cli("assess", write(tmp_path, "i.json", intake), "--gait", hc032_gait, "--out", out)
    assert proc.returncode == 0, proc.stderr
    a = json.loads((out / "assessment.json").read_text())
    gait_ids = {f["id"] for f in a["findings"] if f["source"] == "gait"}
    assert {"ankle_peak_df_restricted", "knee_hyperextension_stance"} <= gait_ids
    assert a["calf"]["right"]["classification"] == "soleus_or_joint"
    assert a["chain_tests"] and all(t["verdict"] == "too_few_strides" for t in a["chain_tests"])
    gait_load = a["lumbar_load"]["gait"]
    assert gait_load["peak_compression_n"] < gait_load["niosh_action_limit_n"]
    assert (
        "Model estimate" in json.dumps(gait_load["counterfactual"])
        or gait_load["counterfactual"]["statement"]
    )
    html = (out / "report.html").read_text()
    assert "Gait analysis" in html and html.count("<svg") >= 8


def test_gait_of_another_person_is_refused(
    tmp_path: Path, hc032_gait: Path, template: dict
) -> None:
    data = json.loads(json.dumps(template))
    data["patient"].update({"mass_kg": 92.0, "height_m": 1.86})  # HC032A: 60.3 kg, 1.58 m
    out = tmp_path / "a"
    proc = run_cli("assess", write(tmp_path, "i.json", data), "--gait", hc032_gait, "--out", out)
    assert proc.returncode == 2
    assert "another person" in proc.stderr and not out.exists()


def test_gait_folder_of_an_older_format(tmp_path: Path, hc032_gait: Path, template: dict) -> None:
    old = tmp_path / "old"
    old.mkdir()
    metrics = json.loads((hc032_gait / "metrics.json").read_text())
    metrics["schema"] = "kinechain.metrics/0"
    (old / "metrics.json").write_text(json.dumps(metrics))
    proc = run_cli(
        "assess", write(tmp_path, "i.json", template), "--gait", old, "--out", tmp_path / "a"
    )
    assert proc.returncode == 2 and "kinechain.metrics/0" in proc.stderr


def test_progress_between_two_visits(tmp_path: Path, template: dict) -> None:
    first = json.loads(json.dumps(template))
    first["date"] = "2026-01-05"
    second = json.loads(json.dumps(template))
    second["date"] = "2026-02-16"
    second["tests"]["wblt_cm"]["left"] = 9.0  # +3.0 cm > MDC 1.9 cm
    second["questionnaires"]["nprs"] = 5  # −1 < MCID 2
    outs = []
    for i, d in enumerate((first, second)):
        out = tmp_path / f"a{i}"
        proc = run_cli("assess", write(tmp_path, f"i{i}.json", d), "--out", out, "--no-report")
        assert proc.returncode == 0, proc.stderr
        outs.append(out)
    summary = tmp_path / "progress.json"
    proc = run_cli("progress", *outs, "--out", summary)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(summary.read_text())
    assert data["summary"] and data["n_assessments"] == 2
    by = {(m["measure"], m["side"]): m for m in data["measures"]}
    wblt = by[("wblt_cm", "left")]
    assert (wblt["first"], wblt["latest"]) == (6.0, 9.0)
    assert wblt["exceeds_mdc"] is True  # +3.0 cm beyond the 1.9 cm MDC (Powden 2015)
    nprs = by[("nprs", None)]
    assert nprs["change"] == -1.0 and nprs["exceeds_mcid"] is False  # MCID 2 points
