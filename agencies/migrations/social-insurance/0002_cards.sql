-- Revoked cards are kept, so a compensation leaves a trace.
CREATE TABLE cards (
    card_number              TEXT PRIMARY KEY NOT NULL,
    social_insurance_number  TEXT NOT NULL UNIQUE,
    personal_id              TEXT NOT NULL,
    full_name                TEXT NOT NULL,
    date_of_birth            TEXT NOT NULL,
    birth_certificate_number TEXT NOT NULL,
    valid_from               TEXT NOT NULL,
    valid_until              TEXT NOT NULL,
    status                   TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    revoked_on               TEXT,
    revoke_reason            TEXT,
    idempotency_key          TEXT UNIQUE
);

-- A child holds at most one valid card.
CREATE UNIQUE INDEX cards_one_active ON cards (personal_id) WHERE status = 'active';
