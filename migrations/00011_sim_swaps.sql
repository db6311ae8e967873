-- SIM swaps: when a phone number's SIM card last changed, as the aggregator's SIM-swap
-- lookup answers it. A recently swapped SIM is the classic route to stealing mobile money,
-- so for a while after a change the number may not take money out or approve anything
-- (chama/simswap.go). In development this table is the lookup itself (internal/simswap,
-- POST /dev/sim-swap); one row per number, the latest change.

-- +goose Up
-- +goose StatementBegin
CREATE TABLE sim_swaps (
    phone       TEXT PRIMARY KEY CHECK (phone ~ '^\+[1-9][0-9]{7,14}$'),
    swapped_at  TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TABLE sim_swaps;
-- +goose StatementEnd
