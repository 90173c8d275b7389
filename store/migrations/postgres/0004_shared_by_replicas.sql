-- What every API replica must agree on lives here, never in one process.

-- Signatures of agencies' callbacks already taken, so a callback replayed to any replica is
-- refused. Kept for twice the 5-minute signature window, then purged.
CREATE TABLE callback_signatures (
    signature   TEXT NOT NULL PRIMARY KEY,
    agency      TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX callback_signatures_received ON callback_signatures (received_at);

-- Keys the installation makes once and every replica reads (the console's CSRF key), unless
-- configuration sets them.
CREATE TABLE installation_keys (
    name       TEXT NOT NULL PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL
);
