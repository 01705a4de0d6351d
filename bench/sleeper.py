"""A benchmark architecture: the CNN whose every step also sleeps ``SLEEP`` seconds, so a job's length is
known and costs almost no CPU. ``bench/classroom.py`` runs forty of them on a Ray cluster of several
nodes on one machine to check its simulation's predicted makespan against a real run."""

import time

from playground.models.cnn import Config, build, evaluate, train_data  # noqa: F401
from playground.models import cnn

SLEEP = 0.1  # seconds per step
CONFIG = {"c1": 4, "c2": 8, "hidden": 16, "dropout": 0.0, "batch_size": 256, "epochs": 1, "augment": False}


def loss(model, batch):
    time.sleep(SLEEP)
    return cnn.loss(model, batch)
