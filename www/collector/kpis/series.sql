-- Events and page views per minute (the dashboard fills the minutes without
-- any event with zeros, and groups minutes when the span is long).
SELECT
  date_trunc('minute', ts) AS minute,
  COUNT(*) AS events,
  SUM(CASE WHEN type = 'page' THEN 1 ELSE 0 END) AS page_views
FROM kz_events
WHERE ts IS NOT NULL
GROUP BY date_trunc('minute', ts)
ORDER BY minute;
