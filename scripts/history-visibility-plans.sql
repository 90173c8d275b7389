-- What the operator's views would cost on a Temporal cluster with PostgreSQL (advanced)
-- visibility, 100,000 cases in view. The table and its indexes are Temporal's own
-- (schema/postgresql/v12/visibility/schema.sql), cut to the columns lienthong's search attributes
-- use; the queries are what Temporal's PostgreSQL query converter makes of the API's visibility
-- queries (api/src/ops/filter.rs, api/src/ops/cases.rs): a Keyword attribute is a column, a
-- KeywordList is `column @> jsonb_build_array(value)`, STARTS_WITH is LIKE, every query gets
-- `namespace_id = ?` and `TemporalNamespaceDivision IS NULL`, and a list is ordered by
-- (COALESCE(close_time, max) DESC, start_time DESC, run_id).
--
--   psql -h 127.0.0.1 -U postgres -d test -f scripts/history-visibility-plans.sql
--
-- Custom search attributes map onto pre-allocated columns, as `temporal operator
-- search-attribute create` assigns them on SQL visibility:
--   LienthongProcedure -> Keyword01, LienthongStatus -> Keyword02, LienthongOffice -> Keyword03,
--   LienthongWaitingOn -> KeywordList01, LienthongAttention -> KeywordList02,
--   LienthongAttentionAgency -> KeywordList03.
\set ON_ERROR_STOP on
DROP SCHEMA IF EXISTS lienthong_visibility CASCADE;
CREATE SCHEMA lienthong_visibility;
SET search_path = lienthong_visibility, public;
CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public;

CREATE FUNCTION convert_ts(s VARCHAR) RETURNS TIMESTAMP AS $$
BEGIN
  RETURN s::timestamptz at time zone 'UTC';
END
$$ LANGUAGE plpgsql IMMUTABLE RETURNS NULL ON NULL INPUT;

CREATE TABLE executions_visibility (
  namespace_id        CHAR(64)      NOT NULL,
  run_id              CHAR(64)      NOT NULL,
  start_time          TIMESTAMP     NOT NULL,
  execution_time      TIMESTAMP     NOT NULL,
  workflow_id         VARCHAR(255)  NOT NULL,
  workflow_type_name  VARCHAR(255)  NOT NULL,
  status              INTEGER       NOT NULL,
  close_time          TIMESTAMP     NULL,
  history_length      BIGINT        NULL,
  history_size_bytes  BIGINT        NULL,
  memo                BYTEA         NULL,
  encoding            VARCHAR(64)   NOT NULL,
  task_queue          VARCHAR(255)  NOT NULL DEFAULT '',
  search_attributes   JSONB         NULL,
  TemporalNamespaceDivision VARCHAR(255) GENERATED ALWAYS AS (search_attributes->>'TemporalNamespaceDivision') STORED,
  Keyword01       VARCHAR(255)    GENERATED ALWAYS AS (search_attributes->>'Keyword01')               STORED,
  Keyword02       VARCHAR(255)    GENERATED ALWAYS AS (search_attributes->>'Keyword02')               STORED,
  Keyword03       VARCHAR(255)    GENERATED ALWAYS AS (search_attributes->>'Keyword03')               STORED,
  KeywordList01   JSONB           GENERATED ALWAYS AS (search_attributes->'KeywordList01')            STORED,
  KeywordList02   JSONB           GENERATED ALWAYS AS (search_attributes->'KeywordList02')            STORED,
  KeywordList03   JSONB           GENERATED ALWAYS AS (search_attributes->'KeywordList03')            STORED,
  PRIMARY KEY  (namespace_id, run_id)
);

