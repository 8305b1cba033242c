"""Server-drawn bar charts of DHIS2's reporting rates (V.2): the geometry is computed here as
whole numbers so the template only places it inside an inline SVG that scales by its viewBox
(no script: the site's CSP allows none inline)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.formats import number_format

from .selectors import Completeness

PLOT_HEIGHT = 160  # 100 % of a bar
TOP = 40  # room for the value, written upwards, above a full bar
LEFT = 36  # room for the axis labels
BAR = 16
GAP = 2  # between a group's two bars
NARROW = 44  # a group's width, its margin included: years (nine fit a phone's width)
WIDE = 84  # for groups named in words (kinds of unit), on two lines
LABEL_LINES = 2


@dataclass(frozen=True)
class Bar:
    measure: str  # "completeness" or "timeliness"
    x: int
    y: int
    height: int
    text: str  # the value, localised ("33,3%"), or "—" when nothing was expected

    @property
    def centre(self) -> int:
        return self.x + BAR // 2

    @property
    def text_y(self) -> int:
        return self.y - 3


@dataclass(frozen=True)
class Group:
    label: str
    lines: list[str]
    x: int  # the group's left edge
    centre: int
    bars: list[Bar]
    counts: Completeness


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    axis: str  # what a group is: "Year", "Kind of unit"
    groups: list[Group]
    width: int
    height: int
    baseline: int
    ticks: list[tuple[int, str]]  # y, label of the 0 / 50 / 100 % lines
    label_y: int


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{number_format(round(100 * value, 1), 1)}%"


def _lines(label: str, width: int = 12) -> list[str]:
    """A long name under its group on up to two lines, cut at a word."""
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    if len(lines) > LABEL_LINES:
        lines = [*lines[: LABEL_LINES - 1], " ".join(lines[LABEL_LINES - 1 :])]
        lines[-1] = lines[-1][: width - 1] + "…" if len(lines[-1]) > width else lines[-1]
    return lines


def bar_chart(
    *,
    id: str,
    title: str,
    axis: str,
    rows: Iterable[tuple[str, Completeness]],
    group: int = NARROW,
) -> Chart:
    """One group per row (a year, a kind of unit): its completeness and timeliness bars."""
    baseline = TOP + PLOT_HEIGHT
    groups = []
    margin = (group - 2 * BAR - GAP) // 2
    for index, (label, counts) in enumerate(rows):
        left = LEFT + index * group + margin
        bars = []
        for offset, (measure, rate) in enumerate(
            (("completeness", counts.completeness), ("timeliness", counts.timeliness))
        ):
            height = round((rate or 0) * PLOT_HEIGHT)
            bars.append(
                Bar(
                    measure=measure,
                    x=left + offset * (BAR + GAP),
                    y=baseline - height,
                    height=height,
                    text=_percent(rate),
                )
            )
        groups.append(
            Group(
                label=str(label),
                lines=_lines(str(label), width=max(group // 6, 6)),
                x=left,
                centre=left + BAR + GAP // 2,
                bars=bars,
                counts=counts,
            )
        )
    ticks = [(baseline - PLOT_HEIGHT * share // 100, f"{share}%") for share in (0, 50, 100)]
    return Chart(
        id=id,
        title=title,
        axis=axis,
        groups=groups,
        width=LEFT + max(len(groups), 1) * group + 4,
        height=baseline + 16 + 14 * LABEL_LINES,
        baseline=baseline,
        ticks=ticks,
        label_y=baseline + 16,
    )
