"""Does the answer follow the pen? The app's digit pad against a bare Sketchpad, in one real Chromium.

    python bench/browser.py               # 10 digits drawn in each app, 3 page loads each, 10 s of FNN Play
    python bench/browser.py --digits 20

Two apps run side by side, each as its own process on a free local port: ours (``python app.py``) and
a bare one (``bench/bare_sketchpad.py``: the same Sketchpad settings in a column, a handler that returns a
constant label). Playwright drives Debian's ``/usr/bin/chromium`` with the mouse, as a person would:

- **label**: the same single-stroke digits drawn in each app, each on a freshly opened page, timed on the
  page's own clock from the stroke's mouse-up (a ``pointerup`` listener). Bare: until the label's text
  appears (a MutationObserver). Ours: until the pad's quick answer to the whole stroke is shown (its
  ``np-answer`` event), though the label, answered while the pen moved, may have shown its final text
  earlier (``label_settled_ms``: mouse-up → its last change, 0 when it was already right; a label has
  settled when it has not changed for ``SETTLED_MS``). ``label_ratio`` = our median ÷ the bare median.
- **live**: one slow stroke (a "0", 1.5 s of pauses between its moves, 2.5 s in all here) on our pad:
  answers shown while the pen is down, and the requests the pad sent per second of drawing.
- **load**: a fresh browser context each time, from navigation to a canvas ready to draw (ours: the pad
  visible with its script attached; bare: visible with its Brush, clicked at once as a person would:
  Gradio selects no tool). ``load_ratio`` = our median ÷ bare median.
- **FNN**: the FNN tab's Play for ``--seconds``: redraws of the decision surface per second (frames the
  page's stage has drawn: its canvas counts them) and training steps per second (the step count shown).

The last line is one JSON object with ``label_ratio``, ``load_ratio``, ``fnn_redraws_per_s`` and
``fnn_steps_per_s`` and the medians behind them.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from served import served  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# Single strokes, in units of the drawing area's half-width from its centre (one mouse-up each)
STROKES = {
    1: [(0.0, -0.6), (0.0, 0.6)],
    7: [(-0.45, -0.55), (0.45, -0.55), (-0.1, 0.65)],
    0: [(0.0, -0.6), (-0.4, -0.35), (-0.45, 0.2), (-0.2, 0.6), (0.2, 0.6), (0.45, 0.2), (0.4, -0.35), (0.0, -0.6)],
}
APPS = {  # the canvas and the label's text in each app; our pad says when its script is attached
    "app": {"canvas": "#cnn-canvas", "label": '#cnn-label .np-digit', "ready": "#cnn-canvas canvas[data-ready]"},
    "bare": {"canvas": "#bare-canvas", "label": '#bare-label [data-testid="label-output-value"]'},
}
WATCH = """(sel) => {  // the page's own clock: pointer down and up, and every change of the label's text
  window.npDown = null; window.npUp = null; window.npChanges = []; window.npAnswers = []; let text = '';
  document.addEventListener('np-answer', () => window.npAnswers.push(performance.now()));  // our pad's reads
  document.addEventListener('pointerdown', () => { window.npDown = performance.now(); }, true);
  document.addEventListener('pointerup', () => { window.npUp = performance.now(); }, true);
  new MutationObserver(() => {
    const el = document.querySelector(sel), now = el ? el.textContent.trim() : '';
    if (now && now !== text) window.npChanges.push(performance.now());
    text = now;
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
SETTLED_MS = 1500
TIMEOUT_MS = 120_000  # a guard against a hang, not a deadline


def ready(page, app: dict) -> None:
    """Wait until the canvas can be drawn on. Ours: the pad visible with its script attached (no tool to
    pick). Bare: visible with its Brush, which Gradio leaves unselected, so it is clicked at once, as a
    person would."""
    page.locator(app.get("ready", f"{app['canvas']} canvas")).first.wait_for(state="visible", timeout=TIMEOUT_MS)
    if "ready" in app:
        return
    brush = page.locator(f'{app["canvas"]} button[aria-label="Brush"]')
    brush.wait_for(state="visible", timeout=TIMEOUT_MS)
    if "highlight" not in (brush.get_attribute("class") or ""):
        brush.click()


def load_times(browser, url: str, app: dict, n: int) -> list[float]:
    out = []
    for _ in range(n):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        t0 = time.perf_counter()
        page.goto(url)
        ready(page, app)
        out.append(time.perf_counter() - t0)
        context.close()
    return out


def stroke(page, app: dict, digit: int, radius: float = 80) -> None:
    canvas = page.locator(f"{app['canvas']} canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    points = STROKES[digit]
    page.mouse.move(cx + points[0][0] * radius, cy + points[0][1] * radius)
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(cx + x * radius, cy + y * radius, steps=12)
    page.mouse.up()


def settled(page) -> dict:
    """After a stroke: wait until the label has shown something and then not changed for SETTLED_MS →
    {"settled": mouse-up → the label's last change, ms (0 when it already showed its final text at
    mouse-up), "answer": mouse-up → the last quick answer our pad announced (None on the bare page)}."""
    page.wait_for_function("() => window.npUp !== null && window.npChanges.length > 0", timeout=TIMEOUT_MS)
    page.wait_for_function(f"""() => performance.now() - Math.max(window.npUp, ...window.npChanges) > {SETTLED_MS}""",
                           timeout=TIMEOUT_MS)
    return page.evaluate("""() => { const a = window.npAnswers.filter(t => t >= window.npUp);
      return {settled: Math.max(0, window.npChanges[window.npChanges.length - 1] - window.npUp),
              answer: a.length ? a[a.length - 1] - window.npUp : null}; }""")


def label_latencies(browser, url: str, app: dict, digits: list[int], settle: float = 0.0) -> list[dict]:
    """:func:`settled`, in ms of the page's clock, for each digit drawn on a freshly opened page (as a
    new visitor does; Clear is not used: on the bare page an answer still on its way can bring a cleared
    label back, so the two pages could not be treated alike)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    out = []
    for digit in digits:
        page.goto(url)
        ready(page, app)
        time.sleep(settle)  # a person's pause before the first stroke, the same on both pages
        page.evaluate(WATCH, app["label"])
        stroke(page, app, digit)
        out.append(settled(page))
    context.close()
    return out


def live_stroke(browser, url: str, app: dict, seconds: float = 1.5) -> dict:
    """A "0" drawn slowly (a move every 30 ms for ``seconds``): label changes shown while the pen was down,
    the first one's time from pen-down, and the pad's requests per second of drawing."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    sent = []
    page.on("request", lambda r: sent.append(time.perf_counter()) if "component_server" in r.url else None)
    page.goto(url)
    ready(page, app)
    page.evaluate(WATCH, app["label"])
    canvas = page.locator(f"{app['canvas']} canvas").first
    box = canvas.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    points = STROKES[0]
    n, segs = max(2, int(seconds / 0.03)), len(points) - 1
    path = []  # n points evenly along the polyline, segment by segment
    for k in range(n + 1):
        f = k * segs / n
        i = min(int(f), segs - 1)
        (x0, y0), (x1, y1) = points[i], points[i + 1]
        path.append((x0 + (f - i) * (x1 - x0), y0 + (f - i) * (y1 - y0)))
    page.mouse.move(cx + path[0][0] * 80, cy + path[0][1] * 80)
    page.mouse.down()
    t0 = time.perf_counter()
    for x, y in path[1:]:
        page.mouse.move(cx + x * 80, cy + y * 80, steps=1)
        time.sleep(0.03)
    t1 = time.perf_counter()
    page.mouse.up()
    settled(page)
    seen = page.evaluate("() => ({down: window.npDown, up: window.npUp, changes: window.npChanges})")
    context.close()
    during = [c for c in seen["changes"] if c < seen["up"]]
    return {"live_label_changes": len(during),
            "live_first_label_ms": round(during[0] - seen["down"]) if during else None,
            "live_requests_per_s": round(sum(t0 <= t <= t1 for t in sent) / (t1 - t0), 1),
            "live_stroke_s": round(t1 - t0, 2)}


def fnn_play(browser, url: str, seconds: float) -> dict:
    """Redraws of the FNN's decision surface and training steps per second while Play runs."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.get_by_role("tab", name="FNN / MLP").click()
    stats = page.locator("#mlp-stats")
    page.wait_for_function("() => /[0-9]/.test(document.querySelector('#mlp-stats')?.innerText || '')")  # a network
    page.locator("#mlp-play").click()
    page.wait_for_function("() => /step [1-9]/.test(document.querySelector('#mlp-stats').innerText)")

    def step() -> int:
        return int(re.search(r"step ([\d,]+)", stats.inner_text()).group(1).replace(",", ""))

    frames = "() => Number(document.querySelector('#mlp-boundary canvas').dataset.frames || 0)"  # drawn so far
    s0, r0, t0 = step(), page.evaluate(frames), time.perf_counter()
    time.sleep(seconds)
    s1, r1, t1 = step(), page.evaluate(frames), time.perf_counter()
    page.locator("#mlp-pause").click()
    context.close()
    return {"fnn_redraws_per_s": (r1 - r0) / (t1 - t0), "fnn_steps_per_s": (s1 - s0) / (t1 - t0)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--digits", type=int, default=10)
    p.add_argument("--loads", type=int, default=3)
    p.add_argument("--seconds", type=float, default=10.0, help="of FNN Play")
    p.add_argument("--settle", type=float, default=0.0,
                   help="seconds between a page being ready and the stroke (0: at once, as an eager visitor)")
    args = p.parse_args()
    from playwright.sync_api import sync_playwright

    digits = [[1, 7, 0][i % 3] for i in range(args.digits)]
    out: dict = {}
    runs = tempfile.mkdtemp(prefix="np-bench-runs-")
    with served({"NP_RUNS_DIR": runs}) as (url, _), served(script="bench/bare_sketchpad.py") as (bare, _), \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        loads = {"bare": [], "app": []}
        for _ in range(args.loads):  # alternating, so both see the same machine
            loads["bare"] += load_times(browser, bare, APPS["bare"], 1)
            loads["app"] += load_times(browser, url, APPS["app"], 1)
        labels = {"bare": label_latencies(browser, bare, APPS["bare"], digits, args.settle),
                  "app": label_latencies(browser, url, APPS["app"], digits, args.settle)}
        out.update(live_stroke(browser, url, APPS["app"]))
        out.update(fnn_play(browser, url, args.seconds))
        browser.close()
    # Our label: mouse-up → the pad's answer to the whole stroke (its label may have been right earlier:
    # "settled" says when it last changed); the bare label: mouse-up → its text, which it shows once.
    ours = {"app": [x["answer"] for x in labels["app"]], "bare": [x["settled"] for x in labels["bare"]]}
    med = {k: statistics.median(v) for k, v in ours.items()}
    load = {k: statistics.median(v) for k, v in loads.items()}
    live = {k: v for k, v in out.items() if k.startswith("live_")}
    out = {"label_ratio": round(med["app"] / max(med["bare"], 1e-9), 3),
           "load_ratio": round(load["app"] / load["bare"], 3),
           "fnn_redraws_per_s": round(out["fnn_redraws_per_s"], 2), "fnn_steps_per_s": round(out["fnn_steps_per_s"], 1),
           **live,
           "label_ms_median": {k: round(v) for k, v in med.items()},
           "label_ms": {k: [round(x) for x in v] for k, v in ours.items()},
           "label_settled_ms": {k: [round(x["settled"]) for x in v] for k, v in labels.items()},
           "load_s_median": {k: round(v, 2) for k, v in load.items()},
           "load_s": {k: [round(x, 2) for x in v] for k, v in loads.items()}, "digits": digits}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
