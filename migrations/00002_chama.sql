-- The chama domain: people, groups and their members, versioned constitutions, approvals,
-- contribution dues and how payments were applied to them, loans with their schedules and
-- guarantees, payouts, the merry-go-round and the audit trail.
--
-- Money itself lives in the ledger: these tables hold obligations, decisions and the links
-- from each to the ledger entry or hold that carried it out. Where a row records money
-- applied (due_payments, loan_repayments) it names the entry that moved it, so the books
-- stay the single truth. Constraints here protect what the Go code relies on: one row per
-- slot where a job might run twice, one vote per official, one open approval per subject,
-- one office holder per office, and an append-only audit trail.

-- +goose Up
-- +goose StatementBegin

CREATE TABLE chama_people (
    id                BIGSERIAL PRIMARY KEY,
    phone             TEXT NOT NULL UNIQUE CHECK (phone ~ '^\+254[17][0-9]{8}$'),
    name              TEXT NOT NULL DEFAULT '' CHECK (length(name) <= 60),
    lang              TEXT NOT NULL DEFAULT 'sw' CHECK (lang IN ('sw', 'en')),
    -- An argon2id PHC string; the PIN itself is never stored or logged.
    pin_hash          TEXT CHECK (pin_hash LIKE '$argon2id$%'),
    pin_failures      INT NOT NULL DEFAULT 0 CHECK (pin_failures >= 0),
    pin_locked_until  TIMESTAMPTZ,
    -- Set by an approved PIN reset: the next SetPIN may replace the old PIN without it.
    pin_reset_allowed BOOLEAN NOT NULL DEFAULT false,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Consent under the Data Protection Act: which notice, when, through which channel, and
-- when it was withdrawn. At most one consent is in force per person.
CREATE TABLE chama_consents (
    id             BIGSERIAL PRIMARY KEY,
    person_id      BIGINT NOT NULL REFERENCES chama_people(id),
    notice_version TEXT NOT NULL CHECK (length(notice_version) BETWEEN 1 AND 20),
    channel        TEXT NOT NULL CHECK (channel IN ('ussd', 'sms', 'system')),
    given_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    withdrawn_at   TIMESTAMPTZ CHECK (withdrawn_at >= given_at)
);
CREATE UNIQUE INDEX chama_consents_in_force ON chama_consents (person_id) WHERE withdrawn_at IS NULL;

CREATE TABLE chama_groups (
    id          BIGSERIAL PRIMARY KEY,
    -- What members type in SMS commands and the paybill account number: UMOJA, KIJIJI7.
    code        TEXT NOT NULL UNIQUE CHECK (code ~ '^[A-Z][A-Z0-9]{2,11}$'),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    book_id     BIGINT NOT NULL UNIQUE REFERENCES ledger_books(id),
    cycle       INT NOT NULL DEFAULT 1 CHECK (cycle >= 1),
    cycle_start DATE NOT NULL,
    created_by  BIGINT NOT NULL REFERENCES chama_people(id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE chama_members (
    id          BIGSERIAL PRIMARY KEY,
    group_id    BIGINT NOT NULL REFERENCES chama_groups(id),
    person_id   BIGINT NOT NULL REFERENCES chama_people(id),
    role        TEXT NOT NULL CHECK (role IN ('chair', 'treasurer', 'secretary', 'member')),
    status      TEXT NOT NULL CHECK (status IN ('invited', 'active', 'declined', 'exited', 'removed')),
    invited_by  BIGINT REFERENCES chama_members(id),
    joined_at   TIMESTAMPTZ,
    left_at     TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (group_id, person_id),
    CHECK (status <> 'active' OR joined_at IS NOT NULL)
);
-- One chair, one treasurer, one secretary at a time.
CREATE UNIQUE INDEX chama_members_one_per_office ON chama_members (group_id, role)
    WHERE status = 'active' AND role <> 'member';
CREATE INDEX chama_members_person ON chama_members (person_id);

-- A constitution version is never edited: a change is a new version, effective from the
-- start of a later period.
CREATE TABLE chama_constitutions (
    group_id       BIGINT NOT NULL REFERENCES chama_groups(id),
    version        INT NOT NULL CHECK (version >= 1),
    effective_from DATE NOT NULL,
    rules          JSONB NOT NULL CHECK (jsonb_typeof(rules) = 'object'),
    approval_id    BIGINT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, version),
    CHECK ((version = 1) = (approval_id IS NULL))
);

CREATE TABLE chama_approvals (
    id           BIGSERIAL PRIMARY KEY,
    group_id     BIGINT NOT NULL REFERENCES chama_groups(id),
    subject      TEXT NOT NULL CHECK (subject ~ '^[a-z_]{2,30}$'),
    subject_id   BIGINT,
    payload      JSONB NOT NULL DEFAULT '{}',
    requested_by BIGINT NOT NULL REFERENCES chama_members(id),
    -- The member who gains from the decision, when it is not the requester (a welfare
    -- grant's recipient, a removal's target): they may not vote on it either.
    beneficiary  BIGINT REFERENCES chama_members(id),
    quorum       INT NOT NULL CHECK (quorum BETWEEN 1 AND 3),
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'approved', 'rejected', 'expired', 'failed')),
    expires_at   TIMESTAMPTZ NOT NULL,
    decided_at   TIMESTAMPTZ,
    outcome      TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'open') = (decided_at IS NULL))
);
-- One open decision per subject: a second request for the same loan waits for the first.
CREATE UNIQUE INDEX chama_approvals_one_open ON chama_approvals (group_id, subject, subject_id)
    WHERE status = 'open' AND subject_id IS NOT NULL;
