import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from fascia.billing.claims import services
from fascia.billing.models import Authorization, Claim, ClaimLine, ClaimNote, Coverage, Fee, NcciPair, Payer
from fascia.billing.scrubber import rules, scrub
from fascia.billing.tests.factories import billable_patient, note, payer
from fascia.core.models import Location, Organization, User
from fascia.patients.models import Patient
from fascia.visits import services as visit_services
from fascia.visits.models import VisitNote

START = date(2026, 11, 2)
TODAY = date(2026, 11, 20)


def claim_for(tess: User, coverage: Coverage) -> Claim:
    return services.create_claim(
        actor=tess, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
    )


class TestCharges:
    def test_a_claim_has_a_line_per_code_and_visit(self, tess: User, organization: Organization) -> None:
        coverage = billable_patient(tess, organization, start=START)
        claim = claim_for(tess, coverage)
        lines = [
            (line.service_date, line.cpt_code, line.units, line.modifiers, line.amount) for line in claim.lines.all()
        ]
        # 25 min of 97140 on the low back and 10 min of 97124 on the neck: per code, 2 + 1 units;
        # separate regions, so 97124 carries modifier 59.
        assert lines == [
            (START, "97124", 1, ["59"], Decimal("28.00")),
            (START, "97140", 2, [], Decimal("65.00")),
            (START + timedelta(days=2), "97124", 1, ["59"], Decimal("28.00")),
            (START + timedelta(days=2), "97140", 2, [], Decimal("65.00")),
        ]
        assert claim.total_charge == Decimal("186.00")
        assert claim.diagnoses == ["M54.50"]
        assert all(line.diagnosis_pointers == [1] for line in claim.lines.all())
        assert services.unbilled_notes(coverage.patient, coverage) == []  # billed once only

    def test_the_payers_units_method_and_gp_modifier(self, tess: User, organization: Organization) -> None:
        coverage = billable_patient(
            tess,
            organization,
            start=START,
            visits=0,
            payer_fields={"units_method": "cms", "requires_gp_modifier": True},
        )
        note(tess, coverage.patient, START, [("deep-tissue", "lower-back", 33), ("swedish", "neck", 7)])
        claim = claim_for(tess, coverage)
        assert [(line.cpt_code, line.units, line.modifiers) for line in claim.lines.all()] == [
            ("97124", 1, ["59", "GP"]),
            ("97140", 2, ["GP"]),
        ]

    def test_nothing_billable_is_refused(self, tess: User, organization: Organization) -> None:
        coverage = billable_patient(tess, organization, start=START, visits=0)
        note(tess, coverage.patient, START, [("deep-tissue", "lower-back", 5)])
        with pytest.raises(services.BillingError, match="no billable unit"):
            claim_for(tess, coverage)
        assert not Claim.objects.exists()


def _fields(line: ClaimLine) -> dict:
    return {f.attname: getattr(line, f.attname) for f in ClaimLine._meta.concrete_fields if f.name != "id"}


def require_referral() -> int:
    return Payer.objects.update(requires_referral=True)


def expire_referral(claim: Claim) -> None:
    require_referral()
    claim.plan.referral.__class__.objects.update(expires_on=date(2026, 11, 3))


