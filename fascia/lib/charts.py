"""Charts as self-contained SVG, drawn by pygal: one picture for pages, PDFs and browsers without JavaScript.

Every chart here is fixed in size, styled in Fascia's colours and carries neither script nor anything fetched
from the network, so it works as an `<img src="data:image/svg+xml;base64,...">` under the page's strict CSP and
in WeasyPrint. Pages show it as an image with an alt text and keep a table of the same numbers beside it (the
accessible source). Rendering the same data twice gives the same bytes: pygal's random chart id is replaced by a
fixed one, and its comments (one carries today's date) and its script are dropped.

Domain-free: the callers translate the words (`Words`) and format the dates (`date_label`).
"""

import base64
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from xml.etree import ElementTree

import pygal
from pygal.style import Style

# Fascia's palette (static/css/fascia.css): teal for the scores, a dark green for goals, a dark ochre and purple
# for further lines. Each line colour has at least 4.5:1 contrast against white, and nothing is told by colour alone:
# goals are dashed, the MCID band is hatched, and every series is named in the legend.
TEAL = "#0b5d63"
GREEN = "#146c43"
OCHRE = "#8a5a00"
PURPLE = "#5b2a86"
BLUE = "#2a5db0"
SLATE = "#3d4449"
MID_TEAL = "#3f8f94"  # bars: 3.8:1 against white (graphics need 3:1); the near-black whiskers 4.2:1 on it
BAND = "#0b5d63"  # the hatch lines; the band's ground is a pale teal
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"  # DejaVu ships with WeasyPrint's usual hosts

WIDTH, HEIGHT = 560, 320  # small enough that the words stay legible scaled down to a phone
SCORE_HEIGHT = 380  # room for a legend row per series under the plot
GOAL_DASHES = ("10, 6", "3, 5")
DASHES = ("none", "10, 5", "3, 4", "14, 4, 3, 4")  # the trend lines differ by more than their colour
BAR_ROW = 46  # height per bar in a rate chart

STYLE_WORDS: dict[str, Any] = dict(  # noqa: C408
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1d2327",
    foreground_strong="#1d2327",
    foreground_subtle="#4a5558",
    font_family=FONT,
    title_font_size=18,
    label_font_size=15,
    major_label_font_size=15,
    legend_font_size=15,
    value_font_size=14,
    value_label_font_size=14,
    tooltip_font_size=14,
    no_data_font_size=22,
    guide_stroke_color="#cfd8da",
    major_guide_stroke_color="#cfd8da",
    opacity="1",
    opacity_hover="1",
    stroke_opacity="1",
    stroke_opacity_hover="1",
    stroke_width="3",
    stroke_width_hover="3",
    transition="0s",
)
STYLE = Style(**STYLE_WORDS, colors=(TEAL, OCHRE, PURPLE, BLUE, GREEN, SLATE))
RATE_STYLE = Style(**STYLE_WORDS, colors=(MID_TEAL,))  # light enough for the black whiskers to show on it

HATCH_ID = "fascia-hatch"
HATCH = (
    f'<pattern id="{HATCH_ID}" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
    f'<rect width="8" height="8" fill="#dcefef"/>'
    f'<line x1="0" y1="0" x2="0" y2="8" stroke="{BAND}" stroke-width="1.5" stroke-opacity="0.55"/>'
    "</pattern>"
)


@dataclass(frozen=True)
class Words:
    """The words a chart shows, translated by the caller."""

    score: str = "Score"
    goal: str = "Goal"
    band: str = "Smallest change that matters"
    no_data: str = "No data"


def _iso(day: date) -> str:
    return day.isoformat()


def _short(days: Sequence[date]) -> Callable[[date], str]:
    """Axis labels short enough for six to fit side by side: "Sep 14" within one year, "Sep 2025" across years."""
    if len({d.year for d in days}) <= 1:
        return lambda day: f"{day:%b} {day.day}"
    return lambda day: f"{day:%b %Y}"


def _clean(root: ElementTree.Element) -> ElementTree.Element:
    """pygal's xml filter: drop its comments (one dates the render, two are URLs) and its script."""
    for parent in list(root.iter()):
        for child in list(parent):
            if not isinstance(child.tag, str) or child.tag.endswith("script"):  # a comment's tag is a function
                parent.remove(child)
    return root


def _render(chart: Any, name: str) -> str:
    chart.uuid = name  # a fixed id for the CSS to scope to, instead of a random one per render
    chart.add_xml_filter(_clean)
    return str(chart.render(is_unicode=True))


def _config(
    *, title: str, width: int, height: int, words: Words, css: Sequence[str] = (), style: Style = STYLE
) -> dict[str, Any]:
    return {
        "title": title,
        "width": width,
        "height": height,
        "style": style,
        "js": [],
        "css": ["file://style.css", "file://graph.css", *css],
        "disable_xml_declaration": True,
        "no_data_text": words.no_data,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 2,  # pygal's default squeezes each name into a third of the width
        "legend_box_size": 14,
        "truncate_legend": -1,
        "truncate_label": -1,
        "margin": 16,
        "margin_right": 40,  # room for the last date label
        "dots_size": 4,
        "show_x_guides": False,
        "show_y_guides": True,
    }


def _number(value: float) -> str:
    return f"{value:g}"


def _ticks(days: Sequence[date], most: int = 6) -> list[date]:
    """At most `most` of the dates, evenly picked, always the first and the last."""
    unique = sorted(set(days))
    if len(unique) <= most:
        return unique
    step = (len(unique) - 1) / (most - 1)
    return [unique[round(i * step)] for i in range(most)]


