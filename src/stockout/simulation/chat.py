"""Chinese chat lines and reasons; stockout admissions come disguised (traditional, spaced)
as merchants really write them, so the judge's phrase matching is tested, not flattered."""

from __future__ import annotations

from random import Random

# Merchant lines that admit the order cannot be shipped (the `merchant_chat` trigger).
STOCKOUT_LINES: tuple[str, ...] = (
    "不好意思亲，没货了",
    "没有货了，发不了",
    "亲，这款缺货了",
    "暂时断货，实在抱歉",
    "库存不足发不了货",
    "亲，这个卖完了",
    "仓库那边没货了，这单发不出去",
    "抱歉，这个颜色缺货",
    "厂家断货了，这几天都发不了货",
    "亲亲，您拍的尺码没有货了",
    "这款没货了，您申请一下退款吧",
)

# The same admissions written so that a naive substring match misses them.
DISGUISED_STOCKOUT_LINES: tuple[str, ...] = (
    "親，這款缺貨了",
    "沒貨了，不好意思",
    "暫時斷貨，實在抱歉",
    "亲，没 货 了",
    "这款缺-货，发不了",
    "不好意思，没．货了",
    "亲，缺　货了哦",
    "沒有貨了，發不了",
    "库存不足，发 不 了 货",
    "亲，这款 缺 货 啦~",
)

# Merchant lines that deny a stockout; they contain stockout words but must not count.
DENIAL_LINES: tuple[str, ...] = (
    "不缺货哦",
    "有货的亲，放心拍",
    "放心不会缺货",
    "亲，不缺货的，今天就发",
    "有货有货，下午就发出",
    "现货，不是没货哦，放心",
)

# Buyer questions that provoke a denial.
DOUBT_LINES: tuple[str, ...] = (
    "是不是没货了？",
    "会不会缺货啊",
    "这个有货吗？怎么还不发",
    "老板，是不是缺货了",
)

# A buyer chasing an order that has not shipped.
NUDGE_LINES: tuple[str, ...] = ("什么时候发货？", "怎么还不发货", "还要等多久啊", "怎么还没发货")

# Ordinary pre-shipment chat: (buyer question, merchant answer).
SMALL_TALK: tuple[tuple[str, str], ...] = (
    ("什么时候发货？", "今天发"),
    ("亲，能早点发吗", "亲，48小时内发货哦"),
    ("发什么快递？", "默认中通哦，偏远地区发邮政"),
    ("可以备注颜色吗", "可以的亲，已经给您备注了"),
    ("今天能发吗", "下午统一发货，今天发"),
    ("包邮吗", "全国包邮，新疆西藏除外哦"),
)

# Merchant lines asking the buyer to refund or cancel (the evasion the seed article describes).
INDUCE_LINES: tuple[str, ...] = (
    "亲，麻烦您申请退款吧，理由选不想要了",
    "您申请一下退款，我这边马上同意",
    "退款吧亲，实在不好意思",
    "亲，帮忙取消订单可以吗",
    "方便的话您那边申请一下退款哦",
    "麻烦亲主动申请退款，别写原因，谢谢",
    "这单您先取消订单，我送您优惠券",
)

# Buyer refund reasons after the merchant asked for a refund; some name the stockout.
INDUCED_REFUND_REASONS: tuple[str, ...] = (
    "不想要了",
    "协商一致退款",
    "商家说没货",
    "商家让我退款",
    "多拍/拍错/不想要",
    "其他",
)

# Buyer refund reasons on an order that was never shipped.
UNSHIPPED_REFUND_REASONS: tuple[str, ...] = (
    "超时未发货",
    "商家一直不发货",
    "商家说没货",
    "不想等了",
)

# Buyer refund reasons on an order whose tracking number never moved.
FAKE_REFUND_REASONS: tuple[str, ...] = ("物流一直不更新", "未收到货", "商家说没货")

MERCHANT_REFUND_REASONS: tuple[str, ...] = ("缺货", "库存不足", "无法发货", "商品已下架")
MERCHANT_CANCEL_REASONS: tuple[str, ...] = ("缺货", "无法发货", "地址无法配送", "商品信息有误")
BUYER_CANCEL_REASONS: tuple[str, ...] = (
    "不想要了",
    "拍错了/多拍了",
    "地址填错了",
    "别家更便宜",
    "不想等了",
)
PLATFORM_CANCEL_REASONS: tuple[str, ...] = ("风控拦截", "疑似虚假交易", "收货地址异常")
STOCKOUT_REPORT_REASONS: tuple[str, ...] = (
    "库存不足",
    "供应商断货",
    "大促超卖",
    "仓库盘点差异",
    "商品质量问题暂停销售",
)
REMEDY_REFUND_REASONS: tuple[str, ...] = ("缺货退款", "不想等了", "商家缺货")
CLAIM_REFUND_REASONS: tuple[str, ...] = ("收到空包", "商品与描述不符", "未收到货")


def stockout_line(rng: Random) -> str:
    """A merchant line admitting a stockout; about a third are disguised."""
    if rng.random() < 0.35:
        return rng.choice(DISGUISED_STOCKOUT_LINES)
    return rng.choice(STOCKOUT_LINES)
