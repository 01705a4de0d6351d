"""The Transformer tab in a real Chromium: type text, see the attention heatmap, solve the reverse task."""

import re

import pytest

from conftest import playwright_expect

pytestmark = pytest.mark.browser
expect = playwright_expect()


def open_tab(page, url):
    page.goto(url)
    box = page.locator("#transformer-input textarea")
    for attempt in range(3):  # a click that lands before the page is live does nothing: click again
        page.get_by_role("tab", name="Transformer").click()
        try:
            expect(box).to_be_visible(timeout=10_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    return box


def heatmap_text(page) -> str:
    """The tick labels of the one-head heatmap: the characters the model read, as plotly drew them."""
    ticks = page.locator("#transformer-head-map .xtick text")
    return "".join(ticks.all_text_contents())


def test_typing_text_draws_its_attention_heatmap_with_the_characters_as_ticks(page, app_url):
    box = open_tab(page, app_url)
    expect(page.locator("#transformer-status")).to_contain_text("tokens")
    box.fill("")
    box.press_sequentially("Ahoy whale", delay=20)
    expect(page.locator("#transformer-status")).to_contain_text("10 tokens")
    heat = page.locator("#transformer-head-map .heatmaplayer")
    expect(heat).to_be_visible()
    expect(page.locator("#transformer-head-map .xtick text").first).to_have_text("A")
    assert heatmap_text(page) == "Ahoy␣whale"
    # hovering the bottom-left cell names the query (the last character) and the key (the first) and the weight
    area = page.locator("#transformer-head-map .nsewdrag").first.bounding_box()
    page.mouse.move(area["x"] + area["width"] * 0.03, area["y"] + area["height"] * 0.97)
    hover = page.locator("#transformer-head-map .hovertext")
    expect(hover).to_contain_text("query #9 “e”")
    expect(hover).to_contain_text("key #0 “A”")
    expect(hover).to_contain_text(re.compile(r"weight 0\.\d{3}"))
    # the "all heads" grid holds one heatmap per head of the layer
    expect(page.locator("#transformer-grid .heatmaplayer")).to_have_count(4)
    expect(page.locator("#transformer-formula")).to_contain_text("T = 10")


def test_picking_another_head_redraws_the_map(page, app_url):
    open_tab(page, app_url)
    expect(page.locator("#transformer-status")).to_contain_text("tokens")
    title = page.locator("#transformer-head-map .gtitle")
    expect(title).to_contain_text("head 1")
    page.locator("#transformer-head").get_by_text("3", exact=True).click()
    expect(title).to_contain_text("L1 · head 3")
    page.locator("#transformer-layer").get_by_text("2", exact=True).click()
    expect(title).to_contain_text("L2 · head 3")


def test_unknown_characters_are_reported_and_the_rest_is_shown(page, app_url):
    box = open_tab(page, app_url)
    expect(page.locator("#transformer-status")).to_contain_text("tokens")
    box.fill("sea 🐳 ho")
    expect(page.locator("#transformer-status")).to_contain_text("does not know: 🐳")
    expect(page.locator("#transformer-status")).to_contain_text("7 tokens")


def test_the_reverse_task_is_solved_on_the_page(page, app_url):
    open_tab(page, app_url)
    page.locator("#transformer-task").get_by_text("Reverse").click()
    box = page.locator("#transformer-input textarea")
    expect(box).to_have_value("31415926>62951413")
    expect(page.locator("#transformer-status")).to_contain_text("17 tokens")
    expect(page.locator("#transformer-grid .heatmaplayer")).to_have_count(2)
    expect(page.locator("#transformer-head-map .gtitle")).to_contain_text("L2 · head 1")  # the readable layer
    box.fill("27182818")
    page.locator("#transformer-solve").click()
    expect(page.locator("#transformer-answer")).to_contain_text("81828172")
    expect(page.locator("#transformer-answer")).to_contain_text("right")


def test_switching_a_head_off_shows_what_it_was_doing(page, app_url):
    open_tab(page, app_url)
    page.locator("#transformer-task").get_by_text("Reverse").click()
    expect(page.locator("#transformer-status")).to_contain_text("17 tokens")
    page.locator("#transformer-prune").get_by_text("Switch heads off").click()
    heads = page.locator("#transformer-heads-off label")
    expect(heads).to_have_count(4)  # the reverse model: 2 layers × 2 heads
    page.locator("#transformer-prune-measure").click()
    expect(page.locator(".toast-body").filter(has_text="Tick at least one head")).to_be_visible()
    page.locator("#transformer-prune-each").click()
    table = page.locator("#transformer-pruned table")
    expect(table.locator("tbody tr")).to_have_count(5)  # all heads, then each one off
    cells = table.locator("tbody tr").first.locator("td")
    expect(cells.nth(2)).to_have_text("100.0%")
    worst = table.locator("tbody tr").nth(1).locator("td")
    name, broken = worst.first.inner_text(), worst.nth(2).inner_text()
    assert float(broken.rstrip("%")) < 95, name  # the most harmful head breaks the task
    heads.filter(has_text=name).click()
    page.locator("#transformer-prune-measure").click()
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").nth(1)).to_contain_text(f"without {name}")
    expect(table.locator("tbody tr").nth(1).locator("td").nth(2)).to_have_text(broken)  # the same, measured alone
