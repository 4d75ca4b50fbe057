"""The event contract, run against both transports (feed over HTTP and NATS JetStream) on real PostgreSQL and
the real NATS server (architecture.md, Events; Events issue, item 6)."""

import asyncio
import json

import pytest
from sqlalchemy import select, update

from insurance_shared.events import emit
from insurance_shared.events.inbox import dead_letters, processed_events
from insurance_shared.events.jetstream import JetStreamRelay
from insurance_shared.events.outbox import Cursor, horizon, read_after
from insurance_shared.telemetry import consuming

from .conftest import SOURCE, Harness, NatsHarness, NatsServer, Tally, Tick, Tock, require_nats


async def produce(h: Harness, subject: str, seqs: range, *, poison: set[int] = frozenset(), per_tx: int = 50) -> None:
    seqs = list(seqs)
    for i in range(0, len(seqs), per_tx):
        async with h.producer.sessionmaker() as s:
            for seq in seqs[i : i + per_tx]:
                await emit(s, Tick(seq=seq, poison=seq in poison), subject=subject, region="220100")
            await s.commit()


async def test_rolled_back_events_are_never_delivered(harness: Harness) -> None:
    async with harness.producer.sessionmaker() as s:
        await emit(s, Tick(seq=1), subject="ghost", region="220100")
        await s.rollback()
    await produce(harness, "real", range(1, 3))
    await harness.drain(2)
    assert [r[:2] for r in await harness.projection()] == [("real", 1), ("real", 2)]


async def test_a_consumer_that_was_down_catches_up_in_order(harness: Harness) -> None:
    for k in range(5):
        await produce(harness, f"s{k}", range(1, 41), per_tx=7)
    # nothing was consumed while the events piled up; the handler raises OutOfOrder on any gap or swap
    await harness.drain(200)
    rows = await harness.projection()
    assert len(rows) == 200
    for k in range(5):
        assert [seq for subj, seq, _ in rows if subj == f"s{k}"] == list(range(1, 41))
    async with harness.consumer.sessionmaker() as s:
        assert (await s.execute(select(dead_letters))).all() == []


async def test_duplicate_delivery_is_applied_once(harness: Harness) -> None:
    await produce(harness, "d", range(1, 11))
    if isinstance(harness, NatsHarness):
        # the relay dies after publishing, before recording that it did: on restart it publishes them again
        # (the feed serves rows below the oldest running transaction of the whole server: another database's
        # transaction can hold them back for a moment, so wait until all ten are visible)
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            async with harness.producer.sessionmaker() as s:
                rows = await read_after(s, Cursor(), 100)
            if len(rows) == 10 or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.05)
        assert len(rows) == 10
        await harness.relay.publish(rows, await harness.relay._js())
        # and a duplicate outside JetStream's dedup window (another message id) reaches the consumer too
        js = await harness.relay._js()
        await js.publish(
            f"{harness.prefix}{rows[3].type}", rows[3].envelope_json.encode(), headers={"Nats-Msg-Id": "other"}
        )
    else:
        await harness.drain(10)
        # the consumer's cursor is lost (restored from an old backup, say): it reads the feed again from the start
        async with harness.consumer.sessionmaker() as s:
            from insurance_shared.events.inbox import consumer_cursors

            await s.execute(update(consumer_cursors).values(cursor="0-0"))
            await s.commit()
    await harness.drain(10)
    await harness.drain(10)
    rows = await harness.projection()
    assert [seq for _, seq, _ in rows] == list(range(1, 11))
    async with harness.consumer.sessionmaker() as s:
        assert len((await s.execute(select(processed_events))).all()) == 10


async def parked_count(harness: Harness) -> int:
    async with harness.consumer.sessionmaker() as s:
        return len((await s.execute(select(dead_letters))).all())


