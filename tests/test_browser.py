"""The app in a real Chromium: draw with the mouse, read the answer from the page, switch language."""

import re

import pytest

from conftest import EXPECT_TIMEOUT_MS, playwright_expect

pytestmark = pytest.mark.browser
expect = playwright_expect()

# Strokes in units of the drawing area's half-width, from its centre: what a person does with a mouse.
STROKES = {
    1: [[(0.0, -0.6), (0.0, 0.6)]],
    7: [[(-0.45, -0.55), (0.45, -0.55), (-0.1, 0.65)]],
    0: [[(0.0, -0.6), (-0.4, -0.35), (-0.45, 0.2), (-0.2, 0.6), (0.2, 0.6), (0.45, 0.2), (0.4, -0.35),
         (0.0, -0.6)]],
    4: [[(0.2, -0.65), (-0.45, 0.2), (0.5, 0.2)], [(0.2, -0.3), (0.2, 0.7)]],
}


def open_cnn_tab(page, url):
    page.goto(url)
    canvas = page.locator("#cnn-canvas canvas[data-ready]")
    expect(canvas).to_be_visible()  # a cold page on a busy 2-core machine can take seconds
    return canvas  # ready to draw: no tool to choose


def draw(page, digit, radius=80):
    """Draw ``digit`` with the mouse around the centre of the pad."""
    canvas = page.locator("#cnn-canvas canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for stroke in STROKES[digit]:
        page.mouse.move(cx + stroke[0][0] * radius, cy + stroke[0][1] * radius)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(cx + x * radius, cy + y * radius, steps=12)
        page.mouse.up()


def predicted(page):
    return page.locator('#cnn-label .np-digit')


@pytest.mark.parametrize("digit", [1, 7, 0, 4, 7, 1])
def test_drawing_a_digit_on_a_fresh_page_shows_its_prediction(page, app_url, digit):
    open_cnn_tab(page, app_url)  # a new page load each time: the canvas layout varies between loads
    expect(page.locator("#cnn-status")).to_contain_text("Draw a digit to begin")
    draw(page, digit)
    expect(predicted(page)).to_have_text(str(digit))
    expect(page.locator("#cnn-status")).to_contain_text(f"read as {digit}")
    expect(page.locator("#cnn-sees img")).to_be_visible()
    expect(page.locator("#cnn-saliency img")).to_be_visible()
    expect(page.locator("#cnn-conv4 img")).to_be_visible()


ORDER = """() => { window.npSeen = {};  // when each answer first shows, on the page's clock
  new MutationObserver(() => {
    const now = performance.now();
    const label = document.querySelector('#cnn-label .np-digit');
    if (label && label.textContent.trim() && !window.npSeen.label) window.npSeen.label = now;
    if (document.querySelector('#cnn-saliency img') && !window.npSeen.saliency) window.npSeen.saliency = now;
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true}); }"""


def test_the_label_comes_first_and_the_views_inside_follow(page, app_url):
    open_cnn_tab(page, app_url)
    page.evaluate(ORDER)
    draw(page, 7)
    expect(page.locator("#cnn-saliency img")).to_be_visible()
    expect(predicted(page)).to_have_text("7")
    seen = page.evaluate("window.npSeen")
    # one answer with everything would show both in the same update; the label is sent on its own first
    assert seen["label"] < seen["saliency"], seen
    for view in ("#cnn-sees img", "#cnn-conv1 img", "#cnn-conv4 img"):
        expect(page.locator(view)).to_be_visible()


INKED = "() => { const d = document.querySelector('#cnn-canvas canvas').getContext('2d')" \
        ".getImageData(0, 0, 280, 280).data; let n = 0; for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n; }"


def test_clear_empties_the_pad_and_the_answer_and_the_pad_draws_again(page, app_url):
    open_cnn_tab(page, app_url)
    draw(page, 1)
    expect(predicted(page)).to_have_text("1")
    assert page.evaluate(INKED) > 500
    page.locator("#cnn-clear").click()
    expect(page.locator("#cnn-status")).to_contain_text("Draw a digit to begin")
    expect(predicted(page)).to_have_count(0)
    expect(page.locator("#cnn-saliency img")).to_have_count(0)
    assert page.evaluate(INKED) == 0
    draw(page, 7)
    expect(predicted(page)).to_have_text("7")


def test_the_label_follows_the_pen_before_it_is_lifted(page, app_url):
    open_cnn_tab(page, app_url)
    box = page.locator("#cnn-canvas canvas").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy - 50)
    page.mouse.down()
    page.mouse.move(cx, cy + 50, steps=12)  # a 1, still being drawn
    expect(predicted(page)).to_have_text("1")  # answered while the pen is down
    expect(page.locator("#cnn-saliency img")).to_have_count(0)  # the slow views wait for the pen-up
    page.mouse.up()
    expect(page.locator("#cnn-saliency img")).to_be_visible()
    expect(predicted(page)).to_have_text("1")


