-- Inbound SMS: every message a member or official sent us, once per aggregator id, and the
-- numbers that opted out of bulk SMS.
--
-- provider_id is Africa's Talking's id for the message: AT retries a callback for about
-- ten minutes and has delivered the same SMS several times, so INSERT … ON CONFLICT DO
-- NOTHING on it is what makes one SMS one answer.
--
-- The text itself is never stored: a member may type their PIN into an SMS ("CHANGA 500
-- 4826"), and a table of texts would keep it for ever. The parsed verb and the length are
-- what support and statistics need.
--
-- outcome is what became of the message: the kind of reply queued (reply.balance, …),
-- rate_limited, bad_sender (a number we cannot answer) or error; NULL until handled.

-- +goose Up
-- +goose StatementBegin

CREATE TABLE sms_inbound (
    id          BIGSERIAL PRIMARY KEY,
    provider_id TEXT NOT NULL UNIQUE CHECK (provider_id <> ''),
    from_phone  TEXT NOT NULL,
    to_code     TEXT NOT NULL DEFAULT '',
    text_length INT NOT NULL CHECK (text_length >= 0),
    -- sms/command's Verb ("balance", "loan", …); '' when the text was no command.
    verb        TEXT NOT NULL DEFAULT '',
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    handled_at  TIMESTAMPTZ,
    outcome     TEXT
);
-- A phone's recent messages, for the rate limit (and a member's history).
CREATE INDEX sms_inbound_from_received ON sms_inbound (from_phone, received_at);

-- Numbers that must not be sent bulk or promotional SMS: by STOP from the phone, or by the
-- aggregator's opt-out notification. Transactional messages (receipts, answers to the
-- member's own requests) still go (aggregators.md, "Bulk SMS opt-out notification").
CREATE TABLE sms_optouts (
    phone TEXT PRIMARY KEY CHECK (phone ~ '^\+[1-9][0-9]{7,14}$'),
    at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    via   TEXT NOT NULL CHECK (via IN ('stop', 'aggregator'))
);

-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TABLE IF EXISTS sms_optouts;
DROP TABLE IF EXISTS sms_inbound;
-- +goose StatementEnd
