-- M-Pesa intents, second pass after review: the ConversationID of the last Transaction
-- Status query about an intent (its answer may carry nothing else that names the intent),
-- M-Pesa's own time of the transaction (what a payment is dated by in the books), and a
-- poll index that covers new B2C intents too.

-- +goose Up
-- +goose StatementBegin
ALTER TABLE mpesa_intents ADD COLUMN status_conversation_id TEXT UNIQUE;
ALTER TABLE mpesa_intents ADD COLUMN transacted_at TIMESTAMPTZ;
DROP INDEX mpesa_intents_to_poll;
CREATE INDEX mpesa_intents_to_poll ON mpesa_intents (next_poll_at) WHERE status IN ('new', 'sent', 'unknown');
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP INDEX mpesa_intents_to_poll;
CREATE INDEX mpesa_intents_to_poll ON mpesa_intents (next_poll_at) WHERE status IN ('sent', 'unknown');
ALTER TABLE mpesa_intents DROP COLUMN transacted_at;
ALTER TABLE mpesa_intents DROP COLUMN status_conversation_id;
-- +goose StatementEnd
