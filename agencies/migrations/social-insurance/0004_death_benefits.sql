-- Cancelled payments and benefits are kept, so a compensation leaves a trace.
CREATE TABLE funeral_allowances (
    payment_id               TEXT PRIMARY KEY NOT NULL,
    deceased_id              TEXT NOT NULL,
    death_certificate_number TEXT NOT NULL,
    date_of_death            TEXT NOT NULL,
    recipient_id             TEXT NOT NULL,
    amount_vnd               INTEGER NOT NULL,
    decided_on               TEXT NOT NULL,
    status                   TEXT NOT NULL CHECK (status IN ('paid', 'cancelled')),
    cancelled_on             TEXT,
    cancel_reason            TEXT,
    idempotency_key          TEXT NOT NULL UNIQUE
);

-- One funeral allowance per death.
CREATE UNIQUE INDEX funeral_allowances_one_paid
    ON funeral_allowances (deceased_id) WHERE status = 'paid';

CREATE TABLE survivor_benefits (
    benefit_id                  TEXT PRIMARY KEY NOT NULL,
    deceased_id                 TEXT NOT NULL,
    death_certificate_number    TEXT NOT NULL,
    representative_id           TEXT NOT NULL,
    representative_relationship TEXT NOT NULL
                                CHECK (representative_relationship IN
                                       ('spouse', 'child', 'parent', 'sibling', 'relative', 'other')),
    kind                        TEXT NOT NULL CHECK (kind IN ('one_time', 'monthly')),
    granted_on                  TEXT NOT NULL,
    status                      TEXT NOT NULL CHECK (status IN ('granted', 'cancelled')),
    cancelled_on                TEXT,
    cancel_reason               TEXT,
    idempotency_key             TEXT NOT NULL UNIQUE
);

-- One survivor benefit per death.
CREATE UNIQUE INDEX survivor_benefits_one_granted
    ON survivor_benefits (deceased_id) WHERE status = 'granted';

-- Payment and benefit numbers restart every year.
CREATE TABLE sequences (
    name       TEXT NOT NULL,
    year       INTEGER NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (name, year)
);