def test_a_finger_draws_on_the_pad_as_the_mouse_does(browser, app_url):
    context = browser.new_context(has_touch=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(EXPECT_TIMEOUT_MS)
    try:
        open_cnn_tab(page, app_url)
        canvas = page.locator("#cnn-canvas canvas")
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        scrolled = page.evaluate("() => window.scrollY")
        cdp = context.new_cdp_session(page)  # real touch input, as a phone's finger sends it
        touch = lambda kind, y: cdp.send("Input.dispatchTouchEvent", {  # noqa: E731
            "type": kind, "touchPoints": [] if kind == "touchEnd" else [{"x": cx, "y": y}]})
        touch("touchStart", cy - 60)
        for k in range(1, 13):
            touch("touchMove", cy - 60 + k * 10)
        touch("touchEnd", cy + 60)
        expect(predicted(page)).to_have_text("1")
        expect(page.locator("#cnn-saliency img")).to_be_visible()
        assert page.evaluate("() => window.scrollY") == scrolled  # the finger drew; the page did not scroll
    finally:
        context.close()


def test_language_switch_changes_the_page_and_the_servers_messages(page, app_url):
    open_cnn_tab(page, app_url)
    page.locator("#lang-zh").click()
    expect(page.get_by_role("tab", name="CNN · 手写数字")).to_be_visible()
    draw(page, 7)
    expect(page.locator("#cnn-status")).to_contain_text("识别为 7")
    page.reload()
    expect(page.get_by_role("tab", name="CNN · 手写数字")).to_be_visible()  # the choice is remembered
    page.locator("#lang-en").click()
    expect(page.get_by_role("tab", name="CNN · draw a digit")).to_be_visible()


def test_a_chinese_browser_gets_the_chinese_page(browser, app_url):
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(app_url)
        expect(page.get_by_role("tab", name="CNN · 手写数字")).to_be_visible()
        expect(page.locator("#cnn-status")).to_contain_text("写一个数字开始吧")
    finally:
        context.close()


CHART = "#cnn-train-curves .np-live-chart"
READ_CHART = """(sel) => { const gd = document.querySelector(sel);
  if (!gd || !gd._fullLayout || !gd.data || !gd.data.length) return null;
  const xs = gd.data[0].x;
  return {n: xs.length, last: xs.length ? Number(xs[xs.length - 1]) : null,
          x: gd._fullLayout.xaxis.range.map(Number)}; }"""


def set_number(page, elem_id, value):
    """Type ``value`` into a setting's number box; for a slider, until its track shows it. On a busy machine a
    box filled while the panel is still being set up can lose the value (a 50-epoch job once started with
    the default 8), so the track, which follows the slider's own value, is the proof."""
    box = page.locator(f"#{elem_id} input[type=number]").first
    track = page.locator(f"#{elem_id} input[type=range]")
    for _ in range(5):
        box.fill(str(value))
        box.press("Enter")
        if not track.count():
            return
        try:
            expect(track.first).to_have_value(str(value), timeout=5_000)  # a retry's wait, not a deadline
            return
        except AssertionError:
            continue
    expect(track.first).to_have_value(str(value))


def test_training_from_the_page_streams_a_growing_chart_that_keeps_its_zoom(page, app_url):
    from playground import jobs

    open_cnn_tab(page, app_url)
    page.get_by_text("Train your own CNN").click()
    # 50 epochs of 8 digits a step: 50,000 steps, far more than any machine trains while the test zooms;
    # the test stops the job itself, so the chart is still growing when the zoom is checked, on any hardware
    set_number(page, "cnn-cfg-epochs", 50)
    set_number(page, "cnn-cfg-batch_size", 8)
    set_number(page, "cnn-cfg-c1", 4)
    set_number(page, "cnn-cfg-c2", 8)
    _stop_active_jobs()  # a job another test left running must not be taken for this one, nor slow it
    before = {j["id"] for j in jobs.manager().jobs(curves=False)}
    page.locator("#cnn-train-start").click()
    status = page.locator("#cnn-train-status")
    expect(status).to_contain_text("Training on", timeout=120_000)
    job = next(j for j in jobs.manager().jobs(curves=False) if j["id"] not in before)  # the one this page started
    try:
        _zoom_survives(page, job, status)
    finally:  # a failure must not leave a 50,000-step job holding the queue for the tests after this one
        _stop_active_jobs()


def _stop_active_jobs():
    from playground import jobs
    for st in jobs.manager().jobs(curves=False):
        if st["state"] in jobs.ACTIVE:
            jobs.manager().cancel(st["id"])


def _zoom_survives(page, job, status):
    from playground import jobs

    assert job["total_steps"] == 50_000, job
    expect(status).to_contain_text(f"Training on {job['device']}")  # the device the job reports (cpu or cuda)
    page.wait_for_function(f"() => {{ const r = ({READ_CHART})('{CHART}'); return r && r.n >= 8; }}",
                           timeout=120_000)
    page.locator(CHART).scroll_into_view_if_needed()
    for attempt in range(3):  # drag a zoom box on the chart; a drag that the page's moving layout made miss is redone
        box = page.locator(f"{CHART} .nsewdrag").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.3)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.7, steps=8)
        page.mouse.up()
        zoomed = page.evaluate(READ_CHART, CHART)
        if zoomed["x"][0] > 0:  # the box began a tenth of the way in: a zoom no longer starts at step 0
            break
    assert zoomed["x"][0] > 0, f"the drag did not zoom: {zoomed}"
    # new points: the newest step drawn moves on (a count would not do: long curves are thinned)
    page.wait_for_function(f"() => ({READ_CHART})('{CHART}').last > {zoomed['last']}", timeout=120_000)
    later = page.evaluate(READ_CHART, CHART)
    assert later["x"] == pytest.approx(zoomed["x"]), "the zoom survives new points"
    assert jobs.manager().status(job["id"], curves=False)["state"] == "running"
    page.locator("#cnn-train-stop").click()
    expect(status).to_contain_text("Stopped at step")  # it evaluates and saves what it learned first
    page.locator("#cnn-train-use").click()
    draw(page, 1)
    expect(page.locator("#cnn-status")).to_contain_text("your job cnn-")