CREATE INDEX chama_approvals_open ON chama_approvals (group_id) WHERE status = 'open';

CREATE TABLE chama_votes (
    approval_id BIGINT NOT NULL REFERENCES chama_approvals(id),
    member_id   BIGINT NOT NULL REFERENCES chama_members(id),
    approve     BOOLEAN NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('ussd', 'sms', 'system')),
    voted_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (approval_id, member_id)
);

-- What each member owes each period (contribution, welfare), once (registration), or as a
-- fine for one slot of lateness. The unique key is what makes the fines job idempotent.
CREATE TABLE chama_dues (
    id        BIGSERIAL PRIMARY KEY,
    group_id  BIGINT NOT NULL REFERENCES chama_groups(id),
    member_id BIGINT NOT NULL REFERENCES chama_members(id),
    kind      TEXT NOT NULL CHECK (kind IN ('registration', 'fine', 'contribution', 'welfare')),
    cycle     INT NOT NULL CHECK (cycle >= 1),
    period    INT NOT NULL CHECK (period >= 0),
    slot      TEXT NOT NULL DEFAULT '',
    amount    NUMERIC(18,2) NOT NULL CHECK (amount > 0),
    due_on    DATE NOT NULL,
    -- For a fine: the entry that charged it (Dr fines-due / Cr fine-income).
    entry_id  BIGINT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (member_id, cycle, period, kind, slot),
    CHECK ((kind = 'fine') = (entry_id IS NOT NULL))
);
CREATE INDEX chama_dues_group_period ON chama_dues (group_id, cycle, period);

-- Money received from M-Pesa for a group, once per receipt.
CREATE TABLE chama_payments (
    id          BIGSERIAL PRIMARY KEY,
    group_id    BIGINT NOT NULL REFERENCES chama_groups(id),
    member_id   BIGINT NOT NULL REFERENCES chama_members(id),
    receipt     TEXT NOT NULL UNIQUE CHECK (receipt ~ '^[A-Z0-9]{6,20}$'),
    amount      NUMERIC(18,2) NOT NULL CHECK (amount > 0),
    purpose     TEXT NOT NULL CHECK (purpose IN ('contribution', 'repayment', 'peer_funding', 'peer_repayment')),
    subject_id  BIGINT,
    received_at TIMESTAMPTZ NOT NULL,
    entry_id    BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- How a payment (or an approved waiver) settled each due. Sums of these are what a member
-- has paid towards a due; each names the payment whose entry carried the money.
CREATE TABLE chama_due_payments (
    due_id      BIGINT NOT NULL REFERENCES chama_dues(id),
    payment_id  BIGINT REFERENCES chama_payments(id),
    approval_id BIGINT REFERENCES chama_approvals(id),
    amount      NUMERIC(18,2) NOT NULL CHECK (amount > 0),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((payment_id IS NULL) <> (approval_id IS NULL))
);
CREATE UNIQUE INDEX chama_due_payments_once ON chama_due_payments (due_id, coalesce(payment_id, 0), coalesce(approval_id, 0));

CREATE TABLE chama_loans (
    id             BIGSERIAL PRIMARY KEY,
    group_id       BIGINT NOT NULL REFERENCES chama_groups(id),
    borrower_id    BIGINT NOT NULL REFERENCES chama_members(id),
    -- A peer loan's lender; NULL for a loan from the group's pool.
    lender_id      BIGINT REFERENCES chama_members(id),
    principal      NUMERIC(18,2) NOT NULL CHECK (principal > 0),
    term_months    INT NOT NULL CHECK (term_months BETWEEN 1 AND 60),
    monthly_rate   NUMERIC(9,6) NOT NULL CHECK (monthly_rate >= 0),
    method         TEXT NOT NULL CHECK (method IN ('flat', 'reducing')),
    status         TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'guaranteed', 'approved',
                       'disbursing', 'active', 'closed', 'defaulted', 'rejected', 'cancelled')),
    constitution   INT NOT NULL,
    disclosure     JSONB NOT NULL,
    accepted_at    TIMESTAMPTZ,
    hold_id        BIGINT,
    disbursed_on   DATE,
    closed_at      TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (lender_id IS NULL OR lender_id <> borrower_id)
);
CREATE INDEX chama_loans_borrower ON chama_loans (borrower_id);
-- One loan in progress per borrower, decided by the index rather than a prior count, so two
-- USSD sessions asking at once cannot both borrow up to the limit.
CREATE UNIQUE INDEX chama_loans_one_open ON chama_loans (borrower_id)
    WHERE status NOT IN ('closed', 'rejected', 'cancelled');

