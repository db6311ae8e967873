-- M-Pesa: payment intents and their recorded transitions, every callback as received, money
-- that matched nothing (suspense), and organisation statements loaded for reconciliation.
--
-- An intent is committed before its request leaves, keyed by our own id and later by
-- M-Pesa's ids; unique indexes on those ids are what make a doubled callback or a second
-- poll settle nothing twice.

-- +goose Up
-- +goose StatementBegin

CREATE TABLE mpesa_intents (
    id                         BIGSERIAL PRIMARY KEY,
    kind                       TEXT NOT NULL CHECK (kind IN ('stk', 'c2b', 'b2c')),
    status                     TEXT NOT NULL CHECK (status IN ('new', 'sent', 'succeeded', 'failed', 'unknown', 'settled', 'suspense')),
    group_code                 TEXT,
    phone                      TEXT CHECK (phone ~ '^\+254[17][0-9]{8}$'),
    amount                     NUMERIC(18,2) NOT NULL CHECK (amount > 0),
    purpose                    TEXT NOT NULL CHECK (purpose IN ('contribution', 'repayment', 'payout', 'unknown')),
    -- The loan a repayment is for, or the chama payout a B2C carries.
    subject_id                 BIGINT,
    account_ref                TEXT,
    checkout_request_id        TEXT UNIQUE,
    merchant_request_id        TEXT,
    originator_conversation_id TEXT UNIQUE,
    conversation_id            TEXT,
    receipt                    TEXT UNIQUE,
    result_code                TEXT,
    result_desc                TEXT NOT NULL DEFAULT '',
    polls                      INT NOT NULL DEFAULT 0,
    next_poll_at               TIMESTAMPTZ,
    created_at                 TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                 TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (kind <> 'b2c' OR originator_conversation_id IS NOT NULL),
    CHECK (status NOT IN ('succeeded', 'settled') OR receipt IS NOT NULL)
);
CREATE INDEX mpesa_intents_to_poll ON mpesa_intents (next_poll_at) WHERE status IN ('sent', 'unknown');
CREATE INDEX mpesa_intents_suspense ON mpesa_intents (id) WHERE status = 'suspense';

-- Every change of an intent's status, with what caused it. Append-only.
CREATE TABLE mpesa_intent_events (
    id          BIGSERIAL PRIMARY KEY,
    intent_id   BIGINT NOT NULL REFERENCES mpesa_intents(id),
    at          TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    from_status TEXT,
    to_status   TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('request', 'callback', 'poll', 'settle', 'operator')),
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mpesa_intent_events_intent ON mpesa_intent_events (intent_id, id);

-- Every callback exactly as it arrived, before anything is made of it: the evidence when a
-- payment is disputed, and the input a settlement worker can always re-read.
CREATE TABLE mpesa_callbacks (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('stk', 'c2b_validation', 'c2b_confirmation', 'b2c_result', 'b2c_timeout',
                     'status_result', 'status_timeout', 'reversal_result', 'balance_result')),
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    remote_addr  TEXT NOT NULL DEFAULT '',
    body         BYTEA NOT NULL,
    intent_id    BIGINT REFERENCES mpesa_intents(id),
    processed_at TIMESTAMPTZ,
    outcome      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mpesa_callbacks_unprocessed ON mpesa_callbacks (id) WHERE processed_at IS NULL;

-- An organisation statement loaded for reconciliation, line by line (COPY).
CREATE TABLE mpesa_statement_runs (
    id          BIGSERIAL PRIMARY KEY,
    source      TEXT NOT NULL,
    loaded_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    lines       BIGINT NOT NULL DEFAULT 0,
    report      JSONB
);

CREATE UNLOGGED TABLE mpesa_statement_lines (
    run_id          BIGINT NOT NULL,
    receipt         TEXT NOT NULL,
    completion_time TIMESTAMP,
    details         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT '',
    paid_in         NUMERIC(18,2),
    withdrawn       NUMERIC(18,2),
    balance         NUMERIC(18,2)
);

-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TABLE IF EXISTS mpesa_statement_lines, mpesa_statement_runs, mpesa_callbacks, mpesa_intent_events, mpesa_intents;
-- +goose StatementEnd