def _start_long_job(page):
    """Open the CNN Train panel and start a 50,000-step job (it is stopped by the test, on any hardware)."""
    page.get_by_text("Train your own CNN").click()
    for field, value in (("epochs", 50), ("batch_size", 8), ("c1", 4), ("c2", 8)):
        set_number(page, f"cnn-cfg-{field}", value)
    page.locator("#cnn-train-start").click()


def test_a_second_student_sees_their_place_in_line_then_their_turn(browser, page, app_url, monkeypatch):
    from playground import jobs

    # one job at a time, as on this 2-core machine, whatever the machine: the line forms behind it
    monkeypatch.setattr(jobs.manager(), "_max_running", 1)
    monkeypatch.setattr(jobs.manager(), "_gpu_jobs", 1)
    open_cnn_tab(page, app_url)
    _start_long_job(page)
    first = page.locator("#cnn-train-status")
    expect(first).to_contain_text("Training on", timeout=120_000)
    other = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")  # another student
    try:
        second = other.new_page()
        second.set_default_timeout(EXPECT_TIMEOUT_MS)
        second.goto(app_url)
        expect(second.get_by_role("tab", name="CNN · 手写数字")).to_be_visible()
        second.get_by_text("训练你自己的 CNN").click()
        for field, value in (("epochs", 50), ("batch_size", 8), ("c1", 4), ("c2", 8)):
            set_number(second, f"cnn-cfg-{field}", value)
        second.locator("#cnn-train-start").click()
        status = second.locator("#cnn-train-status")
        expect(status).to_contain_text("排队中：第 1 位（各会话轮流）")
        page.locator("#cnn-train-stop").click()  # the first student stops: the second's job starts
        expect(first).to_contain_text("Stopped at step")
        expect(status).to_contain_text("上训练", timeout=120_000)
        second.locator("#cnn-train-stop").click()
        expect(status).to_contain_text("已在第")
    finally:
        other.close()
        _stop_active_jobs()


