"""Reading merchants' chat: normalise the text, then look for the pack's phrases.

Merchants write around filters: full-width forms, spaces or punctuation between characters,
traditional characters (沒貨 is 没货). A phrase inside a denial (缺货 inside 不缺货) does not count.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Traditional (and a few regional) forms of the characters merchants use about stock, shipping
# and refunds, mapped to simplified. Only characters that change are listed.
_TRADITIONAL = (
    "沒没 貨货 發发 無无 庫库 現现 單单 斷断 賣卖 買买 請请 訂订 補补 暫暂 時时 們们 這这 個个 "
    "來来 會会 給给 對对 說说 還还 麼么 為为 後后 東东 過过 從从 關关 係系 實实 運运 郵邮 遞递 號号 "
    "碼码 錢钱 價价 優优 點点 確确 認认 聯联 繫系 親亲 歡欢 謝谢 處处 辦办 問问 題题 應应 該该 "
    "讓让 開开 門门 車车 廠厂 產产 製制 種种 類类 顏颜 規规 則则 盡尽 儘尽 倉仓 儲储 備备 齊齐 "
    "夠够 額额 滿满 紅红 綠绿 藍蓝 黃黄 線线 網网 機机 電电 話话 樣样 換换 戶户 帳账 費费 務务 "
    "業业 員员 幫帮 煩烦 將将 趕赶 緊紧 裡里 邊边 於于 與与 並并 當当 兒儿 幾几 萬万 兩两 雙双 "
    "團团 購购 預预 約约 遲迟 誤误 難难 隻只 張张 條条 歸归 轉转 達达 區区 長长 間间 據据 證证 "
    "錯错 償偿 賠赔 罰罚 註注 冊册 棄弃 勞劳 憑凭 氣气 雖虽 纔才 鐘钟 週周 衝冲 廢废 壞坏 掛挂 "
    "飾饰 鮮鲜 擔担 憂忧 態态 較较 經经 歷历 讀读 寫写 聽听 觀观 覽览 顯显 齣出 貼贴"
)
_TO_SIMPLIFIED: dict[int, str] = {
    ord(pair[0]): pair[1] for pair in _TRADITIONAL.split() if len(pair) == 2
}
_TO_SIMPLIFIED[ord("冇")] = "没有"  # Cantonese: 冇货 = 没有货

# Everything that is not a letter or a digit: spaces, punctuation, symbols, emoji, zero-width.
_NOT_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Fold full-width forms, case, traditional characters; drop all but letters and digits."""
    folded = unicodedata.normalize("NFKC", text).lower().translate(_TO_SIMPLIFIED)
    return _NOT_WORD.sub("", folded)


class PhraseMatcher:
    """Finds a phrase of `phrases` in a text, unless that occurrence lies inside a denial.

    Phrases and denials are normalised once; one compiled alternation rejects the common case
    (no phrase at all) before occurrences are checked against denials one by one.
    """

    __slots__ = ("_any", "denials", "phrases")

    def __init__(self, phrases: Iterable[str], denials: Iterable[str] = ()) -> None:
        norm = dict.fromkeys(p for p in (normalise(x) for x in phrases) if p)
        # Longer phrases first, so the explanation names the most specific one.
        self.phrases = tuple(sorted(norm, key=len, reverse=True))
        self.denials = tuple(d for d in (normalise(x) for x in denials) if d)
        self._any = re.compile("|".join(re.escape(p) for p in self.phrases))

    def find(self, text: str | None) -> str | None:
        """The first matching phrase (normalised), or None."""
        if not text:
            return None
        norm = normalise(text)
        if self._any.search(norm) is None:
            return None
        denied = list(_spans(norm, self.denials))
        for phrase in self.phrases:
            for start, end in _spans(norm, (phrase,)):
                if not any(d0 <= start and end <= d1 for d0, d1 in denied):
                    return phrase
        return None


def _spans(text: str, needles: Iterable[str]) -> Iterable[tuple[int, int]]:
    for needle in needles:
        start = text.find(needle)
        while start != -1:
            yield start, start + len(needle)
            start = text.find(needle, start + 1)