-- The instalment schedule fixed at disbursement; every cent of principal is in a row.
CREATE TABLE chama_instalments (
    loan_id           BIGINT NOT NULL REFERENCES chama_loans(id),
    n                 INT NOT NULL CHECK (n >= 1),
    due_on            DATE NOT NULL,
    principal         NUMERIC(18,2) NOT NULL CHECK (principal >= 0),
    interest          NUMERIC(18,2) NOT NULL CHECK (interest >= 0),
    -- The entries that made the interest and any late penalty due, once each.
    interest_entry_id BIGINT,
    penalty_entry_id  BIGINT,
    PRIMARY KEY (loan_id, n)
);

CREATE TABLE chama_guarantees (
    loan_id    BIGINT NOT NULL REFERENCES chama_loans(id),
    member_id  BIGINT NOT NULL REFERENCES chama_members(id),
    amount     NUMERIC(18,2) NOT NULL CHECK (amount > 0),
    status     TEXT NOT NULL CHECK (status IN ('asked', 'pledged', 'declined', 'released', 'called')),
    hold_id    BIGINT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (loan_id, member_id),
    CHECK (status NOT IN ('pledged', 'called') OR hold_id IS NOT NULL)
);

-- Money leaving a group through M-Pesa B2C. A hold on the group's cash is placed in the same
-- transaction that creates the row; the payout port is asked only after commit, and the
-- hold is posted or voided when M-Pesa answers.
CREATE TABLE chama_payouts (
    id          BIGSERIAL PRIMARY KEY,
    group_id    BIGINT NOT NULL REFERENCES chama_groups(id),
    member_id   BIGINT NOT NULL REFERENCES chama_members(id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('loan', 'rotation', 'withdrawal', 'welfare', 'shareout', 'exit', 'peer_loan')),
    subject_id  BIGINT,
    amount      NUMERIC(18,2) NOT NULL CHECK (amount BETWEEN 10 AND 250000),
    -- A sum above M-Pesa's 250,000 per transaction goes as several parts.
    part        INT NOT NULL DEFAULT 1 CHECK (part >= 1),
    -- The group account the payout is paid from (Dr on success; Cr cash).
    from_code   TEXT NOT NULL,
    hold_id     BIGINT NOT NULL UNIQUE,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'failed')),
    receipt     TEXT,
    entry_id    BIGINT,
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    settled_at  TIMESTAMPTZ,
    CHECK ((status = 'paid') = (entry_id IS NOT NULL))
);
CREATE UNIQUE INDEX chama_payouts_receipt ON chama_payouts (receipt) WHERE receipt IS NOT NULL;
-- Nobody is paid twice for one subject (one loan, one rotation slot, one share-out).
CREATE UNIQUE INDEX chama_payouts_once ON chama_payouts (purpose, subject_id, member_id, part)
    WHERE status <> 'failed' AND subject_id IS NOT NULL;

-- The merry-go-round: one slot per member per round; nobody twice in a round.
CREATE TABLE chama_rotation (
    group_id  BIGINT NOT NULL REFERENCES chama_groups(id),
    round     INT NOT NULL CHECK (round >= 1),
    position  INT NOT NULL CHECK (position >= 1),
    member_id BIGINT NOT NULL REFERENCES chama_members(id),
    seed      BIGINT,
    PRIMARY KEY (group_id, round, position),
    UNIQUE (group_id, round, member_id)
);

-- Who did what, when, through which channel. Append-only, like the ledger.
CREATE TABLE chama_audit (
    id         BIGSERIAL PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    group_id   BIGINT,
    actor_id   BIGINT,
    channel    TEXT NOT NULL CHECK (channel IN ('ussd', 'sms', 'system')),
    action     TEXT NOT NULL CHECK (action ~ '^[a-z_.]{2,40}$'),
    subject_id BIGINT,
    details    JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX chama_audit_group ON chama_audit (group_id, id);
CREATE INDEX chama_audit_actor ON chama_audit (actor_id, id);

CREATE TRIGGER chama_audit_append_only BEFORE UPDATE OR DELETE ON chama_audit
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER chama_constitutions_append_only BEFORE UPDATE OR DELETE ON chama_constitutions
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER chama_votes_append_only BEFORE UPDATE OR DELETE ON chama_votes
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER chama_due_payments_append_only BEFORE UPDATE OR DELETE ON chama_due_payments
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER chama_payments_append_only BEFORE UPDATE OR DELETE ON chama_payments
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TABLE IF EXISTS chama_audit, chama_rotation, chama_payouts, chama_guarantees, chama_instalments,
    chama_loans, chama_due_payments, chama_payments, chama_dues, chama_votes, chama_approvals,
    chama_constitutions, chama_members, chama_groups, chama_consents, chama_people;
-- +goose StatementEnd