COUNT_REQUESTS = """() => { window.npJoins = 0; window.npTicks = 0; const original = window.fetch;
  window.fetch = function (input, init) {  // an event is a POST to queue/join; the stage's frames, to component_server
    const url = typeof input === 'string' ? input : String((input && input.url) || input);
    if (url.includes('/queue/join')) window.npJoins++;
    if (url.includes('/component_server')) window.npTicks++;
    return original.apply(this, arguments); }; }"""
FRAMES = "() => Number(document.querySelector('#mlp-boundary canvas').dataset.frames || 0)"


def test_fnn_play_moves_the_boundary_and_pause_stops_it(page, app_url):
    page.add_init_script(f"({COUNT_REQUESTS})()")
    page.clock.install()  # the page's clock runs as usual until the test moves it on
    page.goto(app_url)
    page.get_by_role("tab", name="FNN / MLP").click()
    stats = page.locator("#mlp-stats")
    expect(stats).to_contain_text("A fresh network with 1,322 parameters")
    expect(page.locator("#mlp-network img")).to_have_attribute("src", re.compile("^data:image/png;base64,"))
    before = page.evaluate(FRAMES)
    assert before >= 1, "the fresh network's surface is drawn"
    page.locator("#mlp-play").click()
    expect(stats).to_contain_text("Epoch")
    page.wait_for_function("() => /test accuracy (9[5-9]|100)/.test(document.querySelector('#mlp-stats').innerText)",
                           timeout=180_000)  # the default network solves the spirals while we watch
    assert page.evaluate(FRAMES) > before + 10, "the decision boundary is redrawn frame after frame"
    page.locator("#mlp-pause").click()
    expect(page.locator("#mlp-play")).to_be_visible()  # Pause's answer has landed, with the whole frame
    paused, frames, ticks = stats.inner_text(), page.evaluate(FRAMES), page.evaluate("window.npTicks")
    page.clock.run_for(5_000)  # five seconds of the page's time, at once: a loop still running would ask on
    assert page.evaluate("window.npTicks") == ticks, "paused training still asks for frames"
    assert page.evaluate(FRAMES) == frames and stats.inner_text() == paused, "paused training stays paused"
    page.locator("#mlp-step").click()  # one pass, drawn by a Gradio event
    expect(stats).not_to_have_text(paused)
    assert page.evaluate(FRAMES) == frames + 1


HEALTH = """() => { const el = document.querySelector('#mlp-health .np-health-chart');
  if (!el || !el.data) return null;  // not drawn yet
  const drawn = el.data.filter(t => t.x.length && t.y.some(v => v !== null));
  return {layers: [...new Set(drawn.map(t => t.name))].sort(), last: Math.max(0, ...drawn.map(t => t.x[t.x.length - 1]))}; }"""
