"""Neural Playground: see and train the classic neural networks.

Importing the package loads nothing heavy: data, weights and Gradio are loaded on first use.
"""

__version__ = "0.1.0"


def runs_dir():
    """Where training runs and users' digit collections live: ``$NP_RUNS_DIR``, else ``runs/`` in the
    repository. One rule for the job system (``jobs.records``) and the data layer (``data.collections``)."""
    import os
    from pathlib import Path

    return Path(os.environ.get("NP_RUNS_DIR") or Path(__file__).resolve().parent.parent / "runs")
