from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from fascia.measures import score
from fascia.measures.instruments import INSTRUMENTS, Instrument

router = Router(tags=["measures"])


class InstrumentOut(Schema):
    code: str
    name: str
    items: list[str]
    response_min: int
    response_max: int
    higher_is_better: bool
    max_unanswered: int
    score_min: float
    score_max: float
    mcid: float
    mcid_source: str
    mdc: float | None

    @staticmethod
    def from_instrument(inst: Instrument) -> "InstrumentOut":
        return InstrumentOut(
            code=inst.code,
            name=inst.name,
            items=list(inst.items),
            response_min=inst.low,
            response_max=inst.high,
            higher_is_better=inst.higher_is_better,
            max_unanswered=inst.max_missing,
            score_min=inst.score_min,
            score_max=inst.score_max,
            mcid=inst.mcid,
            mcid_source=inst.mcid_source,
            mdc=inst.mdc,
        )


class ScoreIn(Schema):
    instrument: str
    responses: list[int | None]


class ScoreOut(Schema):
    instrument: str
    value: float
    band: str | None
    answered: int


@router.get("", response=list[InstrumentOut], summary="The outcome instruments and their items")
def list_instruments(request: HttpRequest) -> list[InstrumentOut]:
    return [InstrumentOut.from_instrument(inst) for inst in INSTRUMENTS.values()]


@router.post("/score", response=ScoreOut, summary="Score responses (for intake tablets); stores nothing")
def score_responses(request: HttpRequest, payload: ScoreIn) -> ScoreOut:
    try:
        result = score(payload.instrument, payload.responses)
    except ValueError as e:
        raise HttpError(422, str(e)) from None
    return ScoreOut(instrument=result.instrument, value=result.value, band=result.band, answered=result.answered)
