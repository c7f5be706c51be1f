"""The clinician's and the patient's journeys in a real browser against a real server.

Each step is checked on the page the browser shows (not on the database), and a screenshot of
every step is kept under test-artifacts/screenshots/<test name>/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from browserkit import Server, Shots

ROOT = Path(__file__).resolve().parents[2]
C3D = ROOT.parent / "shared" / "data" / "c3d" / "biomechzoo"


def _login(page: Any, server: Server, role: str) -> None:
    email, password = server.logins[role]
    page.goto(f"{server.url}/")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("button[type=submit]")


def _field(page: Any, name: str) -> Any:
    return page.locator(f'[name="{name}"]')


def test_clinician_journey(page: Any, server: Server, shots: Shots) -> None:
    _login(page, server, "clinician")
    page.wait_for_url("**/patients")
    shots(page, "patients")
    assert "Demo Patient (invented)" in page.content()

    # add a patient; a wrong height is shown beside its field and the typed values stay
    page.click("text=Add patient")
    page.fill("#f-name", "Journey Patient")
    page.fill("#f-height_m", "15.8")
    page.fill("#f-mass_kg", "60.3")
    page.select_option("#f-sex", "male")
    page.click("button:has-text('Save')")
    assert page.locator("#e-height_m").is_visible()
    assert page.input_value("#f-name") == "Journey Patient"
    shots(page, "patient-form-error")
    page.fill("#f-height_m", "1.58")
    page.click("button:has-text('Save')")
    page.wait_for_url(re.compile(r".*/patients/\d+$"))
    shots(page, "patient")

    # open a visit and fill the clinical tests and questionnaires
    page.click("#new-visit")
    page.wait_for_url(re.compile(r".*/visits/\d+$"))
    visit_url = page.url
    page.click("text=Edit tests & questionnaires")
    _field(page, "tests.wblt_cm.left").fill("40")  # out of range: refused beside the field
    _field(page, "tests.wblt_cm.right").fill("11.5")
    _field(page, "tests.df_knee_extended_deg.left").fill("0")
    _field(page, "tests.df_knee_extended_deg.right").fill("12")
    _field(page, "tests.df_knee_flexed_deg.left").fill("20")
    _field(page, "tests.df_knee_flexed_deg.right").fill("22")
    _field(page, "q.nprs").fill("6")
    page.locator("form button[type=submit]").last.click()
    error = page.locator('[id="e-tests.wblt_cm.left"]')
    assert error.is_visible(), "the WBLT error is not beside its field"
    assert _field(page, "tests.wblt_cm.right").input_value() == "11.5"
    shots(page, "intake-error")
    _field(page, "tests.wblt_cm.left").fill("6")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(visit_url)
    assert "Not assessed yet" not in page.content()
    shots(page, "visit-assessed")

    # upload the static trial, then the walk, and watch the analysis finish
    page.set_input_files("#f-file", str(C3D / "HC032A01.c3d"))
    page.select_option("#f-role", "static")
    page.click("form.upload-form button[type=submit]")
    page.wait_for_selector("text=HC032A01.c3d")
    page.set_input_files("#f-file", str(C3D / "HC032A03.c3d"))
    page.select_option("#f-role", "walk")
    page.check("input[name=flat_foot]")
    page.click("form.upload-form button[type=submit]")
    page.wait_for_selector("text=HC032A03.c3d")
    shots(page, "analysis-queued")
    page.wait_for_selector("#uploads .ok:has-text('done')", timeout=90_000)
    shots(page, "analysis-done")
    page.click("text=Open the analysis")
    page.wait_for_selector("svg")
    assert page.locator("svg").count() >= 3
    shots(page, "analysis")

    # the report: findings with the chain, curves against norms, lumbar load, program
    page.goto(visit_url + "/report")
    content = page.content()
    for text in ("Findings", "L5/S1", "Home program"):
        assert text in content, f"report lacks {text}"
    assert page.locator("svg").count() >= 3
    shots(page, "report")

    # adjust the program: remove the first exercise
    page.goto(visit_url + "/program")
    first = page.locator("input[name=remove]").first
    removed = first.get_attribute("value")
    first.check()
    page.locator("form button[type=submit]:has-text('Save')").first.click()
    page.wait_for_load_state()
    shots(page, "program-adjusted")
    assert page.locator(f'input[name=remove][value="{removed}"]').count() == 0

    # the handout is a PDF
    resp = page.request.get(visit_url + "/handout.pdf")
    assert resp.status == 200 and resp.body()[:5] == b"%PDF-"
    assert resp.headers["content-type"] == "application/pdf"


def test_patient_journey(page: Any, server: Server, shots: Shots) -> None:
    _login(page, server, "patient")
    page.wait_for_url("**/me")
    shots(page, "today")
    assert page.locator("#exercises").is_visible()

    # questionnaires before the next visit
    page.goto(f"{server.url}/me/questionnaires")
    _field(page, "q.nprs").fill("4")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    shots(page, "questionnaires-sent")
    assert "error" not in (page.locator("[role=alert]").all_inner_texts() or [""])[0].lower()

    # tick the first exercise, log today's pain
    page.goto(f"{server.url}/me")
    tick = page.locator("#exercises form button[type=submit]").first
    tick.click()
    page.wait_for_load_state()
    shots(page, "ticked")
    assert "done" in page.locator("#exercises").inner_text().lower()
    page.locator('#pain [name="nprs"]').fill("3")
    page.locator("#pain button[type=submit]").click()
    page.wait_for_load_state()
    shots(page, "pain-logged")

    # the patient's progress, and no access to staff pages
    page.goto(f"{server.url}/me/progress")
    shots(page, "progress")
    resp = page.goto(f"{server.url}/patients")
    assert resp is not None and resp.status == 403
    shots(page, "staff-page-refused")
