from django.db import transaction

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.models import User
from fascia.techniques.models import Technique


@transaction.atomic
def save_technique(*, actor: User, technique: Technique) -> Technique:
    technique.full_clean()
    technique.save()
    audit.record(actor=actor, action=AuditAction.TECHNIQUE_SAVED, target=technique)
    return technique
