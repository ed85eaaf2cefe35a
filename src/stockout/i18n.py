"""User-facing words of the command line and the reports: Simplified Chinese by default,
English with `--lang en` or `STOCKOUT_LANG=en`."""

from __future__ import annotations

from stockout.domain.explain import Lang

_MESSAGES: dict[str, tuple[str, str]] = {
    "order": ("订单", "order"),
    "shop": ("店铺", "shop"),
    "violation": ("违规", "violation"),
    "trigger": ("触发条件", "trigger"),
    "detected_at": ("判定时间", "detected at"),
    "deadline": ("发货时限", "ship-by"),
    "compensation": ("赔付", "compensation"),
    "count": ("数量", "count"),
    "orders": ("订单数", "orders"),
    "verdicts": ("判定", "verdicts"),
    "why": ("原因", "why"),
    "time": ("时间", "time"),
    "event": ("事件", "event"),
    "details": ("内容", "details"),
    "rate": ("比例", "rate"),
    "total": ("合计", "total"),
    "figure": ("规则项", "figure"),
    "value": ("取值", "value"),
    "verdicts_title": ("判定结果", "Verdicts"),
    "totals_title": ("按违规与触发条件汇总", "Totals by violation and trigger"),
    "worst_shops_title": ("问题最多的店铺", "Shops with the most verdicts"),
    "timeline_title": ("订单时间线", "Order timeline"),
    "rejected_line": ("第 {line} 行被拒绝：{reason}", "line {line} rejected: {reason}"),
    "rejected_summary": ("共 {n} 行被拒绝，其余 {ok} 个有效事件已判定。",
                         "{n} lines rejected; the other {ok} valid events were judged."),
    "duplicates": ("忽略重复事件 {n} 个。", "{n} duplicate events ignored."),
    "shown_of": ("仅显示前 {shown} 条，共 {total} 条；完整结果请用 --json。",
                 "Showing {shown} of {total}; use --json for all."),
    "no_verdicts": ("没有判定：截至 {at} 所有订单均未违规。", "No verdicts: no order broke a rule as of {at}."),
    "judged_summary": ("截至 {at}：{orders} 个订单，{verdicts} 条判定，赔付合计 {money}。",
                       "As of {at}: {orders} orders, {verdicts} verdicts, {money} compensation in all."),
    "order_not_found": ("文件中没有订单 {order}。", "Order {order} is not in the file."),
    "not_judged": ("订单缺少 order_placed 事件，无法判定。", "The order has no order_placed event: it cannot be judged."),
    "report_refused": ("缺货报备 {event} 不予受理：{reason}", "Out-of-stock report {event} refused: {reason}"),
    "refusal_campaign": ("活动订单不可报备缺货", "campaign orders cannot be reported"),
    "refusal_after_pickup": ("已揽收后不可报备", "the order was already picked up"),
    "refusal_closed": ("订单已关闭", "the order was already closed"),
    "refusal_daily_limit": ("超出店铺每日报备上限", "over the shop's daily limit of reports"),
    "pack_title": ("规则包 {id}：{title}（生效 {effective}）", "Rule pack {id}: {title} (effective {effective})"),
    "diff_title": ("规则差异：{a} → {b}", "Rule changes: {a} → {b}"),
    "no_diff": ("两个规则包的数值完全相同。", "The two packs have the same figures."),
    "simulated": ("已生成 {orders} 个订单、{lines} 行事件：{path}", "Wrote {orders} orders, {lines} event lines: {path}"),
    "reading": ("读取事件", "Reading events"),
    "judging": ("判定订单", "Judging orders"),
    "simulating": ("模拟市场", "Simulating the marketplace"),
    "plot_saved": ("违规趋势图：{path}", "Violations over time: {path}"),
    "demo_files": ("事件文件 {events}，判定结果 {verdicts}", "Events {events}, verdicts {verdicts}"),
    "demo_took": ("用时 {seconds:.1f} 秒。", "Took {seconds:.1f} s."),
    "bad_time": ("{what}：时间必须为带时区偏移的 RFC 3339 格式，例如 2025-06-01T12:00:00+08:00",
                 "{what}: a time must be RFC 3339 with an offset, e.g. 2025-06-01T12:00:00+08:00"),
    "times_local": ("时间均为北京时间（Asia/Shanghai）", "Times are Beijing time (Asia/Shanghai)"),
    "file_missing": ("找不到文件：{path}", "file not found: {path}"),
}


class Texts:
    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def __call__(self, key: str, **values: object) -> str:
        zh, en = _MESSAGES[key]
        return (zh if self.lang is Lang.ZH else en).format(**values)
