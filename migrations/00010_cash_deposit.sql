-- Cash an official holds from meetings (cash-in-hand, see chama/cash.go) is paid in by
-- M-Pesa like a contribution, with its own purpose so settlement credits the official's
-- cash-in-hand rather than their savings.

-- +goose Up
-- +goose StatementBegin
ALTER TABLE chama_payments DROP CONSTRAINT chama_payments_purpose_check;
ALTER TABLE chama_payments ADD CONSTRAINT chama_payments_purpose_check
    CHECK (purpose IN ('contribution', 'repayment', 'peer_funding', 'peer_repayment', 'cash_deposit'));
ALTER TABLE mpesa_intents DROP CONSTRAINT mpesa_intents_purpose_check;
ALTER TABLE mpesa_intents ADD CONSTRAINT mpesa_intents_purpose_check
    CHECK (purpose IN ('contribution', 'repayment', 'payout', 'unknown', 'cash_deposit'));
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
ALTER TABLE mpesa_intents DROP CONSTRAINT mpesa_intents_purpose_check;
ALTER TABLE mpesa_intents ADD CONSTRAINT mpesa_intents_purpose_check
    CHECK (purpose IN ('contribution', 'repayment', 'payout', 'unknown'));
ALTER TABLE chama_payments DROP CONSTRAINT chama_payments_purpose_check;
ALTER TABLE chama_payments ADD CONSTRAINT chama_payments_purpose_check
    CHECK (purpose IN ('contribution', 'repayment', 'peer_funding', 'peer_repayment'));
-- +goose StatementEnd
