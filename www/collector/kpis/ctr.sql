-- Click-through rate per slot, variant and arm (holdout or personalized):
-- Slot Clicked ÷ Slot Viewed, with Wilson's 95 % interval
-- (c ± h with c = (p + z²/2n) / (1 + z²/n), h = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n), z = 1.959964).
WITH a AS (
  SELECT
    slot, variant, holdout,
    SUM(CASE WHEN event = 'Slot Viewed' THEN 1 ELSE 0 END) AS views,
    SUM(CASE WHEN event = 'Slot Clicked' THEN 1 ELSE 0 END) AS clicks
  FROM kz_events
  WHERE event IN ('Slot Viewed', 'Slot Clicked')
  GROUP BY slot, variant, holdout
),
p AS (
  SELECT a.*,
    CASE WHEN views > 0 THEN CAST(clicks AS DOUBLE PRECISION) / views ELSE 0 END AS ctr,
    CASE WHEN views > 0 THEN LEAST(CAST(clicks AS DOUBLE PRECISION) / views, 1) ELSE 0 END AS q,
    CAST(1.959964 AS DOUBLE PRECISION) AS z
  FROM a
)
SELECT
  slot, variant, holdout, views, clicks, ctr,
  CASE WHEN views > 0 THEN GREATEST(0, ((q + z * z / (2 * views)) - z * SQRT(q * (1 - q) / views + z * z / (4 * views * views))) / (1 + z * z / views)) ELSE 0 END AS low,
  CASE WHEN views > 0 THEN LEAST(1, ((q + z * z / (2 * views)) + z * SQRT(q * (1 - q) / views + z * z / (4 * views * views))) / (1 + z * z / views)) ELSE 0 END AS high
FROM p
ORDER BY slot, variant, holdout;
