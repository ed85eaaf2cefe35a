"""User-facing words of the command line, the reports and the notices, keyed by name: Simplified
Chinese by default, English with `--lang en` or `STOCKOUT_LANG=en`. Each is a `Text` of
`domain/language.py`, the one mechanism; words that belong to an enum member (a trigger's, a
violation's) are declared with it in the domain instead."""

from __future__ import annotations

from stockout.domain.language import Lang, Text

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
    "rejected_row": ("{file} 第 {row} 行被拒绝：{reason}", "{file} row {row} rejected: {reason}"),
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
    "preparing": ("准备并判定事件", "Preparing and judging the events"),
    "judging": ("判定订单", "Judging orders"),
    "simulating": ("模拟市场", "Simulating the marketplace"),
    "plot_saved": ("违规趋势图：{path}", "Violations over time: {path}"),
    "demo_files": ("事件文件 {events}，判定结果 {verdicts}", "Events {events}, verdicts {verdicts}"),
    "demo_took": ("用时 {seconds:.1f} 秒。", "Took {seconds:.1f} s."),
    "bad_time": ("{what}：时间必须为带时区偏移的 RFC 3339 格式，例如 2025-06-01T12:00:00+08:00",
                 "{what}: a time must be RFC 3339 with an offset, e.g. 2025-06-01T12:00:00+08:00"),
    "times_local": ("时间均为北京时间（Asia/Shanghai）", "Times are Beijing time (Asia/Shanghai)"),
    "file_missing": ("找不到文件：{path}", "file not found: {path}"),
    # bulk judging and what-if (stockout judge --engine, stockout whatif)
    "engine_missing": ("引擎不可用：{reason}", "engine not available: {reason}"),
    "bulk_summary": ("截至 {at}（{engine}）：{verdicts} 条判定，赔付合计 {money}，用时 {seconds:.1f} 秒。",
                     "As of {at} ({engine}): {verdicts} verdicts, {money} compensation in all, {seconds:.1f} s."),
    "verdicts_written": ("判定结果已写入 {path}（{n} 条）", "Wrote {n} verdicts to {path}"),
    "shop_summary_title": ("按店铺汇总（前 {n} 家，共 {shops} 家）", "Per shop (top {n} of {shops})"),
    "whatif_count": ("判定数 {pack}", "verdicts {pack}"),
    "whatif_money": ("赔付 {pack}", "compensation {pack}"),
    "whatif_delta": ("变化", "change"),
    "whatif_totals_title": ("规则变更影响：{a} → {b}（按违规类型）", "Effect of the rule change {a} → {b}, by violation"),
    "whatif_shops_title": ("变化最大的店铺（前 {n} 家，共 {shops} 家有变化）",
                           "Shops that change most (top {n} of {shops} that change)"),
    "whatif_chart_title": ("规则变更影响：{a} → {b}", "Effect of the rule change: {a} → {b}"),
    "whatif_chart_counts": ("判定数", "verdicts"),
    "whatif_chart_money": ("赔付（元）", "compensation (yuan)"),
    "whatif_chart_saved": ("对比图：{path}", "Chart: {path}"),
    "bad_format": ("--format 只能是 jsonl 或 parquet", "--format must be jsonl or parquet"),
}


