"""The Failure lab in a real Chromium: run a preset as it is, apply its fix, and see both side by side."""

import re

import pytest

from conftest import EXPECT_TIMEOUT_MS, playwright_expect

pytestmark = pytest.mark.browser
expect = playwright_expect()

TRACES = """(sel) => { const gd = document.querySelector(sel); if (!gd || !gd.data) return null;
  return gd.data.map(t => ({name: t.name, x: t.x, y: t.y, xaxis: t.xaxis, yaxis: t.yaxis})); }"""


def _last_per_layer(page, side: str, axis: str) -> dict:
    """The newest value of each layer's line in one panel of a side's layer health chart (as drawn)."""
    traces = page.evaluate(TRACES, f"#lab-{side}-health .np-health-chart")
    return {t["name"]: next((v for v in reversed(t["y"]) if v is not None), None)
            for t in traces if t["yaxis"] == axis}


def _accuracy(page, side: str) -> float:
    text = page.locator(f"#lab-{side}-status").inner_text()
    return float(re.search(r"([\d.]+)%", text).group(1)) / 100


def _open_lab(page, app_url, name="Failure lab"):
    page.goto(app_url)
    page.get_by_role("tab", name=name).click()
    expect(page.locator("#lab-about")).not_to_be_empty()


def test_a_dead_relu_run_and_its_fix_side_by_side(page, app_url):
    from playground import failures, jobs

    preset = failures.PRESETS["dead_relu"]
    _open_lab(page, app_url)
    page.locator("#lab-presets").get_by_text("ReLU", exact=False).first.click()
    expect(page.locator("#lab-about")).to_contain_text(str(preset.fix["lr"]))  # what the fix changes, named
    before = {j["id"] for j in jobs.manager().jobs(curves=False)}
    page.locator("#lab-run").click()
    page.locator("#lab-fix").click()
    for side in ("broken", "fixed"):  # both end, each in its own column (a job on a busy CPU: waits on states)
        expect(page.locator(f"#lab-{side}-status")).to_contain_text("Done in", timeout=10 * EXPECT_TIMEOUT_MS)
    started = [j for j in jobs.manager().jobs(curves=False) if j["id"] not in before]
    assert sorted(j["config"]["lr"] for j in started) == sorted([preset.broken["lr"], preset.fixed()["lr"]])
    # the curves: both runs in one chart
    names = {t["name"] for t in page.evaluate(TRACES, "#lab-curves .np-live-chart")}
    assert any(n.startswith("As it is") for n in names) and any(n.startswith("With the fix") for n in names)
    # the failure, visible in the broken run's layer health: some layer's ReLUs all dead by the end;
    # the fix keeps every layer mostly alive and learns
    page.wait_for_function(f"() => ({TRACES})('#lab-fixed-health .np-health-chart') !== null")
    dead = "y2"  # the second panel: dead (ReLU) or saturated
    broken, fixed = _last_per_layer(page, "broken", dead), _last_per_layer(page, "fixed", dead)
    assert max(v for v in broken.values() if v is not None) >= 0.5, broken
    assert max(v for v in fixed.values() if v is not None) < 0.5, fixed
    assert _accuracy(page, "fixed") > _accuracy(page, "broken") + 0.1


def test_the_lab_speaks_chinese_and_a_new_preset_clears_the_last_runs(browser, app_url):
    from playground import jobs

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(EXPECT_TIMEOUT_MS)
        _open_lab(page, app_url, name="故障实验室")
        expect(page.locator("#lab-about")).to_contain_text("修复只改动")
        before = {j["id"] for j in jobs.manager().jobs(curves=False)}
        page.locator("#lab-run").click()
        expect(page.locator("#lab-broken-status")).not_to_contain_text("尚未运行")
        mine = [j["id"] for j in jobs.manager().jobs(curves=False) if j["id"] not in before]
        page.locator("#lab-presets label").nth(1).click()  # another failure: this page's run stops
        expect(page.locator("#lab-broken-status")).to_contain_text("尚未运行")
        for job_id in mine:
            assert jobs.manager().wait(job_id, timeout=60)["state"] in ("cancelled", "done")
    finally:
        context.close()
