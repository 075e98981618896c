-- kz_events on Snowplow's atomic events table as its lake and warehouse loaders
-- write it for Databricks, Iceberg and Delta (and BigQuery loader 2.x, RECORD for
-- STRUCT) (https://docs.snowplow.io/docs/api-reference/loaders-storage-targets/schemas-in-warehouse/):
-- one wide row per event; each self-describing event in a column
-- unstruct_event_<vendor>_<name>_<major> (a STRUCT, fields in snake_case), each
-- entity in contexts_<vendor>_<name>_<major> (a list of STRUCTs); an object
-- the schema gives no properties for (custom_event.properties) is a JSON string.
-- Kizuna's events are under the dev.kizuna schemas (www/schemas/dev.kizuna/), its
-- session in the dev.kizuna/session entity; event_name is the schema's name.
-- Written in DuckDB's SQL: list[1] is the first entity (BigQuery: [SAFE_OFFSET(0)],
-- Databricks: [0]); ->> reads the JSON string (BigQuery: JSON_VALUE, Databricks: :).
-- The view reads the columns of the events the KPIs use (custom_event, slot_viewed,
-- slot_clicked, page_engagement, survey_responded, audience_report) and the session
-- entity. A column exists only once such an event or entity was loaded: until then,
-- add it empty (ALTER TABLE … ADD COLUMN) or put NULL in its place. A form_event
-- keeps the name form_event here (its own name, Form Started …, is in
-- unstruct_event_dev_kizuna_form_event_1.name; no KPI reads it).
CREATE OR REPLACE VIEW kz_events AS
SELECT
  COALESCE(e.derived_tstamp, e.dvce_created_tstamp) AS ts,
  CASE
    WHEN e.event_name = 'page_view' THEN 'page'
    WHEN e.event_vendor = 'dev.kizuna' AND e.event_name = 'identify' THEN 'identify'
    ELSE 'track'
  END AS type,
  CASE
    WHEN e.event_name = 'page_view' THEN NULL
    WHEN e.event_vendor <> 'dev.kizuna' THEN e.event_name
    WHEN e.event_name = 'identify' THEN NULL
    WHEN e.event_name = 'custom_event' THEN e.unstruct_event_dev_kizuna_custom_event_1.name
    WHEN e.event_name = 'page_engagement' THEN 'Page Engagement'
    WHEN e.event_name = 'scroll_depth' THEN 'Scroll Depth'
    WHEN e.event_name = 'link_clicked' THEN 'Link Clicked'
    WHEN e.event_name = 'button_clicked' THEN 'Button Clicked'
    WHEN e.event_name = 'slot_viewed' THEN 'Slot Viewed'
    WHEN e.event_name = 'slot_clicked' THEN 'Slot Clicked'
    WHEN e.event_name = 'consent_updated' THEN 'Consent Updated'
    WHEN e.event_name = 'recommendation_viewed' THEN 'Recommendation Viewed'
    WHEN e.event_name = 'recommendation_clicked' THEN 'Recommendation Clicked'
    WHEN e.event_name = 'journey_shown' THEN 'Journey Shown'
    WHEN e.event_name = 'journey_dismissed' THEN 'Journey Dismissed'
    WHEN e.event_name = 'survey_shown' THEN 'Survey Shown'
    WHEN e.event_name = 'survey_responded' THEN 'Survey Responded'
    WHEN e.event_name = 'survey_dismissed' THEN 'Survey Dismissed'
    WHEN e.event_name = 'audience_report' THEN 'Audience Report'
    ELSE e.event_name
  END AS event,
  e.event_id AS message_id,
  e.domain_userid AS anonymous_id,
  e.user_id,
  e.contexts_dev_kizuna_session_1[1].id AS session_id,
  CAST(e.contexts_dev_kizuna_session_1[1]."index" AS INTEGER) AS session_index,
  e.page_urlpath AS path,
  COALESCE(e.unstruct_event_dev_kizuna_slot_viewed_1.slot, e.unstruct_event_dev_kizuna_slot_clicked_1.slot) AS slot,
  COALESCE(e.unstruct_event_dev_kizuna_slot_viewed_1.variant, e.unstruct_event_dev_kizuna_slot_clicked_1.variant) AS variant,
  COALESCE(e.unstruct_event_dev_kizuna_slot_viewed_1.holdout, e.unstruct_event_dev_kizuna_slot_clicked_1.holdout) AS holdout,
  CAST(COALESCE(e.unstruct_event_dev_kizuna_slot_viewed_1.propensity, e.unstruct_event_dev_kizuna_slot_clicked_1.propensity) AS DOUBLE PRECISION) AS propensity,
  TRY_CAST(e.unstruct_event_dev_kizuna_custom_event_1.properties->>'revenue' AS DOUBLE PRECISION) AS revenue,
  CAST(e.unstruct_event_dev_kizuna_page_engagement_1.engaged_ms AS DOUBLE PRECISION) AS engaged_ms,
  CAST(e.unstruct_event_dev_kizuna_survey_responded_1.score AS INTEGER) AS score,
  e.unstruct_event_dev_kizuna_audience_report_1.segment AS segment,
  e.unstruct_event_dev_kizuna_audience_report_1.topic AS topic,
  CAST(e.unstruct_event_dev_kizuna_audience_report_1.epsilon AS DOUBLE PRECISION) AS epsilon,
  CAST(to_json(e.unstruct_event_dev_kizuna_audience_report_1.topics) AS VARCHAR) AS topics
FROM atomic.events e;