async def test_a_poisoned_event_parks_without_stopping_the_others(harness: Harness, behaviour) -> None:
    await produce(harness, "bad", range(1, 6), poison={3})
    await produce(harness, "good", range(1, 6))
    await harness.drain(7)
    rows = await harness.projection()
    assert [seq for subj, seq, _ in rows if subj == "good"] == [1, 2, 3, 4, 5]
    # the poisoned event parks; the later events of its subject wait behind it, so order is never broken
    assert [seq for subj, seq, _ in rows if subj == "bad"] == [1, 2]
    async with harness.consumer.sessionmaker() as s:
        parked = (await s.execute(select(dead_letters).order_by(dead_letters.c.id))).all()
    assert [json.loads(p.envelope)["data"]["seq"] for p in parked] == [3, 4, 5]
    assert "poisoned event" in parked[0].error and parked[0].attempts == 2
    assert {p.status for p in parked} == {"parked"}
    # later events of the parked subject are parked too, in order; drain(7) alone may return before the new event
    # crossed (seven rows were applied already), so wait for it to be parked
    await produce(harness, "bad", range(6, 7))
    await harness.drain(7)
    deadline = asyncio.get_running_loop().time() + 30
    while await parked_count(harness) < 4:
        assert asyncio.get_running_loop().time() < deadline, "bad 6 was not parked behind bad 3 within 30 s"
        await harness.pump()
    # the fault is fixed; one retry replays the subject's parked events in order
    behaviour.poison_fails = False
    result = await harness.inbox.retry(parked[0].id)
    assert result["status"] == "resolved" and len(result["resolved"]) == 4
    assert [seq for subj, seq, _ in await harness.projection() if subj == "bad"] == [1, 2, 3, 4, 5, 6]


