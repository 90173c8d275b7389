-- Cancelled decisions are kept, so a compensation leaves a trace.
CREATE TABLE burial_support (
    decision_number          TEXT PRIMARY KEY NOT NULL,
    deceased_id              TEXT NOT NULL,
    death_certificate_number TEXT NOT NULL,
    recipient_id             TEXT NOT NULL,
    amount_vnd               INTEGER NOT NULL,
    decided_on               TEXT NOT NULL,
    status                   TEXT NOT NULL CHECK (status IN ('granted', 'cancelled')),
    cancelled_on             TEXT,
    cancel_reason            TEXT,
    idempotency_key          TEXT NOT NULL UNIQUE
);

-- One burial support per death.
CREATE UNIQUE INDEX burial_support_one_granted
    ON burial_support (deceased_id) WHERE status = 'granted';

-- Decision numbers restart every year.
CREATE TABLE sequences (
    name       TEXT NOT NULL,
    year       INTEGER NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (name, year)
);