# The online judge: server commands, and the notifications buyers and merchants receive.
_MESSAGES.update({
    "db_upgraded": ("数据库已升级：{before} → {after}（{url}）", "Database upgraded: {before} → {after} ({url})"),
    "db_current": ("数据库已是最新版本 {rev}（{url}）", "Database already at {rev} ({url})"),
    "db_error": ("无法打开数据库 {url}：{reason}", "cannot open the database {url}: {reason}"),
    "token_created": ("已创建{role}令牌 {id}（只显示这一次，请妥善保存）：",
                      "Created {role} token {id} (shown this once; keep it safe):"),
    "role_platform": ("平台", "platform"),
    "role_merchant": ("商家", "merchant"),
    "role_buyer": ("买家", "buyer"),
    "token_needs_shop": ("商家令牌需要至少一个 --shop", "a merchant token needs at least one --shop"),
    "token_needs_buyer": ("买家令牌需要 --buyer", "a buyer token needs --buyer"),
    "token_binding_unused": ("--shop 只用于商家令牌，--buyer 只用于买家令牌", "--shop is for merchant tokens only, --buyer for buyer tokens only"),
    "token_revoked": ("令牌 {id} 已吊销。", "Token {id} revoked."),
    "token_unknown": ("没有有效的令牌 {id}。", "No active token {id}."),
    "serving": ("stockout 服务运行于 http://{host}:{port}（接口文档 /docs），数据库 {url}",
                "stockout serving on http://{host}:{port} (API docs at /docs), database {url}"),
    "worker_swept": ("到期检查：{orders} 个订单，新判定 {issued} 条，撤销 {voided} 条；"
                     "处理到期的补救 {remedies} 个，结束管控措施 {measures} 项；送达通知 {sent} 条。",
                     "Sweep: {orders} orders due, {issued} verdicts issued, {voided} voided; "
                     "{remedies} remedies settled, {measures} measures ended; "
                     "{sent} notifications delivered."),
    "worker_started": ("后台任务已启动，每 {every} 秒检查一次到期订单（数据库 {url}）。",
                       "Worker started: checking due orders every {every} s (database {url})."),
    # What happens next, in the buyer's compensation notice: by the violation.
    "notice_next_late_shipment": (
        "商家仍须尽快为您发货。如您不想再等，可以在订单的售后服务中申请退款。",
        "The merchant must still ship your order. If you no longer want to wait, you can ask "
        "for a refund through the order's after-sale service."),
    "notice_next_stockout": (
        "接下来平台会另行通知您选择处理方式：等待补货、换成其他商品、改为预售，或全额退款。",
        "You will be asked, in a separate notice, to choose what happens next: wait for the "
        "restock, take a substitute, switch to presale, or get a full refund."),
    "notice_next_fake_shipment": ("如果包裹迟迟未到，您可以申请退款；平台会继续核实物流。",
                                  "If the parcel does not arrive, you can ask for a refund; "
                                  "the platform keeps checking the tracking."),
    "notice_next_fraudulent_shipment": ("平台将为您全额退款；依法您还可以另行主张 {legal}。",
                                        "The platform refunds you in full; at law you may also "
                                        "claim {legal}."),
    "notice_coupon_title": ("您获得一张 {amount} 无门槛券", "You have a {amount} no-threshold coupon"),
    "notice_coupon_body": ("很抱歉，您的订单 {order} 出现问题：{why}，平台判定为{violation}。平台已向您发放一张 {amount} 无门槛优惠券作为补偿，无需任何操作即可使用。{next}",
                           "We are sorry about your order {order}: {why}, which the platform counts as {violation}. The platform has given you a {amount} no-threshold coupon as compensation, ready to use. {next}"),
    "notice_clawback_title": ("关于订单 {order} 的优惠券", "About the coupon for order {order}"),
    "notice_clawback_body": ("很抱歉打扰您。您的订单 {order} 此前被判定为{violation}，并向您发放了 {amount} 优惠券；根据之后收到的信息（{reason}），该判定已撤销，优惠券已收回。如有疑问，请联系平台客服，我们会认真核实。",
                             "Sorry to trouble you. Your order {order} was earlier found to be {violation} and you received a {amount} coupon. Later information showed otherwise ({reason}), so the verdict was withdrawn and the coupon taken back. If you have any question, please contact customer service and we will look into it carefully."),
    "notice_verdict_title": ("订单 {order} 判定为{violation}", "Order {order}: {violation}"),
    "notice_verdict_body": ("{why}依据规则 {rule}，该赔付由店铺承担。如有不可抗力等正当理由，可以提出申诉。",
                            "{why} Under rule {rule} the shop bears this compensation. If there was a valid reason such as force majeure, you may appeal."),
    "notice_voided_title": ("订单 {order} 的{violation}判定已撤销", "Verdict withdrawn on order {order}: {violation}"),
    "notice_voided_body": ("订单 {order} 的{violation}判定已撤销：{reason}。相应的赔付已取消，不由店铺承担。",
                           "The {violation} verdict on order {order} was withdrawn: {reason}. Its compensation was cancelled: the shop does not bear it."),
    "notice_voided_body_buyer_keeps": (
        "订单 {order} 的{violation}判定已撤销：{reason}。买家已使用的赔付券仍归买家所有，改由平台承担，不再由店铺承担。",
        "The {violation} verdict on order {order} was withdrawn: {reason}. The buyer had already "
        "used the compensation coupon and keeps it; it is now charged to the platform, no longer "
        "to the shop."),
    "notice_voided_body_replaced": (
        "订单 {order} 的{violation}判定已撤销：{reason}。赔付以新的判定为准，另行通知。",
        "The {violation} verdict on order {order} was withdrawn: {reason}. The new verdict, "
        "notified separately, decides the compensation."),
    "audit_title": ("库存审计", "Stock audit"),
    "audit_sku": ("商品", "SKU"),
    "audit_finding": ("问题", "finding"),
    "audit_repair": ("修复", "repair"),
    "audit_clean": ("库存审计：{skus} 个商品的账与订单一致，未发现问题。",
                    "Stock audit: the ledger and the orders of {skus} SKUs agree; nothing found."),
    "audit_found": ("发现 {n} 个问题；加 --repair 写入说明原因的调整记录。",
                    "{n} findings; --repair writes entries that say why."),
    "audit_repaired": ("发现 {n} 个问题，已修复 {fixed} 个（每条修复都记入台账或审计日志）。",
                       "{n} findings, {fixed} repaired (each repair is in the ledger or the audit log)."),
    "finding_balance_mismatch": ("余额与台账不符", "balance differs from the ledger"),
    "finding_negative_stock": ("台账出现负库存", "ledger went negative"),
    "finding_closed_order_holds": ("已关闭订单仍占用库存", "closed order still holds stock"),
    "finding_shipped_order_holds": ("已发货订单仍占用库存", "shipped order still holds stock"),
    "finding_open_order_unreserved": ("未关闭订单没有预留库存", "open order holds no reservation"),
    "notice_stock_shortfall_title": ("订单 {order} 库存不足，未能预留", "Order {order}: not enough stock to reserve"),
    "notice_stock_shortfall_body": ("订单 {order} 需要商品 {sku} {quantity} 件，可售库存只有 {sellable} 件，未能预留。订单已记录并标为有风险：请补货，或在发货时限前报备缺货。",
                                    "Order {order} needs {quantity} of SKU {sku} but only {sellable} can be sold, so nothing was reserved. The order is kept and flagged at risk: restock, or report the stockout before the ship-by deadline."),
    "notice_at_risk_title": ("订单 {order} 即将超过发货时限", "Order {order} is close to its ship-by deadline"),
    "notice_at_risk_body": ("订单 {order} 须在{deadline}前揽收，目前还没有揽收记录（约剩 {hours} 小时）。请尽快发货；如确实无货，请在时限前报备缺货。逾期未揽收将按规则赔付买家 {late}。",
                            "Order {order} must be picked up by {deadline} and has no pickup yet (about {hours} h left). Please ship soon; if you really have no stock, report it before the deadline. A missed deadline costs {late} in compensation to the buyer."),
    "void_grounds_removed": ("新的信息表明判定依据已不成立", "new information removed its grounds"),
    "void_replaced": ("判定依据发生变化，已按最新信息重新判定", "its grounds changed and the order was judged again"),
    "void_announcement": ("平台公告 {id} 调整了发货时限", "announcement {id} changed the ship-by deadline"),
})


