-- Lift against the holdout, per slot: the click-through rate of the visitors who
-- got the personalized choice minus that of the holdout (a fixed share of visitors
-- who always see the default), with a normal 95 % interval of the difference
-- (± z·√(p₁(1−p₁)/n₁ + p₀(1−p₀)/n₀)). NULL until both arms have views.
WITH a AS (
  SELECT
    slot,
    SUM(CASE WHEN event = 'Slot Viewed' AND holdout = FALSE THEN 1 ELSE 0 END) AS n1,
    SUM(CASE WHEN event = 'Slot Clicked' AND holdout = FALSE THEN 1 ELSE 0 END) AS k1,
    SUM(CASE WHEN event = 'Slot Viewed' AND holdout = TRUE THEN 1 ELSE 0 END) AS n0,
    SUM(CASE WHEN event = 'Slot Clicked' AND holdout = TRUE THEN 1 ELSE 0 END) AS k0
  FROM kz_events
  WHERE event IN ('Slot Viewed', 'Slot Clicked')
  GROUP BY slot
),
p AS (
  SELECT a.*,
    CASE WHEN n1 > 0 THEN CAST(k1 AS DOUBLE PRECISION) / n1 END AS p1,
    CASE WHEN n0 > 0 THEN CAST(k0 AS DOUBLE PRECISION) / n0 END AS p0,
    CAST(1.959964 AS DOUBLE PRECISION) AS z
  FROM a
),
d AS (
  SELECT p.*,
    CASE WHEN n1 > 0 AND n0 > 0 THEN SQRT(LEAST(p1, 1) * (1 - LEAST(p1, 1)) / n1 + LEAST(p0, 1) * (1 - LEAST(p0, 1)) / n0) END AS se
  FROM p
)
SELECT
  slot,
  n1 AS views, k1 AS clicks, p1 AS personalized,
  n0 AS holdout_views, k0 AS holdout_clicks, p0 AS holdout,
  p1 - p0 AS lift,
  p1 - p0 - z * se AS low,
  p1 - p0 + z * se AS high
FROM d
ORDER BY slot;
