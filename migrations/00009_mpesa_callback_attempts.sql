-- Callbacks whose settlement keeps failing are tried less and less often, then left for a
-- person, so they never crowd out the callbacks behind them.

-- +goose Up
-- +goose StatementBegin
ALTER TABLE mpesa_callbacks ADD COLUMN attempts INT NOT NULL DEFAULT 0;
ALTER TABLE mpesa_callbacks ADD COLUMN next_try_at TIMESTAMPTZ;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
ALTER TABLE mpesa_callbacks DROP COLUMN next_try_at;
ALTER TABLE mpesa_callbacks DROP COLUMN attempts;
-- +goose StatementEnd