# The buyer's remedies after a stockout (services/remedies/notices.py), and out-of-stock reports.
_MESSAGES.update({
    "remedy_wait": ("等待补货", "waiting for the restock"),
    "remedy_substitute": ("换成其他商品", "a substitute item"),
    "remedy_presale": ("改为预售", "presale"),
    "remedy_refund": ("全额退款", "a full refund"),
    "notice_remedy_offer_title": ("订单 {order} 缺货，请选择处理方式",
                                  "Order {order} is out of stock: please choose what happens next"),
    "notice_remedy_offer_body": (
        "很抱歉，您的订单 {order} 所购商品暂时缺货，商家无法按时发货。请在{choose_by}前选择："
        "等待补货（商家提出补货日期，您同意后即为新的发货时限）、换成本店同类且价格相近的其他商品"
        "（绝不多收费，更便宜时退还差价）、改为预售（在约定日期前发货），或立即全额退款。"
        "到时未选择的，将默认为您办理{default}。平台的缺货赔付另行发放，不受您的选择影响。",
        "We are sorry: the item of your order {order} is out of stock and the merchant cannot "
        "ship it on time. Until {choose_by} you may choose to wait for the restock (the merchant "
        "proposes a date; once you accept it, it is your order's new ship-by date), take a "
        "similar item of the same shop at a similar price (never charged more; the difference "
        "refunded when it is cheaper), switch to presale (shipped by a promised date), or get a "
        "full refund at once. If you have not chosen by then, you get {default}. The "
        "platform's out-of-stock compensation is paid separately, whatever you choose."),
    "notice_remedy_proposed_title": ("订单 {order}：商家提出了补货日期",
                                     "Order {order}: the merchant proposes a restock date"),
    "notice_remedy_proposed_body": (
        "商家承诺在{until}前补货并发货。如您愿意等待，请在{choose_by}前选择“等待补货”；"
        "您也可以选择其他方式。到时未选择的，将默认为您办理{default}。",
        "The merchant promises to restock and ship by {until}. If you are happy to wait, choose "
        "'wait' before {choose_by}; the other choices stay open. If you have not chosen by "
        "then, you get {default}."),
    "notice_remedy_chosen_title": ("订单 {order}：已为您办理{remedy}",
                                   "Order {order}: what happens now is {remedy}"),
    "notice_remedy_chosen_wait": (
        "商家须在{until}前发货并揽收，这是订单新的发货时限。如未做到，平台将为您全额退款并再次发放赔付。",
        "The merchant must ship, picked up by the carrier, by {until}: your order's new ship-by "
        "date. If it does not, the platform refunds you in full and compensates you again."),
    "notice_remedy_chosen_presale": (
        "订单已改为预售，商家须在{until}前发货并揽收。如未做到，平台将为您全额退款并再次发放赔付。",
        "Your order is now a presale: the merchant must ship, picked up by the carrier, by "
        "{until}. If it does not, the platform refunds you in full and compensates you again."),
    "notice_remedy_chosen_substitute": (
        "商家将改发商品 {sku}，您无需多付任何费用；差价 {amount} 已退回给您。商家须在{until}前发货并揽收，"
        "如未做到，平台将为您全额退款并再次发放赔付。",
        "The merchant will send item {sku} instead, at no extra cost to you; the difference of "
        "{amount} is refunded to you. The merchant must ship it, picked up by the carrier, by "
        "{until}; if it does not, the platform refunds you in full and compensates you again."),
    "notice_remedy_chosen_substitute_same": (
        "商家将改发商品 {sku}，您无需多付任何费用。商家须在{until}前发货并揽收，如未做到，平台将为您全额退款"
        "并再次发放赔付。",
        "The merchant will send item {sku} instead, at no extra cost to you. The merchant must "
        "ship it, picked up by the carrier, by {until}; if it does not, the platform refunds you "
        "in full and compensates you again."),
    "notice_remedy_chosen_refund": ("已为您全额退款 {amount}，款项将原路退回。",
                                    "You have been refunded {amount} in full, to how you paid."),
    "notice_remedy_chosen_default": (
        "您在{choose_by}前没有作出选择，按规则已为您全额退款 {amount}，款项将原路退回。",
        "You had not chosen by {choose_by}, so as the rules provide you have been refunded "
        "{amount} in full, to how you paid."),
    "notice_remedy_merchant_title": ("订单 {order}：处理方式为{remedy}", "Order {order}: {remedy}"),
    "notice_remedy_merchant_wait": (
        "买家同意等待补货：请在{until}前发货并揽收。逾期未揽收，将自动全额退款并再次赔付买家。",
        "The buyer agreed to wait: ship, picked up by the carrier, by {until}. Otherwise the "
        "buyer is refunded in full and compensated again, automatically."),
    "notice_remedy_merchant_presale": (
        "订单已改为预售：请在{until}前发货并揽收。逾期未揽收，将自动全额退款并再次赔付买家。",
        "The order is now a presale: ship, picked up by the carrier, by {until}. Otherwise the "
        "buyer is refunded in full and compensated again, automatically."),
    "notice_remedy_merchant_substitute": (
        "买家选择改发商品 {sku}：库存已改为预留该商品，原商品的预留已释放。退还买家差价 {amount}。"
        "请在{until}前发货并揽收，逾期未揽收，将自动全额退款并再次赔付买家。",
        "The buyer takes item {sku} instead: its stock is now reserved and the original item's "
        "released. Difference refunded to the buyer: {amount}. Ship it, picked up by the "
        "carrier, by {until}; otherwise the buyer is refunded in full and compensated again, "
        "automatically."),
    "notice_remedy_merchant_refund": ("订单已全额退款 {amount}，预留库存已释放。",
                                      "The order was refunded in full ({amount}); its reserved "
                                      "stock was released."),
    "notice_remedy_missed_title": ("订单 {order} 未在承诺日期前发货",
                                   "Order {order} was not shipped by the promised date"),
    "notice_remedy_missed_body": (
        "很抱歉，商家承诺在{until}前发货，但没有做到。平台已为您全额退款 {amount}，并再次向您"
        "发放 {coupon} 无门槛券作为补偿，无需任何操作即可使用。",
        "We are sorry: the merchant promised to ship by {until} and did not. The platform has "
        "refunded you {amount} in full and given you another {coupon} no-threshold coupon as "
        "compensation, ready to use."),
    "notice_remedy_missed_merchant": (
        "订单未在承诺的{until}前揽收：已自动为买家全额退款 {amount}，并再次赔付 {coupon}，由店铺承担。",
        "The order was not picked up by the promised {until}: the buyer was refunded {amount} "
        "in full and compensated again with {coupon}, charged to the shop."),
    "report_done": ("订单 {order} 已报备缺货（事件 {event}），商品已下架。",
                    "Order {order} reported out of stock (event {event}); the SKU is delisted."),
    "report_already": ("订单 {order} 此前已报备缺货（事件 {event}）。",
                       "Order {order} was already reported out of stock (event {event})."),
    "report_refused_cli": ("订单 {order} 的缺货报备不予受理（规则 {rule}）：{reason}",
                           "The out-of-stock report of order {order} is refused (rule {rule}): {reason}"),
    "report_sku_done": ("商品 {sku} 已下架；报备 {n} 个订单，{refused} 个不予受理。",
                        "SKU {sku} delisted; {n} orders reported, {refused} refused."),
    "plan_title": ("商品 {sku} 的发货计划", "Shipping plan of SKU {sku}"),
    "plan_summary": ("每日发货能力 {daily} 件；还可销售 {cap} 件；有风险订单 {n} 个。",
                     "Daily shipping capacity {daily}; {cap} more can be sold; {n} orders at risk."),
    "plan_ship_day": ("计划发货日", "planned ship day"),
    "plan_at_risk": ("有风险", "at risk"),
})

