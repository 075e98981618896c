-- The audience from Audience Report events (randomized on the device, k-ary
-- randomized response): each visitor's latest report, counted per mechanism
-- (ε and topic list), segment and topic. The de-biasing of these counts,
-- n̂ = (c − n·q) ÷ (p − q) with p = e^(ε/2) ÷ (e^(ε/2) + k − 1) and
-- q = 1 ÷ (e^(ε/2) + k − 1), is done by ldpEstimate in www/collector/kpis.mjs,
-- the twin of src/engine/personalize/insights.rs.
WITH latest AS (
  SELECT epsilon, topics, segment, topic,
    ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY ts DESC, message_id DESC) AS r
  FROM kz_events
  WHERE event = 'Audience Report'
)
SELECT epsilon, topics, segment, topic, COUNT(*) AS reports
FROM latest
WHERE r = 1
GROUP BY epsilon, topics, segment, topic
ORDER BY epsilon, topics, segment, topic;
