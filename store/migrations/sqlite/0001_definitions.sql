-- Every version of every procedure definition, as the agency wrote it (YAML), with its life:
-- draft → published → retired. A published version's text never changes.
CREATE TABLE definition_versions (
    procedure_id   TEXT    NOT NULL,
    version        BIGINT  NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    effective_from TEXT    NOT NULL,
    source         TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    created_by     TEXT    NOT NULL,
    published_at   TEXT,
    published_by   TEXT,
    retired_at     TEXT,
    retired_by     TEXT,
    PRIMARY KEY (procedure_id, version)
);

CREATE INDEX definition_versions_in_force
    ON definition_versions (procedure_id, status, effective_from);

-- Each agency's catalogue entry (operations and their contracts) as JSON.
CREATE TABLE catalogue_agencies (
    agency_id  TEXT NOT NULL PRIMARY KEY,
    document   TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