# Appeals, measures against repeat offenders, reputation (issue #6).
_MESSAGES.update({
    "void_appeal_approved": ("商家申诉已通过", "the merchant's appeal was approved"),
    "measure_warning": ("警告", "warning"),
    "measure_listing_restriction": ("限制商品上架", "listing restriction"),
    "measure_withdrawal_hold": ("限制提现", "withdrawal hold"),
    "measure_promotion_removal": ("取消活动资格", "removal from promotions"),
    "measure_search_demotion": ("搜索降权", "search demotion"),
    "notice_measure_title": ("店铺 {shop} 触发管控措施", "Measures on shop {shop}"),
    "notice_measure_body": ("您好，店铺 {shop} 的商品 {sku} 近期有 {count} 笔订单被判定为{violation}，已超过平台规则的阈值。自{starts}至{ends}，将执行以下措施：{measures}。涉及订单：{orders}。如判定有误，您可以在申诉期内对相应判定提出申诉，申诉通过后措施会相应解除。感谢您的理解与配合。",
                            "Hello. {count} orders of shop {shop} (SKU {sku}) recently received {violation} verdicts, above the platform's threshold. From {starts} to {ends} these measures apply: {measures}. Orders concerned: {orders}. If a verdict was wrong you may appeal it within the appeal window; an approved appeal lifts the measures it caused. Thank you for your understanding."),
    "notice_measure_closed_title": ("店铺 {shop} 的管控措施已解除", "Measures on shop {shop} lifted"),
    "notice_measure_ended_body": ("您好，店铺 {shop} 的管控措施（{measures}）已于{at}到期解除。感谢您的配合，祝您生意兴隆。",
                                  "Hello. The measures on shop {shop} ({measures}) ended at {at}, their time having passed. Thank you for your cooperation."),
    "notice_measure_lifted_body": ("您好，由于相关判定已撤销，店铺 {shop} 的管控措施（{measures}）已于{at}提前解除。给您带来的不便，敬请谅解。",
                                   "Hello. The verdicts behind them were withdrawn, so the measures on shop {shop} ({measures}) were lifted at {at}. We apologise for the inconvenience."),
    "notice_appeal_approved_title": ("订单 {order} 的申诉已通过", "Appeal on order {order} approved"),
    "notice_appeal_approved_body": ("您好，您对订单 {order} 的{violation}判定提出的申诉（编号 {id}）已通过：{reason}。该判定已撤销，相应赔付不再由店铺承担。",
                                    "Hello. Your appeal {id} against the {violation} verdict on order {order} was approved: {reason}. The verdict is withdrawn and the shop no longer bears its compensation."),
    "notice_appeal_rejected_title": ("订单 {order} 的申诉未通过", "Appeal on order {order} rejected"),
    "notice_appeal_rejected_body": ("您好，很遗憾，您对订单 {order} 的{violation}判定提出的申诉（编号 {id}）未能通过，原因：{reason}。判定维持不变。如有新的证据，请联系平台客服。",
                                    "Hello. We are sorry: your appeal {id} against the {violation} verdict on order {order} was not approved. Reason: {reason}. The verdict stands. If you have new evidence, please contact customer service."),
    "appeal_auto_reason": ("平台公告 {id} 证明属于不可抗力", "announcement {id} proves force majeure"),
    # the scripted month (examples/scripted_month.py)
    "month_title": ("模拟的一个月（2025 年 3 月，4 家店铺）", "A scripted month (March 2025, four shops)"),
    "month_when": ("时间", "when"),
    "month_what": ("发生了什么", "what happened"),
    "month_result": ("结果", "result"),
    "month_honest": ("各店铺正常发货的订单", "honest orders shipped by every shop"),
    "month_verdict": ("判定违规", "verdict issued"),
    "month_announcement": ("平台发布暴雨公告（湖北发货）", "platform announces a rainstorm (shipping from Hubei)"),
    "month_appeal_force_majeure": ("商家以不可抗力申诉", "merchant appeals: force majeure"),
    "month_appeal_carrier_fault": ("商家以快递原因申诉，平台审核", "merchant appeals: carrier fault; platform reviews"),
    "month_coupon_used": ("买家已使用赔付券", "buyer uses the compensation coupon"),
    "month_appeal_platform_fault": ("商家以平台原因申诉，平台审核", "merchant appeals: platform fault; platform reviews"),
    "month_fake_spike": ("同一商品一天内虚假发货订单", "fake shipments of one product in a day"),
    "month_measure_applied": ("管控措施生效", "measures in force"),
    "month_measure_ended": ("管控措施到期", "measures over"),
    "month_scores_title": ("店铺信誉分的变化", "Shop scores through the month"),
    "month_coupon_line": ("订单 L2 的赔付券：{state}，由{who}承担（买家保留）", "Coupon of order L2: {state}, borne by the {who} (the buyer keeps it)"),
    "who_platform": ("平台", "platform"),
    "who_merchant": ("商家", "merchant"),
    "coupon_redeemed": ("已使用", "used"),
    # command line
    "appeals_title": ("申诉", "Appeals"),
    "appeal": ("申诉", "appeal"),
    "ground": ("理由", "ground"),
    "state": ("状态", "state"),
    "filed_at": ("提交时间", "filed at"),
    "review_due": ("审核期限", "review due"),
    "overdue": ("已超时", "overdue"),
    "decision": ("处理结果", "decision"),
    "evidence": ("证据", "evidence"),
    "no_appeals": ("没有申诉。", "No appeals."),
    "appeal_filed": ("已提交申诉 {id}（{state}）。", "Appeal {id} filed ({state})."),
    "appeal_decided": ("申诉 {id} 已处理：{state}。", "Appeal {id} decided: {state}."),
    "measures_title": ("店铺 {shop} 的管控措施", "Measures on shop {shop}"),
    "no_measures": ("店铺 {shop} 没有管控措施。", "No measures on shop {shop}."),
    "measure_rule": ("规则", "rule"),
    "measure_kinds": ("措施", "measures"),
    "period": ("期间", "period"),
    "causing_orders": ("涉及订单", "orders concerned"),
    "reputation_title": ("店铺 {shop} 的信誉分：{score}", "Reputation of shop {shop}: {score}"),
    "points": ("扣分", "points"),
    "kind_stockout_self_report": ("缺货（商家报备）", "stockout (self-reported)"),
    "state_pending": ("待审核", "pending"),
    "state_approved": ("已通过", "approved"),
    "state_rejected": ("未通过", "rejected"),
    "state_moot": ("已失效", "moot"),
    "evidence_too_large": ("证据文件 {path} 超过 {limit} 字节", "evidence file {path} is over {limit} bytes"),
    "notice_appeal_moot_title": ("订单 {order} 的申诉无需再审核", "Appeal on order {order} closed"),
    "notice_appeal_moot_body": (
        "您好，您对订单 {order} 的{violation}判定提出的申诉（编号 {id}）尚未审核，该判定已根据新的订单信息撤销或更新，"
        "本申诉随之关闭。如对更新后的判定仍有异议，请在申诉期限内重新申诉。",
        "Hello. Your appeal {id} against the {violation} verdict on order {order} had not been "
        "reviewed yet when new information on the order voided or changed that verdict, so the "
        "appeal is closed. If you disagree with the new verdict, you may appeal it within the "
        "appeal window."),
    "state_active": ("执行中", "active"),
    "state_scheduled": ("待生效", "scheduled"),
    "state_ended": ("已到期", "ended"),
    "state_lifted": ("已解除", "lifted"),
    "ground_force_majeure": ("不可抗力", "force majeure"),
    "ground_buyer_requested_delay": ("买家要求延迟发货", "buyer asked to delay"),
    "ground_carrier_fault": ("快递原因", "carrier fault"),
    "ground_platform_fault": ("平台原因", "platform fault"),
    "refusal_window_closed": ("已超过申诉期限", "the appeal window has closed"),
    "refusal_already_appealed": ("该判定已申诉过", "this verdict was already appealed"),
    "refusal_verdict_void": ("该判定已撤销", "the verdict is already void"),
    "refusal_already_decided": ("该申诉已有结果", "the appeal was already decided"),
    "refusal_empty": ("文件为空", "the file is empty"),
    "refusal_too_large": ("文件过大", "the file is too large"),
    "refusal_type_not_allowed": ("文件类型不允许", "the file type is not allowed"),
})


