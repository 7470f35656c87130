import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.measures.models import MeasureResult
from fascia.measures.services import record_measure
from fascia.patients.tests.factories import PatientFactory


class TestRecordMeasure:
    def test_it_stores_the_responses_and_their_score(self, tess: User, organization: Organization) -> None:
        patient = PatientFactory(organization=organization)
        result = record_measure(
            actor=tess,
            patient=patient,
            instrument="odi",
            responses=[2, 2, 2, 2, 2, 2, 1, 1, 2, None],
            administered_on=date(2026, 11, 2),
        )
        result.refresh_from_db()
        assert (result.instrument, result.value, result.band) == ("ODI", 35.6, "moderate disability")
        assert result.responses == [2, 2, 2, 2, 2, 2, 1, 1, 2, None]
        assert AuditEvent.objects.filter(action=AuditAction.MEASURE_RECORDED, patient=patient).exists()

    def test_bad_responses_save_nothing(self, tess: User, organization: Organization) -> None:
        patient = PatientFactory(organization=organization)
        with pytest.raises(ValidationError) as caught:
            record_measure(
                actor=tess, patient=patient, instrument="NDI", responses=[9] * 10, administered_on=date(2026, 11, 2)
            )
        assert "item 1: 9 is outside 0-5" in caught.value.message_dict["responses"][0]
        assert not MeasureResult.objects.exists()


class TestScoreEndpoint:
    def post(self, client: Client, body: dict):
        return client.post("/api/v1/measures/score", data=json.dumps(body), content_type="application/json")

    def test_it_scores_for_an_intake_tablet(self, client: Client, frank: User) -> None:
        login(client, frank)
        r = self.post(client, {"instrument": "QUICKDASH", "responses": [2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2]})
        assert r.status_code == 200
        assert r.json() == {"instrument": "QUICKDASH", "value": 36.4, "band": None, "answered": 11}

    @pytest.mark.parametrize(
        "body, message",
        [
            ({"instrument": "ODI", "responses": [1] * 9}, "ODI has 10 items, got 9 responses."),
            ({"instrument": "NPRS", "responses": [12]}, "NPRS item 1: 12 is outside 0-10."),
            ({"instrument": "FOO", "responses": [1]}, "Unknown instrument 'FOO'"),
        ],
    )
    def test_bad_responses_are_422_with_the_reason(self, client: Client, frank: User, body: dict, message: str) -> None:
        login(client, frank)
        r = self.post(client, body)
        assert r.status_code == 422 and message in r.json()["errors"][0]["message"]

    def test_it_needs_credentials(self, client: Client, organization: Organization) -> None:
        assert self.post(client, {"instrument": "NPRS", "responses": [3]}).status_code == 401

    def test_it_lists_the_instruments(self, client: Client, frank: User) -> None:
        login(client, frank)
        instruments = {i["code"]: i for i in client.get("/api/v1/measures").json()}
        assert set(instruments) == {"NPRS", "ODI", "NDI", "LEFS", "QUICKDASH", "PSFS"}
        assert len(instruments["LEFS"]["items"]) == 20 and instruments["LEFS"]["higher_is_better"]


class TestLicensedWording:
    def test_a_clinic_loads_the_full_wording_and_sees_it_when_entering(
        self, client: Client, tess: User, organization: Organization, tmp_path
    ) -> None:
        from django.core.management import call_command

        from fascia.evaluations.services import start_evaluation

        wording = {"instrument": "NPRS", "licence": "Test licence 2026", "items": ["Full licensed item text"]}
        file = tmp_path / "nprs.json"
        file.write_text(json.dumps(wording))
        call_command("load_instrument_wording", str(file))
        evaluation = start_evaluation(actor=tess, patient=PatientFactory(organization=organization))
        login(client, tess)
        body = client.get(f"/evaluations/{evaluation.public_id}/measures/", {"instrument": "NPRS"}).content.decode()
        assert "Full licensed item text" in body and "Test licence 2026" in body

    def test_wording_that_does_not_fit_is_refused(self, db, tmp_path) -> None:
        from django.core.management import CommandError, call_command

        file = tmp_path / "odi.json"
        file.write_text(json.dumps({"instrument": "ODI", "licence": "x", "items": ["only one"]}))
        with pytest.raises(CommandError, match="ODI has 10 items"):
            call_command("load_instrument_wording", str(file))
