"""A waybill's trace as the pushes give it: one scan per trace entry, with a key that stays the
same when the carrier pushes the whole history again."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from stockout.adapters.pdd.values import FieldError
from stockout.domain.events import ScanStatus
from stockout.domain.times import format_time


@dataclass(frozen=True, slots=True)
class Scan:
    at: datetime
    status: ScanStatus
    region: str | None
    text: str

    def key(self) -> str:
        """Stable per entry: its time and a digest of its text (not its place in the list, nor
        its status, which a push without per-entry states only knows for the newest entry)."""
        digest = hashlib.sha1(self.text.encode()).hexdigest()[:10]
        return f"{self.at.strftime('%Y%m%dT%H%M%SZ')}:{digest}"


@dataclass(slots=True)
class Trace:
    source: str         # "kuaidi100", "kdniao"
    carrier: str        # the carrier's code as the push names it (shunfeng, SF)
    tracking_no: str
    scans: list[Scan] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)

    def events_for(self, order_id: str, uploaded_at: datetime) -> list[dict[str, object]]:
        """The `carrier_scan` events of this trace for an order that uploaded the waybill at
        `uploaded_at`: the entries from then on (an earlier scan is another order's parcel)."""
        out: list[dict[str, object]] = []
        for s in sorted(self.scans, key=lambda s: (s.at, s.key())):
            if s.at < uploaded_at:
                continue
            event: dict[str, object] = {
                "event_id": f"{self.source}:{self.tracking_no}:{order_id}:{s.key()}",
                "order_id": order_id, "type": "carrier_scan", "at": format_time(s.at),
                "carrier": self.carrier, "tracking_no": self.tracking_no, "status": s.status.value}
            if s.region:
                event["region"] = s.region
            out.append(event)
        return out
