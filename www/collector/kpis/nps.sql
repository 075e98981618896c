-- Net Promoter Score: % promoters (scores 9–10) minus % detractors (0–6) of the
-- Survey Responded answers; from −100 to +100, NULL without an answer.
SELECT
  COUNT(*) AS responses,
  SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END) AS promoters,
  SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END) AS detractors,
  CASE WHEN COUNT(*) > 0
    THEN 100 * CAST(SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END) - SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END) AS DOUBLE PRECISION) / COUNT(*)
  END AS nps
FROM kz_events
WHERE event = 'Survey Responded';
