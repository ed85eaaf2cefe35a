-- The judge of stockout.domain.judge as one set-based query, written once in DuckDB's dialect
-- and transpiled by SQLGlot for Spark (rules_sql.transpile). The $$-placeholders are the rule
-- packs' figures and the evaluation time, filled in by rules_sql.py from the TOML packs (no
-- figure is typed here). Times are BIGINT microseconds since the epoch (UTC); `events` is the
-- engine's view of the Parquet rows (duckdb_engine.events_view, spark_engine._INPUT).
-- Each CTE names the domain function it mirrors.
WITH
ev AS NOT MATERIALIZED (  -- fold: events after `now` are not seen (Timeline.clock_start sees all)
  SELECT *, ts <= ${now} AS seen FROM ${events}
),
o_all AS (  -- fold: the first event of each kind, later events included (see `o`)
  SELECT
    order_id,
    min(ts) AS first_ts,
    min(struct_pack(ts := ts, id := event_id, shop := shop_id, buyer := buyer_id,
                    paid := paid_cents, cat := category, promise := promise_hours,
                    presale := presale_us, campaign := campaign, src := ship_from_region,
                    dst := ship_to_region)) FILTER (WHERE type = 'order_placed') AS p,
    min(struct_pack(ts := ts, id := event_id)) FILTER (WHERE type = 'order_confirmed') AS c,
    min(ts) FILTER (WHERE type IN ('group_failed', 'order_cancelled', 'refund_completed'))
      AS closed,
    min(struct_pack(ts := ts, id := event_id, status := status))
      FILTER (WHERE type = 'carrier_scan') AS k,
    min(ts, 2) FILTER (WHERE type = 'carrier_scan')[2] AS k2,
    min(struct_pack(ts := ts, id := event_id)) FILTER (WHERE type = 'shipment_uploaded') AS u,
    min(struct_pack(ts := ts, id := event_id))
      FILTER (WHERE (type = 'refund_requested' AND initiator = 'merchant')
                    OR (type = 'order_cancelled' AND "by" = 'merchant')) AS mr
  FROM ev
  GROUP BY order_id
),
o AS MATERIALIZED (  -- fold + Timeline.clock_start. The first event of a kind seen by `now` is
                    -- the first of all if that one is seen, else none: no FILTER needs `seen`.
  SELECT
    order_id,
    coalesce(c.ts, p.ts, first_ts) AS clock,
    CASE WHEN p.ts <= ${now} THEN p END AS p,
    CASE WHEN c.ts <= ${now} THEN c END AS c,
    CASE WHEN closed <= ${now} THEN closed END AS closed,
    CASE WHEN k.ts <= ${now} THEN k END AS k,
    CASE WHEN k2 <= ${now} THEN k2 END AS k2,
    CASE WHEN u.ts <= ${now} THEN u END AS u,
    CASE WHEN mr.ts <= ${now} THEN mr END AS mr
  FROM o_all
),
rare AS MATERIALIZED (  -- the few events that rules beyond the first of a kind read: one scan
  SELECT order_id, ts, event_id, type, sender, initiator, text, reason, carrier, tracking_no,
         region, claim_id, kind, upheld
  FROM ev
  WHERE seen AND (type IN ('chat_message', 'refund_requested', 'stockout_reported',
                           'shipment_uploaded', 'after_sale_claim', 'claim_decided')
                  OR (type = 'carrier_scan' AND status = 'delivered' AND region IS NOT NULL))
),
f1 AS (  -- the pack in force at the clock start (RuleBook.pack_at), and the deadline's base
  SELECT *,
    CASE WHEN p.presale IS NOT NULL THEN 'presale'
         WHEN p.promise IS NOT NULL
              AND CAST(round(p.promise * 3600000000) AS BIGINT) < ${limit_us} THEN 'promise'
         WHEN ${in_category} THEN 'category'
         ELSE 'default' END AS basis,
    CASE WHEN c IS NULL THEN NULL
         WHEN p.presale IS NOT NULL THEN p.presale
         ELSE c.ts + least(${limit_us}, coalesce(CAST(round(p.promise * 3600000000) AS BIGINT),
                                                 ${limit_us})) END AS base
  FROM (SELECT *, ${pack_index} AS pk FROM o WHERE p IS NOT NULL) AS o_pk
),
f AS MATERIALIZED (  -- deadline.ship_deadline: announcements extend it by the largest matching extension
  SELECT *, base + coalesce(${extension_us}, 0) AS deadline FROM f1
),
said AS (  -- chat.PhraseMatcher, as functions of the engine: only merchant chats, refund reasons
  SELECT order_id, ts, event_id, 'chat' AS what, ${says_columns}, ${asks_columns}
  FROM rare WHERE type = 'chat_message' AND sender = 'merchant'
  UNION ALL
  SELECT order_id, ts, event_id, 'refund' AS what, ${says_reason_columns}, ${asks_null_columns}
  FROM rare WHERE type = 'refund_requested' AND initiator IS DISTINCT FROM 'merchant'
),
said_pk AS (
  SELECT s.*, f.pk, f.pickup,
         ${says_by_pack} AS says, ${asks_by_pack} AS asks, ${induced_window_us} AS window_us
  FROM said AS s JOIN (SELECT order_id, pk, k.ts AS pickup FROM f) AS f
    ON s.order_id = f.order_id
),
chat_hit AS (  -- judge._merchant_chat: the first stockout phrase of the merchant, before pickup
  SELECT order_id, min(struct_pack(ts := ts, id := event_id)) AS hit
  FROM said_pk WHERE what = 'chat' AND says IS NOT NULL
  GROUP BY order_id
),
induced AS (  -- judge._induced_refund: a buyer's refund the merchant asked for, or "no stock"
  SELECT order_id, min(struct_pack(ts := ts, id := event_id, asked := asked)) AS hit
  FROM (
    SELECT r.order_id, r.ts, r.event_id, r.says,
           max(CASE WHEN m.event_id IS NOT NULL
                    THEN struct_pack(ts := m.ts, id := m.event_id) END) AS asked
    FROM said_pk AS r
    LEFT JOIN said_pk AS m
      ON m.order_id = r.order_id AND m.what = 'chat' AND m.asks IS NOT NULL
     AND m.ts <= r.ts AND r.ts <= m.ts + r.window_us
    WHERE r.what = 'refund' AND (r.pickup IS NULL OR r.ts < r.pickup)
    GROUP BY r.order_id, r.ts, r.event_id, r.says
  ) AS per_request
  WHERE asked IS NOT NULL OR says IS NOT NULL
  GROUP BY order_id
),
admissible AS (  -- context.report_refusal, then the shop's daily quota (build_context)
  SELECT e.order_id, e.ts, e.event_id, f.pk,
         row_number() OVER (PARTITION BY f.shop, (e.ts + 28800000000) // 86400000000
                            ORDER BY e.ts, e.event_id) AS rank_in_day
  FROM rare AS e
  JOIN (SELECT order_id, pk, p.shop AS shop, p.campaign AS campaign, k.ts AS pickup, closed
        FROM f) AS f ON e.order_id = f.order_id
  WHERE e.type = 'stockout_reported' AND f.shop IS NOT NULL
    AND NOT (coalesce(f.campaign, FALSE) AND NOT ${allow_campaign})
    AND (f.pickup IS NULL OR e.ts < f.pickup)
    AND (f.closed IS NULL OR e.ts <= f.closed)
),
report AS (  -- judge._first_valid_report
  SELECT order_id, min(struct_pack(ts := ts, id := event_id)) AS r
  FROM admissible WHERE rank_in_day <= ${daily_limit}
  GROUP BY order_id
),
up AS (  -- build_context: every upload with its order's buyer
  SELECT e.order_id, e.ts, e.event_id, e.carrier, e.tracking_no, o.buyer
  FROM rare AS e JOIN (SELECT order_id, p.buyer AS buyer FROM o) AS o
    ON e.order_id = o.order_id
  WHERE e.type = 'shipment_uploaded' AND e.carrier IS NOT NULL
    AND e.tracking_no IS NOT NULL
),
shared_no AS (  -- only numbers uploaded on two orders or more can be reused
  SELECT carrier, tracking_no FROM up GROUP BY carrier, tracking_no
  HAVING min(order_id) <> max(order_id)
),
reused AS (  -- JudgeContext.earlier_upload_to_other_buyer, for each upload of each order
  SELECT a.order_id, a.ts, a.event_id, max(struct_pack(ts := b.ts, id := b.event_id)) AS other
  FROM (SELECT x.*, f.own_buyer, ${reuse_window_us} AS window_us
        FROM up AS x SEMI JOIN shared_no AS s
          ON x.carrier = s.carrier AND x.tracking_no = s.tracking_no
        JOIN (SELECT order_id, pk, p.buyer AS own_buyer FROM f) AS f
          ON x.order_id = f.order_id) AS a
  JOIN up AS b
    ON a.carrier = b.carrier AND a.tracking_no = b.tracking_no AND a.order_id <> b.order_id
   AND b.ts <= a.ts AND b.ts >= a.ts - a.window_us
   AND b.buyer IS NOT NULL AND b.buyer IS DISTINCT FROM a.own_buyer
  GROUP BY a.order_id, a.ts, a.event_id
),
reuse AS (  -- judge._tracking_reused: the first upload of the order that reuses a number
  SELECT order_id, min(struct_pack(ts := ts, id := event_id, other := other.id)) AS hit
  FROM reused GROUP BY order_id
),
claim AS (  -- judge._claim_upheld: the first upheld decision on a claim of a fraud kind
  SELECT d.order_id, min(struct_pack(ts := d.ts, id := d.event_id, claim := cf.first.id)) AS hit
  FROM rare AS d
  JOIN (SELECT order_id, claim_id, min(struct_pack(ts := ts, id := event_id, kind := kind)) AS first
        FROM rare WHERE type = 'after_sale_claim' AND claim_id IS NOT NULL
        GROUP BY order_id, claim_id) AS cf
    ON d.order_id = cf.order_id AND d.claim_id = cf.claim_id
  JOIN (SELECT order_id, pk FROM f) AS f ON d.order_id = f.order_id
  WHERE d.type = 'claim_decided' AND d.upheld AND ${claim_kind_ok}
  GROUP BY d.order_id
),
route AS (  -- judge._route_mismatch: the first delivery scan in another region than the order's
  SELECT d.order_id, min(struct_pack(ts := d.ts, id := d.event_id)) AS hit
  FROM rare AS d JOIN (SELECT order_id, p.dst AS dst FROM f) AS f ON d.order_id = f.order_id
  WHERE d.type = 'carrier_scan' AND d.region <> f.dst
  GROUP BY d.order_id
),
facts AS (
  SELECT f.*, chat_hit.hit AS chat, induced.hit AS ind, report.r AS rep, reuse.hit AS reu,
         claim.hit AS cla, route.hit AS mismatch
  FROM f
  LEFT JOIN chat_hit ON f.order_id = chat_hit.order_id
  LEFT JOIN induced ON f.order_id = induced.order_id
  LEFT JOIN report ON f.order_id = report.order_id
  LEFT JOIN reuse ON f.order_id = reuse.order_id
  LEFT JOIN claim ON f.order_id = claim.order_id
  LEFT JOIN route ON f.order_id = route.order_id
),
cand AS (  -- each trigger's detection time (NULL: the trigger does not apply)
  SELECT *,
    CASE WHEN deadline IS NOT NULL AND (k IS NULL OR k.ts > deadline)
              AND NOT (rep IS NOT NULL AND rep.ts < deadline) THEN deadline END
      AS t_no_pickup_by_deadline,
    rep.ts AS t_self_report,
    CASE WHEN chat IS NOT NULL AND (k IS NULL OR chat.ts < k.ts) THEN chat.ts END
      AS t_merchant_chat,
    CASE WHEN mr IS NOT NULL AND (k IS NULL OR mr.ts < k.ts) THEN mr.ts END
      AS t_merchant_refund,
    ind.ts AS t_induced_refund,
    CASE WHEN deadline IS NOT NULL
              AND (k IS NULL OR k.ts > deadline + ${unshipped_after_deadline_us})
         THEN deadline + ${unshipped_after_deadline_us} END AS t_unshipped_after_deadline,
    CASE WHEN u IS NOT NULL AND (k IS NULL OR k.ts > u.ts + ${upload_without_pickup_us})
         THEN u.ts + ${upload_without_pickup_us} END AS t_upload_without_pickup,
    CASE WHEN u IS NOT NULL AND (k IS NULL OR k.ts > u.ts + ${no_scan_after_upload_us})
         THEN u.ts + ${no_scan_after_upload_us} END AS t_no_scan_after_upload,
    reu.ts AS t_tracking_reused,
    CASE WHEN k IS NOT NULL AND k.status IS DISTINCT FROM 'delivered'
              AND (k2 IS NULL OR k2 > k.ts + ${stalled_after_pickup_us})
         THEN k.ts + ${stalled_after_pickup_us} END AS t_stalled_after_pickup,
    mismatch.ts AS t_route_mismatch,
    cla.ts AS t_claim_upheld
  FROM facts
),
keyed AS (  -- a trigger fires when seen by `now` and not after the order closed (fraud always)
  SELECT *, ${trigger_keys} FROM cand
),
won AS (  -- per violation, the earliest trigger; ties go to the first trigger of the table
  SELECT *, ${violation_winners} FROM keyed
  WHERE ${any_key}
)
SELECT order_id, p.shop AS shop_id, coalesce(p.paid, 0) AS paid_cents, violation, "trigger",
       detected_us, deadline AS deadline_us, compensation_cents,
       ${pack_id} || '/' || violation || '/' || "trigger" AS rule, evidence
FROM (
  SELECT won.*, v.violation,
    ${verdict_columns}
  FROM won CROSS JOIN (VALUES ${violation_values}) AS v(violation)
) AS unpivoted
WHERE "trigger" IS NOT NULL
