-- Customer lifetime value: average order value (revenue ÷ orders) × purchase
-- frequency (orders ÷ buying visitors), from Order Completed revenue.
WITH o AS (
  SELECT COUNT(*) AS orders, COUNT(DISTINCT anonymous_id) AS buyers, COALESCE(SUM(revenue), 0) AS revenue
  FROM kz_events
  WHERE event = 'Order Completed'
)
SELECT
  orders,
  buyers,
  revenue,
  CASE WHEN orders > 0 THEN revenue / orders ELSE 0 END AS aov,
  CASE WHEN buyers > 0 THEN CAST(orders AS DOUBLE PRECISION) / buyers ELSE 0 END AS frequency,
  CASE WHEN orders > 0 AND buyers > 0 THEN (revenue / orders) * (CAST(orders AS DOUBLE PRECISION) / buyers) ELSE 0 END AS clv
FROM o;
