import base64
import re
from datetime import date
from io import BytesIO
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader

from fascia.lib import charts

SVG = "{http://www.w3.org/2000/svg}"
POINTS = [(date(2026, 1, 5), 42.0), (date(2026, 1, 26), 36.0), (date(2026, 2, 16), 30.0), (date(2026, 3, 2), 22.0)]


def odi(points=POINTS, **kwargs):
    options = {"title": "ODI", "y_range": (0, 100), "higher_is_better": False, "goal": 20.0, "mcid_band": (42, 32)}
    return charts.score_chart(points, **(options | kwargs))


def texts(svg: str) -> list[str]:
    return [t.text for t in ElementTree.fromstring(svg).iter(f"{SVG}text") if t.text]


def self_contained(svg: str) -> None:
    """No script, nothing fetched: every URL left is an XML namespace or a reference inside the SVG."""
    assert "<script" not in svg
    without_namespaces = re.sub(r'xmlns(:\w+)?="[^"]*"', "", svg)
    assert "http:" not in without_namespaces and "https:" not in without_namespaces and "//" not in without_namespaces
    assert re.findall(r"url\(([^)]*)\)", svg) == [] or all(
        u.startswith("#") for u in re.findall(r"url\(([^)]*)\)", svg)
    )


@pytest.mark.parametrize(
    "svg",
    [
        pytest.param(lambda: odi(), id="score"),
        pytest.param(lambda: odi([]), id="score, no data"),
        pytest.param(lambda: charts.rate_chart([("Neck", 0.5, 0.3, 0.7)], title="Responders"), id="rate"),
        pytest.param(lambda: charts.rate_chart([], title="Responders"), id="rate, no data"),
        pytest.param(lambda: charts.trend_chart({"Visits": POINTS}, title="Visits", y_title="n"), id="trend"),
        pytest.param(lambda: charts.trend_chart({}, title="Visits", y_title="n"), id="trend, no data"),
    ],
)
def test_every_chart_is_a_self_contained_deterministic_svg(svg) -> None:
    first = svg()
    ElementTree.fromstring(first)  # well-formed
    self_contained(first)
    assert "chart-" in first and not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", first)  # no uuid
    assert svg() == first


@pytest.mark.parametrize(
    "make",
    [
        lambda: odi([]),
        lambda: odi([], goal=None, mcid_band=None),
        lambda: charts.rate_chart([], title="Responders"),
        lambda: charts.trend_chart({}, title="Visits", y_title="n"),
        lambda: charts.trend_chart({"Visits": []}, title="Visits", y_title="n"),
    ],
)
def test_no_data_is_a_chart_saying_so(make) -> None:
    assert "No data" in texts(make())


def test_the_no_data_words_are_the_callers() -> None:
    assert "Sin datos" in texts(odi([], words=charts.Words(no_data="Sin datos")))


def test_a_score_chart_has_the_scores_the_goal_dashed_and_the_band_hatched() -> None:
    svg = odi(date_label=lambda d: d.strftime("%b %d"))
    words = texts(svg)
    assert "ODI" in words
    assert {"Jan 05", "Jan 26", "Feb 16", "Mar 02"} <= set(words)
    assert "Goal: 20" in words and "Smallest change that matters" in words and "Score (↓)" in words
    assert 'pattern id="fascia-hatch"' in svg and "fill:url(#fascia-hatch)" in svg
    assert "stroke-dasharray:10,6" in svg  # the goal's series
    assert svg.count('class="dot reactive tooltip-trigger"') == 4


@pytest.mark.parametrize(
    ("goal", "band", "present", "absent"),
    [
        (20.0, (42, 32), ["Goal: 20", "Smallest change that matters"], []),
        (None, (42, 32), ["Smallest change that matters"], ["Goal: 20"]),
        (20.0, None, ["Goal: 20"], ["Smallest change that matters"]),
        (None, None, [], ["Goal: 20", "Smallest change that matters"]),
    ],
)
def test_the_goal_and_the_band_are_drawn_only_when_given(goal, band, present, absent) -> None:
    svg = odi(goal=goal, mcid_band=band)
    words = texts(svg)
    assert all(w in words for w in present) and not any(w in words for w in absent)
    assert ("fill:url(#fascia-hatch)" in svg) == (band is not None)


def test_higher_is_better_points_the_arrow_up() -> None:
    assert "Score (↑)" in texts(odi(higher_is_better=True, words=charts.Words(score="Score")))


@pytest.mark.parametrize("points", [[(date(2026, 1, 5), 42.0)], [(date(2026, 1, 5), 42.0), (date(2026, 1, 5), 40.0)]])
def test_one_day_of_scores_still_draws(points) -> None:
    svg = odi(points)
    assert "No data" not in texts(svg) and "Goal: 20" in texts(svg)


def test_a_rate_chart_labels_each_row_with_its_percentage_and_draws_its_interval() -> None:
    svg = charts.rate_chart([("Low back pain", 0.62, 0.5, 0.72), ("Neck pain", 0.4, 0.2, 0.6)], title="Responders")
    words = texts(svg)
    assert "Low back pain 62%" in words and "Neck pain 40%" in words
    assert svg.count('class="ci"') == 2
    assert words.index("Low back pain 62%") > words.index("Neck pain 40%")  # pygal lists bottom up: reads top down


def test_a_trend_chart_names_each_line_and_dashes_all_but_the_first() -> None:
    svg = charts.trend_chart(
        {"Visits": POINTS, "No-shows": [(d, 1.0) for d, _v in POINTS]}, title="Per week", y_title="Visits"
    )
    words = texts(svg)
    assert {"Visits", "No-shows", "Per week"} <= set(words)
    assert "stroke-dasharray:10,5" in svg


def test_data_uri_is_base64_of_the_svg() -> None:
    svg = odi()
    uri = charts.data_uri(svg)
    assert uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).decode() == svg


def test_weasyprint_draws_the_chart_in_a_pdf() -> None:
    """An <img> of the data URI becomes vector drawing with its words as text in the PDF."""
    from weasyprint import HTML

    html = f'<img alt="ODI chart" src="{charts.data_uri(odi(date_label=lambda d: d.strftime("%b %d")))}">'
    pdf = HTML(string=html).write_pdf()
    text = PdfReader(BytesIO(pdf)).pages[0].extract_text()
    assert "ODI" in text and "Goal: 20" in text and "Jan 26" in text


def test_several_goals_are_each_drawn_once_and_differently_dashed() -> None:
    svg = odi(goal=30.0, goals=[30.0, 20.0])
    words = texts(svg)
    assert words.count("Goal: 30") == 1 and words.count("Goal: 20") == 1
    assert "stroke-dasharray:10,6" in svg and "stroke-dasharray:3,5" in svg


def test_trend_dates_read_short_within_a_year_and_by_month_across_years() -> None:
    """Six ISO dates do not fit side by side under a dashboard's chart: the axis says "Sep 14", or "Sep 2025"."""
    within = charts.trend_chart({"Visits": [(date(2026, 9, 14), 19), (date(2026, 11, 30), 24)]}, title="t", y_title="n")
    assert ">Sep 14<" in within and ">Nov 30<" in within and "2026-09-14" not in within
    across = charts.trend_chart({"Visits": [(date(2025, 9, 14), 19), (date(2026, 11, 30), 24)]}, title="t", y_title="n")
    assert ">Sep 2025<" in across and ">Nov 2026<" in across
