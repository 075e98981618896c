-- kz_events on the local collector's DuckDB table `events` (www/collector/warehouse.mjs):
-- one row per event, the properties the KPIs read pulled out of the JSON as typed columns.
-- The collector inlines this SELECT (with the site filter) before each KPI file;
-- on a copy of events.duckdb, run this file once, then any KPI file.
CREATE OR REPLACE VIEW kz_events AS
SELECT
  ts,
  type,
  event,
  message_id,
  anonymous_id,
  user_id,
  session_id,
  session_index,
  path,
  properties->>'slot' AS slot,
  properties->>'variant' AS variant,
  TRY_CAST(properties->>'holdout' AS BOOLEAN) AS holdout,
  TRY_CAST(properties->>'propensity' AS DOUBLE) AS propensity,
  TRY_CAST(properties->>'revenue' AS DOUBLE) AS revenue,
  TRY_CAST(properties->>'engagedMs' AS DOUBLE) AS engaged_ms,
  TRY_CAST(properties->>'score' AS INTEGER) AS score,
  properties->>'segment' AS segment,
  properties->>'topic' AS topic,
  TRY_CAST(properties->>'epsilon' AS DOUBLE) AS epsilon,
  CAST(properties->'topics' AS VARCHAR) AS topics
FROM events;