class TestScrubber:
    def test_a_clean_claim_becomes_ready(self, tess: User, bill: User, organization: Organization) -> None:
        claim = claim_for(tess, billable_patient(tess, organization, start=START))
        assert scrub(claim, today=TODAY) == []
        services.mark_ready(actor=bill, claim=claim, today=TODAY)
        assert [(e.from_status, e.to_status) for e in claim.events.all()] == [("", "draft"), ("draft", "ready")]

    def test_problems_block_ready(self, tess: User, bill: User, organization: Organization) -> None:
        claim = claim_for(tess, billable_patient(tess, organization, start=START))
        Claim.objects.filter(pk=claim.pk).update(diagnoses=["M54.5"])
        with pytest.raises(services.ScrubFailed, match="M54.5 is not a billable ICD-10-CM code"):
            services.mark_ready(actor=bill, claim=claim, today=TODAY)
        assert Claim.objects.get(pk=claim.pk).status == Claim.Status.DRAFT

    @pytest.mark.parametrize(
        ("breaks", "problem"),
        [
            (lambda c: Organization.objects.update(group_npi="1234567890"), "billing provider's NPI"),
            (lambda c: c.lines.first().rendering.__class__.objects.update(npi="1234567890"), "rendering provider"),
            (lambda c: ClaimLine.objects.filter(claim=c).update(units=4), "billable minutes for it support"),
            (lambda c: Coverage.objects.update(starts_on=date(2026, 11, 3)), "not active on 2026-11-02"),
            (lambda c: Payer.objects.update(timely_filing_days=10), "timely-filing limit"),
            (lambda c: Payer.objects.update(requires_authorization=True), "requires a prior authorization"),
            (lambda c: Payer.objects.update(requires_certification=True), "certified by the referring provider"),
            (lambda c: expire_referral(c), "referral expired"),
            (lambda c: c.plan.__class__.objects.update(referral=None) + require_referral(), "requires a referral"),
            (lambda c: ClaimLine.objects.filter(claim=c).update(fee=0), "No fee for 97124, 97140"),
            (lambda c: Coverage.objects.update(member_id=""), "no member ID"),
            (lambda c: ClaimLine.objects.filter(claim=c).update(diagnosis_pointers=[3]), "points to no diagnosis"),
        ],
    )
    def test_each_rule(self, tess: User, organization: Organization, breaks, problem: str) -> None:
        claim = claim_for(tess, billable_patient(tess, organization, start=START))
        assert scrub(claim, today=TODAY) == []
        breaks(claim)
        claim = Claim.objects.get(pk=claim.pk)
        assert any(problem in p for p in scrub(claim, today=TODAY)), scrub(claim, today=TODAY)

    def test_every_rule_names_its_source(self) -> None:
        names = [r.check.__name__ for r in rules.RULES]
        assert len(names) == len(set(names)) > 10
        assert [r.check.__name__ for r in rules.RULES if len(r.source) < 10] == []

    def test_a_registered_rule_runs_with_the_others(self, tess: User, organization: Organization) -> None:
        claim = claim_for(tess, billable_patient(tess, organization, start=START))
        before = list(rules.RULES)
        try:

            @rules.rule(source="A payer's rule, for this test")
            def weekdays_only(review: rules.Review) -> list[str]:
                return [f"{d:%Y-%m-%d} is a {d:%A}." for d in review.days if d.weekday() >= 5]

            assert scrub(claim, today=TODAY) == []
            ClaimLine.objects.filter(claim=claim).update(service_date=date(2026, 11, 7))
            assert scrub(Claim.objects.get(pk=claim.pk), today=TODAY)[-1] == "2026-11-07 is a Saturday."
        finally:
            rules.RULES[:] = before

    def test_an_unsigned_note(self, tess: User, organization: Organization) -> None:
        claim = claim_for(tess, billable_patient(tess, organization, start=START))
        VisitNote.objects.filter(pk=claim.lines.first().note_id).update(status="draft")
        assert any("is not signed" in p for p in scrub(Claim.objects.get(pk=claim.pk), today=TODAY))

    def test_authorizations_cover_dates_and_count_visits(self, tess: User, organization: Organization) -> None:
        coverage = billable_patient(tess, organization, start=START, payer_fields={"requires_authorization": True})
        Authorization.objects.create(
            coverage=coverage, number="AUTH-9", visits_allowed=1, starts_on=START, ends_on=START + timedelta(days=30)
        )
        problems = scrub(claim_for(tess, coverage), today=TODAY)
        assert problems == ["Authorization AUTH-9 allows 1 visits; 2 are billed under it."]

    def test_injury_claims_need_their_case(self, tess: User, organization: Organization) -> None:
        coverage = billable_patient(tess, organization, start=START, kind=Payer.Kind.AUTO)
        claim = claim_for(tess, coverage)
        assert scrub(claim, today=TODAY) == []
        coverage.injury_case.__class__.objects.update(accident_state="", claim_number="")
        problems = scrub(Claim.objects.get(pk=claim.pk), today=TODAY)
        assert any("state is missing" in p for p in problems) and any("claim number" in p for p in problems)
        Claim.objects.filter(pk=claim.pk).update(injury_case=None)
        assert any("needs the injury case" in p for p in scrub(Claim.objects.get(pk=claim.pk), today=TODAY))

    def test_an_ncci_pair_on_one_region_bills_the_column_1_code_alone(
        self, tess: User, organization: Organization
    ) -> None:
        """97140 bills its own 15 minutes; 97124's 15 on the same region are withheld, not added to 97140."""
        coverage = billable_patient(tess, organization, start=START, visits=0)
        note(tess, coverage.patient, START, [("deep-tissue", "lower-back", 15), ("swedish", "lower-back", 15)])
        claim = claim_for(tess, coverage)
        assert [(line.cpt_code, line.minutes, line.units, line.modifiers) for line in claim.lines.all()] == [
            ("97140", 15, 1, [])
        ]
        (billed,) = claim.billed_notes.all()
        assert [(w["code"], w["region"], w["minutes"]) for w in billed.withheld] == [("97124", "lower-back", 15)]
        assert "bundled into 97140" in billed.withheld[0]["reason"]
        assert scrub(claim, today=TODAY) == []
        line = claim.lines.get()
        ClaimLine.objects.create(**{**_fields(line), "cpt_code": "97124", "units": 1})  # added by hand
        assert any("need modifier 59" in p for p in scrub(Claim.objects.get(pk=claim.pk), today=TODAY))

    def test_standard_fees_fill_in_for_the_payers(self, tess: User, organization: Organization) -> None:
        coverage = billable_patient(tess, organization, start=START, visits=1)
        Fee.objects.filter(payer=coverage.payer, cpt_code="97124").delete()
        Fee.objects.create(organization=organization, cpt_code="97124", amount=Decimal("30.00"))
        Fee.objects.create(organization=organization, cpt_code="97140", amount=Decimal("99.00"))
        claim = claim_for(tess, coverage)
        assert {line.cpt_code: line.fee for line in claim.lines.all()} == {
            "97124": Decimal("30.00"),  # the standard fee, the payer has none
            "97140": Decimal("32.50"),  # the payer's own
        }


