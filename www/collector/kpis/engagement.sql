-- Engaged sessions: a session with at least 10 s of engaged time (the sum of its
-- Page Engagement engagedMs), 2 or more page views, or an order; over all sessions.
-- Engaged time per session: that sum, averaged over sessions, in seconds.
WITH s AS (
  SELECT
    session_id,
    SUM(CASE WHEN event = 'Page Engagement' THEN COALESCE(engaged_ms, 0) ELSE 0 END) AS engaged_ms,
    SUM(CASE WHEN type = 'page' THEN 1 ELSE 0 END) AS views,
    SUM(CASE WHEN event = 'Order Completed' THEN 1 ELSE 0 END) AS orders
  FROM kz_events
  WHERE session_id IS NOT NULL
  GROUP BY session_id
)
SELECT
  COUNT(*) AS sessions,
  SUM(CASE WHEN engaged_ms >= 10000 OR views >= 2 OR orders > 0 THEN 1 ELSE 0 END) AS engaged_sessions,
  CASE WHEN COUNT(*) > 0
    THEN CAST(SUM(CASE WHEN engaged_ms >= 10000 OR views >= 2 OR orders > 0 THEN 1 ELSE 0 END) AS DOUBLE PRECISION) / COUNT(*)
    ELSE 0 END AS rate,
  CASE WHEN COUNT(*) > 0 THEN SUM(engaged_ms) / COUNT(*) / 1000 ELSE 0 END AS engaged_seconds_per_session
FROM s;
