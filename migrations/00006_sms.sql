-- SMS: every message we send, from the moment it is queued to its last delivery report.
-- The row is written before anything goes out, so a message is never lost between a
-- notice and the aggregator; the send task and the delivery report only move its status.
--
-- dedupe_key makes one notice one row: when the same event notifies twice, the second
-- INSERT … ON CONFLICT DO NOTHING finds the first. provider_id is the aggregator's id for
-- the message (Africa's Talking's messageId), what a delivery report is matched on.
--
-- status follows Africa's Talking's delivery reports: queued (ours: not handed over yet),
-- sent, submitted, buffered, then one of the final success, failed, rejected.

-- +goose Up
-- +goose StatementBegin

CREATE TABLE sms_messages (
    id             BIGSERIAL PRIMARY KEY,
    to_phone       TEXT NOT NULL CHECK (to_phone ~ '^\+[1-9][0-9]{7,14}$'),
    lang           TEXT NOT NULL DEFAULT 'sw' CHECK (lang IN ('sw', 'en')),
    kind           TEXT NOT NULL DEFAULT '',
    message        TEXT NOT NULL CHECK (message <> ''),
    segments       INT NOT NULL CHECK (segments >= 1),
    -- An estimate at the assumed price per part (sms.PricePerPart), not a posting.
    cost           NUMERIC(10,2) NOT NULL CHECK (cost >= 0),
    -- NULL until a provider has been asked.
    provider       TEXT CHECK (provider IN ('sandbox', 'africastalking')),
    provider_id    TEXT UNIQUE,
    status         TEXT NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'sent', 'submitted', 'buffered', 'success', 'failed', 'rejected')),
    failure_reason TEXT NOT NULL DEFAULT '',
    attempts       INT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    dedupe_key     TEXT UNIQUE,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- A phone's messages in order (GET /dev/sms, a member's history).
CREATE INDEX sms_messages_to_phone ON sms_messages (to_phone, id);
-- Messages never handed over, for the sweep that queues them again.
CREATE INDEX sms_messages_queued ON sms_messages (created_at) WHERE status = 'queued';

-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TABLE IF EXISTS sms_messages;
-- +goose StatementEnd
