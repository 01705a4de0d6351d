"""When will a queued job start and end? List scheduling over a pool of slots, as the scheduler runs it.

Both the scheduler's wait estimates (what a student in the queue is told) and ``bench/classroom.py``'s
discrete-event simulation of a class on N workers use these two functions, so the estimate shown in
the page is the model the benchmark checks against real runs. Pure Python, no torch.
"""

from __future__ import annotations

import heapq


def starts(free_at: list[float], durations: list[float | None]) -> list[float | None]:
    """Seconds from now until each job starts, the jobs taken in order by the first slot to come free.

    ``free_at``: one entry per slot, the seconds until it is free (0 for an idle slot). ``durations``:
    each queued job's expected run time, in launch order. A job of unknown duration (``None``) still
    gets its start, but every job after it gets ``None``: an estimate is given only where it is honest.
    """
    if not free_at:
        return [None] * len(durations)
    slots = list(free_at)
    heapq.heapify(slots)
    out: list[float | None] = []
    known = True
    for d in durations:
        if not known:
            out.append(None)
            continue
        t = heapq.heappop(slots)
        out.append(t)
        if d is None:
            known = False
        else:
            heapq.heappush(slots, t + d)
    return out


def simulate(workers: int, durations: list[float], arrivals: list[float] | None = None,
             slowdown=None) -> list[tuple[float, float]]:
    """A discrete-event simulation of ``durations`` (in the order they are served) on ``workers`` slots:
    each job starts when it has arrived (``arrivals``, seconds; all at 0 when not given) and a slot is
    free. ``slowdown(k)`` (optional): how much longer a job takes when it starts while k jobs (itself
    included) share one device (1.0 for k = 1). Returns each job's (start, end)."""
    arrivals = arrivals if arrivals is not None else [0.0] * len(durations)
    ends: list[float] = []  # end times of the jobs started so far, one heap of busy slots
    out = []
    for arrive, d in zip(arrivals, durations):
        busy = [e for e in ends if e > arrive]
        start = arrive if len(busy) < workers else sorted(busy)[len(busy) - workers]
        running = sum(e > start for e in ends) + 1
        end = start + d * (slowdown(running) if slowdown else 1.0)
        ends.append(end)
        out.append((start, end))
    return out


def makespan(workers: int, durations: list[float], arrivals: list[float] | None = None, slowdown=None) -> float:
    """Seconds from the first arrival until the last job ends (see :func:`simulate`)."""
    if not durations:
        return 0.0
    runs = simulate(workers, durations, arrivals, slowdown)
    return max(end for _, end in runs) - min(arrivals or [0.0])
