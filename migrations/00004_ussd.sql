-- USSD: the end-of-session notifications aggregators send (Africa's Talking today), kept
-- for analysis of drop-offs, failures and cost. Session state itself lives in Redis.
--
-- There is deliberately no column for the session's input: AT's `input` field carries
-- every answer of the session, PINs included, and a statistics table must not hold them.
-- input_parts keeps only how many '*'-separated answers there were.
--
-- Aggregators retry callbacks, so one row per (aggregator, session, status): a repeated
-- notification is dropped by the unique index (INSERT … ON CONFLICT DO NOTHING).

-- +goose Up
-- +goose StatementBegin

CREATE TABLE ussd_session_events (
    id            BIGSERIAL PRIMARY KEY,
    aggregator    TEXT NOT NULL CHECK (aggregator IN ('at', 'hubtel', 'gateway')),
    session_id    TEXT NOT NULL CHECK (length(session_id) BETWEEN 1 AND 128),
    -- E.164 when the number normalised, otherwise as the aggregator sent it.
    phone         TEXT NOT NULL DEFAULT '',
    service_code  TEXT NOT NULL DEFAULT '',
    network_code  TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT '',
    -- As sent ("KES 0.0000"): for analysis only, never posted to the books.
    cost          TEXT NOT NULL DEFAULT '',
    -- As sent (yyyy-MM-dd HH:mm:ss, the aggregator's clock and zone).
    event_date    TEXT NOT NULL DEFAULT '',
    hops          INT NOT NULL DEFAULT 0 CHECK (hops >= 0),
    input_parts   INT NOT NULL DEFAULT 0 CHECK (input_parts >= 0),
    duration_ms   BIGINT NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),
    error_message TEXT NOT NULL DEFAULT '',
    last_response TEXT NOT NULL DEFAULT '',
    received_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ussd_session_events_once ON ussd_session_events (aggregator, session_id, status);
CREATE INDEX ussd_session_events_received ON ussd_session_events (received_at);

-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TABLE IF EXISTS ussd_session_events;
-- +goose StatementEnd