def test_signing_a_note_keeps_it_unbilled_until_claimed(tess: User, organization: Organization) -> None:
    coverage = billable_patient(tess, organization, start=START, visits=1)
    draft = visit_services.start_note(actor=tess, patient=coverage.patient, visited_on=START + timedelta(days=5))
    assert [n.visited_on for n in services.unbilled_notes(coverage.patient, coverage)] == [START]
    assert draft.status == VisitNote.Status.DRAFT


def two_notes_of_one_day(tess: User, patient: Patient) -> tuple[VisitNote, VisitNote]:
    """The issue's day: 97124 10 + 25 = 35 minutes on the neck, 97140 10 + 35 = 45 on the low back. Billed per
    note per code it was 1 + 1 + 2 + 2 = 6 units; the day's 80 minutes support 5."""
    first = note(tess, patient, START, [("swedish", "neck", 10), ("deep-tissue", "lower-back", 10)])
    second = note(tess, patient, START, [("swedish", "neck", 25), ("deep-tissue", "lower-back", 35)])
    return first, second


class TestDatesOfService:
    @pytest.mark.parametrize(("method", "modifier"), [("cms", "59"), ("per_code", "XS")])
    def test_the_notes_of_a_day_bill_one_line_per_code(
        self, tess: User, organization: Organization, method: str, modifier: str
    ) -> None:
        coverage = billable_patient(
            tess,
            organization,
            start=START,
            visits=0,
            payer_fields={"units_method": method, "distinct_modifier": modifier},
        )
        first, second = two_notes_of_one_day(tess, coverage.patient)
        claim = claim_for(tess, coverage)
        assert [
            (line.service_date, line.cpt_code, line.minutes, line.units, line.modifiers) for line in claim.lines.all()
        ] == [
            (START, "97124", 35, 2, [modifier]),
            (START, "97140", 45, 3, []),
        ]
        assert {line.note_id for line in claim.lines.all()} == {first.pk}  # the first note documenting each code
        assert sorted(b.note_id for b in claim.billed_notes.all()) == [first.pk, second.pk]
        assert scrub(claim, today=TODAY) == []

    def test_a_pair_on_one_region_across_notes_withholds_only_that_regions_minutes(
        self, tess: User, organization: Organization
    ) -> None:
        coverage = billable_patient(tess, organization, start=START, visits=0, payer_fields={"units_method": "cms"})
        patient = coverage.patient
        note(tess, patient, START, [("deep-tissue", "lower-back", 20)])
        bundled = note(tess, patient, START, [("swedish", "lower-back", 30)])
        note(tess, patient, START, [("swedish", "neck", 15)])
        claim = claim_for(tess, coverage)
        # 97124's 30 minutes on the low back are not billable and not added to 97140: 20 + 15 = 35 minutes, 2 units.
        assert [(line.cpt_code, line.minutes, line.units, line.modifiers) for line in claim.lines.all()] == [
            ("97124", 15, 1, ["59"]),
            ("97140", 20, 1, []),
        ]
        withheld = {
            b.note_id: [(w["code"], w["region"], w["minutes"]) for w in b.withheld] for b in claim.billed_notes.all()
        }
        assert withheld[bundled.pk] == [("97124", "lower-back", 30)]
        assert sum(len(w) for w in withheld.values()) == 1
        assert scrub(claim, today=TODAY) == []

    def test_the_claim_page_shows_the_minutes_not_billed_and_why(
        self, client: Client, tess: User, bill: User, organization: Organization
    ) -> None:
        coverage = billable_patient(tess, organization, start=START, visits=0)
        note(tess, coverage.patient, START, [("deep-tissue", "lower-back", 15), ("swedish", "lower-back", 25)])
        claim = claim_for(tess, coverage)
        client.force_login(bill)
        page = client.get(reverse("billing:claim", args=[claim.public_id])).content.decode()
        assert "Minutes not billed" in page
        assert "97124" in page and "25" in page and "bundled into 97140" in page

    def test_a_pair_no_modifier_may_unbundle_is_refused_by_the_scrubber(
        self, tess: User, organization: Organization
    ) -> None:
        coverage = billable_patient(tess, organization, start=START, visits=1)
        claim = claim_for(tess, coverage)
        assert scrub(claim, today=TODAY) == []
        NcciPair.objects.filter(organization=organization).update(modifier_allowed=False)
        problems = scrub(Claim.objects.get(pk=claim.pk), today=TODAY)
        assert "2026-11-02: 97124 is never billed with 97140 on one date (NCCI)." in problems
        assert "2026-11-02 97124: 1 unit(s) billed but the day's 0 billable minutes for it support 0." in problems

    def test_a_repeated_code_on_one_date_is_named(self, tess: User, organization: Organization) -> None:
        claim = claim_for(tess, billable_patient(tess, organization, start=START, visits=1))
        line = claim.lines.get(cpt_code="97140")
        ClaimLine.objects.create(**{**_fields(line), "units": 1})
        problems = scrub(Claim.objects.get(pk=claim.pk), today=TODAY)
        assert "2026-11-02 97140 is on 2 lines: bill it once for the date." in problems

    def test_claims_split_by_service_location(
        self, tess: User, bill: User, organization: Organization, location: Location
    ) -> None:
        rehab = Location.objects.create(organization=organization, name="Rehab Center", place_of_service="62")
        coverage = billable_patient(tess, organization, start=START, visits=0)
        patient = coverage.patient
        note(tess, patient, START, [("deep-tissue", "lower-back", 25)], location=location)
        note(tess, patient, START + timedelta(days=2), [("deep-tissue", "lower-back", 25)], location=rehab)
        note(tess, patient, START + timedelta(days=4), [("deep-tissue", "lower-back", 25)], location=location)
        claims = services.build_claims(actor=bill, patients=[patient], through=TODAY)
        assert [
            (c.service_location, [(line.service_date.day, line.place_of_service) for line in c.lines.all()])
            for c in claims
        ] == [(location, [(2, "11"), (6, "11")]), (rehab, [(4, "62")])]

    def test_notes_of_two_locations_are_not_one_claim(
        self, tess: User, organization: Organization, location: Location
    ) -> None:
        rehab = Location.objects.create(organization=organization, name="Rehab Center", place_of_service="62")
        coverage = billable_patient(tess, organization, start=START, visits=0)
        note(tess, coverage.patient, START, [("deep-tissue", "lower-back", 25)], location=location)
        note(tess, coverage.patient, START + timedelta(days=1), [("deep-tissue", "lower-back", 25)], location=rehab)
        with pytest.raises(services.BillingError, match="more than one location"):
            claim_for(tess, coverage)
        assert not Claim.objects.exists()

    def test_drafting_leaves_a_location_with_nothing_billable_in_the_queue(
        self, tess: User, bill: User, organization: Organization, location: Location
    ) -> None:
        rehab = Location.objects.create(organization=organization, name="Rehab Center", place_of_service="62")
        coverage = billable_patient(tess, organization, start=START, visits=0)
        note(tess, coverage.patient, START, [("deep-tissue", "lower-back", 25)], location=location)
        short = note(
            tess, coverage.patient, START + timedelta(days=1), [("deep-tissue", "lower-back", 5)], location=rehab
        )
        claims = services.build_claims(actor=bill, patients=[coverage.patient], through=TODAY)
        assert [c.service_location for c in claims] == [location]
        assert services.unbilled_notes(coverage.patient, coverage) == [short]


