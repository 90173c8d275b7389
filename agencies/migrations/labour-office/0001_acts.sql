-- Every successful act, so a retried request replays its first answer.
CREATE TABLE acts (
    idempotency_key TEXT PRIMARY KEY NOT NULL,
    operation       TEXT NOT NULL,
    request_sha256  TEXT NOT NULL,
    status_code     INTEGER NOT NULL,
    response_json   TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
