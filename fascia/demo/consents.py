"""The demo clinic's five consent documents, written for Fascia in plain words (no licensed or published wording).

A real clinic publishes its own, reviewed by its counsel, from the Consent documents page."""

from fascia.core.models import Organization, User
from fascia.patients.models import Consent
from fascia.patients.services import publish_consent_document

DOCUMENTS = {
    Consent.Kind.TREATMENT: (
        "Consent to medical massage treatment",
        (
            "Medical massage is hands-on treatment of muscles, fascia and other soft tissue, given to ease pain "
            "and help you move and function better.\n\n"
            "Before treatment your therapist asks about your health, examines you and explains the plan: which "
            "techniques, on which areas, how often and for how long. You may ask questions at any time.\n\n"
            "Most people feel relaxed after a session. Some feel sore for a day or two, much as after exercise. "
            "Bruising, dizziness or a short rise in pain are uncommon. Tell your therapist about any change in "
            "your health, new medicines (especially blood thinners), pregnancy, or allergies to oils or lotions.\n\n"
            "You choose what happens. You may ask for more or less pressure, ask to skip an area, or stop the "
            "session at any moment, and your therapist will respect it. Only the areas agreed in your plan are "
            "treated, and you stay covered except for the area being worked on.\n\n"
            "Massage therapy does not replace care from your physician. Your therapist does not diagnose illness "
            "or prescribe medicines, and will suggest you see your physician if something needs their attention.\n\n"
            "By signing I agree to be evaluated and treated as described, and I know I may withdraw this consent "
            "at any time."
        ),
    ),
    Consent.Kind.PRIVACY_NOTICE: (
        "Notice of privacy practices: acknowledgement",
        (
            "Your health record here holds your history, evaluations, treatment notes, plans, appointments and "
            "bills. We keep it to treat you, to be paid for your care, and to run the practice well.\n\n"
            "We share it only as the law allows: with other people who treat you (such as the physician who "
            "referred you), with your insurer to be paid, and when the law requires it. We do not sell your "
            "information or use it for advertising.\n\n"
            "You may ask to see your record and to get a copy, ask us to correct something that is wrong, ask who"
            " we have shared it with, ask us to contact you in a certain way, and ask us to limit what we share. "
            "You may complain to us or to the authorities without any effect on your care.\n\n"
            "Every time someone on our staff opens or changes your record, our system writes down who, what and "
            "when.\n\n"
            "The full notice is available at the front desk and on request. By signing I confirm I have been "
            "offered the notice of privacy practices."
        ),
    ),
    Consent.Kind.ASSIGNMENT: (
        "Assignment of insurance benefits",
        (
            "When your insurer covers your treatment here, we send the claim for you.\n\n"
            "By signing I ask my insurer to pay the practice directly for the services I receive, for as long as "
            "I am treated here, instead of paying me.\n\n"
            "I understand that I remain responsible for what my insurer does not pay: my copay, coinsurance, "
            "deductible, and services my plan does not cover.\n\n"
            "This assignment applies to all of my insurance plans unless I say otherwise in writing. I may cancel"
            " it in writing at any time; the cancellation applies to services after that date."
        ),
    ),
    Consent.Kind.RELEASE: (
        "Release of information to insurers",
        (
            "To be paid, an insurer needs to know what was treated and why.\n\n"
            "By signing I allow the practice to give my insurers the information they need to process my claims "
            "and to check that treatment was needed: dates of service, diagnoses, the treatment given, my plan of"
            " care and, when an insurer asks, my treatment notes.\n\n"
            "Only what the claim needs is shared. This release lasts while I am treated here and until my claims "
            "are settled. I may cancel it in writing at any time, though not for claims already sent."
        ),
    ),
    Consent.Kind.FINANCIAL: (
        "Financial and cancellation policy",
        (
            "Payment. Copays and the cost of services your plan does not cover are paid at each visit. We send "
            "your claim to your insurer; what it does not pay comes to you on a statement, payable within 30 "
            "days.\n\n"
            "Estimates. Before your first visit we check your coverage and tell you what we expect you to pay. An"
            " estimate is not a promise of what your insurer will pay.\n\n"
            "Cancelling or moving a visit. Your time is held just for you. Please give us at least 24 hours' "
            "notice if you need to cancel or reschedule, by phone, email or at the desk.\n\n"
            "Late cancellations and missed visits. A visit cancelled with less than 24 hours' notice, or missed "
            "without notice, may be charged a fee of $40. Insurers do not pay this fee. We waive it for "
            "emergencies and sudden illness.\n\n"
            "Arriving late. If you arrive late, we treat you for the time left so the next patient is not kept "
            "waiting; the visit is charged in full.\n\n"
            "By signing I confirm I have read this policy and agree to it."
        ),
    ),
}


def load_consent_documents(organization: Organization, admin: User) -> None:
    """Publish version 1 of each of the clinic's consent documents."""
    for kind, (title, text) in DOCUMENTS.items():
        publish_consent_document(actor=admin, organization=organization, kind=kind, title=title, text=text)
