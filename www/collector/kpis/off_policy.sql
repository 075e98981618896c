-- Off-policy: what the click-through rate would have been had every visitor seen
-- the default, estimated from the personalized (non-holdout) views alone. Each view
-- is weighed w = 1[default shown] ÷ p, p being the logged propensity (the chance
-- the policy had of showing what it showed); its reward is whether that visitor
-- clicked that slot's variant.
--   IPS   = Σ w·click ÷ views       (unbiased, noisy when a few weights are large)
--   SNIPS = Σ w·click ÷ Σ w         (self-normalized: steadier, slightly biased)
--   ESS   = (Σ w)² ÷ Σ w²           (how many views the estimate is worth)
-- beside the personalized policy's own observed click-through rate.
WITH v AS (
  SELECT anonymous_id, slot, variant, propensity AS p
  FROM kz_events
  WHERE event = 'Slot Viewed' AND COALESCE(holdout, FALSE) = FALSE AND propensity > 0
),
c AS (
  SELECT DISTINCT anonymous_id, slot, variant FROM kz_events WHERE event = 'Slot Clicked'
),
l AS (
  SELECT
    v.slot,
    CASE WHEN v.variant = 'default' THEN 1 / v.p ELSE 0 END AS w,
    CASE WHEN c.slot IS NULL THEN 0 ELSE 1 END AS r
  FROM v
  LEFT JOIN c ON c.anonymous_id = v.anonymous_id AND c.slot = v.slot AND c.variant = v.variant
),
e AS (
  SELECT slot, COUNT(*) AS n, SUM(r) AS clicks, SUM(w) AS sw, SUM(w * r) AS swr, SUM(w * w) AS sw2
  FROM l
  GROUP BY slot
),
s AS (
  SELECT DISTINCT slot FROM kz_events WHERE event = 'Slot Viewed'
)
SELECT
  s.slot,
  COALESCE(e.n, 0) AS views,
  CASE WHEN e.n > 0 THEN CAST(e.clicks AS DOUBLE PRECISION) / e.n END AS personalized,
  CASE WHEN e.n > 0 THEN e.swr / e.n END AS default_ips,
  CASE WHEN e.sw > 0 THEN e.swr / e.sw END AS default_snips,
  CASE WHEN e.sw2 > 0 THEN e.sw * e.sw / e.sw2 ELSE 0 END AS ess
FROM s
LEFT JOIN e ON e.slot = s.slot
ORDER BY s.slot;
