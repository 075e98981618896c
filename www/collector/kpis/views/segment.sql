-- kz_events on the tables Segment's warehouse connector writes for a source
-- (https://segment.com/docs/connections/storage/warehouses/schema/):
--   pages, identifies: one row per call, context flattened into context_* columns;
--   tracks: one row per track call (event = the name's slug, event_text = the name);
--   <event>: one table per event (slot_viewed, order_completed, …) with the same
--   id and a column per property, named in snake_case (engagedMs → engaged_ms);
--   arrays are stringified (topics holds the JSON text of the list).
-- Kizuna's context.session { id, index } lands in context_session_id and
-- context_session_index, context.page.path in context_page_path.
-- Run it in the source's schema (SET search_path / USE …). An event table exists
-- only once Segment has loaded such an event: until then, drop its join and
-- put NULL for its columns.
CREATE OR REPLACE VIEW kz_events AS
SELECT
  t."timestamp" AS ts,
  'track' AS type,
  t.event_text AS event,
  t.id AS message_id,
  t.anonymous_id,
  t.user_id,
  t.context_session_id AS session_id,
  CAST(t.context_session_index AS INTEGER) AS session_index,
  t.context_page_path AS path,
  COALESCE(sv.slot, sc.slot) AS slot,
  COALESCE(sv.variant, sc.variant) AS variant,
  COALESCE(sv.holdout, sc.holdout) AS holdout,
  CAST(COALESCE(sv.propensity, sc.propensity) AS DOUBLE PRECISION) AS propensity,
  CAST(oc.revenue AS DOUBLE PRECISION) AS revenue,
  CAST(pe.engaged_ms AS DOUBLE PRECISION) AS engaged_ms,
  CAST(sr.score AS INTEGER) AS score,
  ar.segment,
  ar.topic,
  CAST(ar.epsilon AS DOUBLE PRECISION) AS epsilon,
  ar.topics
FROM tracks t
LEFT JOIN slot_viewed sv ON sv.id = t.id
LEFT JOIN slot_clicked sc ON sc.id = t.id
LEFT JOIN order_completed oc ON oc.id = t.id
LEFT JOIN page_engagement pe ON pe.id = t.id
LEFT JOIN survey_responded sr ON sr.id = t.id
LEFT JOIN audience_report ar ON ar.id = t.id
UNION ALL
SELECT
  p."timestamp", 'page', NULL, p.id, p.anonymous_id, p.user_id,
  p.context_session_id, CAST(p.context_session_index AS INTEGER), p.context_page_path,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM pages p
UNION ALL
SELECT
  i."timestamp", 'identify', NULL, i.id, i.anonymous_id, i.user_id,
  i.context_session_id, CAST(i.context_session_index AS INTEGER), i.context_page_path,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM identifies i;
