-- A death deletes the person's permanent residence (xóa đăng ký thường trú). The entry is kept
-- with status 'deleted', so the deletion can be undone by its compensation. SQLite cannot
-- change a CHECK constraint in place, so the table is rebuilt.
CREATE TABLE residence_entries_rebuilt (
    entry_id        TEXT PRIMARY KEY NOT NULL,
    personal_id     TEXT NOT NULL,
    full_name       TEXT NOT NULL,
    date_of_birth   TEXT NOT NULL,
    address_code    TEXT NOT NULL REFERENCES addresses (address_code),
    relationship    TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('active', 'cancelled', 'deleted')),
    registered_on   TEXT NOT NULL,
    cancelled_on    TEXT,
    cancel_reason   TEXT,
    idempotency_key TEXT UNIQUE
);

INSERT INTO residence_entries_rebuilt
    (entry_id, personal_id, full_name, date_of_birth, address_code, relationship, status,
     registered_on, cancelled_on, cancel_reason, idempotency_key)
SELECT entry_id, personal_id, full_name, date_of_birth, address_code, relationship, status,
       registered_on, cancelled_on, cancel_reason, idempotency_key
FROM residence_entries;

DROP TABLE residence_entries;
ALTER TABLE residence_entries_rebuilt RENAME TO residence_entries;

-- A person has at most one permanent residence at a time.
CREATE UNIQUE INDEX residence_entries_one_active
    ON residence_entries (personal_id) WHERE status = 'active';

-- Restored deletions are kept, so a compensation leaves a trace.
CREATE TABLE residence_deletions (
    deletion_id              TEXT PRIMARY KEY NOT NULL,
    entry_id                 TEXT NOT NULL REFERENCES residence_entries (entry_id),
    personal_id              TEXT NOT NULL,
    death_certificate_number TEXT NOT NULL,
    deleted_on               TEXT NOT NULL,
    status                   TEXT NOT NULL CHECK (status IN ('deleted', 'restored')),
    restored_on              TEXT,
    restore_reason           TEXT,
    idempotency_key          TEXT NOT NULL UNIQUE
);
