"""Each mapping rule of the Pinduoduo and carrier adapters, with the vendor's field names."""

from __future__ import annotations

import json

import pytest

from stockout.adapters.carriers import kdniao, kuaidi100
from stockout.adapters.pdd.orders import lacks_detail, map_order, map_orders
from stockout.adapters.pdd.refunds import map_refund
from stockout.adapters.pdd.signing import sign, signature_ok
from stockout.adapters.pdd.values import FieldError, fen, short_region

CARRIERS = {"85": "圆通"}


def order(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "order_sn": "180831-481803633911509", "created_time": "2018-08-31 10:40:00",
        "confirm_time": "2018-08-31 10:42:33", "confirm_status": 1, "group_status": 1,
        "last_ship_time": "2018-09-02 10:42:33", "updated_at": "2018-08-31 10:42:33",
        "pay_amount": 11.01, "province": "上海市", "trade_type": 0, "is_pre_sale": 0,
        "tracking_number": "", "logistics_id": 0, "shipping_time": "",
        "item_list": [{"sku_id": 2525296157, "goods_count": 2, "goods_id": "1"}]}
    base.update(changes)
    return base


def by_type(events: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(e["type"]): e for e in events}


def test_order_and_first_item_are_order_placed_with_amount_in_fen_and_short_region() -> None:
    e = by_type(map_order(order(), "100", CARRIERS).events)["order_placed"]
    assert e["event_id"] == "pdd:180831-481803633911509:placed"
    assert (e["shop_id"], e["sku_id"], e["quantity"], e["paid_cents"]) == ("100", "2525296157", 2,
                                                                          1101)
    assert e["ship_to_region"] == "上海" and e["at"] == "2018-08-31T10:40:00+08:00"


@pytest.mark.parametrize("value,cents", [(11.01, 1101), ("11.01", 1101), ("0.1", 10), (3, 300),
                                         ("18.47", 1847)])
def test_pay_amount_in_yuan_as_number_or_string_is_exact_fen(value: object, cents: int) -> None:
    assert fen("o", "pay_amount", value) == cents


@pytest.mark.parametrize("value", ["1.001", "-1", "abc", None, True, "NaN"])
def test_a_bad_amount_is_an_error_naming_order_and_field(value: object) -> None:
    with pytest.raises(FieldError) as info:
        fen("o1", "pay_amount", value)
    assert (info.value.record, info.value.field) == ("o1", "pay_amount")


def test_confirm_time_is_order_confirmed_with_a_stable_id() -> None:
    events = map_order(order(), "100", CARRIERS).events
    assert by_type(events)["order_confirmed"]["event_id"] == "pdd:180831-481803633911509:confirmed"
    assert events == map_order(order(), "100", CARRIERS).events


def test_an_order_still_in_its_group_is_placed_but_not_confirmed() -> None:
    events = by_type(map_order(order(group_status=0, confirm_status=0, confirm_time=""), "100",
                               CARRIERS).events)
    assert set(events) == {"order_placed"}


def test_group_status_2_is_group_failed_at_the_update_time() -> None:
    events = by_type(map_order(order(group_status=2, confirm_status=2, confirm_time=""), "100",
                               CARRIERS).events)
    assert events["group_failed"]["at"] == "2018-08-31T10:42:33+08:00"
    assert "order_cancelled" not in events


def test_confirm_status_2_is_a_cancellation() -> None:
    events = by_type(map_order(order(confirm_status=2, updated_at="2018-09-01 08:00:00"), "100",
                               CARRIERS).events)
    assert events["order_cancelled"]["by"] == "platform"


def test_tracking_number_and_shipping_time_are_an_upload_and_a_new_number_a_new_upload() -> None:
    first = order(tracking_number="YT1", logistics_id=85, shipping_time="2018-09-01 09:00:00")
    second = order(tracking_number="YT2", logistics_id="85", shipping_time="2018-09-01 09:00:00")
    a = by_type(map_order(first, "100", CARRIERS).events)["shipment_uploaded"]
    b = by_type(map_order(second, "100", CARRIERS).events)["shipment_uploaded"]
    assert (a["carrier"], a["tracking_no"]) == ("圆通", "YT1")
    assert a["event_id"] != b["event_id"] and b["tracking_no"] == "YT2"


def test_an_unknown_logistics_id_is_an_error_and_the_rest_of_the_page_is_kept() -> None:
    bad = order(order_sn="bad", tracking_number="X1", logistics_id=999,
                shipping_time="2018-09-01 09:00:00")
    page = map_orders([bad, order()], "100", CARRIERS)
    assert [(e.record, e.field) for e in page.errors] == [("bad", "logistics_id")]
    assert [o.order_sn for o in page.orders] == ["180831-481803633911509"]


def test_presale_and_deposit_orders_carry_their_date_and_what_was_paid() -> None:
    o = order(is_pre_sale=1, pre_sale_time="2018-09-10 00:00:00", trade_type=1,
              step_order_info={"advanced_paid_fee": "1", "step_paid_fee": "1.1",
                               "step_trade_status": 2})
    e = by_type(map_order(o, "100", CARRIERS).events)["order_placed"]
    assert e["presale_ship_by"] == "2018-09-10T00:00:00+08:00" and e["paid_cents"] == 110


