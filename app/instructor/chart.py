"""The score distribution chart: ten bands of ten percentage points, drawn on the server as SVG.

Geometry is worked out here so the template only places shapes; the SVG's user units are sized so that,
drawn no narrower than its minimum width (app.css), every label is at least 12 px.
"""
from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 600, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 28, 52  # margins for the axis labels
BANDS = 10


@dataclass(frozen=True)
class Bar:
    label: str  # "70–79" (percent)
    count: int
    x: float
    y: float
    width: float
    height: float

    @property
    def middle(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class ScoreChart:
    bars: list[Bar]
    total: int
    top: int  # the y axis' highest value
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    base: int = HEIGHT - BOTTOM  # the y of the x axis

    @property
    def busiest(self) -> Bar | None:
        return max(self.bars, key=lambda b: b.count) if self.total else None

    @property
    def summary(self) -> str:
        """The chart in one sentence, for its description."""
        if not self.total:
            return "No graded attempts yet."
        shown = [f"{b.label}%: {b.count}" for b in self.bars if b.count]
        return (f"{self.total} attempts by score band; the most ({self.busiest.count}) scored "
                f"{self.busiest.label}%. " + "; ".join(shown) + ".")


def band_of(score: float) -> int:
    """0 for 0–9%, ..., 9 for 90–100% (100% is counted with the nineties)."""
    return min(BANDS - 1, max(0, int(score // 10)))


def score_chart(histogram: list[tuple[float, int]]) -> ScoreChart:
    """The chart of a histogram of (score percent, attempts)."""
    counts = [0] * BANDS
    for score, count in histogram:
        counts[band_of(score)] += count
    top = max(max(counts), 1)
    slot = (WIDTH - LEFT - RIGHT) / BANDS
    plot = HEIGHT - TOP - BOTTOM
    bars = []
    for band, count in enumerate(counts):
        height = plot * count / top
        label = f"{band * 10}–{band * 10 + 9}" if band < BANDS - 1 else "90–100"
        bars.append(Bar(label, count, LEFT + band * slot + 4, HEIGHT - BOTTOM - height, slot - 8, height))
    return ScoreChart(bars, sum(counts), top)