class TestBilledOnce:
    def test_drafting_again_bills_nothing_twice(self, tess: User, bill: User, organization: Organization) -> None:
        coverage = billable_patient(tess, organization, start=START)
        notes = services.unbilled_notes(coverage.patient, coverage)
        services.create_claim(actor=bill, coverage=coverage, notes=notes)
        with pytest.raises(services.AlreadyBilled):
            services.create_claim(actor=bill, coverage=coverage, notes=notes)  # a stale list, as a second press has
        assert services.build_claims(actor=bill, patients=[coverage.patient], through=TODAY) == []
        assert Claim.objects.count() == 1

    def test_the_database_holds_a_visit_on_one_live_claim_per_payer(
        self, tess: User, organization: Organization
    ) -> None:
        coverage = billable_patient(tess, organization, start=START, visits=1)
        claim = claim_for(tess, coverage)
        billed = claim.billed_notes.get()
        other = Claim.objects.create(
            organization=organization, number="X1", patient=coverage.patient, payer=coverage.payer, created_by=tess
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            ClaimNote.objects.create(claim=other, note_id=billed.note_id, payer=coverage.payer)
        ClaimNote.objects.create(claim=other, note_id=billed.note_id, payer=coverage.payer, live=False)  # history
        second = payer(organization, name="Secondary Plan")
        secondary = Claim.objects.create(
            organization=organization, number="X2", patient=coverage.patient, payer=second, created_by=tess
        )
        ClaimNote.objects.create(claim=secondary, note_id=billed.note_id, payer=second)  # another payer: allowed
        with pytest.raises(IntegrityError), transaction.atomic():  # by construction, whatever the claim's status
            ClaimNote.objects.filter(claim=other).update(live=True)

    def test_closing_a_draft_unsent_lets_its_visits_be_billed_again(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        coverage = billable_patient(tess, organization, start=START)
        claim = claim_for(tess, coverage)
        services.change_status(actor=bill, claim=claim, to=Claim.Status.CLOSED, note="Wrong payer")
        assert not ClaimNote.objects.filter(claim=claim, live=True).exists()
        again = claim_for(tess, coverage)
        assert again.lines.count() == claim.lines.count()

    def test_a_date_billed_on_another_claim_is_named(self, tess: User, bill: User, organization: Organization) -> None:
        """A note signed after its date was billed is drafted on a claim of its own; the scrubber holds it."""
        coverage = billable_patient(tess, organization, start=START, visits=1)
        first = claim_for(tess, coverage)
        note(tess, coverage.patient, START, [("deep-tissue", "neck", 20)])
        late = claim_for(tess, coverage)
        assert scrub(late, today=TODAY) == [
            f"2026-11-02 is billed to {coverage.payer} on claim {first.number} already: close this claim, "
            "or correct that one (one claim bills a date of service)."
        ]


@pytest.mark.django_db(transaction=True)
def test_two_presses_of_draft_the_claims_at_once_bill_each_visit_once(
    tess: User, bill: User, organization: Organization
) -> None:
    """Two billers press "Draft the claims" at the same instant: every visit ends on exactly one claim, and
    both pages answer (no 500)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL's row locks")
    coverages = [billable_patient(tess, organization, start=START) for _ in range(3)]
    notes = list(VisitNote.objects.filter(status=VisitNote.Status.SIGNED).values_list("pk", flat=True))
    barrier = threading.Barrier(2)
    answers: list[int] = []

    def press() -> None:
        try:
            client = Client(raise_request_exception=False)
            client.force_login(bill)
            barrier.wait()
            answers.append(client.post(reverse("billing:build")).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [302, 302]
    assert len(notes) == 6
    billed = list(ClaimNote.objects.filter(live=True).values_list("note_id", flat=True))
    assert sorted(billed) == sorted(notes)  # each visit on exactly one live claim
    assert Claim.objects.count() == len(coverages)
    lines = ClaimLine.objects.values_list("claim__patient_id", "service_date", "cpt_code")
    assert len(list(lines)) == len(set(lines)) == 12