def test_last_ship_time_is_kept_for_the_deadline_comparison() -> None:
    mapped = map_order(order(), "100", CARRIERS)
    assert mapped.last_ship_time is not None and mapped.last_ship_time.isoformat().startswith(
        "2018-09-02T02:42:33")


def test_an_increment_entry_without_items_needs_the_order_detail() -> None:
    assert lacks_detail({k: v for k, v in order().items() if k != "item_list"})
    assert not lacks_detail(order())


@pytest.mark.parametrize("province,short", [("广东省", "广东"), ("广西壮族自治区", "广西"),
                                            ("新疆维吾尔自治区", "新疆"), ("上海市", "上海"),
                                            ("内蒙古自治区", "内蒙古"), ("广东省,深圳市", "广东")])
def test_province_is_the_short_region_name(province: str, short: str) -> None:
    assert short_region(province) == short


def refund(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {"id": 7, "order_sn": "190228-355530178612389",
                               "after_sales_status": 10, "after_sales_type": 2,
                               "refund_operator_role": 1, "after_sale_reason": "不想要了",
                               "refund_amount": "12.30", "created_time": "1551612204",
                               "updated_time": "1551619404"}
    base.update(changes)
    return base


def test_a_successful_refund_is_requested_by_the_operator_role_then_completed_in_fen() -> None:
    events = by_type(map_refund(refund()))
    assert events["refund_requested"]["initiator"] == "buyer"
    assert events["refund_requested"]["event_id"] == "pdd:190228-355530178612389:refund:7:requested"
    assert events["refund_completed"]["amount_cents"] == 1230


def test_a_merchant_operator_is_a_merchant_refund_and_the_platform_only_completes() -> None:
    assert by_type(map_refund(refund(refund_operator_role=2)))["refund_requested"][
        "initiator"] == "merchant"
    assert set(by_type(map_refund(refund(refund_operator_role=3)))) == {"refund_completed"}


def test_a_pending_refund_is_only_requested_and_an_exchange_maps_to_nothing() -> None:
    assert set(by_type(map_refund(refund(after_sales_status=2)))) == {"refund_requested"}
    assert map_refund(refund(after_sales_status=16)) == []


def test_an_unknown_after_sales_status_names_the_field() -> None:
    with pytest.raises(FieldError) as info:
        map_refund(refund(after_sales_status=99))
    assert info.value.field == "after_sales_status"


def test_signature_is_upper_md5_of_secret_sorted_pairs_secret() -> None:
    params = {"type": "pdd.order.information.get", "client_id": "c", "timestamp": "1",
              "order_sn": "x"}
    import hashlib
    want = hashlib.md5(b"sclient_idcorder_snxtimestamp1typepdd.order.information.gets"
                       ).hexdigest().upper()
    assert sign(params, "s") == want
    assert signature_ok({**params, "sign": want}, "s")
    assert not signature_ok({**params, "sign": want}, "other")


def kuaidi100_param(**last: object) -> str:
    result = {"nu": "YT1", "com": "yuantong", "state": "0", "data": [
        {"time": "2025-06-02 10:00:00", "ftime": "2025-06-02 10:00:00", "context": "派送中",
         "status": "派件", "areaName": "广东省,深圳市"},
        {"time": "2025-06-01 10:00:00", "ftime": "2025-06-01 10:00:00", "context": "已揽收",
         "status": "揽收"}]}
    result.update(last)
    return json.dumps({"status": "polling", "lastResult": result}, ensure_ascii=False)


def test_kuaidi100_entries_are_scans_with_mapped_states_and_area_as_region() -> None:
    trace = kuaidi100.read_push(kuaidi100_param())
    assert [(s.status.value, s.region) for s in trace.scans] == [
        ("out_for_delivery", "广东"), ("pickup", None)]
    from datetime import UTC, datetime
    events = trace.events_for("o1", datetime(2025, 1, 1, tzinfo=UTC))
    again = kuaidi100.read_push(kuaidi100_param()).events_for("o1", datetime(2025, 1, 1, tzinfo=UTC))
    assert [e["event_id"] for e in events] == [e["event_id"] for e in again]


def test_kuaidi100_sign_is_upper_md5_of_raw_param_and_salt() -> None:
    param = kuaidi100_param()
    assert kuaidi100.signature_ok(param, kuaidi100.sign(param, "salt"), "salt")
    assert not kuaidi100.signature_ok(param + " ", kuaidi100.sign(param, "salt"), "salt")


def test_kdniao_actions_map_and_waiting_for_pickup_is_no_scan() -> None:
    data = json.dumps({"EBusinessID": "1", "Count": 1, "Data": [{
        "ShipperCode": "YTO", "LogisticCode": "YT9", "State": "3", "Traces": [
            {"AcceptTime": "2025-06-01 08:00:00", "AcceptStation": "待揽件", "Action": "10"},
            {"AcceptTime": "2025-06-01 10:00:00", "AcceptStation": "已揽收", "Action": "1"},
            {"AcceptTime": "2025-06-02 10:00:00", "AcceptStation": "拒收", "Action": "404",
             "Location": "浙江省杭州市"}]}]}, ensure_ascii=False)
    assert kdniao.signature_ok(data, kdniao.sign(data, "key"), "key")
    (trace,) = kdniao.read_push(data)
    assert [(s.status.value, s.region) for s in trace.scans] == [("pickup", None),
                                                                  ("returned", "浙江")]