async def test_runs_of_a_bulk_type_are_applied_together_in_order_and_a_bad_one_parks_alone(
    harness: Harness, behaviour
) -> None:
    # one subject: ticks 1-2, tallies 3-40 (a run), tick 41, tallies 42-60 with 50 poisoned; another subject clean
    async with harness.producer.sessionmaker() as s:
        for seq in range(1, 61):
            kind = Tick if seq in (1, 2, 41) else Tally
            await emit(s, kind(seq=seq, poison=seq == 50), subject="bulk", region="220100")
            if seq % 2:
                await emit(s, Tally(seq=(seq + 1) // 2), subject="other", region="220100")
        await s.commit()
    await harness.drain(49 + 30)
    rows = await harness.projection()
    assert [seq for subj, seq, _ in rows if subj == "bulk"] == list(range(1, 50))  # order kept across types
    assert [seq for subj, seq, _ in rows if subj == "other"] == list(range(1, 31))
    assert max(behaviour.run_sizes) > 10  # runs really were applied together
    async with harness.consumer.sessionmaker() as s:
        parked = (await s.execute(select(dead_letters).order_by(dead_letters.c.id))).all()
    assert [json.loads(p.envelope)["data"]["seq"] for p in parked] == list(range(50, 61))
    assert "poisoned event" in parked[0].error


async def test_events_nobody_here_handles_do_not_split_a_run(harness: Harness, behaviour) -> None:
    # JetStream delivers the tocks between the tallies (the feed leaves them out): they change nothing here, so
    # the tallies are still applied as runs, not one by one
    async with harness.producer.sessionmaker() as s:
        for seq in range(1, 31):
            await emit(s, Tally(seq=seq), subject="mixed", region="220100")
            await emit(s, Tock(n=seq), subject="mixed", region="220100")
        await s.commit()
    await harness.drain(30)
    assert [seq for _, seq, _ in await harness.projection()] == list(range(1, 31))
    assert max(behaviour.run_sizes) > 10


async def test_replay_from_the_start_rebuilds_the_same_projection(harness: Harness) -> None:
    for k in range(3):
        await produce(harness, f"r{k}", range(1, 21), per_tx=6)
    await harness.drain(60)
    live = await harness.projection()
    await harness.reset_consumer()
    assert await harness.applied_count() == 0
    await harness.drain(60)
    assert await harness.projection() == live


async def test_trace_context_crosses_from_producer_to_consumer(harness: Harness, behaviour) -> None:
    """A request's trace (here a span continuing a caller's traceparent, as OpenTelemetry's FastAPI instrumentation
    makes for each request) goes into the event, and the consumer applies it in a span of the same trace."""
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    with consuming(parent, "a request"):
        await produce(harness, "t", range(1, 2))
    await harness.drain(1)
    assert behaviour.seen_traces == ["4bf92f3577b34da6a3ce929d0e0e4736"]
    async with harness.consumer.sessionmaker() as s:
        from .conftest import applied

        assert (await s.execute(select(applied.c.trace_id))).scalar_one() == "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.mark.slow
async def test_ten_thousand_events_from_four_concurrent_producers(harness: Harness) -> None:
    async def producer(p: int) -> None:
        # each producer owns 25 subjects and writes 100 events to each, interleaved, 50 per transaction
        seqs = {f"p{p}-{j}": 0 for j in range(25)}
        batch = []
        for _ in range(100):
            for subject in seqs:
                seqs[subject] += 1
                batch.append((subject, seqs[subject]))
        for i in range(0, len(batch), 50):
            async with harness.producer.sessionmaker() as s:
                for subject, seq in batch[i : i + 50]:
                    await emit(s, Tick(seq=seq), subject=subject, region="220100")
                await s.commit()

    async def consume_while_producing() -> None:
        for _ in range(20):
            await harness.pump()
            await asyncio.sleep(0.05)

    await asyncio.gather(*(producer(p) for p in range(4)), consume_while_producing())
    await harness.drain(10_000, timeout=240)
    rows = await harness.projection()
    assert len(rows) == 10_000
    by_subject: dict[str, list[int]] = {}
    for subject, seq, _ in rows:
        by_subject.setdefault(subject, []).append(seq)
    assert len(by_subject) == 100
    assert all(seqs == list(range(1, 101)) for seqs in by_subject.values())
    async with harness.consumer.sessionmaker() as s:
        assert (await s.execute(select(dead_letters))).all() == []


@pytest.mark.slow
async def test_nats_server_restarted_mid_stream_loses_nothing(databases, behaviour) -> None:
    server = NatsServer()
    server.start()
    h = NatsHarness(*databases, behaviour, url=server.url)
    try:
        await produce(h, "n", range(1, 301))
        # half way: part published and consumed, part published and not yet consumed
        h.relay.batch = 100
        h.consumer_worker.batch = 50
        await h.relay.relay_once()
        await h.relay.relay_once()
        await h.consumer_worker.poll_once(wait=1)
        server.stop()
        await produce(h, "n", range(301, 401))  # the producers go on while the broker is down
        with pytest.raises(Exception):  # noqa: B017 - the relay cannot publish while the server is down
            await asyncio.wait_for(h.relay.relay_once(), timeout=3)
        server.start()
        await asyncio.sleep(1.5)  # clients reconnect on their own
        await h.drain(400, timeout=90)
        assert [seq for _, seq, _ in await h.projection()] == list(range(1, 401))
    finally:
        await h.close()
        server.cleanup()


async def test_a_waiting_nats_consumer_hands_over_a_burst_without_waiting_for_a_full_batch(
    databases, behaviour
) -> None:
    """A pull waits up to its long poll for the first events; once some have come it hands them over when the
    burst ends, not when the batch is full or the poll expires (a batch of 500 asked, three sent)."""
    require_nats()
    h = NatsHarness(*databases, behaviour)
    try:
        await h.relay._js()  # the stream exists before the consumer asks
        polling = asyncio.create_task(h.consumer_worker.poll_once(wait=30))
        await asyncio.sleep(0.5)  # its request is waiting at the server
        await produce(h, "burst", range(1, 4))
        assert await h.relay.relay_once() == 3
        got = await asyncio.wait_for(polling, timeout=5)
        while got < 3:  # the three may land in more than one read
            got += await asyncio.wait_for(h.consumer_worker.poll_once(wait=30), timeout=5)
        assert got == 3
        assert [seq for _, seq, _ in await h.projection()] == [1, 2, 3]
    finally:
        await h.close()


@pytest.mark.slow
async def test_the_running_relay_and_consumer_ride_out_a_nats_restart(databases, behaviour) -> None:
    """Their own loops this time (the relay reads ahead while JetStream stores a batch; the consumer asks for
    the next batch while it applies one): a broker restart mid-stream loses nothing and keeps the order."""
    server = NatsServer()
    server.start()
    h = NatsHarness(*databases, behaviour, url=server.url)
    h.relay.batch = 50
    h.consumer_worker.batch = 40
    tasks = [asyncio.create_task(h.relay.run(idle_sleep=0.02)), asyncio.create_task(h.consumer_worker.run())]
    try:
        await produce(h, "m", range(1, 201), per_tx=20)
        deadline = asyncio.get_running_loop().time() + 30
        while await h.applied_count() == 0:
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.01)
        server.stop()
        await produce(h, "m", range(201, 401), per_tx=20)  # the producers go on while the broker is down
        await asyncio.sleep(1)
        server.start()
        deadline = asyncio.get_running_loop().time() + 90
        while await h.applied_count() < 400:
            assert asyncio.get_running_loop().time() < deadline, f"{await h.applied_count()} of 400 applied"
            await asyncio.sleep(0.1)
        assert [seq for _, seq, _ in await h.projection()] == list(range(1, 401))
        async with h.consumer.sessionmaker() as s:
            assert (await s.execute(select(dead_letters))).all() == []
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await h.close()
        server.cleanup()


async def test_relay_publishes_only_committed_rows_in_feed_order(databases) -> None:
    """The relay reads the same non-overtakable order the feed serves (see outbox.py)."""
    producer, _ = databases
    async with producer.sessionmaker() as open_tx:
        await emit(open_tx, Tick(seq=1), subject="x", region="220100")
        await open_tx.flush()  # written, not committed: holds back everything after it
        async with producer.sessionmaker() as s:
            await emit(s, Tick(seq=2), subject="y", region="220100")
            await s.commit()
        from insurance_shared.events.outbox import Cursor, read_after

        async with producer.sessionmaker() as reader:
            assert await read_after(reader, Cursor(), 10) == []  # y committed, but behind x's open transaction
        await open_tx.commit()
    async with producer.sessionmaker() as reader:
        rows = await read_after(reader, Cursor(), 10)
    assert [json.loads(r.envelope_json)["subject"] for r in rows] == ["x", "y"]
    assert isinstance(JetStreamRelay, type)


async def test_unknown_types_are_recorded_and_skipped_and_newer_fields_accepted(harness: Harness) -> None:
    import uuid as _uuid

    from insurance_shared.db import utcnow
    from insurance_shared.events.outbox import _INSERT

    def raw_event(type_: str, data: dict, subject: str, **extra: object) -> dict:
        env = {
            "id": str(_uuid.uuid4()),
            "type": type_,
            "source": "testsrc",
            "subject": subject,
            "time": utcnow().isoformat(),
            "region": "220100",
            "traceparent": None,
            "data": data,
            **extra,
        }
        return {"event_id": env["id"], "type": type_, "subject": subject, "time": utcnow(), "envelope": json.dumps(env)}

    rows = [
        raw_event("testsrc.tick.v1", {"seq": 1}, "u"),
        raw_event("testsrc.mystery.v1", {"what": "a type this build does not know"}, "u"),
        # a newer producer: an extra envelope field and an extra data field
        raw_event("testsrc.tick.v1", {"seq": 2, "added_in_v1_1": "ignored"}, "u", schema_hint="v1.1"),
    ]
    async with harness.producer.sessionmaker() as s:
        await s.execute(_INSERT, rows)
        await s.commit()
    await harness.drain(2)
    assert [seq for _, seq, _ in await harness.projection()] == [1, 2]
    async with harness.consumer.sessionmaker() as s:
        outcomes = dict((await s.execute(select(processed_events.c.type, processed_events.c.outcome))).all())
        assert outcomes["testsrc.mystery.v1"] == "unknown_type"
        assert (await s.execute(select(dead_letters))).all() == []


async def test_types_nobody_handles_cost_the_consumer_nothing_and_hide_nothing(harness: Harness) -> None:
    # ticks (handled) between runs of tocks (known, unhandled), longer than a page: every tick arrives, in order
    async with harness.producer.sessionmaker() as s:
        for seq in range(1, 6):
            for n in range(300):
                await emit(s, Tock(n=n), subject="t", region="220100")
            await emit(s, Tick(seq=seq), subject="t", region="220100")
        await s.commit()
    await harness.drain(5)
    assert [seq for _, seq, _ in await harness.projection()] == [1, 2, 3, 4, 5]
    async with harness.consumer.sessionmaker() as s:
        outcomes = (await s.execute(select(processed_events.c.type, processed_events.c.outcome))).all()
    tocks = [o for t, o in outcomes if t == "testsrc.tock.v1"]
    if harness.transport == "feed":
        assert tocks == []  # left out at the source: not sent, parsed or recorded
    else:
        assert len(tocks) == 1500 and set(tocks) == {"ignored"}  # JetStream delivers the stream; recorded as ignored
    assert harness.transport == "nats" or await harness.pump() == 0


async def test_live_delivery_within_about_a_second(harness: Harness) -> None:
    workers = [harness.consumer_worker.run()]
    if isinstance(harness, NatsHarness):
        workers.append(harness.relay.run(idle_sleep=0.02))
    tasks = [asyncio.create_task(w) for w in workers]
    try:
        await asyncio.sleep(0.3)  # consumers are waiting
        t0 = asyncio.get_running_loop().time()
        await produce(harness, "live", range(1, 2))
        while await harness.applied_count() < 1:
            assert asyncio.get_running_loop().time() - t0 < 3, "event not delivered within 3 s"
            await asyncio.sleep(0.01)
        latency = asyncio.get_running_loop().time() - t0
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    assert latency < 1.0, f"delivered after {latency:.2f}s"


async def test_a_running_consumer_catches_up_a_backlog_in_order(harness: Harness) -> None:
    """The consumer's own loop (the feed's fetches the next page while it applies one), not the test's pump."""
    for k in range(3):
        await produce(harness, f"r{k}", range(1, 401), per_tx=37)
    workers = [harness.consumer_worker.run()]
    if isinstance(harness, NatsHarness):
        workers.append(harness.relay.run(idle_sleep=0.02))
    tasks = [asyncio.create_task(w) for w in workers]
    try:
        deadline = asyncio.get_running_loop().time() + 60
        while await harness.applied_count() < 1200:
            assert asyncio.get_running_loop().time() < deadline, f"{await harness.applied_count()} of 1200 applied"
            await asyncio.sleep(0.05)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    rows = await harness.projection()
    for k in range(3):  # the handler raises OutOfOrder on any gap or swap, which would park the event
        assert [seq for subj, seq, _ in rows if subj == f"r{k}"] == list(range(1, 401))
    async with harness.consumer.sessionmaker() as s:
        assert (await s.execute(select(dead_letters))).all() == []
    async with harness.producer.sessionmaker() as s:
        head = await horizon(s)
    assert Cursor.parse(await harness.inbox.cursor(SOURCE)) == head


async def test_the_applied_position_reaches_the_producers_head(harness: Harness) -> None:
    """What a freshness check compares (events.freshness): once everything has crossed, the consumer's applied
    position equals the producer's head, on either transport, even when the last events are of a type the consumer
    does not handle (the feed leaves them out; JetStream delivers them to be ignored)."""
    await produce(harness, "seen", range(1, 4))
    async with harness.producer.sessionmaker() as s:
        for n in range(3):
            await emit(s, Tock(n=n), subject="not-handled", region="220100")
        await s.commit()
    async with harness.producer.sessionmaker() as s:
        head = await horizon(s)
    deadline = asyncio.get_running_loop().time() + 30
    while Cursor.parse(await harness.inbox.cursor(SOURCE)) < head:
        assert asyncio.get_running_loop().time() < deadline, (
            f"applied {await harness.inbox.cursor(SOURCE)}, head {head}"
        )
        await harness.pump()
    assert Cursor.parse(await harness.inbox.cursor(SOURCE)) == head
    assert [seq for _, seq, _ in await harness.projection()] == [1, 2, 3]
