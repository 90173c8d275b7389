-- Who may see each case: the office that received it and, for citizens, salted hashes of the
-- personal ID numbers it names (never the numbers themselves).
CREATE TABLE cases (
    code         TEXT NOT NULL PRIMARY KEY,
    procedure_id TEXT NOT NULL,
    office       TEXT NOT NULL,
    filed_by     TEXT NOT NULL,
    submitted_at TEXT NOT NULL
);
CREATE INDEX cases_office ON cases (office, submitted_at);

CREATE TABLE case_parties (
    code  TEXT NOT NULL,
    party TEXT NOT NULL,
    PRIMARY KEY (code, party)
);
CREATE INDEX case_parties_party ON case_parties (party);

-- Every operator action and every read of personal data: who, as what, what, on which cases,
-- why, when, and how it ended. Append-only.
CREATE TABLE audit_log (
    id      BIGSERIAL PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    role    TEXT NOT NULL,
    action  TEXT NOT NULL,
    reason  TEXT,
    outcome TEXT NOT NULL,
    detail  TEXT
);
CREATE TABLE audit_cases (
    entry_id BIGINT NOT NULL REFERENCES audit_log (id),
    code     TEXT   NOT NULL,
    PRIMARY KEY (entry_id, code)
);
CREATE INDEX audit_cases_code ON audit_cases (code);

CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_cases_no_change BEFORE UPDATE OR DELETE ON audit_cases
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Agencies an operator has held (outage): new cases start with their calls held too.
CREATE TABLE agency_holds (
    agency  TEXT NOT NULL PRIMARY KEY,
    held_by TEXT NOT NULL,
    reason  TEXT NOT NULL,
    held_at TEXT NOT NULL
);

-- Installation settings made once (the salt of party hashes).
CREATE TABLE settings (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
