"""The claim scrubber: every reason a claim would be rejected or denied that Fascia can see before
it is sent, in words the billing staff can act on. A claim with any problem cannot become ready.
scrub() runs the rules of `rules.py`; documentation_warnings() runs those of `documentation.py` on a visit
note before it is signed (warnings only)."""

from datetime import date

from fascia.billing.models import Claim, ClaimNote
from fascia.billing.scrubber.documentation import coverage_question, documentation_warnings
from fascia.billing.scrubber.rules import RULES, Review

__all__ = ["coverage_question", "documentation_warnings", "scrub"]


def scrub(claim: Claim, *, today: date) -> list[str]:
    """The claim's problems, each a sentence; empty when it may be sent. A fixed number of queries."""
    lines = list(
        claim.lines.select_related(
            "note__plan__referral__provider", "note__plan__evaluation", "rendering__user"
        ).prefetch_related("note__techniques__technique")
    )
    if not lines:
        return ["The claim has no service lines: nothing billable."]
    billed = list(
        claim.billed_notes.select_related("note__plan__evaluation").prefetch_related("note__techniques__technique")
    )
    # A date of this claim another live claim to the payer bills (a visit drafted twice before the database
    # held it once, or a note signed after its date was billed): named by visits_billed_once.
    others = ClaimNote.objects.filter(
        note__patient_id=claim.patient_id,
        note__visited_on__in={b.note.visited_on for b in billed},
        payer_id=claim.payer_id,
        live=True,
    ).exclude(claim_id=claim.pk)
    elsewhere = dict(others.order_by("-claim_id").values_list("note__visited_on", "claim__number"))
    review = Review(
        claim=claim,
        lines=lines,
        days=sorted({line.service_date for line in lines}),
        today=today,
        billed=billed,
        elsewhere=elsewhere,
    )
    return [problem for rule in RULES for problem in rule.check(review)]