HEALTH_LAYERS = ["hidden.0.0", "hidden.1.0", "hidden.2.0", "out"]
HISTS = """() => { const el = document.querySelector('#mlp-hists .np-hist-chart');
  if (!el || !el.data || !el._fullLayout) return null;
  return {n: el.data.length, title: el._fullLayout.annotations[0].text}; }"""


def test_fnn_layer_health_is_drawn_when_its_accordion_opens_and_follows_play(page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="FNN / MLP").click()
    stats = page.locator("#mlp-stats")
    expect(stats).to_contain_text("A fresh network")
    page.locator("#mlp-step").click()  # the accordion is closed: the page asks for nothing of it
    expect(stats).to_contain_text("step 22 ")
    assert page.evaluate(HEALTH) is None
    page.locator("#mlp-health-box").get_by_text("Layer health").first.click()
    page.wait_for_function(f"() => {{ const h = ({HEALTH})(); return h && h.layers.join() === '{','.join(HEALTH_LAYERS)}'; }}")
    assert page.evaluate(HEALTH)["last"] == 22  # measured on steps 1 and 22 so far (one in 22: 100 epochs planned)
    page.locator("#mlp-play").click()  # the chart rides along with the loss chart while the network plays
    page.wait_for_function(f"() => {{ const h = ({HEALTH})(); return h.layers.length === 4 && h.last >= 22 * 10; }}")
    # and the histograms of each layer's outputs and gradients follow, from a later measured step than the first
    page.wait_for_function(f"() => {{ const h = ({HISTS})(); return h && h.n === 8 && !h.title.endsWith(' 1'); }}")
    page.locator("#mlp-pause").click()
    expect(page.locator("#mlp-play")).to_be_visible()
    assert page.evaluate(HEALTH)["layers"] == HEALTH_LAYERS


def test_fnn_scenario_sets_up_a_failing_network_and_explains_it(page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="FNN / MLP").click()
    page.get_by_text("Make it fail, then fix it").click()
    page.locator("#mlp-sc-linear").click()
    expect(page.locator("#mlp-scenario")).to_contain_text("no line separates two spirals")
    expect(page.locator("#mlp-layers input[type=number]")).to_have_value("0")
    expect(page.locator("#mlp-stats")).to_contain_text("A fresh network with 6 parameters")  # (2 + 1) · 2
    page.get_by_text("Show the code").click()
    expect(page.locator("#mlp-code")).to_contain_text("nn.Linear(2, 2)")


# Your own points on the FNN's plane: three clusters, their centres left empty (the surface shows there)
CLUSTERS = [(-2.0, -1.5), (2.0, -1.5), (0.0, 2.0)]
RING = [(0.5, 0.0), (0.25, 0.45), (-0.25, 0.45), (-0.5, 0.0), (-0.25, -0.45), (0.25, -0.45)]
PLANE = 3.6  # the plane the stage shows, [-3.6, 3.6]²
PIXEL = """([x, y]) => { const cv = document.querySelector('#mlp-boundary canvas'), lim = 3.6;
  const px = Math.round((x / lim + 1) / 2 * cv.width), py = Math.round((1 - y / lim) / 2 * cv.height);
  return Array.from(cv.getContext('2d').getImageData(px, py, 1, 1).data.slice(0, 3)); }"""


def _at(box, x, y):
    """A point of the plane → where it is on the stage's canvas (its bounding box)."""
    return {"x": (x / PLANE + 1) / 2 * box["width"], "y": (1 - y / PLANE) / 2 * box["height"]}


def _synced(canvas):
    """Wait until the server has the page's last edit of the points."""
    expect(canvas).to_have_attribute("data-answered", canvas.get_attribute("data-edited"))