CREATE INDEX default_idx        ON executions_visibility (namespace_id, (COALESCE(close_time, '9999-12-31 23:59:59')) DESC, start_time DESC, run_id);
CREATE INDEX by_execution_time  ON executions_visibility (namespace_id, execution_time,     (COALESCE(close_time, '9999-12-31 23:59:59')) DESC, start_time DESC, run_id);
CREATE INDEX by_workflow_id     ON executions_visibility (namespace_id, workflow_id,        (COALESCE(close_time, '9999-12-31 23:59:59')) DESC, start_time DESC, run_id);
CREATE INDEX by_workflow_type   ON executions_visibility (namespace_id, workflow_type_name, (COALESCE(close_time, '9999-12-31 23:59:59')) DESC, start_time DESC, run_id);
CREATE INDEX by_status          ON executions_visibility (namespace_id, status,             (COALESCE(close_time, '9999-12-31 23:59:59')) DESC, start_time DESC, run_id);
CREATE INDEX by_temporal_namespace_division ON executions_visibility (namespace_id, TemporalNamespaceDivision, (COALESCE(close_time, '9999-12-31 23:59:59')) DESC, start_time DESC, run_id);
CREATE INDEX by_keyword_01      ON executions_visibility (namespace_id, Keyword01,  (COALESCE(close_time, '9999-12-31 23:59:59')) DESC, start_time DESC, run_id);
CREATE INDEX by_keyword_02      ON executions_visibility (namespace_id, Keyword02,  (COALESCE(close_time, '9999-12-31 23:59:59')) DESC, start_time DESC, run_id);
CREATE INDEX by_keyword_03      ON executions_visibility (namespace_id, Keyword03,  (COALESCE(close_time, '9999-12-31 23:59:59')) DESC, start_time DESC, run_id);
CREATE INDEX by_keyword_list_01 ON executions_visibility USING GIN (namespace_id, KeywordList01 jsonb_path_ops);
CREATE INDEX by_keyword_list_02 ON executions_visibility USING GIN (namespace_id, KeywordList02 jsonb_path_ops);
CREATE INDEX by_keyword_list_03 ON executions_visibility USING GIN (namespace_id, KeywordList03 jsonb_path_ops);

-- 100,000 cases of one province's offices over the last 90 days (and 10,000 of another province,
-- which the operator's scope leaves out): 85% completed, 10% running waiting on social
-- insurance's decision, 5% failed needing a correction of the birth record.
INSERT INTO executions_visibility
  (namespace_id, run_id, start_time, execution_time, workflow_id, workflow_type_name, status,
   close_time, history_length, encoding, task_queue, search_attributes)
SELECT 'ns-default', md5(i::text), started, started, 'KS-' || i, 'CaseWorkflow',
       CASE WHEN kind = 'waiting' THEN 1 ELSE 2 END,
       CASE WHEN kind = 'waiting' THEN NULL ELSE started + interval '3 seconds' END,
       60, 'Proto3Json', 'lienthong',
       jsonb_build_object(
         'Keyword01', 'birth-residence-insurance',
         'Keyword02', CASE kind WHEN 'completed' THEN 'completed' WHEN 'waiting' THEN 'running' ELSE 'failed' END,
         'Keyword03', office)
       || CASE kind WHEN 'waiting' THEN jsonb_build_object('KeywordList01', jsonb_build_array('social-insurance'))
                    WHEN 'attention' THEN jsonb_build_object('KeywordList02', jsonb_build_array('correction_needed'),
                                                             'KeywordList03', jsonb_build_array('civil-status'))
                    ELSE '{}'::jsonb END
FROM (
  SELECT i,
         now()::timestamp - (random() * interval '90 days') AS started,
         CASE WHEN i % 20 = 0 THEN 'attention' WHEN i % 10 = 1 THEN 'waiting' ELSE 'completed' END AS kind,
         CASE WHEN i > 100000 THEN '79-Q1' ELSE (ARRAY['01-BD', '01-HK', '01-TX', '01-CG'])[1 + i % 4] END AS office
  FROM generate_series(1, 110000) AS i
) AS cases;
ANALYZE executions_visibility;

-- The operator's scope (province 01) as filter.rs writes it.
\set scope '(Keyword03 = ''01'' OR Keyword03 LIKE ''01-%'')'
\set base 'namespace_id = ''ns-default'' AND TemporalNamespaceDivision IS NULL AND workflow_type_name = ''CaseWorkflow'' AND ' :scope
\set order 'ORDER BY COALESCE(close_time, ''9999-12-31 23:59:59'') DESC, start_time DESC, run_id LIMIT 51'

