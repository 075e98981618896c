-- Conversion: sessions with an Order Completed, over sessions.
WITH s AS (
  SELECT session_id, SUM(CASE WHEN event = 'Order Completed' THEN 1 ELSE 0 END) AS orders
  FROM kz_events
  WHERE session_id IS NOT NULL
  GROUP BY session_id
)
SELECT
  COUNT(*) AS sessions,
  SUM(CASE WHEN orders > 0 THEN 1 ELSE 0 END) AS converted,
  CASE WHEN COUNT(*) > 0 THEN CAST(SUM(CASE WHEN orders > 0 THEN 1 ELSE 0 END) AS DOUBLE PRECISION) / COUNT(*) ELSE 0 END AS rate
FROM s;
