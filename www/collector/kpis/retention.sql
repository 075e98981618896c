-- Returning visitors: visitors seen in more than one session (more than one
-- session id, or a session index above 1), over visitors.
WITH v AS (
  SELECT anonymous_id, GREATEST(COUNT(DISTINCT session_id), COALESCE(MAX(session_index), 0)) AS n
  FROM kz_events
  WHERE anonymous_id IS NOT NULL
  GROUP BY anonymous_id
)
SELECT
  COUNT(*) AS visitors,
  SUM(CASE WHEN n > 1 THEN 1 ELSE 0 END) AS returning_visitors,
  CASE WHEN COUNT(*) > 0 THEN CAST(SUM(CASE WHEN n > 1 THEN 1 ELSE 0 END) AS DOUBLE PRECISION) / COUNT(*) ELSE 0 END AS rate
FROM v;
