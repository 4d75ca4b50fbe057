"""The outbox writes each event's envelope as JSON without building an :class:`Envelope` (outbox._rows): the text
must be exactly what ``Envelope.model_dump_json`` gives for the same event, whatever the subject, region, trace
and data, so every consumer (and every stored row) reads the same envelope as before."""

import datetime as dt
import uuid

from hypothesis import given
from hypothesis import strategies as st

from insurance_shared.contracts.contributions import PersonEnrolled
from insurance_shared.events.envelope import Envelope
from insurance_shared.events.outbox import _rows

from .conftest import Tick

texts = st.text(max_size=40)  # any code points: quotes, backslashes, control characters, CJK, surrogates' kin
enrolments = st.builds(
    PersonEnrolled,
    person=texts,
    unit_credit_code=st.none() | texts,
    region=texts,
    track=st.sampled_from(["unit", "flexible"]),
    start_date=st.dates(),
    employment_id=st.integers(min_value=-(2**63), max_value=2**63 - 1),
)
ticks = st.builds(Tick, seq=st.integers(min_value=1, max_value=2**70), poison=st.booleans())


@given(
    events=st.lists(st.tuples(enrolments | ticks, texts, texts), min_size=1, max_size=5),
    traceparent=st.none() | texts,
)
def test_an_envelope_written_is_the_envelope_models_json(events, traceparent) -> None:
    rows = _rows(events, traceparent)
    assert len(rows) == len(events)
    for (event_id, event_type, subject, time, envelope_json), (data, want_subject, region) in zip(
        rows, events, strict=True
    ):
        model = Envelope(
            id=uuid.UUID(event_id),
            type=data.event_type,
            source=data.source,
            subject=want_subject,
            time=time,
            region=region,
            traceparent=traceparent,
            data=data.model_dump(mode="json"),
        )
        assert envelope_json == model.model_dump_json()
        assert (event_type, subject) == (data.event_type, want_subject)
        assert uuid.UUID(event_id).version == 4 and time.tzinfo == dt.UTC
    assert len({row[0] for row in rows}) == len(rows)
