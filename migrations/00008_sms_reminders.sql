-- SMS reminders: one row per reminder ever decided, whether or not it has gone out yet.
--
-- The primary key is the promise "exactly one reminder per member per obligation per
-- rule": sms.Reminders inserts here first (INSERT … ON CONFLICT DO NOTHING), and only the
-- transaction whose row went in stores the message and queues its sending, so a worker
-- that restarts, a scheduler that fires twice or two workers running at once remind a
-- member once.
--
-- member_id is the membership (chama_members.id), so the same person in two groups is
-- reminded by each. rule is what the reminder is about (due, overdue, instalment,
-- instalment_overdue, approval, cycle); obligation names the thing owed or awaited:
-- 'due:<chama_dues.id>', 'instalment:<loan>:<n>', 'approval:<id>', 'cycle:<group>:<cycle>'.
-- message_id is the sms_messages row that carries it, set in the same transaction.
-- not_before is when it may be sent: created_at, or the next 07:00 in Nairobi when it was
-- decided in quiet hours (21:00-07:00).

-- +goose Up
-- +goose StatementBegin

CREATE TABLE sms_reminders (
    member_id  BIGINT NOT NULL,
    rule       TEXT NOT NULL CHECK (rule ~ '^[a-z_]{2,30}$'),
    obligation TEXT NOT NULL CHECK (length(obligation) BETWEEN 1 AND 100),
    message_id BIGINT REFERENCES sms_messages(id),
    not_before TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (member_id, rule, obligation)
);

-- What the reminder queries look for among rows that grow every period: contributions by
-- due date, and a loan's repayments.
CREATE INDEX chama_dues_contribution_due_on ON chama_dues (due_on) WHERE kind = 'contribution';
CREATE INDEX chama_payments_repayments ON chama_payments (subject_id) WHERE purpose = 'repayment';

-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP INDEX IF EXISTS chama_payments_repayments;
DROP INDEX IF EXISTS chama_dues_contribution_due_on;
DROP TABLE IF EXISTS sms_reminders;
-- +goose StatementEnd
