"""Coordination of benefits (issue 24 point 3): the primary payer's 835 posts, and the secondary claim is drafted
with the same charges, carries the primary's decision in its 837P and on paper, and balances.

The demo payer's 835 (fascia.demo.era) for the factory's claim (186.00: 97124-59 28 + 97140 x2 65, on two dates)
allows 80% of each line (CO-45 the rest) and leaves a 10.00 copay (PR-3) on the first: it pays 138.80."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.billing.claims import services
from fascia.billing.models import Claim, ClaimEvent, ClaimLine, ClaimNote, Coverage, Payer
from fascia.billing.paper.cms1500 import form_fields, render
from fascia.billing.queries import ledger
from fascia.billing.remittance.posting import import_835
from fascia.billing.reports import aging
from fascia.billing.scrubber import scrub
from fascia.billing.tests.factories import billable_patient, post_835, second_coverage, sent_claim
from fascia.billing.tests.test_cms1500 import page_texts
from fascia.billing.tests.test_posting import coverage_for, era, import_text, paid_claim
from fascia.billing.x12.validate import validate_837
from fascia.core.models import Organization, User
from fascia.demo.era import write_835

START = date(2026, 11, 2)
PAID_ON = date(2026, 11, 16)
TODAY = date(2026, 11, 20)
S = Claim.Status


def line_rows(claim: Claim) -> list[tuple]:
    return list(
        ClaimLine.objects.filter(claim=claim)
        .order_by("service_date", "cpt_code")
        .values_list(
            "note_id",
            "service_date",
            "cpt_code",
            "modifiers",
            "units",
            "minutes",
            "diagnosis_pointers",
            "place_of_service",
            "rendering_id",
            "fee",
            "amount",
        )
    )


def counts() -> tuple[int, int, int, int]:
    return Claim.objects.count(), ClaimEvent.objects.count(), ClaimNote.objects.count(), AuditEvent.objects.count()


class TestPostingDraftsTheSecondary:
    def test_it_drafts_the_secondary_claim_with_the_same_charges(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        primary = billable_patient(tess, organization, start=START)
        second = second_coverage(primary)
        sent = sent_claim(bill, primary, today=TODAY)

        post_835(bill, [sent], paid_on=PAID_ON)

        [secondary] = Claim.objects.filter(primary_claim=sent)
        assert (secondary.status, secondary.coverage, secondary.payer) == (S.DRAFT, second, second.payer)
        assert line_rows(secondary) == line_rows(sent) and len(line_rows(sent)) == 4
        same = ("diagnoses", "plan_id", "service_location_id", "injury_case_id", "patient_id")
        assert [getattr(secondary, f) for f in same] == [getattr(sent, f) for f in same]
        # The secondary payer holds the visits on one live claim, as for any claim; the primary keeps its own.
        billed = set(ClaimNote.objects.filter(claim=secondary, live=True).values_list("note_id", "payer_id"))
        assert billed == {(n, second.payer_id) for n in sent.billed_notes.values_list("note_id", flat=True)}
        [event] = secondary.events.all()
        assert (event.to_status, event.actor, event.note) == (
            S.DRAFT,
            bill,
            f"Secondary claim, after the primary payer's decision on claim {sent.number}",
        )
        audit = AuditEvent.objects.get(action=AuditAction.CLAIM_CREATED, target_id=str(secondary.public_id))
        assert audit.detail == {"primary_claim": sent.number} and audit.patient_id == sent.patient_id
        assert services.mark_ready(actor=bill, claim=secondary, today=TODAY).status == S.READY

    def test_nothing_is_drafted_without_a_second_payer_or_with_nothing_left(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        alone = sent_claim(bill, billable_patient(tess, organization, start=START), today=TODAY)
        post_835(bill, [alone], paid_on=PAID_ON)
        # Paid in full, nothing to the patient: nothing left for a second payer.
        coverage = coverage_for(tess, organization)
        second_coverage(coverage)
        settled = sent_claim(bill, coverage, today=TODAY)
        import_text(
            bill,
            organization,
            era(
                (
                    "ACME HEALTH",
                    "EFT1",
                    [
                        f"CLP*{settled.number}*1*69.00*55.20**12*PCN5",
                        "NM1*QC*1*DOE*JANE****MI*XYZ123456789",
                        "SVC*HC:97140*41.00*31.20**2",
                        "CAS*CO*45*9.80",
                        "SVC*HC:97124*28.00*24.00**1",
                        "CAS*CO*45*4.00",
                    ],
                )
            ),
        )
        assert Claim.objects.get(pk=settled.pk).status == S.PAID
        assert not Claim.objects.filter(primary_claim__isnull=False).exists()

    def test_nothing_is_drafted_when_the_payer_forwarded_the_claim_itself(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        primary = billable_patient(tess, organization, start=START)
        second_coverage(primary)
        sent = sent_claim(bill, primary, today=TODAY)
        rows = list(Claim.objects.filter(pk=sent.pk).select_related("organization", "payer", "patient"))
        # CLP02 19: processed as primary and forwarded to the next payer (a crossover).
        text = write_835(rows, paid_on=PAID_ON, trace="T1").replace(f"CLP*{sent.number}*1*", f"CLP*{sent.number}*19*")
        import_835(actor=bill, organization=organization, text=text)
        assert Claim.objects.get(pk=sent.pk).status == S.PAID
        assert not Claim.objects.filter(primary_claim=sent).exists()

    def test_a_denial_drafts_it_and_its_837p_balances(self, tess: User, bill: User, organization: Organization) -> None:
        primary = billable_patient(tess, organization, start=START)
        second_coverage(primary, Payer.Kind.COMMERCIAL, name="Spouse Mutual", payer_id="SPM01")
        sent = sent_claim(bill, primary, today=TODAY)
        post_835(bill, [sent], paid_on=PAID_ON, deny=(sent.number,))
        assert Claim.objects.get(pk=sent.pk).status == S.DENIED
        secondary = services.mark_ready(actor=bill, claim=Claim.objects.get(primary_claim=sent), today=TODAY)
        content = services.export_claims(actor=bill, claims=[secondary]).content
        assert validate_837(content) == []
        segs = content.split("~")
        # Nothing paid, nothing to the patient, each line's whole charge CO-50 (not medically necessary).
        assert {"AMT*D*0", "AMT*EAF*0", "SVD*60054*0*HC:97124:59**1", "CAS*CO*50*28", "CAS*CO*50*65"} <= set(segs)
        assert "SBR*S*18*******CI" in segs and "SBR*P*18*G-100******CI" in segs  # 2000B billed second, 2320 first

    def test_a_reversal_sends_an_unsent_secondary_back_to_draft_with_the_reason(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        coverage = coverage_for(tess, organization)
        second_coverage(coverage)
        sent = sent_claim(bill, coverage, today=TODAY)
        import_text(bill, organization, era(("ACME HEALTH", "EFT1", paid_claim(sent.number))))
        secondary = services.mark_ready(actor=bill, claim=Claim.objects.get(primary_claim=sent), today=TODAY)
        reversal = paid_claim(sent.number, status="22", sign=-1)

        import_text(bill, organization, era(("ACME HEALTH", "EFT2", reversal)))

        secondary.refresh_from_db()
        assert secondary.status == S.DRAFT
        assert secondary.events.last().note == "The primary payer reversed its decision"
        assert (
            f"The primary payer's decision on claim {sent.number} is not posted (or it was reversed): the secondary "
            "claim waits for it." in secondary.problems
        )

    def test_a_secondary_adds_only_its_scrubbing_to_each_claim_posted(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        """The secondaries are written in one statement per table for the whole file: per claim posted, drafting
        its secondary adds only the scrubber's fixed number of queries for the new claim."""

        def statements(size: int, *, second: bool) -> int:
            primaries = [billable_patient(tess, organization, start=START) for _ in range(size)]
            for coverage in primaries if second else []:
                second_coverage(coverage)
            sent = [sent_claim(bill, coverage, today=TODAY) for coverage in primaries]
            with CaptureQueriesContext(connection) as queries:
                post_835(bill, sent, paid_on=PAID_ON, trace=f"T{size}{second}")
            assert Claim.objects.filter(primary_claim__in=sent).count() == (size if second else 0)
            return len(queries)

        per_claim = statements(2, second=False) - statements(1, second=False)
        per_claim_with_secondary = statements(2, second=True) - statements(1, second=True)
        with CaptureQueriesContext(connection) as scrubbing:
            services.check(Claim.objects.filter(primary_claim__isnull=False).first())
        # At most: check() here reads the claim's payer, coverage and organization, which posting has at hand.
        assert per_claim < per_claim_with_secondary <= per_claim + len(scrubbing)


