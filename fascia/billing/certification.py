"""Whether a plan of care's certification by the referring provider is current on a day of service.
Plain Python, no Django: the scrubber's rules and the check at signing call it.

Source, in our words: Medicare Benefit Policy Manual (Pub. 100-02) ch. 15 §220.1.3, REFERENCE.md §5a.
The first certification is timely when signed within 30 days of the start of care (here: the plan's
evaluation); a certification holds for at most 90 days, so the plan is recertified at least every 90
days; services outside a current certification are denied.

Fascia keeps one certification date per plan version (a recertification is a revised version with the
new date), and each visit note names the version it was written under. So the date a note's plan
carries is read as:

- before the 90th day from the start of care: the first certification, which covers the first 90 days;
  signed more than 30 days after the start of care, it is late;
- on or after it: a recertification, which covers 90 days from its date.
"""

from datetime import date, timedelta

CERTIFY_WITHIN = timedelta(days=30)
PERIOD = timedelta(days=90)


def certified_through(*, care_started: date, certified_on: date) -> date:
    """The last day the certification dated `certified_on` covers."""
    first_period_ends = care_started + PERIOD
    if certified_on < first_period_ends:
        return first_period_ends - timedelta(days=1)
    return certified_on + PERIOD - timedelta(days=1)


def certification_problems(*, care_started: date, certified_on: date | None, service_day: date) -> list[str]:
    """What is wrong with the certification for a service on `service_day`, in words; empty when it is current.
    A plan never certified is not judged here (the payer's requirement says whether it needs one)."""
    if certified_on is None:
        return []
    problems = []
    if certified_on < care_started + PERIOD and certified_on - care_started > CERTIFY_WITHIN:
        problems.append(
            f"The plan of care was certified on {certified_on:%Y-%m-%d}, {(certified_on - care_started).days} days "
            f"after the evaluation of {care_started:%Y-%m-%d}: the first certification is due within "
            f"{CERTIFY_WITHIN.days} days."
        )
    through = certified_through(care_started=care_started, certified_on=certified_on)
    if service_day > through:
        problems.append(
            f"The plan of care's certification of {certified_on:%Y-%m-%d} covers visits through {through:%Y-%m-%d}; "
            f"the visit of {service_day:%Y-%m-%d} needs a recertification (every {PERIOD.days} days)."
        )
    return problems