def test_fnn_learns_points_placed_by_clicking_in_three_classes(page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="FNN / MLP").click()
    stats, canvas = page.locator("#mlp-stats"), page.locator("#mlp-boundary canvas")
    expect(stats).to_contain_text("A fresh network with 1,322 parameters")
    page.locator("#mlp-clear").click()
    expect(stats).to_contain_text("Your own points: 0 so far")
    expect(canvas).to_have_attribute("data-points", "0")
    box = canvas.bounding_box()
    for k, (cx, cy) in enumerate(CLUSTERS):
        page.locator("#mlp-class label").nth(k).click()
        for dx, dy in RING:
            canvas.click(position=_at(box, cx + dx, cy + dy))
        expect(canvas).to_have_attribute("data-points", str(6 * (k + 1)))
        if k == 0:  # one class cannot be trained on: the stage says what is missing, Play says why not
            _synced(canvas)
            expect(stats).to_contain_text("Your own points: 6 so far, of 1 class(es)")
            page.locator("#mlp-play").click()
            refusal = "training needs points of at least two classes; these 6 points have 1"
            expect(page.get_by_text(refusal)).to_be_visible()
    _synced(canvas)
    expect(stats).to_contain_text("A fresh network with 1,347 parameters")  # three outputs: 1,322 + 24 + 1
    expect(page.locator("#mlp-dataset input")).to_have_value("your own points")
    cx, cy = CLUSTERS[0]
    canvas.click(position=_at(box, cx + RING[0][0], cy + RING[0][1]), modifiers=["Shift"])  # erases that point
    expect(canvas).to_have_attribute("data-points", "17")
    _synced(canvas)
    page.locator("#mlp-play").click()
    expect(page.locator("#mlp-class-acc")).to_contain_text("Test accuracy per class:")
    page.wait_for_function("() => /test accuracy 100/.test(document.querySelector('#mlp-stats').innerText)",
                           timeout=180_000)  # three clusters apart: all test points right
    page.locator("#mlp-pause").click()
    expect(page.locator("#mlp-play")).to_be_visible()
    expect(page.locator("#mlp-class-acc")).to_have_text("Test accuracy per class: 0: 100% 1: 100% 2: 100%")
    blue, orange, green = (page.evaluate(PIXEL, list(c)) for c in CLUSTERS)  # the surface at the empty centres
    assert blue[2] > blue[0] and blue[2] > blue[1], blue  # class 0 blue
    assert orange[0] > orange[1] > orange[2], orange  # class 1 orange
    assert green[1] > green[0] and green[1] > green[2], green  # class 2 green
    # a preset and back: your points are still there
    page.locator("#mlp-dataset input").click()
    page.get_by_role("option", name="two spirals").click()
    expect(stats).to_contain_text("A fresh network with 1,322 parameters")
    expect(canvas).to_have_attribute("data-points", "500")
    page.locator("#mlp-dataset input").click()
    page.get_by_role("option", name="your own points").click()
    expect(stats).to_contain_text("A fresh network with 1,347 parameters")
    expect(canvas).to_have_attribute("data-points", "17")


def test_fnn_points_from_a_csv_file_with_bad_lines_and_back_to_a_csv(page, app_url, tmp_path):
    good = [(-2.0, -1.5, 0), (-1.5, -1.0, 0), (2.0, -1.5, 1), (1.5, -1.0, 1), (0.0, 2.0, 2), (0.5, 2.5, 2),
            (0.0, -3.0, 3), (0.5, -3.2, 3)]
    path = tmp_path / "mine.csv"
    lines = ["x,y,label"] + [f"{x},{y},{c}" for x, y, c in good[:4]] + ["oops", "9,9,1"] + \
            [f"{x},{y},{c}" for x, y, c in good[4:]]
    path.write_text("\n".join(lines) + "\n")
    page.goto(app_url)
    page.get_by_role("tab", name="FNN / MLP").click()
    stats, canvas = page.locator("#mlp-stats"), page.locator("#mlp-boundary canvas")
    expect(stats).to_contain_text("A fresh network with 1,322 parameters")
    big = tmp_path / "big.csv"
    big.write_text("0.1234567,0.1234567,1\n" * 12_000)  # 264 kB: over the CSV limit, far under the app's uploads
    with page.expect_file_chooser() as chooser:
        page.locator("#mlp-upload").click()
    chooser.value.set_files(str(big))
    expect(page.get_by_text("the CSV file is 264 kB; at most 200 kB (2000 points)")).to_be_visible()
    expect(canvas).to_have_attribute("data-points", "500")  # the spirals are still there
    with page.expect_file_chooser() as chooser:
        page.locator("#mlp-upload").click()
    chooser.value.set_files(str(path))
    expect(page.get_by_text("Read 8 points from the CSV file; 2 line(s) could not be used and were skipped "
                            "(line 6, 7)")).to_be_visible()
    expect(stats).to_contain_text("A fresh network with 1,372 parameters")  # four outputs: 1,322 + 2 · 25
    expect(canvas).to_have_attribute("data-points", "8")
    with page.expect_download() as download:
        page.locator("#mlp-download").click()
    text = open(download.value.path()).read()
    assert text.splitlines()[0] == "x,y,label"
    assert sorted(tuple(float(v) for v in line.split(",")) for line in text.splitlines()[1:]) == sorted(good)


