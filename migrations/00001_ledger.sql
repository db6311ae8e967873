-- The double-entry ledger. Everything that protects the money lives here, in Postgres, so
-- that it holds even for a session in psql: append-only entries and postings, balanced
-- entries checked at commit, running balances, idempotency keys decided by a unique index,
-- holds (two-phase transfers), mirror pairs, and the queue that feeds each book's hash chain.
--
-- Sign convention: a posting's amount is positive for a debit and negative for a credit,
-- so an entry's postings sum to zero. Balances (accounts.balance, postings.balance_after,
-- accounts.held) are kept on the account's *normal side*: debit-normal for assets and
-- expenses, credit-normal for liabilities, equity and income. A member's savings of 500 is
-- a balance of +500 on a liability account, and "may not go negative" means exactly that.

-- +goose Up
-- +goose StatementBegin

-- Static rules live in domains rather than table CHECK constraints: Postgres re-reads every
-- CHECK expression of a table (and recomputes stored generated columns) on each INSERT or
-- UPDATE statement, and the posting path updates account rows many times a second. A
-- domain's check runs when a value is written to the column, which is exactly when these
-- can be broken.
CREATE DOMAIN ledger_code AS TEXT CHECK (VALUE ~ '^[a-z0-9][a-z0-9:._-]{0,99}$');
CREATE DOMAIN ledger_kind AS TEXT CHECK (VALUE ~ '^[a-z][a-z0-9_.:-]{0,63}$');
CREATE DOMAIN ledger_key AS TEXT CHECK (length(VALUE) BETWEEN 1 AND 200);
CREATE DOMAIN ledger_memo AS TEXT CHECK (length(VALUE) <= 280);
CREATE DOMAIN ledger_refs AS JSONB CHECK (jsonb_typeof(VALUE) = 'object');
CREATE DOMAIN ledger_sha256 AS BYTEA CHECK (length(VALUE) = 32);
CREATE DOMAIN ledger_currency AS CHAR(3) CHECK (VALUE ~ '^[A-Z]{3}$');
CREATE DOMAIN ledger_account_type AS TEXT
    CHECK (VALUE IN ('asset', 'liability', 'equity', 'income', 'expense'));
CREATE DOMAIN ledger_amount AS NUMERIC(18,2) CHECK (VALUE <> 0);

