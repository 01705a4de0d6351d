"""The RNN tab in a real Chromium: type a prompt, continue it, see the continuation and the heatmaps."""

import pytest

from conftest import IN_CI, playwright_expect
from playground import checkpoint

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not IN_CI and not (checkpoint.PRETRAINED / "charlm_lstm").is_dir(),
                                 reason="pretrained char models not built yet")]
expect = playwright_expect()


def open_rnn_tab(page, url):
    page.goto(url)
    page.get_by_role("tab", name="RNN · LSTM · GRU").click()
    prompt = page.locator("#rnn-prompt textarea")
    expect(prompt).to_be_visible()
    return prompt


def test_typing_a_prompt_and_continuing_shows_the_continuation_and_the_heatmaps(page, app_url):
    prompt = open_rnn_tab(page, app_url)
    prompt.fill("")
    prompt.press_sequentially("It was the whale", delay=20)  # typed as a person would
    page.locator("#rnn-cell").get_by_text("GRU", exact=True).click()
    page.locator("#rnn-continue").click()
    expect(page.locator("#rnn-status")).to_contain_text("pretrained GRU")
    expect(page.locator("#rnn-status")).to_contain_text("wrote 200 characters")
    expect(page.locator("#rnn-output .rnn-prompt")).to_have_text("It was the whale")
    generated = page.locator("#rnn-output .rnn-gen")
    expect(generated).to_be_visible()
    assert len(generated.inner_text()) >= 150  # 200 characters, some of them trailing spaces or newlines
    # the prompt and the continuation look different
    colors = page.evaluate("""() => ['.rnn-prompt', '.rnn-gen'].map(
        s => getComputedStyle(document.querySelector('#rnn-output ' + s)).color)""")
    assert colors[0] != colors[1]
    # the heatmaps: hidden state and the GRU's three gates, one column per typed character
    heat = page.locator("#rnn-heatmap .js-plotly-plot")
    expect(heat).to_be_visible()
    expect(page.locator("#rnn-heatmap .gtitle, #rnn-heatmap .annotation-text")).to_have_count(4)
    expect(page.locator("#rnn-heatmap").get_by_text("update gate z (share kept)")).to_be_visible()
    # hovering a cell of the top panel shows its character and value
    page.locator("#rnn-heatmap").scroll_into_view_if_needed()
    box = page.locator("#rnn-heatmap .nsewdrag").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.mouse.move(box["x"] + box["width"] * 0.97, box["y"] + box["height"] * 0.5, steps=8)
    expect(page.locator("#rnn-heatmap .hoverlayer")).to_contain_text("character 'e'", timeout=10_000)
    # the next-character bars after the prompt
    expect(page.locator("#rnn-bars .js-plotly-plot")).to_be_visible()


def test_an_unknown_character_is_reported_and_the_rest_is_continued(page, app_url):
    prompt = open_rnn_tab(page, app_url)
    prompt.fill("The sea 🌊 was calm")
    page.locator("#rnn-continue").click()
    expect(page.locator("#rnn-status")).to_contain_text("Left out 1 character")
    expect(page.locator("#rnn-output .rnn-prompt")).to_have_text("The sea  was calm")
    expect(page.locator("#rnn-output .rnn-gen")).to_be_visible()


def test_the_long_range_results_and_lstm_gates_are_on_the_page(page, app_url):
    open_rnn_tab(page, app_url)
    expect(page.locator("#rnn-acc-plot .js-plotly-plot")).to_be_visible()
    expect(page.locator("#rnn-acc-table table")).to_contain_text("LSTM")
    expect(page.locator("#rnn-grad-plot .js-plotly-plot")).to_be_visible()
    # on load the heatmaps already show the default prompt through the LSTM: h, c and four gates
    expect(page.locator("#rnn-heatmap").get_by_text("forget gate f")).to_be_visible()