class TestDraftSecondary:
    def test_it_refuses_what_has_nothing_to_coordinate_and_changes_nothing(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        primary = billable_patient(tess, organization, start=START)
        sent = sent_claim(bill, primary, today=TODAY)
        before = counts()
        with pytest.raises(services.NothingToCoordinate, match="has not decided"):
            services.draft_secondary(actor=bill, claim=sent)
        post_835(bill, [sent], paid_on=PAID_ON)  # no secondary coverage: nothing drafted
        before = counts()
        with pytest.raises(services.NothingToCoordinate, match="has no secondary coverage active"):
            services.draft_secondary(actor=bill, claim=sent)
        assert counts() == before
        second_coverage(primary)
        secondary = services.draft_secondary(actor=bill, claim=sent)
        assert secondary.primary_claim == sent and line_rows(secondary) == line_rows(sent)
        before = counts()
        with pytest.raises(services.NothingToCoordinate, match="has a secondary claim already"):
            services.draft_secondary(actor=bill, claim=sent)
        with pytest.raises(services.NothingToCoordinate, match="is a secondary claim"):
            services.draft_secondary(actor=bill, claim=secondary)
        assert counts() == before

    def test_the_claim_page_drafts_it_for_a_claim_posted_before_and_links_the_two(
        self, client: Client, tess: User, bill: User, organization: Organization
    ) -> None:
        primary = billable_patient(tess, organization, start=START)
        sent = sent_claim(bill, primary, today=TODAY)
        post_835(bill, [sent], paid_on=PAID_ON)
        second_coverage(primary)  # recorded after the primary's 835 posted
        client.force_login(bill)
        page = client.get(reverse("billing:claim", args=[sent.public_id])).content.decode()
        assert "Draft the secondary claim" in page

        response = client.post(reverse("billing:draft_secondary", args=[sent.public_id]), follow=True)

        secondary = Claim.objects.get(primary_claim=sent)
        assert response.redirect_chain == [(reverse("billing:claim", args=[secondary.public_id]), 302)]
        page = response.content.decode()
        assert f"is drafted from {sent}" in page
        assert reverse("billing:claim", args=[sent.public_id]) in page  # the secondary links to its primary
        page = client.get(reverse("billing:claim", args=[sent.public_id])).content.decode()
        assert reverse("billing:claim", args=[secondary.public_id]) in page and "Draft the secondary claim" not in page
        # Pressed again (an old page): refused with the reason, nothing drafted.
        response = client.post(reverse("billing:draft_secondary", args=[sent.public_id]), follow=True)
        assert "has a secondary claim already" in response.content.decode()
        assert Claim.objects.filter(primary_claim=sent).count() == 1

    def test_front_desk_may_not_draft_it(
        self, client: Client, tess: User, frank: User, bill: User, organization: Organization
    ) -> None:
        primary = billable_patient(tess, organization, start=START)
        sent = sent_claim(bill, primary, today=TODAY)
        post_835(bill, [sent], paid_on=PAID_ON)
        second_coverage(primary)
        client.force_login(frank)
        assert client.post(reverse("billing:draft_secondary", args=[sent.public_id])).status_code == 403
        assert not Claim.objects.filter(primary_claim=sent).exists()


class TestMedicaidPaysLast:
    def test_a_claim_to_medicaid_before_another_plan_is_flagged_and_the_chart_warns(
        self, client: Client, tess: User, bill: User, organization: Organization
    ) -> None:
        medicaid = billable_patient(tess, organization, start=START, kind=Payer.Kind.MEDICAID)
        second_coverage(medicaid, Payer.Kind.COMMERCIAL, name="Spouse Mutual")
        claim = services.create_claim(
            actor=bill, coverage=medicaid, notes=services.unbilled_notes(medicaid.patient, medicaid)
        )
        warning = "Medicaid pays last: bill Spouse Mutual first (42 USC 1396a(a)(25))."
        assert warning in scrub(claim, today=TODAY)
        client.force_login(bill)
        chart = client.get(medicaid.patient.get_chart_url()).content.decode()
        assert "Medicaid pays last: bill Spouse Mutual first, and make Medicaid Health Plan the last coverage" in chart

    def test_medicaid_second_is_not_flagged(
        self, client: Client, tess: User, bill: User, organization: Organization
    ) -> None:
        primary = billable_patient(tess, organization, start=START)
        second_coverage(primary, Payer.Kind.MEDICAID)
        sent = sent_claim(bill, primary, today=TODAY)
        post_835(bill, [sent], paid_on=PAID_ON)
        assert not any("Medicaid" in p for p in scrub(Claim.objects.get(primary_claim=sent), today=TODAY))
        client.force_login(bill)
        assert "Medicaid pays last" not in client.get(primary.patient.get_chart_url()).content.decode()


class TestPaperSecondary:
    def test_boxes_9_11d_and_29_name_the_primary_and_what_it_paid(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        primary = billable_patient(tess, organization, start=START)
        second = second_coverage(primary, Payer.Kind.COMMERCIAL, name="Spouse Mutual", claim_method="cms1500")
        Coverage.objects.filter(pk=second.pk).update(
            relationship="01", subscriber_family_name="Doe", subscriber_given_name="Jordan"
        )
        sent = sent_claim(bill, primary, today=TODAY)
        post_835(bill, [sent], paid_on=PAID_ON)
        secondary = Claim.objects.get(primary_claim=sent)

        f = form_fields(secondary, today=TODAY)

        # The secondary's insured (boxes 1a, 4, 11), the primary as the other insured (9, 9a, 9d), 11d YES.
        assert (f["1a"], f["4"], f["6"]) == ("SEC-55", "Doe, Jordan", "Spouse")
        assert (f["9"], f["9a"], f["9d"], f["11d"]) == (f["2"], "G-100", "Commercial Health Plan", "YES")
        assert (f["28"], f["29"]) == ("186.00", "138.80")
        text = page_texts(render(secondary, drawn=True, today=TODAY))[0]
        assert "SEC-55" in text and "Commercial Health Plan".upper() in text.upper() and "138 80" in text
        assert "Spouse Mutual".upper() in text.upper()


class TestTheBooksWithTwoPayers:
    """What the primary payer left to the patient goes to the secondary payer first: the patient owes it only
    once the secondary has decided, and a visit billed to two payers is charged once on the books."""

    def test_every_figure_adds_up_before_and_after_the_secondary_pays(
        self, client: Client, tess: User, bill: User, organization: Organization
    ) -> None:
        primary = billable_patient(tess, organization, start=START)
        second = second_coverage(primary)
        sent = sent_claim(bill, primary, today=TODAY)
        post_835(bill, [sent], paid_on=PAID_ON)
        sent.refresh_from_db()
        assert (sent.paid, sent.adjusted, sent.patient_responsibility) == (D("138.80"), D("37.20"), D("10.00"))
        secondary = Claim.objects.select_related("primary_claim").get(primary_claim=sent)
        # Asked of the secondary payer: what the primary left, not the whole charge again.
        assert (secondary.prior, secondary.balance) == (D("176.00"), D("10.00"))

        def books() -> dict:
            figures = ledger(sent.patient.claims.select_related("payer"))
            assert figures["charged"] == D("186.00")  # the visits once, not once per payer
            total = figures["paid"] + figures["adjusted"] + figures["patient_owes"] + figures["payer_balance"]
            assert total == figures["charged"]
            return figures

        assert (books()["patient_owes"], books()["payer_balance"]) == (0, D("10.00"))
        assert aging(organization, TODAY)["rows"] == []  # not the patient's; nor in AR until it is sent
        client.force_login(bill)
        page = client.get(reverse("billing:claim", args=[sent.public_id])).content.decode()
        assert f"(carried on to the secondary claim {secondary.number})" in page

        # Sent, and the secondary payer pays the copay; the rest it restates as the primary's (OA-23).
        secondary = services.mark_ready(actor=bill, claim=secondary, today=TODAY)
        services.move(secondary, S.SUBMITTED, actor=bill)
        report = aging(organization, TODAY)
        assert report["rows"] == [(second.payer.name, {"0-30": D("10.00"), "31-60": 0, "61-90": 0, "90+": 0})]
        post_835(bill, [secondary], paid_on=TODAY, trace="T2")
        secondary = Claim.objects.select_related("primary_claim").get(pk=secondary.pk)
        assert (secondary.status, secondary.paid, secondary.adjusted) == (S.PAID, D("10.00"), 0)
        assert secondary.balance == 0
        assert (books()["paid"], books()["patient_owes"], books()["payer_balance"]) == (D("148.80"), 0, 0)
        assert aging(organization, TODAY)["rows"] == []
        page = client.get(reverse("billing:claim", args=[secondary.public_id])).content.decode()
        assert "settled by the primary payer 176.00" in page and "payer balance 0.00" in page
