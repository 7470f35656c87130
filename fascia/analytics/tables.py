"""The dashboards' figures as plain tables (a title, headers, rows) for the CSV and XLSX exports: the same numbers
the pages show, rates as percentages (blank where there is nothing to divide by)."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def pct(value: float | None) -> float | str:
    """A ratio as a percentage to one place, blank when there was nothing to divide by."""
    return "" if value is None else round(value * 100, 1)


def num(value: float | Decimal | None, places: int = 2) -> float | str:
    return "" if value is None else round(float(value), places)


def practice_tables(data: dict[str, Any]) -> list[Table]:
    weeks = Table("Visits per week", ["Week of", "Attended appointments", "Signed notes", "New patients"])
    weeks.rows = [[w["week"].isoformat(), w["attended"], w["notes"], w["new_patients"]] for w in data["weeks"]]
    utilization = Table("Utilization", ["Practitioner", "Open hours", "Booked hours", "Utilization (%)"])
    u = data["utilization"]
    utilization.rows = [
        [r["name"], num(r["open_hours"]), num(r["booked_hours"]), pct(r["utilization"])]
        for r in [*u["rows"], {"name": "All", **u["total"]}]
    ]
    attendance = Table(
        "Cancellations and no-shows",
        [
            "Practitioner",
            "Appointments",
            "Attended",
            "Cancelled",
            "Late cancellations",
            "No-shows",
            "Cancellation rate (%)",
            "No-show rate (%)",
        ],
    )
    a = data["attendance"]
    attendance.rows = [
        [
            r["name"],
            r["booked"],
            r["attended"],
            r["cancelled"],
            r["late"],
            r["no_shows"],
            pct(r["cancellation_rate"]),
            pct(r["no_show_rate"]),
        ]
        for r in [*a["rows"], {"name": "All", **a["total"]}]
    ]
    referrals = Table(
        "Referral sources",
        ["Referring provider", "Referrals", "First visit", "Completed plan", "Seen (%)", "Completed (%)"],
    )
    r_ = data["referrals"]
    referrals.rows = [
        [r["name"], r["referred"], r["seen"], r["completed"], pct(r["seen_rate"]), pct(r["completed_rate"])]
        for r in [*r_["rows"], {"name": "All", **r_["total"]}]
    ]
    adherence = Table(
        "Plan adherence",
        ["Practitioner", "Plans ended", "Completed", "Visits planned", "Visits attended", "Adherence (%)"],
    )
    d = data["adherence"]
    adherence.rows = [
        [r["name"], r["plans"], r["completed"], r["planned"], r["attended"], pct(r["adherence"])]
        for r in [*d["rows"], {"name": "All", **d["total"]}]
    ]
    return [weeks, utilization, attendance, referrals, adherence]


def finance_tables(data: dict[str, Any]) -> list[Table]:
    payers = Table(
        "Revenue by payer",
        ["Payer", "Visits", "Units", "Charged", "Paid", "Units per visit", "Charged per visit", "Paid per visit"],
    )
    p = data["payers"]
    payers.rows = [
        [
            r["payer"],
            r["visits"],
            r["units"],
            num(r["charged"]),
            num(r["paid"]),
            num(r["units_per_visit"]),
            num(r["charged_per_visit"]),
            num(r["paid_per_visit"]),
        ]
        for r in [*p["rows"], {"payer": "All", **p["total"]}]
    ]
    weeks = Table("Revenue per week", ["Week of", "Charged", "Paid"])
    weeks.rows = [[w["week"].isoformat(), num(w["charged"]), num(w["paid"])] for w in data["weeks"]]
    c, ar, u = data["collections"], data["days_in_ar"], data["unbilled"]
    summary = Table("Collections", ["Figure", "Value"])
    summary.rows = [
        ["Claim payments posted", c["claims"]],
        ["Charged on them", num(c["charged"])],
        ["Paid by the payers", num(c["paid"])],
        ["Adjusted off (CO, PI, OA)", num(c["adjusted"])],
        ["Left to the patient (PR)", num(c["patient"])],
        ["Gross collection rate (%)", pct(c["collection_rate"])],
        ["Claims denied", c["denied"]],
        ["Denial rate (%)", pct(c["denial_rate"])],
        ["Accounts receivable today", num(ar["ar"])],
        ["Average daily charges", num(ar["daily_charges"])],
        ["Days in AR", num(ar["days"], 1)],
    ]
    denials = Table("Denials by reason", ["Reason", "Times", "Amount", "Rate (%)"])
    denials.rows = [[r["reason"], r["times"], num(r["amount"]), pct(r["rate"])] for r in data["denials"]]
    unbilled = Table("Unbilled work", ["Figure", "Value"])
    unbilled.rows = [
        ["Signed visits on no claim", u["visits"]],
        ["  of them: no active primary coverage on the visit date", u["uncovered"]],
        ["  of them: waiting to be billed", u["waiting"]],
        ["  of them: older than 30 days", u["older_than_30_days"]],
        ["Minutes documented on those visits", u["visit_minutes"]],
        ["Timed minutes documented on billed visits", u["documented_minutes"]],
        ["Timed minutes billed", u["billed_minutes"]],
        ["Minutes not billed: bundled by NCCI", u["bundled_minutes"]],
        ["Minutes not billed: too few for a unit (under 8 minutes)", u["under_a_unit_minutes"]],
    ]
    return [payers, weeks, summary, denials, unbilled]
