"""Every export is audited: each page the permission meta-test opens that answers a file (a PDF, an 837P, a CSV,
a stored document: anything but a page or JSON, or with a Content-Disposition) must be in EXPORTS and write its
one audit entry, naming the patient where the file is one patient's. A new export without an entry fails here.
Backups (`fascia backup`) are audited too: fascia/core/tests/test_backup.py."""

from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.tests.test_permissions import PAGES, fixtures  # noqa: F401 - the meta-test's fixture

# url name -> (the audit action of a download, the fixture whose patient the file is about, or None)
EXPORTS = {
    "billing:claim_pdf": (AuditAction.CLAIM_VIEWED, lambda f: f["claim"].patient),  # CMS-1500 or superbill
    "billing:statement": (AuditAction.CLAIM_VIEWED, lambda f: f["claim"].patient),
    "billing:batch": (AuditAction.BATCH_DOWNLOADED, None),  # many patients: the export's entry lists the claims
    "evaluations:pdf": (AuditAction.EVALUATION_VIEWED, lambda f: f["evaluation"].patient),
    "patients:consent_pdf": (AuditAction.CONSENT_PDF_VIEWED, lambda f: f["signed_consent"].patient),
    "patients:intake_card": (AuditAction.INTAKE_CARD_VIEWED, lambda f: f["intake"].patient),
    "plans:home_care_image": (AuditAction.HOME_CARE_VIEWED, lambda f: f["plan"].patient),
    "practitioners:transcript": (AuditAction.TRANSCRIPT_EXPORTED, None),
    "practitioners:document": (AuditAction.DOCUMENT_VIEWED, None),
    "referrals:document": (AuditAction.DOCUMENT_VIEWED, lambda f: f["referral"].patient),  # and letters sent
    "analytics:monthly_pdf": (AuditAction.MONTHLY_REPORT_VIEWED, None),  # the clinic's figures, no one patient's
}
PAGE_TYPES = ("text/html", "application/json")


def _is_export(response) -> bool:
    return "Content-Disposition" in response or not response["Content-Type"].startswith(PAGE_TYPES)


def test_every_export_is_audited(client, personas, fixtures) -> None:  # noqa: F811
    found = {}
    for name, (allowed, args) in sorted(PAGES.items()):
        user = personas[sorted(allowed)[0]]
        login(client, user)
        last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = client.get(reverse(name, args=args(fixtures)))
        if response.streaming:  # a stored document: read it (closing it would close the test's connection)
            b"".join(response.streaming_content)
        assert response.status_code == 200, name
        if not _is_export(response):
            continue
        entries = list(AuditEvent.objects.filter(pk__gt=last))
        found[name] = [(e.action, e.actor_id, e.patient_id) for e in entries]
    expected = {
        name: [(action, personas[sorted(PAGES[name][0])[0]].pk, patient(fixtures).pk if patient else None)]
        for name, (action, patient) in EXPORTS.items()
    }
    assert found == expected
