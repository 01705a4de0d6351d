"""The CNN tab's mistakes and the learner's own digits in a real Chromium: find a mistake in two clicks
and open it; keep drawings with a corrected label, remove one, take the collection home."""

import csv
import io
import re
import zipfile

import pytest

from conftest import playwright_expect
from test_browser import draw, open_cnn_tab, predicted

pytestmark = pytest.mark.browser
expect = playwright_expect()


def test_a_mistake_is_found_in_two_clicks_and_opened_as_if_it_had_been_drawn(page, app_url):
    open_cnn_tab(page, app_url)
    page.locator("#cnn-fails").get_by_text("Where it fails").click()  # click 1
    cells = page.locator("#cnn-confusion button.np-cell")
    expect(cells).to_have_count(100)
    expect(page.locator("#cnn-fails-summary")).to_contain_text("mistakes in 2000 held-out digits")
    mistakes = [c for c in cells.all() if c.get_attribute("data-t") != c.get_attribute("data-p")
                and "np-zero" not in (c.get_attribute("class") or "")]
    assert mistakes, "the pretrained model makes no mistake on the held-out digits?"
    cell = mistakes[0]
    t, p, n = cell.get_attribute("data-t"), cell.get_attribute("data-p"), int(cell.inner_text())
    cell.click()  # click 2
    thumbs = page.locator("#cnn-fails-digits .np-thumb")
    expect(thumbs).to_have_count(min(n, 24))
    expect(page.locator("#cnn-fails-digits")).to_contain_text(f"written {t}, read as {p}")
    expect(page.locator(f'#cnn-confusion button.np-picked[data-t="{t}"][data-p="{p}"]')).to_have_count(1)
    thumbs.first.click()  # open it: on the pad, with every view of a drawing
    expect(page.locator("#cnn-status")).to_contain_text(re.compile(rf"Held-out digit #\d+ \(written {t}\).*read as {p}"))
    expect(predicted(page)).to_have_text(p)  # the matrix's own answer: the very digit it counted
    expect(page.locator("#cnn-truth input[value='%s']" % t)).to_be_checked()  # ready to keep, rightly labelled
    expect(page.locator("#cnn-saliency img")).to_be_visible()
    expect(page.locator("#cnn-conv4 img")).to_be_visible()
    ink = page.evaluate("""() => { const c = document.querySelector('#cnn-canvas canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n; }""")
    assert ink > 1000, "the opened digit is not on the pad"


def test_drawings_are_kept_with_the_label_the_learner_gives_and_go_home_as_a_zip(page, app_url, tmp_path):
    open_cnn_tab(page, app_url)
    draw(page, 7)
    expect(page.locator("#cnn-truth input[value='7']")).to_be_checked()  # the model's reading, picked for you
    page.locator("#cnn-truth").get_by_text("1", exact=True).click()  # the learner says otherwise
    page.locator("#cnn-keep").click()
    strip = page.locator("#cnn-collection .np-thumb")
    expect(strip).to_have_count(1)
    expect(strip.first).to_contain_text("1")
    expect(page.locator("#cnn-collection-line")).to_contain_text("1 of at most 200 digits kept · 1: 1")
    expect(predicted(page)).to_have_count(0)  # the pad is cleared for the next digit
    page.locator("#cnn-keep").click()  # nothing on the pad: refused, the collection stays
    expect(page.locator(".toast-body").filter(has_text="Draw a digit on the pad first")).to_be_visible()
    draw(page, 0)
    expect(page.locator("#cnn-truth input[value='0']")).to_be_checked()
    page.locator("#cnn-keep").click()
    expect(strip).to_have_count(2)
    strip.first.locator(".np-x").click()  # the 7 called 1 leaves
    expect(strip).to_have_count(1)
    expect(page.locator("#cnn-collection-line")).to_contain_text("1 of at most 200 digits kept · 0: 1")
    with page.expect_download() as got:
        page.locator("#cnn-collection-download").click()
    with zipfile.ZipFile(got.value.path()) as z:
        rows = list(csv.reader(io.StringIO(z.read("labels.csv").decode())))
        assert rows == [["file", "label"], ["digit-001.png", "0"]]
        assert z.read("digit-001.png")[:4] == b"\x89PNG"
    home = tmp_path / "my-digits.zip"
    got.value.save_as(home)
    page.locator("#cnn-collection-clear").click()
    expect(strip).to_have_count(0)
    expect(page.locator("#cnn-collection-line")).to_contain_text("No digits kept yet")
    with page.expect_file_chooser() as chooser:  # and back again, as on another day
        page.locator("#cnn-collection-upload").click()
    chooser.value.set_files(str(home))
    expect(strip).to_have_count(1)
    expect(page.locator("#cnn-collection-line")).to_contain_text("0: 1")


def test_a_hand_designed_kernel_is_tried_on_the_drawing_beside_the_learned_ones(page, app_url):
    open_cnn_tab(page, app_url)
    page.locator("#cnn-kernels").get_by_text("Hands on").click()
    draw(page, 7)
    expect(page.locator("#cnn-kernel-out img")).to_be_visible()
    expect(page.locator("#cnn-kernel-learned img")).to_be_visible()
    first = page.locator("#cnn-kernel-out img").get_attribute("src")
    page.locator("#cnn-kernel-preset input").click()
    page.get_by_role("option", name="Laplacian (outlines)").click()
    expect(page.locator("#cnn-kernel tbody")).to_contain_text("-4")
    expect(page.locator("#cnn-kernel-out img")).not_to_have_attribute("src", first)  # another picture


def test_three_drawings_one_corrected_fine_tune_the_model_and_the_page_uses_it(page, app_url, tmp_path):
    open_cnn_tab(page, app_url)
    for digit, say in ((7, "1"), (1, None), (0, None)):
        draw(page, digit)
        expect(page.locator(f"#cnn-truth input[value='{digit}']")).to_be_checked()
        if say:
            page.locator("#cnn-truth").get_by_text(say, exact=True).click()
        page.locator("#cnn-keep").click()
        expect(predicted(page)).to_have_count(0)  # kept, and the pad cleared for the next one
    expect(page.locator("#cnn-collection .np-thumb")).to_have_count(3)
    page.locator("#cnn-finetune").click()
    expect(page.locator("#cnn-finetune-result")).to_contain_text("Fine-tuning on your 3 digits")
    expect(page.locator("#cnn-train-status")).to_be_visible()  # the Train panel opened and follows the job
    job = re.search(r"job (cnn-\S+?)\.", page.locator("#cnn-finetune-result").inner_text()).group(1)
    result = page.locator("#cnn-finetune-result")
    expect(result).to_contain_text(f"Fine-tune {job} finished", timeout=600_000)  # a job on a busy CPU
    expect(result.locator("table")).to_contain_text("the 2,000 held-out MNIST digits")
    page.locator("#cnn-train-health-box").get_by_text("Layer health").first.click()
    expect(page.locator("#cnn-train-health .np-health-chart .main-svg").first).to_be_visible()  # drawn
    page.locator("#cnn-train-health").screenshot(path=str(tmp_path / "health.png"))
    page.locator("#cnn-train-use").click()
    draw(page, 0)
    expect(page.locator("#cnn-status")).to_contain_text(f"your job {job}")
