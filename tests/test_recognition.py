"""The pretrained CNN on real held-out digits, and on drawings as people make them.

The drawings are made here: held-out MNIST digits re-drawn off-centre, small, large, thick, thin and
slanted on a big canvas, plus digits drawn as pen strokes. Preprocessing is what makes these work.
"""

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from playground import checkpoint, models
from playground.data import digits, drawing

N = 150  # held-out digits per drawing style


@pytest.fixture(scope="module")
def model():
    return checkpoint.pretrained("cnn")[0]


def test_pretrained_cnn_reaches_99_percent_on_held_out_digits(model):
    cnn = models.get("cnn")
    metrics = cnn.evaluate(model, checkpoint.pretrained("cnn")[1])
    assert metrics["val_acc"] >= 0.99, metrics


def _draw(d: np.ndarray, style: str, rng) -> np.ndarray:
    """A held-out digit (28×28 uint8) re-drawn on a 400×400 white canvas in some style → RGB."""
    img = Image.fromarray(d)
    canvas = Image.new("L", (400, 400), 0)
    size, pos = 260, (70, 70)
    if style == "small":
        size = int(rng.integers(50, 80))
        pos = tuple(int(v) for v in rng.integers(0, 400 - size, 2))
    elif style == "large":
        size, pos = 400, (0, 0)
    elif style == "off_centre":
        size = 180
        pos = (int(rng.choice([0, 220])), int(rng.choice([0, 220])))
    big = img.resize((size, size), Image.BICUBIC)
    if style == "thick":
        big = big.filter(ImageFilter.MaxFilter(15))
    elif style == "thin":
        big = big.filter(ImageFilter.MinFilter(7))
    elif style == "slanted":
        shear = float(rng.choice([-0.35, 0.35]))
        big = big.transform(big.size, Image.AFFINE, (1, shear, -shear * size / 2, 0, 1, 0), Image.BICUBIC)
    canvas.paste(big, pos)
    ink = np.asarray(canvas)
    return np.stack([255 - ink] * 3, axis=2)  # black pen on white paper


@pytest.mark.parametrize("style", ["centred", "off_centre", "small", "large", "thick", "thin", "slanted"])
def test_held_out_digits_drawn_in_many_styles_are_recognised(model, style):
    cnn = models.get("cnn")
    x, y = digits.load_digits("test")
    rng = np.random.default_rng(0)
    idx = rng.choice(len(y), N, replace=False)
    correct = 0
    for i in idx:
        digit = drawing.to_mnist(drawing.ink_map(_draw(x[i].numpy(), style, rng)))
        correct += int(cnn.predict(model, digit).argmax()) == int(y[i])
    assert correct / N >= 0.95, f"{style}: {correct}/{N}"


# Pen strokes on a 280×280 canvas, in canvas fractions: what a person does with a mouse.
STROKES = {
    0: [[(0.5, 0.15), (0.3, 0.25), (0.25, 0.5), (0.3, 0.75), (0.5, 0.85), (0.7, 0.75), (0.75, 0.5),
         (0.7, 0.25), (0.5, 0.15)]],
    1: [[(0.5, 0.15), (0.5, 0.85)]],
    2: [[(0.3, 0.3), (0.4, 0.18), (0.6, 0.18), (0.68, 0.32), (0.6, 0.5), (0.3, 0.82), (0.72, 0.82)]],
    3: [[(0.3, 0.2), (0.6, 0.15), (0.68, 0.3), (0.5, 0.47), (0.7, 0.62), (0.65, 0.8), (0.3, 0.82)]],
    4: [[(0.6, 0.15), (0.28, 0.6), (0.72, 0.6)], [(0.6, 0.35), (0.6, 0.88)]],
    7: [[(0.28, 0.2), (0.72, 0.2), (0.42, 0.85)]],
}


def stroke_image(digit: int, width: int, scale: float = 1.0, offset=(0, 0), size: int = 280) -> np.ndarray:
    img = Image.new("L", (size, size), 255)
    pen = ImageDraw.Draw(img)
    for stroke in STROKES[digit]:
        pts = [((x - 0.5) * scale * size + size / 2 + offset[0], (y - 0.5) * scale * size + size / 2 + offset[1])
               for x, y in stroke]
        pen.line(pts, fill=0, width=width, joint="curve")
        for px, py in pts:  # round caps, as a brush leaves
            pen.ellipse([px - width / 2, py - width / 2, px + width / 2, py + width / 2], fill=0)
    return np.asarray(img)


@pytest.mark.parametrize("digit", sorted(STROKES))
@pytest.mark.parametrize("width, scale, offset", [(18, 1.0, (0, 0)), (8, 1.0, (0, 0)), (30, 1.0, (0, 0)),
                                                  (18, 0.4, (-70, 60)), (12, 0.5, (80, -80)),
                                                  (34, 0.45, (0, 0)), (3, 1.0, (0, 0))])
def test_pen_drawn_digits_are_recognised(model, digit, width, scale, offset):
    cnn = models.get("cnn")
    probs = cnn.predict(model, drawing.to_mnist(drawing.ink_map(stroke_image(digit, width, scale, offset))))
    assert int(probs.argmax()) == digit, f"read {int(probs.argmax())} ({probs.max():.0%})"
