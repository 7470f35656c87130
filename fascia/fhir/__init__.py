"""A FHIR R4 server at /fhir/r4/ (issue 29), following US Core where a profile exists: what it serves, it says in
its CapabilityStatement (/fhir/r4/metadata). Every resource goes out through fhir.resources' R4B models, so what
leaves validates as R4; every error is an OperationOutcome."""
