"""Hand-designed kernels on a drawing, as a conv layer applies them (issue 19: hands on the parts)."""

import numpy as np
import pytest
import torch

from playground import checkpoint
from playground.models import cnn


def _by_hand(digit, kernel):
    """Cross-correlation with zero padding, one output pixel at a time."""
    k = np.asarray(kernel, dtype=np.float64)
    padded = np.pad(digit.astype(np.float64), 1)
    return np.array([[(padded[i:i + 3, j:j + 3] * k).sum() for j in range(28)] for i in range(28)])


@pytest.mark.parametrize("name", list(cnn.KERNELS))
def test_each_kernel_is_applied_as_a_conv_layer_applies_it(name):
    digit = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    assert np.allclose(cnn.convolve(digit, cnn.KERNELS[name]), _by_hand(digit, cnn.KERNELS[name]), atol=1e-5)


def test_the_kernels_do_what_their_names_say():
    bar = np.zeros((28, 28), np.float32)
    bar[10:18, 8:20] = 1  # a filled rectangle
    top = cnn.convolve(bar, cnn.KERNELS["edge_horizontal"])
    assert top[9, 14] > 0 and top[18, 14] < 0 and top[14, 14] == 0  # its top and bottom edges, not its inside
    assert np.allclose(cnn.convolve(bar, cnn.KERNELS["identity"]), bar)
    outline = cnn.convolve(bar, cnn.KERNELS["laplacian"])
    assert outline[14, 14] == 0 and outline[10, 14] < 0 and outline[9, 14] > 0


@pytest.mark.parametrize("kernel", [[[1, 2], [3, 4]], [[1, 2, 3]], [[float("nan")] * 3] * 3, "edge"])
def test_a_kernel_that_is_no_odd_square_of_numbers_is_refused(kernel):
    with pytest.raises(ValueError):
        cnn.convolve(np.zeros((28, 28)), kernel)


def test_the_learned_first_filters_are_the_first_conv_applied_to_the_drawing():
    model, _, _ = checkpoint.pretrained("cnn")
    digit = np.random.default_rng(1).random((28, 28)).astype(np.float32)
    kernels, outputs = cnn.first_filters(model, digit, n=4)
    assert kernels.shape == (4, 3, 3) and outputs.shape == (4, 28, 28)
    x = (digit - 0.1307) / 0.3081  # the model's input normalisation, written out
    for k, out in zip(kernels, outputs):  # the first conv has no bias (batch norm follows)
        assert np.allclose(out, _by_hand(x, k), atol=1e-4)
