"""Refusals meant for a person: a code that names the message, and the values that fill it in.

The layers below the UI (settings, jobs, the FNN's runs) raise :class:`UserError`; its ``str()`` is the
English text, for the command line and logs. The UI shows the same message in the page's language:
``ui/strings/errors.py`` holds each code's English (taken from :data:`MESSAGES`) and 中文.
``data.drawing.ImageError`` is one too, with its own codes for bad pictures.
"""

from __future__ import annotations

MESSAGES = {  # code → English, formatted with the error's params
    "setting_range": "{name} must be a number in [{lo}, {hi}], got {value}",
    "setting_choice": "{name} must be one of {valid}, got {value}",
    "setting_unknown": "unknown setting(s) {names}; valid: {valid}",
    "setting_device": "device must be one of {valid}, got {value}",
    "arch_unknown": "unknown architecture {value}; valid: {valid}",
    "job_unknown": "unknown job {job}",
    "job_no_model": "job {job} has no trained model yet (state: {state})",
    "job_per_owner": "you already have {n} jobs queued or running; wait for one to finish or stop one",
    "job_queue_full": "the queue is full ({n} jobs waiting); try again later",
    "job_storage": "training is unavailable right now: its storage cannot be written ({why}); "
                   "the pretrained models still work",
    "job_not_yours": "this job was started by another session; only it can stop the job",
    "gates_gru_only": "gates={gates} is for the GRU only (cell is {cell}); keep gates=both",
    "setting_start": "start must be \"\" (from scratch), \"pretrained\" or the id of a finished CNN job "
                     "(like cnn-20261203-121314-a1b2c3); got {value}",
    "setting_personal": "personal must be \"\" or the id of a stored collection of digits (64 hex digits); "
                        "got {value}",
    "fnn_too_long": "that is {steps} steps; at most {max} (lower epochs or raise batch_size)",
}


class UserError(ValueError):
    """A refusal with a message for people: ``code`` (a key of ``messages``) and its ``params``."""

    messages = MESSAGES  # a subclass may bring its own codes (data.drawing.ImageError does)

    def __init__(self, code: str, **params):
        self.code, self.params = code, params
        super().__init__(self.messages[code].format(**params))