# Shortage triage (issue #17).
_MESSAGES.update({
    "triage_title": ("店铺 {shop} 的缺货分流方案（{days} 天）", "Shortage triage of shop {shop} ({days} days)"),
    "triage_action": ("处理", "action"),
    "triage_day": ("日期", "day"),
    "triage_cost": ("商家成本", "cost"),
    "triage_next": ("次优处理", "next best"),
    "triage_saves": ("节省", "saves"),
    "triage_ship": ("发货", "ship"),
    "triage_restock": ("补货后发货", "restock"),
    "triage_substitute": ("换货", "substitute"),
    "triage_report": ("报备缺货", "report"),
    "triage_refund": ("退款", "refund"),
    # why, in words a merchant reads: what the order does, then what makes it the choice
    "triage_do_ship": ("{day} 用现有库存发货", "ships on {day} from stock on hand"),
    "triage_do_ship_receipt": ("{day} 用 {receipt} 预计到货的库存发货", "ships on {day} from the receipt expected {receipt}"),
    "triage_do_restock": ("提议 {day} 发货（现有库存），买家同意即按此发货", "proposes shipping on {day} from stock on hand, for the buyer to accept"),
    "triage_do_restock_receipt": ("等 {receipt} 的预计到货，提议 {day} 补货后发货", "waits for the receipt expected {receipt} and proposes {day} to the buyer"),
    "triage_do_substitute": ("{day} 改发 {sku}", "sends {sku} instead on {day}"),
    "triage_do_report": ("现在报备缺货（由买家选择处理方式）", "reports it out of stock now (the buyer chooses a remedy)"),
    "triage_do_refund": ("退款", "refunds"),
    "triage_pays_nothing": ("不用赔付", "costs nothing"),
    "triage_pays_late": ("要赔延迟发货 {cost}", "owes {cost} for the late shipment"),
    "triage_pays_stockout": ("要赔缺货 {cost}", "owes {cost} for the stockout"),
    "triage_pays_stockout_and_difference": ("要赔缺货并退差价，共 {cost}", "owes the stockout compensation and the price difference, {cost} in all"),
    "triage_pays_difference": ("退差价 {cost}", "refunds the price difference, {cost}"),
    "triage_pays_promise_missed": ("错过买家已同意的日期，要再赔 {cost}", "misses the date the buyer accepted: owes {cost} again"),
    "triage_pays_margin": ("损失毛利 {cost}", "loses {cost} of margin"),
    "triage_why_only_option": ("只能这样：{do}，{pays}（库存、到货和时限不允许其他处理）",
                               "the only option left: {do}, {pays} (stock, receipts and deadlines allow nothing else)"),
    "triage_why_cheapest": ("{do}，{pays}；比{next}省 {saves}", "{do}, {pays}; saves {saves} against {next}"),
    "triage_why_tie": ("{do}，{pays}；与{next}成本相同，选它是因为{keeps}", "{do}, {pays}; costs the same as {next}, chosen as it {keeps}"),
    "triage_keeps_own": ("发的是买家自己买的商品", "ships the buyer's own item"),
    "triage_keeps_sale": ("保住这笔订单", "keeps the sale"),
    "triage_keeps_remedy": ("买家保留选择处理方式的权利", "leaves the buyer the choice of remedy"),
    "triage_why_stock": ("{do}，{pays}；本可{gave_up}（{gave_up_cost}），但那批库存或发货能力已安排给订单 {orders}",
                         "{do}, {pays}; {gave_up} ({gave_up_cost}) would be cheaper, but that stock or capacity is planned for order {orders}"),
    "triage_more_orders": ("{orders} 等 {n} 单", "{orders} ({n} in all)"),
    "triage_why_report_limit": ("{do}，{pays}；本可{gave_up}（{gave_up_cost}），但今日报备名额已用完",
                                "{do}, {pays}; {gave_up} ({gave_up_cost}) would be cheaper, but no report is left today"),
    "triage_opt_ship": ("{day} 发货", "shipping on {day}"),
    "triage_opt_restock": ("提议 {day} 补货发货", "a restock date of {day}"),
    "triage_opt_substitute": ("{day} 改发 {sku}", "sending {sku} on {day}"),
    "triage_opt_report": ("报备缺货", "a report"),
    "triage_opt_refund": ("退款", "a refund"),
    "triage_method_optimal": ("最优解", "optimal"),
    "triage_method_best_found": ("超时，取已找到的最好方案", "time limit: best plan found"),
    "triage_method_rounded": ("超时，取松弛解取整后的方案", "time limit: the relaxation rounded"),
    "triage_method_greedy": ("超时，取最早截止优先方案", "time limit: earliest deadline first"),
    "triage_summary": ("方案成本 {cost}（先到先发 {fcfs}，最早截止优先 {edf}；比后者节省 {saves}）；今日还可报备 {reports} 单；{method}。",
                       "Plan cost {cost} (first come first served {fcfs}, earliest deadline first {edf}; saves {saves} on the latter); {reports} reports left today; {method}."),
    "triage_shown": ("仅显示前 {shown} 单，共 {total} 单；全部请用 --all。", "Showing {shown} of {total} orders; use --all for all."),
    "triage_applied": ("已报备 {reported} 单，已提议补货日期 {proposed} 单，被拒 {refused} 单；另有 {left} 单需另行处理（发货、换货由买家选择、退款）。",
                       "Reported {reported}, restock dates proposed {proposed}, refused {refused}; {left} left to their own steps (shipping, substitutes the buyer chooses, refunds)."),
})