CREATE TABLE ledger_books (
    id          BIGSERIAL PRIMARY KEY,
    code        ledger_code NOT NULL UNIQUE CHECK (length(code) <= 64),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE ledger_accounts (
    id              BIGSERIAL PRIMARY KEY,
    book_id         BIGINT NOT NULL REFERENCES ledger_books(id),
    code            ledger_code NOT NULL,
    type            ledger_account_type NOT NULL,
    -- +1 when a debit increases the balance (assets, expenses), -1 otherwise. Set from the
    -- type at insert by ledger_account_init and frozen by ledger_account_guard (a generated
    -- column would be recomputed on every balance update).
    normal_sign     SMALLINT NOT NULL,
    currency        ledger_currency NOT NULL,
    allow_negative  BOOLEAN NOT NULL,
    -- The other half of a mirror pair (a group's cash and the platform's debt to that
    -- group): both always have the same normal-side balance.
    mirror_id       BIGINT REFERENCES ledger_accounts(id),
    balance         NUMERIC(18,2) NOT NULL DEFAULT 0,
    held            NUMERIC(18,2) NOT NULL DEFAULT 0,
    postings_count  BIGINT NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    closed_at       TIMESTAMPTZ,
    UNIQUE (book_id, code),
    -- The overdraft policy, as a last line of defence under every code path; the only
    -- CHECK on this hot table.
    CONSTRAINT ledger_accounts_no_overdraft CHECK (held >= 0 AND (allow_negative OR balance - held >= 0))
) WITH (fillfactor = 80);  -- room on each page for HOT updates of balance and held

-- No foreign key from entries to books, nor from postings to entries: every entry of a
-- group would share-lock the same book row (a MultiXact and a WAL record per entry) for a
-- fact the posting function already guarantees (it checks each account's book) and that
-- `kikundi ledger verify` re-checks.
CREATE TABLE ledger_entries (
    id                 BIGSERIAL PRIMARY KEY,
    book_id            BIGINT NOT NULL,
    idempotency_key    ledger_key NOT NULL,
    -- SHA-256 of the request as the caller sent it: the same key with another content is
    -- a conflict, never a silent second meaning.
    content_hash       ledger_sha256 NOT NULL,
    kind               ledger_kind NOT NULL,
    memo               ledger_memo NOT NULL DEFAULT '',
    refs               ledger_refs NOT NULL DEFAULT '{}'::jsonb,
    occurred_at        TIMESTAMPTZ NOT NULL,
    recorded_at        TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    reverses_entry_id  BIGINT,
    hold_id            BIGINT
);
CREATE UNIQUE INDEX ledger_entries_idempotency_key ON ledger_entries (idempotency_key);
-- An entry is reversed at most once and a hold posted at most once. Partial, so the many
-- entries that are neither add nothing to these indexes.
CREATE UNIQUE INDEX ledger_entries_reverses ON ledger_entries (reverses_entry_id)
    WHERE reverses_entry_id IS NOT NULL;
CREATE UNIQUE INDEX ledger_entries_hold ON ledger_entries (hold_id) WHERE hold_id IS NOT NULL;

CREATE TABLE ledger_postings (
    id             BIGSERIAL,
    entry_id       BIGINT NOT NULL,
    account_id     BIGINT NOT NULL,  -- checked under lock by ledger_post; re-checked by verify
    currency       CHAR(3) NOT NULL,
    amount         ledger_amount NOT NULL,
    balance_after  NUMERIC(18,2) NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (entry_id, id)
);
-- Statements, running balances and balance-at-an-instant read one account's postings in id
-- order.
CREATE INDEX ledger_postings_account ON ledger_postings (account_id, id);

-- A hold is a pending two-legged entry: it reserves its amount on each account whose
-- normal-side balance the legs would reduce, and is later posted (in full or in part),
-- voided, or expired. Only status and the resolution columns ever change, once.
CREATE TABLE ledger_holds (
    id                 BIGSERIAL PRIMARY KEY,
    book_id            BIGINT NOT NULL REFERENCES ledger_books(id),
    idempotency_key    ledger_key NOT NULL UNIQUE,
    content_hash       ledger_sha256 NOT NULL,
    kind               ledger_kind NOT NULL,
    memo               ledger_memo NOT NULL DEFAULT '',
    refs               ledger_refs NOT NULL DEFAULT '{}'::jsonb,
    debit_account_id   BIGINT NOT NULL REFERENCES ledger_accounts(id),
    credit_account_id  BIGINT NOT NULL REFERENCES ledger_accounts(id),
    currency           CHAR(3) NOT NULL,
    amount             NUMERIC(18,2) NOT NULL CHECK (amount > 0),
    debit_held         BOOLEAN NOT NULL,  -- the debit leg reduces its account: reserved there
    credit_held        BOOLEAN NOT NULL,
    status             TEXT NOT NULL DEFAULT 'pending'
                           CHECK (status IN ('pending', 'posted', 'voided', 'expired')),
    expires_at         TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    resolved_at        TIMESTAMPTZ,
    posted_amount      NUMERIC(18,2) CHECK (posted_amount > 0 AND posted_amount <= amount),
    posted_entry_id    BIGINT UNIQUE REFERENCES ledger_entries(id),
    CHECK (debit_account_id <> credit_account_id),
    CHECK ((status = 'posted') = (posted_entry_id IS NOT NULL AND posted_amount IS NOT NULL)),
    CHECK ((status = 'pending') = (resolved_at IS NULL))
);
CREATE INDEX ledger_holds_expiring ON ledger_holds (expires_at) WHERE status = 'pending';

-- The hash chain. Entries are queued at insert (the queue row becomes visible when the
-- entry commits) and a worker appends them to their book's chain in that order, so the
-- hot path never waits on a chain head. The queue is UNLOGGED: it costs the hot path no
-- WAL, and Postgres empties it after a crash. Its sentinel row (entry_id 0, written by the
-- chainer) is then missing too, which tells the chainer to rebuild the queue from the
-- entries that are not in the chain.
CREATE UNLOGGED TABLE ledger_chain_queue (
    entry_id  BIGINT PRIMARY KEY,
    book_id   BIGINT NOT NULL
);
INSERT INTO ledger_chain_queue (entry_id, book_id) VALUES (0, 0);  -- the sentinel

CREATE TABLE ledger_chain (
    book_id     BIGINT NOT NULL REFERENCES ledger_books(id),
    seq         BIGINT NOT NULL CHECK (seq >= 1),
    entry_id    BIGINT NOT NULL UNIQUE REFERENCES ledger_entries(id),
    prev_hash   ledger_sha256 NOT NULL,
    hash        ledger_sha256 NOT NULL,
    chained_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (book_id, seq)
);

-- Append-only: history is corrected by reversing entries, never edited.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'ledger: % on % is not allowed: the ledger is append-only (post a reversing entry instead)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END
$fn$;

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_chain_append_only BEFORE UPDATE OR DELETE ON ledger_chain
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_chain_no_truncate BEFORE TRUNCATE ON ledger_chain
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- Holds: never deleted; a pending hold is resolved once, and nothing but the resolution
-- columns may change.
CREATE FUNCTION ledger_hold_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ledger: holds are never deleted (void it instead)'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.status <> 'pending' THEN
        RAISE EXCEPTION 'ledger: hold % is already %', OLD.id, OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (NEW.id, NEW.book_id, NEW.idempotency_key, NEW.content_hash, NEW.kind, NEW.memo, NEW.refs,
        NEW.debit_account_id, NEW.credit_account_id, NEW.currency, NEW.amount, NEW.debit_held,
        NEW.credit_held, NEW.expires_at, NEW.created_at)
       IS DISTINCT FROM
       (OLD.id, OLD.book_id, OLD.idempotency_key, OLD.content_hash, OLD.kind, OLD.memo, OLD.refs,
        OLD.debit_account_id, OLD.credit_account_id, OLD.currency, OLD.amount, OLD.debit_held,
        OLD.credit_held, OLD.expires_at, OLD.created_at) THEN
        RAISE EXCEPTION 'ledger: only a hold''s resolution may change'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$fn$;
CREATE TRIGGER ledger_holds_guard BEFORE UPDATE OR DELETE ON ledger_holds
    FOR EACH ROW EXECUTE FUNCTION ledger_hold_guard();

-- Accounts: identity, type, currency and book never change; an account is never deleted.
CREATE FUNCTION ledger_account_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ledger: accounts are never deleted (close it instead)'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (NEW.id, NEW.book_id, NEW.code, NEW.type, NEW.normal_sign, NEW.currency, NEW.created_at)
       IS DISTINCT FROM (OLD.id, OLD.book_id, OLD.code, OLD.type, OLD.normal_sign, OLD.currency, OLD.created_at)
       OR (OLD.mirror_id IS NOT NULL AND NEW.mirror_id IS DISTINCT FROM OLD.mirror_id) THEN
        RAISE EXCEPTION 'ledger: an account''s identity, type, currency and mirror never change'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$fn$;
-- UPDATE OF: a statement can only change these columns by naming them, and the posting
-- path (which sets balance, held and the count) then never even considers the trigger.
CREATE TRIGGER ledger_accounts_guard
    BEFORE UPDATE OF id, book_id, code, type, normal_sign, currency, created_at, mirror_id
    ON ledger_accounts FOR EACH ROW EXECUTE FUNCTION ledger_account_guard();
CREATE TRIGGER ledger_accounts_no_delete BEFORE DELETE ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_account_guard();

-- A new account starts empty, with the normal side of its type, and mirrors nothing yet
-- (mirrors are paired afterwards, both empty).
CREATE FUNCTION ledger_account_init() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    NEW.normal_sign := CASE WHEN NEW.type IN ('asset', 'expense') THEN 1 ELSE -1 END;
    NEW.balance := 0;
    NEW.held := 0;
    NEW.postings_count := 0;
    NEW.mirror_id := NULL;
    RETURN NEW;
END
$fn$;
CREATE TRIGGER ledger_accounts_init BEFORE INSERT ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_account_init();

-- Balanced entries, checked at commit whichever way the rows were written (the posting
-- function or a hand-typed INSERT in psql): a new entry has at least two postings and
-- they sum to zero per currency. Postings slipped later into an old entry escape this
-- check but not `kikundi ledger verify`, which re-sums every entry and recomputes every
-- running balance and hash.
CREATE FUNCTION ledger_check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    v_legs  BIGINT;
    v_sum   NUMERIC;
    v_min   TEXT;
    v_max   TEXT;
    v_off   TEXT;
BEGIN
    -- One plain aggregate settles the usual case (one currency, balanced); it runs at every
    -- commit for every entry, so it stays that cheap.
    SELECT count(*), sum(amount), min(currency), max(currency) INTO v_legs, v_sum, v_min, v_max
    FROM ledger_postings WHERE entry_id = NEW.id;
    IF v_legs < 2 THEN
        RAISE EXCEPTION 'ledger: entry % has % posting(s); an entry needs at least two', NEW.id, v_legs
            USING ERRCODE = 'check_violation';
    END IF;
    IF v_sum = 0 AND v_min = v_max THEN
        RETURN NULL;
    END IF;
    SELECT string_agg(t.total || ' ' || t.currency, ', ') INTO v_off
    FROM (SELECT currency, sum(amount) AS total FROM ledger_postings
          WHERE entry_id = NEW.id GROUP BY currency HAVING sum(amount) <> 0) AS t;
    IF v_off IS NOT NULL THEN
        RAISE EXCEPTION 'ledger: entry % does not balance (off by %)', NEW.id, v_off
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$fn$;
CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();

-- Mirror pairs hold at commit: an account that mirrors another has the same balance.
CREATE FUNCTION ledger_check_mirror() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    v_mine   NUMERIC;
    v_theirs NUMERIC;
BEGIN
    IF NEW.mirror_id = NEW.id THEN
        RAISE EXCEPTION 'ledger: account % cannot mirror itself', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    SELECT balance INTO v_mine FROM ledger_accounts WHERE id = NEW.id;
    SELECT balance INTO v_theirs FROM ledger_accounts WHERE id = NEW.mirror_id;
    IF v_mine IS DISTINCT FROM v_theirs THEN
        RAISE EXCEPTION 'ledger: account % (%) and its mirror % (%) differ at commit',
            NEW.id, v_mine, NEW.mirror_id, v_theirs USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$fn$;
CREATE CONSTRAINT TRIGGER ledger_accounts_mirrored AFTER INSERT OR UPDATE ON ledger_accounts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.mirror_id IS NOT NULL)
    EXECUTE FUNCTION ledger_check_mirror();

-- ledger_post writes a batch of entries in one transaction. It first locks every account
-- the batch touches, in ascending id order, in one statement, before it writes any entry:
-- every path takes the accounts before the keys (ledger_post_one, ledger_place_hold and
-- ledger_resolve_hold too), so one key sent by two callers at once makes the second wait
-- for the first, never a deadlock. From 16 entries up it then uses a few set-based
-- statements:
--   1. insert the entries; the unique index on the key decides which are new (ON CONFLICT
--      also covers a second reversal of an entry and a second posting of a hold);
--   2. re-read the accounts the new entries touch, already locked;
--   3. update the balances, refusing any that would break the overdraft policy, and write
--      the postings with the running balance after each;
--   4. report one row per input element, in input order.
-- When any new entry is refused (insufficient funds, unknown or closed account, wrong
-- book, currency mismatch, more than two decimals) it raises SQLSTATE KL001 with the
-- reason as message and "account available" as detail, and nothing at all is written; the
-- Go side then posts the entries of a failed batch one by one, so each gets its own answer.
-- Statuses: posted | replayed | conflict | already_reversed | hold_already_posted.
-- Element shape:
-- {"b":book,"k":key,"h":"hex sha256","t":kind,"m":memo,"r":{refs},"o":occurred_at|null,
--  "c":"KES","a":[account ids],"v":["500.00","-500.00"],"rv":reverses|null,"hd":hold|null}
CREATE FUNCTION ledger_post(p_entries JSONB)
RETURNS TABLE (ord INT, entry_id BIGINT, status TEXT)
LANGUAGE plpgsql
-- Planned once per session: re-planning this statement for each call costs more than
-- running it.
SET plan_cache_mode = force_generic_plan
AS $fn$
#variable_conflict use_column
DECLARE
    r        RECORD;
    e        JSONB;
    i        INT := 0;
    v_hash   BYTEA;
    v_id     BIGINT;
BEGIN
    PERFORM 1 FROM ledger_accounts
    WHERE id = ANY(ARRAY(SELECT (jsonb_array_elements_text(x -> 'a'))::bigint
                         FROM jsonb_array_elements(p_entries) AS x))
    ORDER BY id FOR UPDATE;
    -- A small batch (the usual group commit of a few concurrent callers) is cheaper entry by
    -- entry with ledger_post_one, now that every account it touches is locked; the
    -- set-based statement below pays off from about 16.
    IF jsonb_array_length(p_entries) < 16 THEN
        FOR e IN SELECT value FROM jsonb_array_elements(p_entries) LOOP
            i := i + 1;
            SELECT * INTO r FROM ledger_post_one((e ->> 'b')::bigint, e ->> 'k', decode(e ->> 'h', 'hex'),
                e ->> 't', e ->> 'm', e -> 'r', (e ->> 'o')::timestamptz, e ->> 'c',
                ARRAY(SELECT (jsonb_array_elements_text(e -> 'a'))::bigint),
                ARRAY(SELECT (jsonb_array_elements_text(e -> 'v'))::numeric),
                (e ->> 'rv')::bigint, (e ->> 'hd')::bigint);
            ord := i; entry_id := r.entry_id; status := r.status;
            RETURN NEXT;
        END LOOP;
        RETURN;
    END IF;

    FOR r IN
        WITH inp AS (
            SELECT x.ord::int AS ord, e.*
            FROM jsonb_array_elements(p_entries) WITH ORDINALITY AS x(j, ord),
                 LATERAL jsonb_to_record(x.j) AS e(b BIGINT, k TEXT, h TEXT, t TEXT, m TEXT, r JSONB,
                     o TIMESTAMPTZ, c TEXT, a BIGINT[], v NUMERIC[], rv BIGINT, hd BIGINT)
        ), firsts AS (  -- a key repeated inside the batch is written once, first come
            SELECT DISTINCT ON (k) * FROM inp ORDER BY k, ord
        ), ins AS (
            INSERT INTO ledger_entries (book_id, idempotency_key, content_hash, kind, memo, refs,
                                        occurred_at, reverses_entry_id, hold_id)
            SELECT f.b, f.k, decode(f.h, 'hex'), f.t, coalesce(f.m, ''), coalesce(f.r, '{}'::jsonb),
                   coalesce(f.o, clock_timestamp()), f.rv, f.hd
            FROM firsts f ORDER BY f.ord
            ON CONFLICT DO NOTHING
            RETURNING id, idempotency_key, book_id
        ), queued AS (
            INSERT INTO ledger_chain_queue (entry_id, book_id) SELECT id, book_id FROM ins
        ), fresh AS (  -- the entries this call writes
            SELECT f.*, ins.id AS eid FROM firsts f JOIN ins ON ins.idempotency_key = f.k
        ), legs AS (
            SELECT f.ord, f.eid, f.b, f.c, l.acc, l.amt, l.leg
            FROM fresh f, unnest(f.a, f.v) WITH ORDINALITY AS l(acc, amt, leg)
        ), per AS (  -- each account's movement and number of legs in each entry
            SELECT l.ord, l.acc, sum(l.amt) AS d, count(*) AS n FROM legs l GROUP BY l.ord, l.acc
        ), tot AS (
            SELECT p.acc, sum(p.d) AS d, sum(p.n)::bigint AS n FROM per p GROUP BY p.acc
        ), locked AS (  -- = ANY(ARRAY(...)) keeps an index scan in the generic plan
            SELECT acc.* FROM ledger_accounts acc
            WHERE acc.id = ANY(ARRAY(SELECT t.acc FROM tot t)) ORDER BY acc.id FOR UPDATE
        ), upd AS (
            UPDATE ledger_accounts acc
            SET balance = acc.balance + acc.normal_sign * t.d,
                postings_count = acc.postings_count + t.n
            FROM tot t, locked lk
            WHERE acc.id = t.acc AND lk.id = t.acc
              AND lk.closed_at IS NULL
              AND (acc.allow_negative OR acc.normal_sign * t.d >= 0
                   OR acc.balance + acc.normal_sign * t.d - acc.held >= 0)
            RETURNING acc.id, acc.balance - acc.normal_sign * t.d AS before, acc.normal_sign,
                      acc.held, acc.allow_negative
        ), posted AS (
            INSERT INTO ledger_postings (entry_id, account_id, currency, amount, balance_after)
            SELECT l.eid, l.acc, l.c, l.amt,
                   u.before + u.normal_sign * sum(l.amt) OVER (PARTITION BY l.acc ORDER BY l.ord, l.leg)
            FROM legs l JOIN upd u ON u.id = l.acc
            ORDER BY l.ord, l.leg
        ), problems AS MATERIALIZED (
            SELECT l.ord, 'unknown_account' AS problem, l.acc::text AS detail
            FROM legs l WHERE NOT EXISTS (SELECT 1 FROM locked lk WHERE lk.id = l.acc)
            UNION ALL
            SELECT l.ord, CASE WHEN lk.book_id <> l.b THEN 'wrong_book'
                               WHEN lk.currency <> l.c THEN 'currency_mismatch'
                               WHEN lk.closed_at IS NOT NULL THEN 'account_closed'
                               ELSE 'too_precise' END, l.acc::text
            FROM legs l JOIN locked lk ON lk.id = l.acc
            WHERE lk.book_id <> l.b OR lk.currency <> l.c OR lk.closed_at IS NOT NULL
               OR l.amt <> round(l.amt, 2) OR l.amt = 0
            UNION ALL  -- the final balance would break the policy: the update skipped it
            SELECT p.ord, 'insufficient_funds', lk.id || ' ' || (lk.balance - lk.held)
            FROM per p JOIN locked lk ON lk.id = p.acc
            WHERE lk.closed_at IS NULL AND NOT EXISTS (SELECT 1 FROM upd u WHERE u.id = p.acc)
              AND lk.normal_sign * p.d < 0
            UNION ALL  -- or an earlier entry of the batch would dip below what is free
            SELECT w.ord, 'insufficient_funds', w.acc || ' ' || (w.run - w.d * w.normal_sign - w.held)
            FROM (SELECT p.ord, p.acc, p.d, u.normal_sign, u.held, u.allow_negative,
                         u.before + u.normal_sign * sum(p.d) OVER (PARTITION BY p.acc ORDER BY p.ord) AS run
                  FROM per p JOIN upd u ON u.id = p.acc) AS w
            WHERE NOT w.allow_negative AND w.normal_sign * w.d < 0 AND w.run - w.held < 0
        )
        SELECT i.ord, f.eid, pr.problem, pr.detail, i.k, i.h
        FROM inp i
        LEFT JOIN fresh f ON f.ord = i.ord
        LEFT JOIN (SELECT DISTINCT ON (pb.ord) pb.ord, pb.problem, pb.detail FROM problems pb
                   ORDER BY pb.ord, pb.problem) AS pr ON pr.ord = i.ord
        ORDER BY i.ord
    LOOP
        IF r.problem IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'KL001', MESSAGE = r.problem, DETAIL = coalesce(r.detail, ''),
                HINT = 'batch element ' || r.ord;
        END IF;
        ord := r.ord;
        IF r.eid IS NOT NULL THEN
            entry_id := r.eid; status := 'posted';
        ELSE
            -- Not written by this call: an earlier entry has the key (a replay or a conflict),
            -- or it reverses an entry already reversed, or posts a hold already posted.
            SELECT e.id, e.content_hash INTO v_id, v_hash FROM ledger_entries e WHERE e.idempotency_key = r.k;
            IF FOUND THEN
                entry_id := v_id;
                status := CASE WHEN v_hash = decode(r.h, 'hex') THEN 'replayed' ELSE 'conflict' END;
            ELSE
                entry_id := NULL;
                status := CASE WHEN (p_entries -> (r.ord - 1) ->> 'hd') IS NOT NULL
                               THEN 'hold_already_posted' ELSE 'already_reversed' END;
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$fn$;

-- ledger_refuse raises the refusal for an account whose guarded UPDATE matched nothing:
-- the account is locked by then (or absent), so the reason given is exact.
CREATE FUNCTION ledger_refuse(p_account BIGINT, p_book BIGINT, p_currency TEXT) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    v_why    TEXT;
    v_detail TEXT;
BEGIN
    SELECT CASE WHEN acc.book_id <> p_book THEN 'wrong_book'
                WHEN acc.currency <> p_currency THEN 'currency_mismatch'
                WHEN acc.closed_at IS NOT NULL THEN 'account_closed'
                ELSE 'insufficient_funds' END,
           acc.id || ' ' || (acc.balance - acc.held)
    INTO v_why, v_detail FROM ledger_accounts acc WHERE acc.id = p_account;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'KL001', MESSAGE = 'unknown_account', DETAIL = p_account::text;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'KL001', MESSAGE = v_why, DETAIL = v_detail;
END
$fn$;

-- ledger_post_one writes one entry with the fewest statements: lock its accounts in
-- ascending id order and claim the idempotency key (the unique index decides whether the
-- entry is new) in one statement; then update the balances, each guarded by the overdraft
-- policy against the locked row, and write the postings with the balances the update
-- returned. A two-leg entry on two accounts does the second step in one statement.
-- Statuses as for ledger_post; refusals raise KL001 and write nothing. Post uses it.
CREATE FUNCTION ledger_post_one(
    p_book BIGINT, p_key TEXT, p_hash BYTEA, p_kind TEXT, p_memo TEXT, p_refs JSONB,
    p_occurred_at TIMESTAMPTZ, p_currency TEXT, p_accounts BIGINT[], p_amounts NUMERIC[],
    p_reverses BIGINT, p_hold BIGINT,
    OUT entry_id BIGINT, OUT status TEXT)
LANGUAGE plpgsql
-- Every statement here reads by primary key: the generic plan is the right one, and
-- planning per call would cost more than running.
SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
    v_accs   BIGINT[];
    v_bals   NUMERIC[];
    v_signs  INT[];
    v_bal    NUMERIC;
    v_sign   INT;
    v_hash   BYTEA;
    a        RECORD;
BEGIN
    -- One statement: lock the accounts (ascending id), then claim the key. Every posting
    -- path locks accounts before keys, so two paths given one key cannot deadlock. The
    -- insert reads count(*) of the lock so that the lock runs first.
    WITH lk AS (
        SELECT acc.id FROM ledger_accounts acc WHERE acc.id = ANY(p_accounts) ORDER BY acc.id FOR UPDATE
    ), e AS (
        INSERT INTO ledger_entries (book_id, idempotency_key, content_hash, kind, memo, refs,
                                    occurred_at, reverses_entry_id, hold_id)
        SELECT p_book, p_key, p_hash, p_kind, coalesce(p_memo, ''), coalesce(p_refs, '{}'::jsonb),
               coalesce(p_occurred_at, clock_timestamp()), p_reverses, p_hold
        FROM (SELECT count(*) FROM lk) AS locked
        ON CONFLICT DO NOTHING
        RETURNING id, book_id
    ), q AS (
        INSERT INTO ledger_chain_queue (entry_id, book_id) SELECT id, book_id FROM e
    )
    SELECT id INTO entry_id FROM e;
    IF entry_id IS NULL THEN
        SELECT e.id, e.content_hash INTO entry_id, v_hash FROM ledger_entries e WHERE e.idempotency_key = p_key;
        IF FOUND THEN
            status := CASE WHEN v_hash = p_hash THEN 'replayed' ELSE 'conflict' END;
        ELSE
            status := CASE WHEN p_hold IS NOT NULL THEN 'hold_already_posted' ELSE 'already_reversed' END;
        END IF;
        RETURN;
    END IF;
    -- The common entry, two legs on two accounts (already locked): one statement updates
    -- both balances, each guarded by the overdraft policy, and writes the postings with the
    -- balances the update returns. An account the guard refused is missing from the
    -- update's rows; raising then undoes the rest.
    IF array_length(p_accounts, 1) = 2 AND p_accounts[1] <> p_accounts[2] THEN
        IF p_amounts[1] <> round(p_amounts[1], 2) OR p_amounts[1] = 0 OR p_amounts[2] <> round(p_amounts[2], 2) THEN
            RAISE EXCEPTION USING ERRCODE = 'KL001', MESSAGE = 'too_precise', DETAIL = '';
        END IF;
        WITH v AS (
            SELECT * FROM (VALUES (1, p_accounts[1], p_amounts[1]), (2, p_accounts[2], p_amounts[2])) AS v(ord, acc, amt)
        ), u AS (
            UPDATE ledger_accounts acc
            SET balance = acc.balance + acc.normal_sign * v.amt, postings_count = acc.postings_count + 1
            FROM v
            WHERE acc.id = v.acc AND acc.book_id = p_book AND acc.currency = p_currency AND acc.closed_at IS NULL
              AND (acc.allow_negative OR acc.normal_sign * v.amt >= 0 OR acc.balance + acc.normal_sign * v.amt - acc.held >= 0)
            RETURNING acc.id, acc.balance
        ), p AS (
            INSERT INTO ledger_postings (entry_id, account_id, currency, amount, balance_after)
            SELECT entry_id, v.acc, p_currency, v.amt, u.balance FROM v JOIN u ON u.id = v.acc ORDER BY v.ord
        )
        SELECT array_agg(u.id) INTO v_accs FROM u;
        IF coalesce(array_length(v_accs, 1), 0) < 2 THEN
            PERFORM ledger_refuse(CASE WHEN p_accounts[1] = ANY(coalesce(v_accs, '{}')) THEN p_accounts[2] ELSE p_accounts[1] END,
                                  p_book, p_currency);
        END IF;
        status := 'posted';
        RETURN;
    END IF;

    -- Each account once, in ascending id order: the UPDATE checks the policy against the
    -- locked row in the same statement.
    FOR a IN SELECT u.acc, sum(u.amt) AS d, count(*) AS n, bool_or(u.amt <> round(u.amt, 2) OR u.amt = 0) AS bad
             FROM unnest(p_accounts, p_amounts) AS u(acc, amt) GROUP BY u.acc ORDER BY u.acc LOOP
        IF a.bad THEN
            RAISE EXCEPTION USING ERRCODE = 'KL001', MESSAGE = 'too_precise', DETAIL = a.acc::text;
        END IF;
        UPDATE ledger_accounts SET balance = balance + normal_sign * a.d, postings_count = postings_count + a.n
        WHERE id = a.acc AND book_id = p_book AND currency = p_currency AND closed_at IS NULL
          AND (allow_negative OR normal_sign * a.d >= 0 OR balance + normal_sign * a.d - held >= 0)
        RETURNING balance, normal_sign INTO v_bal, v_sign;
        IF NOT FOUND THEN
            PERFORM ledger_refuse(a.acc, p_book, p_currency);
        END IF;
        v_accs := v_accs || a.acc; v_bals := v_bals || v_bal; v_signs := v_signs || v_sign;
    END LOOP;
    -- Running balance after each leg: the new balance less what later legs on the same
    -- account add.
    INSERT INTO ledger_postings (entry_id, account_id, currency, amount, balance_after)
    SELECT entry_id, u.acc, p_currency, u.amt,
           nb.bal - nb.sign * (sum(u.amt) OVER (PARTITION BY u.acc ORDER BY u.ord DESC) - u.amt)
    FROM unnest(p_accounts, p_amounts) WITH ORDINALITY AS u(acc, amt, ord)
    JOIN unnest(v_accs, v_bals, v_signs) AS nb(acc, bal, sign) ON nb.acc = u.acc
    ORDER BY u.ord;
    status := 'posted';
END
$fn$;

-- ledger_place_hold reserves funds: one round trip, accounts locked in ascending order.
-- Statuses: placed | replayed | conflict | insufficient_funds | unknown_account | wrong_book
--           | currency_mismatch | account_closed | too_precise
CREATE FUNCTION ledger_place_hold(
    p_book BIGINT, p_key TEXT, p_hash BYTEA, p_kind TEXT, p_memo TEXT, p_refs JSONB,
    p_currency TEXT, p_debit BIGINT, p_credit BIGINT, p_amount NUMERIC, p_expires_at TIMESTAMPTZ,
    OUT hold_id BIGINT, OUT status TEXT, OUT detail TEXT)
LANGUAGE plpgsql AS $fn$
DECLARE
    a        RECORD;
    v_found  INT := 0;
    v_dheld  BOOLEAN;
    v_cheld  BOOLEAN;
    v_hash   BYTEA;
BEGIN
    IF p_amount <> round(p_amount, 2) THEN status := 'too_precise'; RETURN; END IF;
    FOR a IN SELECT * FROM ledger_accounts WHERE id IN (p_debit, p_credit) ORDER BY id FOR UPDATE LOOP
        v_found := v_found + 1;
        IF a.book_id <> p_book THEN status := 'wrong_book'; detail := a.id::text; RETURN;
        ELSIF a.currency <> p_currency THEN status := 'currency_mismatch'; detail := a.id::text; RETURN;
        ELSIF a.closed_at IS NOT NULL THEN status := 'account_closed'; detail := a.id::text; RETURN;
        END IF;
        -- The leg reduces this account when its sign opposes the account's normal side.
        IF (a.id = p_debit AND a.normal_sign < 0) OR (a.id = p_credit AND a.normal_sign > 0) THEN
            IF a.id = p_debit THEN v_dheld := true; ELSE v_cheld := true; END IF;
            IF NOT a.allow_negative AND a.balance - a.held - p_amount < 0 THEN
                status := 'insufficient_funds'; detail := a.id::text || ' ' || (a.balance - a.held)::text;
            END IF;
        END IF;
    END LOOP;
    IF v_found <> 2 THEN status := 'unknown_account'; RETURN; END IF;
    IF status = 'insufficient_funds' THEN
        SELECT h.id, h.content_hash INTO hold_id, v_hash FROM ledger_holds h WHERE h.idempotency_key = p_key;
        IF FOUND THEN
            status := CASE WHEN v_hash = p_hash THEN 'replayed' ELSE 'conflict' END; detail := NULL;
        END IF;
        RETURN;
    END IF;

    INSERT INTO ledger_holds (book_id, idempotency_key, content_hash, kind, memo, refs,
                              debit_account_id, credit_account_id, currency, amount,
                              debit_held, credit_held, expires_at)
    VALUES (p_book, p_key, p_hash, p_kind, coalesce(p_memo, ''), coalesce(p_refs, '{}'::jsonb),
            p_debit, p_credit, p_currency, p_amount,
            coalesce(v_dheld, false), coalesce(v_cheld, false), p_expires_at)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id INTO hold_id;
    IF hold_id IS NULL THEN
        SELECT h.id, h.content_hash INTO hold_id, v_hash FROM ledger_holds h WHERE h.idempotency_key = p_key;
        status := CASE WHEN v_hash = p_hash THEN 'replayed' ELSE 'conflict' END;
        RETURN;
    END IF;

    UPDATE ledger_accounts SET held = held + p_amount
    WHERE (id = p_debit AND coalesce(v_dheld, false)) OR (id = p_credit AND coalesce(v_cheld, false));
    status := 'placed';
END
$fn$;

-- ledger_resolve_hold posts (p_entry given), voids or expires a hold, once. The accounts
-- are locked before the hold row, the same order as every other path, so nothing deadlocks.
-- Statuses: posted | voided | expired | replayed | unknown_hold | hold_not_pending |
--           hold_expired | exceeds_hold | conflict, or the posting's own refusal.
CREATE FUNCTION ledger_resolve_hold(p_hold BIGINT, p_outcome TEXT, p_amount NUMERIC, p_entry JSONB,
    OUT entry_id BIGINT, OUT status TEXT, OUT detail TEXT)
LANGUAGE plpgsql AS $fn$
DECLARE
    h  ledger_holds%ROWTYPE;
    r  RECORD;
BEGIN
    SELECT * INTO h FROM ledger_holds WHERE id = p_hold;
    IF NOT FOUND THEN status := 'unknown_hold'; RETURN; END IF;
    PERFORM 1 FROM ledger_accounts WHERE id IN (h.debit_account_id, h.credit_account_id)
        ORDER BY id FOR UPDATE;
    SELECT * INTO h FROM ledger_holds WHERE id = p_hold FOR UPDATE;

    IF h.status <> 'pending' THEN
        IF p_outcome = 'post' AND h.status = 'posted' THEN
            SELECT e.id INTO entry_id FROM ledger_entries e
            WHERE e.id = h.posted_entry_id AND e.idempotency_key = p_entry ->> 'k';
            IF FOUND THEN status := 'replayed'; RETURN; END IF;
        ELSIF p_outcome = 'void' AND h.status = 'voided' THEN
            status := 'replayed'; RETURN;
        END IF;
        status := 'hold_not_pending'; detail := h.status; RETURN;
    END IF;

    IF p_outcome = 'post' AND h.expires_at IS NOT NULL AND h.expires_at <= clock_timestamp() THEN
        p_outcome := 'expire';
        status := 'hold_expired';
    END IF;
    IF p_outcome = 'post' AND p_amount > h.amount THEN
        status := 'exceeds_hold'; detail := h.amount::text; RETURN;
    END IF;

    UPDATE ledger_accounts SET held = held - h.amount
    WHERE (id = h.debit_account_id AND h.debit_held) OR (id = h.credit_account_id AND h.credit_held);

    IF p_outcome = 'post' THEN
        -- Refusals raise inside ledger_post_one and roll back the release above with them.
        SELECT * INTO r FROM ledger_post_one(h.book_id, p_entry ->> 'k', decode(p_entry ->> 'h', 'hex'),
            p_entry ->> 't', p_entry ->> 'm', p_entry -> 'r', (p_entry ->> 'o')::timestamptz, h.currency,
            ARRAY[h.debit_account_id, h.credit_account_id], ARRAY[p_amount, -p_amount], NULL, h.id);
        IF r.status <> 'posted' THEN
            RAISE EXCEPTION USING ERRCODE = 'KL001', MESSAGE = r.status, DETAIL = '';
        END IF;
        UPDATE ledger_holds SET status = 'posted', posted_amount = p_amount,
               posted_entry_id = r.entry_id, resolved_at = clock_timestamp()
        WHERE id = h.id;
        entry_id := r.entry_id; status := 'posted';
        RETURN;
    END IF;

    UPDATE ledger_holds SET status = CASE p_outcome WHEN 'void' THEN 'voided' ELSE 'expired' END,
           resolved_at = clock_timestamp()
    WHERE id = h.id;
    status := coalesce(status, CASE p_outcome WHEN 'void' THEN 'voided' ELSE 'expired' END);
END
$fn$;

-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP FUNCTION IF EXISTS ledger_resolve_hold(BIGINT, TEXT, NUMERIC, JSONB);
DROP FUNCTION IF EXISTS ledger_place_hold(BIGINT, TEXT, BYTEA, TEXT, TEXT, JSONB, TEXT, BIGINT, BIGINT, NUMERIC, TIMESTAMPTZ);
DROP FUNCTION IF EXISTS ledger_post(JSONB);
DROP FUNCTION IF EXISTS ledger_refuse(BIGINT, BIGINT, TEXT);
DROP FUNCTION IF EXISTS ledger_post_one(BIGINT, TEXT, BYTEA, TEXT, TEXT, JSONB, TIMESTAMPTZ, TEXT, BIGINT[], NUMERIC[], BIGINT, BIGINT);
DROP TABLE IF EXISTS ledger_chain, ledger_chain_queue;
DROP TABLE IF EXISTS ledger_holds, ledger_postings, ledger_entries, ledger_accounts, ledger_books;
DROP FUNCTION IF EXISTS ledger_check_mirror(), ledger_check_entry_balanced(), ledger_account_guard(),
    ledger_account_init(),
    ledger_hold_guard(), ledger_refuse_change();
DROP DOMAIN IF EXISTS ledger_code, ledger_kind, ledger_key, ledger_memo, ledger_refs, ledger_sha256,
    ledger_currency, ledger_account_type, ledger_amount;
-- +goose StatementEnd
