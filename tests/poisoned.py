"""A test architecture: the CNN whose loss becomes NaN after a few steps, as a diverging run's does.

(Our CNN with batch norm and gradient clipping does not reach NaN even at lr 10: its ReLUs die and
it sits at chance. This module makes the job system's NaN path testable end to end.)
"""

from playground.models.cnn import TINY, Config, build, evaluate, train_data  # noqa: F401
from playground.models import cnn

POISON_AFTER = 8
_calls = {"n": 0}


def loss(model, batch):
    _calls["n"] += 1
    value, extra = cnn.loss(model, batch)
    return (value * float("nan") if _calls["n"] > POISON_AFTER else value), extra