def test_fnn_own_points_speak_chinese_and_a_bad_csv_loses_nothing(browser, app_url, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(app_url)
        page.get_by_role("tab", name="前馈网络 / MLP").click()
        stats, canvas = page.locator("#mlp-stats"), page.locator("#mlp-boundary canvas")
        expect(stats).to_contain_text("新网络，共 1,322 个参数")
        page.locator("#mlp-clear").click()
        expect(stats).to_contain_text("你自己的点：目前 0 个")
        canvas.click(position=_at(canvas.bounding_box(), 1.0, 1.0))
        _synced(canvas)
        expect(stats).to_contain_text("你自己的点：目前 1 个，共 1 类")
        bad = tmp_path / "bad.csv"
        bad.write_text("hello\nworld,1\n")
        with page.expect_file_chooser() as chooser:
            page.locator("#mlp-upload").click()
        chooser.value.set_files(str(bad))
        expect(page.get_by_text("这个文件里没有可用的行")).to_be_visible()
        expect(canvas).to_have_attribute("data-points", "1")  # the point placed before is still there
        expect(stats).to_contain_text("你自己的点：目前 1 个，共 1 类")
    finally:
        context.close()


HIST = """(sel) => { const gd = document.querySelector(sel); if (!gd || !gd.data || !gd._fullLayout) return null;
  return {n: gd.data.length, titles: gd._fullLayout.annotations.map(a => a.text)}; }"""


def test_a_jobs_histograms_are_shown_at_the_step_the_learner_picks(page, app_url):
    from playground import jobs

    open_cnn_tab(page, app_url)
    page.get_by_text("Train your own CNN").click()
    for field, value in (("epochs", 1), ("batch_size", 128), ("c1", 4), ("c2", 8)):  # 63 steps, 4 with histograms
        set_number(page, f"cnn-cfg-{field}", value)
    page.locator("#cnn-train-start").click()
    expect(page.locator("#cnn-train-status")).to_contain_text("Done", timeout=300_000)
    page.locator("#cnn-train-health-box").get_by_text("Layer health").first.click()
    chart = "#cnn-train-hists .np-hist-chart"
    page.wait_for_function(f"() => ({HIST})('{chart}') !== null")
    job = max((j for j in jobs.manager().jobs(curves=False) if j["arch"] == "cnn" and j["state"] == "done"),
              key=lambda j: j["created"])  # the one this page just trained
    kept = jobs.manager().layer_health(job["id"])
    layers, steps = kept["history"]["layers"], [h["step"] for h in kept["histograms"]]
    newest = page.evaluate(HIST, chart)
    assert newest["n"] == 2 * len(layers)  # outputs and gradients of every layer
    assert all(title.endswith(f"step {steps[-1]}") for title in newest["titles"]), newest
    number = page.locator("#cnn-train-hist-step input[type=number]")
    number.fill(str(steps[1] + 1))
    number.blur()  # the slider's release: the last kept step at or before it
    page.wait_for_function(f"() => ({HIST})('{chart}').titles[0].endsWith('step {steps[1]}')")
