"""Progress against a training plan: how many should be trained by now, and are we on track."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

ON_TRACK_TOLERANCE = 0.10  # within 10% of the pro-rata target counts as on track


class Pace(StrEnum):
    """How a target group is doing against its pro-rata target."""

    NOT_STARTED = "not_started"
    NO_TARGET = "no_target"
    BEHIND = "behind"
    ON_TRACK = "on_track"
    AHEAD = "ahead"
    DONE = "done"


@dataclass(frozen=True)
class Progress:
    """One target group's numbers in one period."""

    trained: int
    target: int
    expected_now: float
    elapsed: float  # share of the period that has passed, 0..1
    pace: Pace

    @property
    def shortfall(self) -> int:
        """How many residents behind the pro-rata target (0 if not behind)."""
        return max(0, round(self.expected_now) - self.trained)

    @property
    def percent_of_target(self) -> int:
        """Trained as a whole percentage of the target (0 without a target)."""
        return round(100 * self.trained / self.target) if self.target else 0


def elapsed_share(start: date, end: date, today: date) -> float:
    """The share of a period [start, end] (whole days, inclusive) that has passed by today."""
    if today < start:
        return 0.0
    if today >= end:
        return 1.0
    total = (end - start).days + 1
    passed = (today - start).days + 1  # today counts as a day worked
    return passed / total


def progress(*, trained: int, target: int, start: date, end: date, today: date) -> Progress:
    """Compare trained residents with the target pro rata to elapsed time."""
    share = elapsed_share(start, end, today)
    expected = target * share
    if target <= 0:
        pace = Pace.NO_TARGET
    elif trained >= target:
        pace = Pace.DONE
    elif today < start:
        pace = Pace.NOT_STARTED
    elif today > end:
        pace = Pace.BEHIND  # the period is over and the target was missed
    elif trained < expected * (1 - ON_TRACK_TOLERANCE):
        pace = Pace.BEHIND
    elif trained > expected * (1 + ON_TRACK_TOLERANCE):
        pace = Pace.AHEAD
    else:
        pace = Pace.ON_TRACK
    return Progress(trained=trained, target=target, expected_now=expected, elapsed=share, pace=pace)
