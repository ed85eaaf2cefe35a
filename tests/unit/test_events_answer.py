"""The answer to POST /v1/events is written without building its model; it must stay, byte for
byte, the JSON of the model the OpenAPI document gives (`IngestAnswer`)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stockout.api.routes.events import IngestAnswer, RejectedEvent, answer_json
from stockout.services.judging.adjudicate import Outcome
from stockout.services.judging.ingest import IngestResult, Rejection

# Any text JSON can carry as UTF-8: control characters, quotes, non-ASCII, U+2028.
_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
_rejection = st.builds(Rejection, st.integers(0, 999), st.none() | _text, _text,
                       st.sampled_from([403, 404, 409, 422]), st.none() | _text)
_result = st.builds(IngestResult, st.lists(_text, max_size=4), st.lists(_text, max_size=4),
                    st.lists(_rejection, max_size=4),
                    st.builds(Outcome, st.integers(0, 10**6), st.integers(0, 10**6),
                              st.integers(0, 10**6)))


def _model_json(result: IngestResult) -> bytes:
    return IngestAnswer(
        accepted=result.accepted, duplicates=result.duplicates,
        rejected=[RejectedEvent(index=r.index, event_id=r.event_id, reason=r.reason,
                                status=r.status, rule=r.rule) for r in result.rejected],
        orders_judged=result.outcome.judged, verdicts_issued=result.outcome.issued,
        verdicts_voided=result.outcome.voided).model_dump_json().encode("utf-8")


@given(_result)
def test_the_answer_is_the_models_json_byte_for_byte(result: IngestResult) -> None:
    assert answer_json(result) == _model_json(result)


def test_a_typical_answer() -> None:
    result = IngestResult(accepted=["A.placed"], duplicates=["A.old"], rejected=[
        Rejection(2, "B.x", "at: 须带时区 \"x\"\n", 422)], outcome=Outcome(1, 2, 0))
    assert answer_json(result) == (
        b'{"accepted":["A.placed"],"duplicates":["A.old"],"rejected":[{"index":2,'
        b'"event_id":"B.x","reason":"at: \xe9\xa1\xbb\xe5\xb8\xa6\xe6\x97\xb6\xe5\x8c\xba '
        b'\\"x\\"\\n","status":422,"rule":null}],"orders_judged":1,"verdicts_issued":2,'
        b'"verdicts_voided":0}')
    assert answer_json(result) == _model_json(result)