# Real data in: `stockout sync` (issue #14).
_MESSAGES.update({
    "sync_title": ("店铺 {shop} 已同步：{start} → {end}", "Shop {shop} synced: {start} → {end}"),
    "sync_item": ("项目", "item"),
    "sync_windows": ("时间窗口", "windows"),
    "sync_orders": ("读取订单", "orders read"),
    "sync_refunds": ("读取售后单", "after-sales read"),
    "sync_details": ("补读订单详情", "order details read"),
    "sync_accepted": ("新事件", "events accepted"),
    "sync_duplicates": ("重复事件（已有）", "duplicate events"),
    "sync_scans": ("补入的物流轨迹事件", "scans from traces received earlier"),
    "sync_rejected": ("被拒事件", "events refused"),
    "sync_errors": ("无法映射的字段", "fields not mapped"),
    "sync_mismatches": ("承诺发货时间不一致", "last_ship_time mismatches"),
    "sync_field_error": ("订单 {order}：字段 {field}：{reason}", "order {order}: field {field}: {reason}"),
    "sync_refused": ("事件 {event} 被拒：{reason}", "event {event} refused: {reason}"),
    "sync_mismatch": ("发货时限不一致：订单 {order}：平台 last_ship_time {platform}，stockout {ours}",
                      "last_ship_time mismatch: order {order}: platform {platform}, stockout {ours}"),
    "sync_mismatch_none": ("无", "none"),
    "sync_retry_later": ("同步失败，稍后重试：{reason}", "sync failed, trying again later: {reason}"),
    "sync_progress": ("同步拼多多", "sync pdd"),
    "sync_progress_windows": ("{n} 个窗口", "{n} windows"),
    "gateway_ready": ("录制的开放平台网关已启动：{url}（{orders} 个订单，时钟 {clock}；Ctrl-C 停止）",
                      "Recorded open-platform gateway at {url} ({orders} orders, clock {clock}; Ctrl-C stops it)"),
    "gateway_sync_hint": ("同步到店铺数据库（另开一个终端）：", "Sync it into a store (in another terminal):"),
    "gateway_serve_hint": ("启动服务时设置快递推送的签名密钥：", "Start the server with the carriers' signing keys:"),
    "gateway_push_hint": ("再把快递推送（快递100 {k100} 条、快递鸟 {kdniao} 条）发给服务：",
                          "Then deliver the carriers' pushes ({k100} kuaidi100, {kdniao} 快递鸟) to it:"),
    "gateway_expected_hint": ("等价的事件文件已写入 {path}（与服务的判定比较：stockout judge {path} --json）",
                              "The equivalent event file is written to {path} (compare the server's verdicts with stockout judge {path} --json)"),
    "gateway_wrote_pushes": ("快递推送已写入 {path}", "Carrier pushes written to {path}"),
    "pushes_progress": ("发送快递推送", "Delivering carrier pushes"),
    "pushes_done": ("已送达 {total} 条推送（快递100 {k100} 条，快递鸟 {kdniao} 条），被拒 {refused} 条。",
                    "Delivered {total} pushes ({k100} kuaidi100, {kdniao} 快递鸟); {refused} refused."),
    "pushes_refused": ("第 {n} 条推送（{vendor}）被拒：{answer}", "push {n} ({vendor}) refused: {answer}"),
    "pushes_refused_hint": ("被拒的推送多半是签名不符：启动服务时请设置 STOCKOUT_KUAIDI100_SALT 和 STOCKOUT_KDNIAO_APP_KEY（与推送签名所用的一致）。",
                            "Refused pushes are most likely a signature mismatch: start the server with STOCKOUT_KUAIDI100_SALT and STOCKOUT_KDNIAO_APP_KEY set to the keys the pushes were signed with."),
    "pushes_bad_file": ("{path} 不是推送文件：{reason}", "{path} is not a push file: {reason}"),
    "pushes_unreachable": ("无法连接 {url}：{reason}", "cannot reach {url}: {reason}"),
})