\echo '== list, no filter (first page of 50)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT workflow_id, start_time, close_time, status, search_attributes FROM executions_visibility WHERE :base :order;
\echo '== list status=running'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT workflow_id, start_time, close_time, status, search_attributes FROM executions_visibility WHERE :base AND Keyword02 = 'running' :order;
\echo '== list agency=social-insurance (KeywordList)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT workflow_id, start_time, close_time, status, search_attributes FROM executions_visibility WHERE :base AND KeywordList01 @> jsonb_build_array('social-insurance') :order;
\echo '== list reason=correction_needed (KeywordList)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT workflow_id, start_time, close_time, status, search_attributes FROM executions_visibility WHERE :base AND KeywordList02 @> jsonb_build_array('correction_needed') :order;
\echo '== list reason=any'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT workflow_id, start_time, close_time, status, search_attributes FROM executions_visibility WHERE :base AND KeywordList02 IS NOT NULL :order;
\echo '== list submitted today'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT workflow_id, start_time, close_time, status, search_attributes FROM executions_visibility WHERE :base AND start_time >= now()::date AND start_time < now()::date + 1 :order;
\echo '== count status=running'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT COUNT(1) FROM executions_visibility WHERE :base AND Keyword02 = 'running';
\echo '== count status=completed'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT COUNT(1) FROM executions_visibility WHERE :base AND Keyword02 = 'completed';
\echo '== count attention=correction_needed'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT COUNT(1) FROM executions_visibility WHERE :base AND KeywordList02 @> jsonb_build_array('correction_needed');
\echo '== count per day and status'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT COUNT(1) FROM executions_visibility WHERE :base AND start_time >= now()::date - 3 AND start_time < now()::date - 2 AND Keyword02 = 'completed';

-- The dashboard (`GET /v1/ops/counts`): every count it sends, in turn, timed by the server.
CREATE FUNCTION dashboard_ms(base text) RETURNS TABLE(counts int, total_ms numeric) AS $$
DECLARE
  started timestamptz := clock_timestamp();
  n int := 0;
  q text;
  ignored bigint;
  statuses text[] := ARRAY['running','compensating','completed','partially_completed','failed','withdrawn'];
  agencies text[] := ARRAY['civil-status','residence','social-insurance','population','labour-office','citizen'];
  reasons text[] := ARRAY['retrying','agency_unavailable','decision_overdue','overdue','compensation_failed',
                          'correction_needed','unreconciled','held','notification_failed'];
  s text; a text; r text; d int;
BEGIN
  FOREACH s IN ARRAY statuses LOOP
    EXECUTE format('SELECT count(1) FROM executions_visibility WHERE %s AND Keyword02 = %L', base, s) INTO ignored; n := n + 1;
  END LOOP;
  FOREACH a IN ARRAY agencies LOOP
    EXECUTE format('SELECT count(1) FROM executions_visibility WHERE %s AND status = 1 AND KeywordList01 @> jsonb_build_array(%L::text)', base, a) INTO ignored; n := n + 1;
  END LOOP;
  FOREACH r IN ARRAY reasons LOOP
    EXECUTE format('SELECT count(1) FROM executions_visibility WHERE %s AND KeywordList02 @> jsonb_build_array(%L::text)', base, r) INTO ignored; n := n + 1;
  END LOOP;
  EXECUTE format('SELECT count(1) FROM executions_visibility WHERE %s AND KeywordList02 IS NOT NULL', base) INTO ignored; n := n + 1;
  FOR d IN 0..6 LOOP
    FOREACH s IN ARRAY statuses LOOP
      EXECUTE format('SELECT count(1) FROM executions_visibility WHERE %s AND start_time >= now()::date - %s AND start_time < now()::date - %s + 1 AND Keyword02 = %L', base, d, d, s) INTO ignored; n := n + 1;
    END LOOP;
  END LOOP;
  RETURN QUERY SELECT n, round(extract(epoch FROM clock_timestamp() - started)::numeric * 1000, 1);
END
$$ LANGUAGE plpgsql;

\echo '== the dashboard: every count, three times (warm)'
SELECT * FROM dashboard_ms(:'base');
SELECT * FROM dashboard_ms(:'base');
SELECT * FROM dashboard_ms(:'base');
