"""The provenance table: who may state each event type, through which way in, and how far from
its arrival a party may date it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stockout.domain.events import Event, EventType, Party
from stockout.domain.provenance import (
    STATED_BY,
    Source,
    SourceKind,
    Via,
    provenance_refusal,
    timing_refusal,
)

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
PLATFORM, SYNC = Source(SourceKind.PLATFORM), Source(SourceKind.SYNC, "pdd")
CARRIER = Source(SourceKind.CARRIER, "kuaidi100")
MERCHANT, BUYER = Source(SourceKind.MERCHANT, "s1"), Source(SourceKind.BUYER, "b1")
SIDE = {"by": Party.MERCHANT, "sender": Party.MERCHANT, "initiator": Party.MERCHANT}


def event(kind: EventType, **fields: object) -> Event:
    return Event("e", "A", kind, NOW, **fields)  # type: ignore[arg-type]


def stated(kind: EventType, source: Source, via: Via = Via.EVENTS, **fields: object) -> bool:
    return provenance_refusal(event(kind, **fields), source, via) is None


def test_every_event_type_has_its_row_and_the_platform_and_its_sync_state_anything() -> None:
    assert set(STATED_BY) == set(EventType)
    for kind in EventType:
        assert stated(kind, PLATFORM) and stated(kind, SYNC)


def test_a_carrier_states_its_scans_and_nothing_else() -> None:
    assert [k for k in EventType if stated(k, CARRIER)] == [EventType.CARRIER_SCAN]


def test_a_merchant_states_its_shipments_reports_cancellations_refunds_and_chat() -> None:
    merchant = [k.value for k in EventType if stated(k, MERCHANT, **SIDE)]
    assert merchant == ["order_cancelled", "shipment_uploaded", "stockout_reported",
                        "chat_message", "refund_requested", "refund_completed"]
    after_sales = [k.value for k in EventType
                   if stated(k, MERCHANT, Via.AFTERSALES, **SIDE) and k.value not in merchant]
    assert after_sales == ["refund_decided", "return_decided", "return_received"]


@pytest.mark.parametrize(("kind", "field"), [(EventType.ORDER_CANCELLED, "by"),
                                             (EventType.CHAT_MESSAGE, "sender"),
                                             (EventType.REFUND_REQUESTED, "initiator")])
def test_a_merchant_never_speaks_for_the_buyer(kind: EventType, field: str) -> None:
    refusal = provenance_refusal(event(kind, **{field: Party.BUYER}), MERCHANT, Via.EVENTS)
    assert refusal is not None and refusal.rule == f"provenance/{kind.value}/{field}"


def test_a_buyer_states_its_own_steps_only_through_their_endpoints() -> None:
    side = {"sender": Party.BUYER, "initiator": Party.BUYER}
    assert not any(stated(k, BUYER, Via.EVENTS, **side) for k in EventType)
    assert stated(EventType.CHAT_MESSAGE, BUYER, Via.MESSAGES, **side)
    assert stated(EventType.REMEDY_CHOSEN, BUYER, Via.REMEDY)
    assert not stated(EventType.REMEDY_CHOSEN, BUYER, Via.AFTERSALES)
    through_aftersales = [k.value for k in EventType if stated(k, BUYER, Via.AFTERSALES, **side)]
    assert through_aftersales == ["refund_requested", "after_sale_claim", "return_requested",
                                  "return_shipped", "aftersale_escalated"]
    refusal = provenance_refusal(event(EventType.REMEDY_CHOSEN), MERCHANT, Via.EVENTS)
    assert refusal is not None and "POST /v1/orders/A/remedy" in refusal.reason


def test_a_party_dates_what_it_states_within_the_tolerance_the_platform_any_time() -> None:
    tolerance = timedelta(minutes=15)
    for offset, rule in ((timedelta(minutes=-16), "provenance/backdated"),
                         (timedelta(minutes=16), "provenance/future"),
                         (timedelta(minutes=-15), None), (timedelta(minutes=15), None)):
        late = timing_refusal(event(EventType.SHIPMENT_UPLOADED), MERCHANT, NOW - offset,
                              tolerance)
        assert (late.rule if late else None) == rule
    for source in (PLATFORM, SYNC, CARRIER):
        assert timing_refusal(event(EventType.CARRIER_SCAN), source, NOW + timedelta(days=30),
                              tolerance) is None
    assert timing_refusal(event(EventType.CHAT_MESSAGE), BUYER, NOW + timedelta(hours=1),
                          tolerance) is not None


def test_a_source_reads_as_the_store_records_it() -> None:
    assert [str(s) for s in (PLATFORM, SYNC, CARRIER, MERCHANT, BUYER)] == [
        "platform", "sync:pdd", "carrier:kuaidi100", "merchant:s1", "buyer:b1"]
