"""The generative tab in a real Chromium: move a VAE slider, click the map, draw, generate with the GAN."""

import re

import pytest

from conftest import playwright_expect

pytestmark = pytest.mark.browser
expect = playwright_expect()


def open_vae(page, url):
    page.goto(url)
    page.get_by_role("tab", name="AE · VAE · GAN").click()
    img = page.locator("#vae-decoded img")
    expect(img).to_be_visible()
    expect(page.locator("#vae-map img")).to_be_visible()
    return img


def test_moving_a_latent_slider_changes_the_decoded_digit(page, app_url):
    img = open_vae(page, app_url)
    before = img.get_attribute("src")
    page.locator("#vae-z0 input[type=range]").fill("2.5")
    expect(img).not_to_have_attribute("src", before)
    after = img.get_attribute("src")
    page.locator("#vae-z1 input[type=range]").fill("-2")
    expect(img).not_to_have_attribute("src", after)


def test_clicking_the_latent_map_sets_the_sliders(page, app_url):
    open_vae(page, app_url)
    vmap = page.locator("#vae-map img")
    box = vmap.bounding_box()
    vmap.click(position={"x": box["width"] * 0.9, "y": box["height"] * 0.1})  # top right: z₁ > 0, z₂ > 0
    z1 = page.locator("#vae-z0 input[type=number]")
    z2 = page.locator("#vae-z1 input[type=number]")
    expect(z1).to_have_value(re.compile(r"^2\.\d+$"))
    expect(z2).to_have_value(re.compile(r"^2\.\d+$"))


def test_drawing_a_digit_shows_its_encoding_and_reconstruction(page, app_url):
    open_vae(page, app_url)
    canvas = page.locator("#vae-canvas canvas[data-ready]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy - 50)
    page.mouse.down()
    page.mouse.move(cx, cy + 50, steps=12)
    page.mouse.up()
    expect(page.locator("#vae-status")).to_contain_text("Encoded")
    expect(page.locator("#vae-recon img")).to_be_visible()
    expect(page.locator("#vae-code")).to_contain_text("mu")


def test_gan_tab_generates_and_a_slider_changes_the_digit(page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="AE · VAE · GAN").click()
    page.get_by_role("tab", name="GAN · conditional").click()
    img = page.locator("#gan-out img")
    expect(img).to_be_visible()
    expect(page.locator("#gan-grid img")).to_be_visible()
    expect(page.locator("#gan-status")).to_contain_text("CNN agrees")
    before = img.get_attribute("src")
    page.locator("#gan-z0 input[type=range]").fill("-2.5")
    expect(img).not_to_have_attribute("src", before)


def test_gan_training_charts_both_players_named_in_the_pages_language(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(app_url)
        page.get_by_role("tab", name="自编码器 · VAE · GAN").click()
        page.get_by_role("tab", name="GAN · 条件生成").click()
        page.get_by_text("训练你自己的条件 GAN").click()
        page.locator("#gan-train-start").click()  # the first points are enough: it is stopped below
        legend = page.locator("#gan-train-curves .legendtext")
        expect(legend.filter(has_text="判别器 D 的损失")).to_be_visible(timeout=90_000)
        expect(legend.filter(has_text="生成器 G 的损失")).to_be_visible()
        page.locator("#gan-train-stop").click()
    finally:
        context.close()
