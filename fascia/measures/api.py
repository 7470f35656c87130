from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from fascia.core.api import Integer
from fascia.measures import Score, score
from fascia.measures.instruments import INSTRUMENTS, Instrument

router = Router(tags=["measures"])


class InstrumentOut(Schema):
    code: str
    name: str
    items: list[str]
    response_min: int = Field(..., alias="low")
    response_max: int = Field(..., alias="high")
    higher_is_better: bool
    max_unanswered: int = Field(..., alias="max_missing")
    score_min: float
    score_max: float
    mcid: float
    mcid_source: str
    mdc: float | None


class ScoreIn(Schema):
    instrument: str = Field(..., description=f"One of {', '.join(INSTRUMENTS)}")
    responses: list[Integer | None] = Field(..., description="One per item, in order; null for one unanswered")


class ScoreOut(Schema):
    instrument: str
    value: float
    band: str | None
    answered: int


@router.get("", response=list[InstrumentOut], summary="The outcome instruments and their items")
def list_instruments(request: HttpRequest) -> list[Instrument]:
    return list(INSTRUMENTS.values())


@router.post("/score", response=ScoreOut, summary="Score responses (for intake tablets); stores nothing")
def score_responses(request: HttpRequest, payload: ScoreIn) -> Score:
    try:
        return score(payload.instrument, payload.responses)
    except ValueError as e:
        raise HttpError(422, str(e)) from None
