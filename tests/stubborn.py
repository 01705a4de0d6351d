"""A test architecture: the CNN whose training hangs after a few steps, deaf to Stop, as a stuck job's
does (a step that blocks in I/O or in a library). The job system must end it by force after its grace."""

import time

from playground.models.cnn import TINY, Config, build, evaluate, train_data  # noqa: F401
from playground.models import cnn

HANG_AFTER = 5
_calls = {"n": 0}


def loss(model, batch):
    _calls["n"] += 1
    if _calls["n"] > HANG_AFTER:
        time.sleep(3600)
    return cnn.loss(model, batch)