def score_chart(
    points: Sequence[tuple[date, float]],
    *,
    title: str,
    y_range: tuple[float, float],
    higher_is_better: bool,
    goal: float | None = None,
    mcid_band: tuple[float, float] | None = None,
    goals: Sequence[float] = (),
    words: Words = Words(),  # noqa: B008 — frozen, so one shared default is safe
    date_label: Callable[[date], str] = _iso,
    width: int = WIDTH,
    height: int = SCORE_HEIGHT,
) -> str:
    """One patient's scores over time (oldest first) on the instrument's whole `y_range`, with the goal as a
    dashed line and the MCID band hatched: the band runs from the baseline to the baseline plus the MCID in the
    improving direction (`mcid_band` as two values in either order), so a score beyond it is a clinically
    important change. `goals` draws several goals (a short-term and a long-term one), each differently dashed.
    `higher_is_better` says which way is up in the legend. No points: a chart saying so."""
    points = sorted(points)
    values = [v for _d, v in points]
    low, high = min(*y_range, *values), max(*y_range, *values)  # a score off the scale stays in the picture
    config = {
        "legend_at_bottom_columns": 1,  # the band's name is long
        "defs": [HATCH],
        "range": (low, high),
        "include_x_axis": False,
        "x_value_formatter": date_label,
        "value_formatter": _number,
        "x_label_rotation": 0,
    }
    if not points:
        return _render(
            pygal.DateLine(**(_config(title=title, width=width, height=height, words=words) | config)), "score"
        )
    first, last = points[0][0], points[-1][0]
    pad = max(timedelta(days=2), (last - first) / 20)
    start, end = first - pad, last + pad
    # (name, values, options, colour) in drawing order: the band under the goal under the scores
    series: list[tuple[str, list[tuple[date, float]], dict[str, Any], str]] = []
    css = []
    if mcid_band is not None:  # series 0, its area and its legend box hatched
        a, b = (min(max(v, low), high) for v in sorted(mcid_band))
        band = [(start, b), (end, b), (end, a), (start, a), (start, b)]
        series.append((words.band, band, {"fill": True, "show_dots": False}, BAND))
        css = [
            f"inline:#chart-score .series.serie-0 path{{fill:url(#{HATCH_ID});fill-opacity:1;stroke:none}}",
            f"inline:#chart-score #activate-serie-0 rect{{fill:url(#{HATCH_ID})}}",
        ]
    targets = ([goal] if goal is not None else []) + [g for g in goals if g != goal]
    for n, target in enumerate(dict.fromkeys(targets)):
        dashed = {"show_dots": False, "stroke_style": {"width": 3, "dasharray": GOAL_DASHES[n % len(GOAL_DASHES)]}}
        series.append((f"{words.goal}: {_number(target)}", [(start, target), (end, target)], dashed, GREEN))
    arrow = "↑" if higher_is_better else "↓"
    series.append((f"{words.score} ({arrow})", list(points), {"stroke_style": {"width": 3}}, TEAL))
    style = Style(**STYLE_WORDS, colors=tuple(colour for *_rest, colour in series))
    chart = pygal.DateLine(
        xrange=(start, end),
        x_labels=_ticks([p[0] for p in points]),
        **(_config(title=title, width=width, height=height, words=words, css=css, style=style) | config),
    )
    for name, values_, options, _colour in series:
        chart.add(name, values_, **options)
    return _render(chart, "score")


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def rate_chart(
    rows: Sequence[tuple[str, float, float, float]],
    *,
    title: str,
    words: Words = Words(),  # noqa: B008
    width: int = WIDTH,
) -> str:
    """Responder rates (label, rate, low, high; all 0..1) as horizontal bars, each row labelled with its
    percentage and with a whisker for its 95 % interval. The height grows with the rows."""
    height = max(200, 110 + BAR_ROW * len(rows))
    chart = pygal.HorizontalBar(
        range=(0, 1),
        value_formatter=_percent,
        show_legend=False,
        y_labels=[0, 0.25, 0.5, 0.75, 1],
        **_config(title=title, width=width, height=height, words=words, style=RATE_STYLE),
    )
    # pygal draws the first label at the bottom; reversed, the rows read top to bottom as given
    ordered = list(reversed(rows))
    chart.x_labels = [f"{label} {_percent(rate)}" for label, rate, *_ in ordered]
    chart.add(
        title,
        [
            {"value": max(0.0, min(rate, 1.0)), "ci": {"low": max(0.0, lo), "high": min(1.0, hi)}}
            for _label, rate, lo, hi in ordered
        ],
    )
    return _render(chart, "rate")


def trend_chart(
    series: Mapping[str, Sequence[tuple[date, float]]],
    *,
    title: str,
    y_title: str,
    words: Words = Words(),  # noqa: B008
    date_label: Callable[[date], str] | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """One line per named series over dates, for dashboards; the y axis from zero when no value is negative. The
    dates read "Sep 14" (or "Sep 2025" when they span years) unless `date_label` formats them."""
    values = [v for points in series.values() for _d, v in points if not math.isnan(v)]
    days = [d for points in series.values() for d, _v in points]
    chart = pygal.DateLine(
        y_title=y_title,
        include_x_axis=bool(values) and min(values) >= 0,
        x_value_formatter=date_label or _short(days),
        value_formatter=_number,
        x_label_rotation=0,
        **_config(title=title, width=width, height=height, words=words),
    )
    if days:
        chart.x_labels = _ticks(days)
    for n, (name, points) in enumerate(series.items()):
        chart.add(name, sorted(points), stroke_style={"width": 3, "dasharray": DASHES[n % len(DASHES)]})
    return _render(chart, "trend")


def data_uri(svg: str) -> str:
    """The SVG as a base64 data URI for an `<img src>`: allowed by `img-src 'self' data:`."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