# The buyer's side: the scripted journeys (examples/buyer_journeys.py) and `stockout answers`.
_MESSAGES.update({
    "journey_posted": ("记录 {n} 个事件；新判定 {issued} 条", "{n} events recorded; {issued} new verdicts"),
    "journey_swept": ("到期检查 {due} 个订单：新判定 {issued} 条，到期的补救 {remedies} 个，售后自动处理 {steps} 步",
                      "{due} orders due: {issued} new verdicts, {remedies} remedies settled, {steps} after-sales steps taken"),
    "journey_case": ("{kind}：{state}", "{kind}: {state}"),
    "journey_case_due": ("{kind}：{state}，{due}", "{kind}: {state}, {due}"),
    "journey_reported": ("已报备缺货，商品 {sku} 已下架", "reported out of stock; SKU {sku} delisted"),
    "journey_said": ("“{text}”", "“{text}”"),
    "journey_ticket": ("工单 {id}：{state}，须在 {due} 前答复", "ticket {id}: {state}, answer due by {due}"),
    "journey_ticket_overdue": ("工单 {id}：{state}，应在 {due} 前答复，已超时", "ticket {id}: {state}, answer was due by {due}: overdue"),
    "journey_ticket_done": ("工单 {id}：{state}", "ticket {id}: {state}"),
    "journey_queue_overdue": ("工单 {id} 已超时", "ticket {id} overdue"),
    "journey_queue_in_time": ("工单 {id} 未超时", "ticket {id} in time"),
    "journey_queue_empty": ("队列为空", "the queue is empty"),
    "journey_feedback": ("留言 {id}，商家须在 {due} 前回复", "feedback {id}, the merchant replies by {due}"),
    "journey_feedback_item": ("留言 {id}：{text}", "feedback {id}: {text}"),
    "journey_replied": ("已于 {at} 回复：“{text}”", "replied at {at}: “{text}”"),
    "journey_presale": ("已改为预售：商家须在 {until} 前发货", "now a presale: the merchant ships by {until}"),
    "case_refund": ("退款申请", "refund request"),
    "case_return": ("退货申请", "return request"),
    "case_claim": ("售后申诉", "after-sale claim"),
    "case_state_requested": ("待商家处理", "waiting for the merchant"),
    "case_state_refused": ("商家已拒绝", "refused by the merchant"),
    "case_state_escalated": ("平台介入中", "the platform is deciding"),
    "case_state_granted": ("已同意退款", "refund granted"),
    "case_state_agreed": ("已同意退货，待买家寄回", "return agreed: the buyer sends it back"),
    "case_state_shipped_back": ("买家已寄回，待商家确认收货", "sent back: the merchant confirms receipt"),
    "case_state_received": ("商家已收货", "received by the merchant"),
    "case_state_upheld": ("申诉成立", "claim upheld"),
    "case_state_refunded": ("已退款", "refunded"),
    "case_state_denied": ("已驳回", "denied"),
    "case_state_lapsed": ("已失效", "lapsed"),
    "case_due_requested": ("商家须在 {at} 前处理（逾期视为同意）", "the merchant answers by {at} (silence grants it)"),
    "case_due_refused": ("买家可在 {at} 前申请平台介入", "the buyer may ask the platform to step in by {at}"),
    "case_due_escalated": ("平台须在 {at} 前裁决", "the platform decides by {at}"),
    "case_due_agreed": ("买家须在 {at} 前寄回", "the buyer sends it back by {at}"),
    "case_due_shipped_back": ("商家须在 {at} 前确认收货", "the merchant confirms receipt by {at}"),
    "case_due": ("期限 {at}", "due {at}"),
    "ticket_state_open": ("待答复", "open"),
    "ticket_state_answered": ("已答复", "answered"),
    "ticket_state_closed": ("已关闭", "closed"),
})

MESSAGES: dict[str, Text] = {key: Text(*pair) for key, pair in _MESSAGES.items()}


class Texts:
    """The messages in one language: `t("key", name=value)`."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def __call__(self, key: str, **values: object) -> str:
        return MESSAGES[key].format(self.lang, **values)
