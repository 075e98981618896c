-- Events, page views, sessions and visitors: counts over kz_events.
SELECT
  COUNT(*) AS events,
  SUM(CASE WHEN type = 'page' THEN 1 ELSE 0 END) AS page_views,
  COUNT(DISTINCT session_id) AS sessions,
  COUNT(DISTINCT anonymous_id) AS visitors
FROM kz_events;
