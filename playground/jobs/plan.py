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


def makespan(workers: int, durations: list[float], slowdown=None) -> float:
    """Seconds until the last of ``durations`` ends on ``workers`` slots that start idle, jobs taken in
    order. ``slowdown(k)`` (optional): how much longer a job takes while k jobs share one device
    (1.0 for k = 1), applied to each job by the number of slots busy when it starts."""
    if not durations:
        return 0.0
    if slowdown is None or workers == 1:
        ends = [s + d for s, d in zip(starts([0.0] * workers, durations), durations)]
        return max(ends)
    busy: list[float] = []  # end times of the running jobs
    t = end = 0.0
    for d in durations:
        busy = [e for e in busy if e > t]
        if len(busy) >= workers:
            t = min(busy)
            busy.remove(t)
        e = t + d * slowdown(len(busy) + 1)
        busy.append(e)
        end = max(end, e)
    return end
