"""The CapabilityStatement at /fhir/r4/metadata, written from what the server serves (RESOURCES), so that it lists
exactly that: each resource's profile, interactions and search parameters."""

from django.utils import timezone
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from fascia.fhir.http import FHIR_VERSION
from fascia.fhir.served import Served


def statement(base: str, resources: list[Served]) -> CapabilityStatement:
    return CapabilityStatement.model_validate(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": timezone.now().date().isoformat(),
            "publisher": "Fascia",
            "kind": "instance",
            "software": {"name": "Fascia"},
            "implementation": {"description": "Fascia's FHIR R4 server: reads, following US Core", "url": base},
            "fhirVersion": FHIR_VERSION,
            "format": ["json"],
            "rest": [
                {
                    "mode": "server",
                    "security": {
                        "description": "A bearer token: a staff member's API token, reading what their role may "
                        "read in their organization."
                    },
                    "resource": [
                        {
                            "type": r.type,
                            "supportedProfile": [r.profile],
                            "interaction": [{"code": code} for code in r.interactions],
                            **(
                                {"operation": [{"name": n, "definition": d} for n, d in r.operations]}
                                if r.operations
                                else {}
                            ),
                            "searchParam": [
                                {
                                    "name": p.name,
                                    "definition": p.definition,
                                    "type": p.type,
                                    "documentation": p.documentation,
                                }
                                for p in r.params.values()
                            ],
                        }
                        for r in resources
                    ],
                }
            ],
        }
    )
