"""What the models learn from, and what users give them: one module per kind of data.

- ``digits``: the bundled handwritten digits (MNIST), their batches and their augmentation;
- ``drawing``: a drawing or photo from a user → an MNIST-style 28×28 digit;
- ``points``: two-class toy datasets in the plane (the FNN tab);
- ``text``: the bundled *Moby-Dick* corpus and its characters (the RNN and Transformer tabs).

What they share lives here: where the bundled files are, and the shuffled index batches that the
digits and the points are served in. Importing them loads no data (each loads on first use) and none imports
Gradio: they also run on a bare GPU box with torch, numpy, safetensors and Pillow.
"""

from __future__ import annotations

from pathlib import Path

import torch

ASSETS = Path(__file__).resolve().parent.parent / "assets"  # the bundled digits and corpus, and their licences


def batch_indices(n: int, batch_size: int, generator: torch.Generator | None = None,
                  shuffle: bool = True, device: torch.device | str = "cpu"):
    """Yield index tensors covering ``range(n)`` once, in random order when ``shuffle``."""
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    order = order.to(device)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]
