"""What the FHIR server serves, one entry per resource type: the one list the routes, the CapabilityStatement and
the access meta-test read, so none of them can name a resource the others do not."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from pydantic import BaseModel

from fascia.audit.models import AuditAction
from fascia.fhir.search import Param


@dataclass(frozen=True)
class Served:
    """A resource type: its US Core profile and search parameters; the rows of an organization (by id) in the
    order searches list them; a row as the resource; the permission that reads it; and the audit actions of a
    read and of a search (None for what is not patient data, such as the clinic's directory)."""

    type: str
    profile: str
    params: dict[str, Param]
    rows: Callable[[int], QuerySet[Any]]
    resource: Callable[[Any], BaseModel]
    perm: str
    read_action: str | None = AuditAction.FHIR_READ
    search_action: str | None = AuditAction.FHIR_SEARCHED
    interactions: tuple[str, ...] = ("read", "search-type")
    operations: tuple[tuple[str, str], ...] = ()  # (name, OperationDefinition), e.g. Patient's $everything
