CREATE TABLE addresses (
    address_code TEXT PRIMARY KEY NOT NULL,
    line         TEXT NOT NULL,
    ward         TEXT NOT NULL,
    province     TEXT NOT NULL
);

-- Cancelled entries are kept, so a compensation leaves a trace.
CREATE TABLE residence_entries (
    entry_id        TEXT PRIMARY KEY NOT NULL,
    personal_id     TEXT NOT NULL,
    full_name       TEXT NOT NULL,
    date_of_birth   TEXT NOT NULL,
    address_code    TEXT NOT NULL REFERENCES addresses (address_code),
    relationship    TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('active', 'cancelled')),
    registered_on   TEXT NOT NULL,
    cancelled_on    TEXT,
    cancel_reason   TEXT,
    idempotency_key TEXT UNIQUE
);

-- A person has at most one permanent residence at a time.
CREATE UNIQUE INDEX residence_entries_one_active
    ON residence_entries (personal_id) WHERE status = 'active';

CREATE TABLE sequences (
    name       TEXT NOT NULL,
    year       INTEGER NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (name, year)
);
