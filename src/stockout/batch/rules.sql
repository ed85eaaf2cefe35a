-- The judge of stockout.domain.judge as one set-based query, written once in DuckDB's dialect
-- and transpiled by SQLGlot for Spark (rules_sql.transpile). The $$-placeholders are the rule
-- packs' figures and the evaluation time, filled in by rules_sql.py from the TOML packs (no
-- figure is typed here). Times are BIGINT microseconds since the epoch (UTC); `events` is the
-- engine's view of the Parquet rows in the integer layout (schema.LAYOUT_COLUMNS): `ok` numbers
-- the orders, `eid` the events (rising with (at, event_id) within an order: the first event of
-- a kind is the one of the smallest `eid`), `kr` is the place among the order's events of a type.
-- Orders are keyed by `ok` and events by `eid` throughout; event and order ids (strings) are
-- fetched at the end, only for the events that verdicts name (`names`).
-- Each CTE names the domain function it mirrors.
WITH
ev AS NOT MATERIALIZED (  -- fold: events after `now` are not seen
  SELECT *, ts <= ${now} AS seen FROM ${events}
),
o AS MATERIALIZED (  -- fold + Timeline.clock_start, as of `now`, of the orders placed by then:
                    -- the first event of each kind is the one ranked first of its type (kr = 1),
                    -- and it is seen by `now` if that one is, else none of its kind is; those of
                    -- every kind are read in one scan and folded into one row per order (`a`)
  SELECT
    p.ok, p.eid AS p_e, p.shop_id AS p_shop, p.buyer_id AS p_buyer, p.paid_cents AS p_paid,
    p.category AS p_cat, p.promise_hours AS p_promise, p.presale_us AS p_presale,
    p.campaign AS p_campaign, p.ship_from_region AS p_src, p.ship_to_region AS p_dst,
    CASE WHEN a.c_ts <= ${now} THEN a.c_ts ELSE p.ts END AS clock,
    CASE WHEN a.c_ts <= ${now} THEN a.c_ts END AS c_ts,
    CASE WHEN a.c_ts <= ${now} THEN a.c_e END AS c_e,
    CASE WHEN a.closed <= ${now} THEN a.closed END AS closed,
    CASE WHEN a.k_ts <= ${now} THEN a.k_ts END AS k_ts,
    CASE WHEN a.k_ts <= ${now} THEN a.k_e END AS k_e,
    CASE WHEN a.k_ts <= ${now} THEN a.k_delivered END AS k_delivered,
    CASE WHEN a.k2 <= ${now} THEN a.k2 END AS k2,
    CASE WHEN a.u_ts <= ${now} THEN a.u_ts END AS u_ts,
    CASE WHEN a.u_ts <= ${now} THEN a.u_e END AS u_e
  FROM ev AS p
  LEFT JOIN (
    SELECT ok,
      max(CASE WHEN type = 'order_confirmed' THEN ts END) AS c_ts,
      max(CASE WHEN type = 'order_confirmed' THEN eid END) AS c_e,
      min(CASE WHEN type IN ('group_failed', 'order_cancelled', 'refund_completed') THEN ts END)
        AS closed,
      max(CASE WHEN type = 'carrier_scan' AND kr = 1 THEN ts END) AS k_ts,
      max(CASE WHEN type = 'carrier_scan' AND kr = 1 THEN eid END) AS k_e,
      max(CASE WHEN type = 'carrier_scan' AND kr = 1
               THEN CASE WHEN status = 'delivered' THEN 1 ELSE 0 END END) AS k_delivered,
      max(CASE WHEN type = 'carrier_scan' AND kr = 2 THEN ts END) AS k2,
      max(CASE WHEN type = 'shipment_uploaded' THEN ts END) AS u_ts,
      max(CASE WHEN type = 'shipment_uploaded' THEN eid END) AS u_e
    FROM ev
    WHERE (kr = 1 AND type IN ('order_confirmed', 'carrier_scan', 'shipment_uploaded',
                                'group_failed', 'order_cancelled', 'refund_completed'))
       OR (kr = 2 AND type = 'carrier_scan')
    GROUP BY ok
  ) AS a ON p.ok = a.ok
  WHERE p.type = 'order_placed' AND p.kr = 1 AND p.ts <= ${now}
),
rare AS MATERIALIZED (  -- the few events that rules beyond the first of a kind read: one scan
  SELECT ok, eid, ts, type, sender, initiator, "by", text, reason, claim_id, kind, upheld
  FROM ev
  WHERE seen AND type IN ('chat_message', 'refund_requested', 'order_cancelled',
                          'stockout_reported', 'after_sale_claim', 'claim_decided')
),
up AS MATERIALIZED (  -- build_context: every upload of a tracking number
  SELECT ok, ts, eid, carrier, tracking_no, hash(carrier, tracking_no) AS h
  FROM ev
  WHERE seen AND type = 'shipment_uploaded' AND carrier IS NOT NULL
    AND tracking_no IS NOT NULL
),
delivered AS (  -- delivery scans with a region, for judge._route_mismatch
  SELECT ok, eid, ts, region FROM ev
  WHERE seen AND status = 'delivered' AND region IS NOT NULL AND type = 'carrier_scan'
),
merchant_refund AS (  -- fold: the merchant's first refund request or cancellation
  SELECT ok, min(ts) AS mr_ts, min(eid) AS mr_e FROM rare
  WHERE (type = 'refund_requested' AND initiator = 'merchant')
     OR (type = 'order_cancelled' AND "by" = 'merchant')
  GROUP BY ok
),
op AS NOT MATERIALIZED (  -- the pack in force at the clock start (RuleBook.pack_at): the rules
                         -- on a few events join this, not `f`, with the columns they read
  SELECT *, ${pack_index} AS pk FROM o
),
f1 AS (  -- the deadline's base
  SELECT *,
    CASE WHEN p_presale IS NOT NULL THEN 'presale'
         WHEN p_promise IS NOT NULL
              AND CAST(round(p_promise * 3600000000) AS BIGINT) < ${limit_us} THEN 'promise'
         WHEN ${in_category} THEN 'category'
         ELSE 'default' END AS basis,
    CASE WHEN c_ts IS NULL THEN NULL
         WHEN p_presale IS NOT NULL THEN p_presale
         ELSE c_ts + least(${limit_us}, coalesce(CAST(round(p_promise * 3600000000) AS BIGINT),
                                                 ${limit_us})) END AS base
  FROM op
),
f AS (  -- deadline.ship_deadline: announcements extend it by the largest matching extension
  SELECT *, base + coalesce(${extension_us}, 0) AS deadline FROM f1
),
said AS (  -- chat.PhraseMatcher, as functions of the engine: only merchant chats, refund reasons
  SELECT ok, ts, eid, 'chat' AS what, ${says_columns}, ${asks_columns}
  FROM rare WHERE type = 'chat_message' AND sender = 'merchant'
  UNION ALL
  SELECT ok, ts, eid, 'refund' AS what, ${says_reason_columns}, ${asks_null_columns}
  FROM rare WHERE type = 'refund_requested' AND initiator IS DISTINCT FROM 'merchant'
),
said_pk AS (
  SELECT s.*, f.pk, f.pickup,
         ${says_by_pack} AS says, ${asks_by_pack} AS asks, ${induced_window_us} AS window_us
  FROM said AS s JOIN (SELECT ok, pk, k_ts AS pickup FROM op) AS f ON s.ok = f.ok
),
chat_hit AS (  -- judge._merchant_chat: the first stockout phrase of the merchant, before pickup
  SELECT ok, min(ts) AS chat_ts, min(eid) AS chat_e
  FROM said_pk WHERE what = 'chat' AND says IS NOT NULL
  GROUP BY ok
),
induced AS (  -- judge._induced_refund: a buyer's refund the merchant asked for, or "no stock"
  SELECT ok, min(ts) AS ind_ts, min(struct_pack(e := eid, asked := asked)) AS ind
  FROM (
    SELECT r.ok, r.ts, r.eid, r.says, max(m.eid) AS asked
    FROM said_pk AS r
    LEFT JOIN said_pk AS m
      ON m.ok = r.ok AND m.what = 'chat' AND m.asks IS NOT NULL
     AND m.ts <= r.ts AND r.ts <= m.ts + r.window_us
    WHERE r.what = 'refund' AND (r.pickup IS NULL OR r.ts < r.pickup)
    GROUP BY r.ok, r.ts, r.eid, r.says
  ) AS per_request
  WHERE asked IS NOT NULL OR says IS NOT NULL
  GROUP BY ok
),
reports AS MATERIALIZED (  -- context.report_refusal: the reports the pack admits
  SELECT e.ok, e.ts, e.eid, f.pk, f.shop, (e.ts + 28800000000) // 86400000000 AS day
  FROM rare AS e
  JOIN (SELECT ok, pk, p_shop AS shop, p_campaign AS campaign, k_ts AS pickup, closed
        FROM op) AS f ON e.ok = f.ok
  WHERE e.type = 'stockout_reported' AND f.shop IS NOT NULL
    AND NOT (coalesce(f.campaign, FALSE) AND NOT ${allow_campaign})
    AND (f.pickup IS NULL OR e.ts < f.pickup)
    AND (f.closed IS NULL OR e.ts <= f.closed)
),
reusable AS MATERIALIZED (  -- only numbers uploaded on two orders or more can be reused (a
                           -- hash of the number selects them, a few more on a collision): kept
                           -- apart so that the few uploads left, not all, meet the orders
  SELECT u.ok, u.ts, u.eid, u.carrier, u.tracking_no, u.h
  FROM up AS u
  SEMI JOIN (SELECT h FROM up GROUP BY h HAVING min(ok) <> max(ok)) AS s ON u.h = s.h
),
shared AS MATERIALIZED (  -- those uploads with the buyers of their orders
  SELECT u.ok, u.ts, u.eid, u.carrier, u.tracking_no, u.h, o.buyer
  FROM reusable AS u JOIN (SELECT ok, p_buyer AS buyer FROM o) AS o ON u.ok = o.ok
),
within AS MATERIALIZED (  -- JudgeContext.earlier_upload_to_other_buyer: for each upload of each
                         -- order, the uploads of the number to another buyer within the window
  SELECT a.ok, a.ts, a.eid, b.ts AS b_ts, b.eid AS b_eid
  FROM (SELECT x.*, f.pk, ${reuse_window_us} AS window_us
        FROM shared AS x JOIN (SELECT ok, pk FROM op) AS f ON x.ok = f.ok) AS a
  JOIN shared AS b
    ON a.h = b.h AND a.carrier = b.carrier AND a.tracking_no = b.tracking_no AND a.ok <> b.ok
   AND b.ts <= a.ts AND b.ts >= a.ts - a.window_us
   AND b.buyer IS NOT NULL AND b.buyer IS DISTINCT FROM a.buyer
),
same_instant AS MATERIALIZED (  -- the ids of such uploads at one instant (usually none): as
                               -- events are, they are ordered by (at, event_id)
  SELECT eid, event_id FROM ev
  WHERE type = 'shipment_uploaded'
    AND eid IN (SELECT eid FROM within WHERE b_ts = ts UNION ALL
                SELECT b_eid FROM within WHERE b_ts = ts)
),
pairs AS MATERIALIZED (  -- those before the upload: earlier, or at its instant with a smaller id
  SELECT w.ok, w.ts, w.eid, w.b_ts, w.b_eid
  FROM within AS w
  LEFT JOIN same_instant AS ia ON w.eid = ia.eid
  LEFT JOIN same_instant AS ib ON w.b_eid = ib.eid
  WHERE w.b_ts < w.ts OR ib.event_id < ia.event_id
),
latest AS MATERIALIZED (  -- the latest of them (`n` of them at that instant)
  SELECT ok, ts, eid, b_eid, count(*) OVER (PARTITION BY eid) AS n
  FROM (SELECT *, max(b_ts) OVER (PARTITION BY eid) AS top FROM pairs) AS p
  WHERE b_ts = top
),
tie_ids AS MATERIALIZED (  -- events of different orders are ordered by (at, event_id): the ids
                          -- of the latest uploads, and of the reports of a shop-day over its
                          -- quota, whose times tie (usually none: then no scan)
  SELECT eid, event_id FROM ev
  WHERE type IN ('stockout_reported', 'shipment_uploaded')  -- (the rows of other types skipped)
    AND eid IN (SELECT eid FROM (SELECT eid, count(*) OVER (PARTITION BY shop, day, ts) AS n,
                                        count(*) OVER (PARTITION BY shop, day) AS n_day,
                                        min(${daily_limit}) OVER (PARTITION BY shop, day, ts)
                                          AS quota
                                 FROM reports) AS r WHERE n > 1 AND n_day > quota
                UNION ALL
                SELECT b_eid FROM latest WHERE n > 1)
),
admissible AS (  -- the shop's daily quota (build_context)
  SELECT r.ok, r.ts, r.eid, r.pk,
         row_number() OVER (PARTITION BY r.shop, r.day ORDER BY r.ts, t.event_id) AS rank_in_day
  FROM reports AS r LEFT JOIN tie_ids AS t ON r.eid = t.eid
),
report AS (  -- judge._first_valid_report
  SELECT ok, min(ts) AS rep_ts, min(eid) AS rep_e
  FROM admissible WHERE rank_in_day <= ${daily_limit}
  GROUP BY ok
),
reused AS (  -- the other upload of each upload: the latest, the largest event id at a tie
  SELECT l.ok, l.ts, l.eid, max(struct_pack(id := t.event_id, e := l.b_eid)) AS other
  FROM latest AS l LEFT JOIN tie_ids AS t ON l.b_eid = t.eid
  GROUP BY l.ok, l.ts, l.eid
),
reuse AS (  -- judge._tracking_reused: the first upload of the order that reuses a number
  SELECT ok, min(ts) AS reu_ts, min(struct_pack(e := eid, other := other.e)) AS reu
  FROM reused GROUP BY ok
),
claim AS (  -- judge._claim_upheld: the first upheld decision on a claim of a fraud kind
  SELECT d.ok, min(d.ts) AS cla_ts, min(struct_pack(e := d.eid, claim := cf.first.e)) AS cla
  FROM rare AS d
  JOIN (SELECT ok, claim_id, min(struct_pack(e := eid, kind := kind)) AS first
        FROM rare WHERE type = 'after_sale_claim' AND claim_id IS NOT NULL
        GROUP BY ok, claim_id) AS cf
    ON d.ok = cf.ok AND d.claim_id = cf.claim_id
  JOIN (SELECT ok, pk FROM op) AS f ON d.ok = f.ok
  WHERE d.type = 'claim_decided' AND d.upheld AND ${claim_kind_ok}
  GROUP BY d.ok
),
route AS (  -- judge._route_mismatch: the first delivery scan in another region than the order's
  SELECT d.ok, min(d.ts) AS rou_ts, min(d.eid) AS rou_e
  FROM delivered AS d JOIN (SELECT ok, p_dst AS dst FROM op) AS f ON d.ok = f.ok
  WHERE d.region <> f.dst
  GROUP BY d.ok
),
facts AS (
  SELECT f.*, merchant_refund.mr_ts, merchant_refund.mr_e, chat_hit.chat_ts, chat_hit.chat_e, induced.ind_ts, induced.ind, report.rep_ts,
         report.rep_e, reuse.reu_ts, reuse.reu, claim.cla_ts, claim.cla, route.rou_ts,
         route.rou_e
  FROM f
  LEFT JOIN merchant_refund ON f.ok = merchant_refund.ok
  LEFT JOIN chat_hit ON f.ok = chat_hit.ok
  LEFT JOIN induced ON f.ok = induced.ok
  LEFT JOIN report ON f.ok = report.ok
  LEFT JOIN reuse ON f.ok = reuse.ok
  LEFT JOIN claim ON f.ok = claim.ok
  LEFT JOIN route ON f.ok = route.ok
),
cand AS (  -- each trigger's detection time (NULL: it does not apply), rules_sql.TRIGGER_SQL
  SELECT *,
    ${trigger_columns}
  FROM facts
),
keyed AS (  -- a trigger fires when seen by `now` and not after the order closed (fraud always)
  SELECT *, ${trigger_keys} FROM cand
),
won AS (  -- per violation, the earliest trigger; ties go to the first trigger of the table
  SELECT *, ${violation_winners} FROM keyed
  WHERE ${any_key}
),
verdicts AS MATERIALIZED (  -- one row per verdict; its evidence as one or two event numbers
  SELECT ok, p_e, p_shop AS shop_id, coalesce(p_paid, 0) AS paid_cents, violation, "trigger",
         detected_us, deadline AS deadline_us, compensation_cents,
         ${pack_id} || '/' || violation || '/' || "trigger" AS rule, ev1, ev2
  FROM (
    SELECT won.*, v.violation,
      ${verdict_columns}
    FROM won CROSS JOIN (VALUES ${violation_values}) AS v(violation)
  ) AS unpivoted
  WHERE "trigger" IS NOT NULL
),
names AS MATERIALIZED (  -- the ids of the events that verdicts name, and of their orders
  SELECT eid, event_id, order_id FROM ev
  WHERE eid IN (SELECT p_e FROM verdicts UNION ALL SELECT ev1 FROM verdicts
                UNION ALL SELECT ev2 FROM verdicts)
)
SELECT n0.order_id, v.shop_id, v.paid_cents, v.violation, v."trigger", v.detected_us,
       v.deadline_us, v.compensation_cents, v.rule,
       CASE WHEN v.ev2 IS NULL THEN [n1.event_id] ELSE [n1.event_id, n2.event_id] END
         AS evidence
FROM verdicts AS v
JOIN names AS n0 ON v.p_e = n0.eid
JOIN names AS n1 ON v.ev1 = n1.eid
LEFT JOIN names AS n2 ON v.ev2 = n2.eid
