-- Console sessions, kept where every API replica finds them: the browser holds only a random
-- session id, stored here as its SHA-256 (a copy of this table opens no session). A session
-- ends at sign-out, after its idle limit, or when the token it was opened with expires.
CREATE TABLE console_sessions (
    id_hash    TEXT NOT NULL PRIMARY KEY,
    subject    TEXT NOT NULL,
    claims     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_subject ON console_sessions (subject);
CREATE INDEX console_sessions_last_seen ON console_sessions (last_seen);
