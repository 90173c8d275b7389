-- Co-approval of definition versions: a version that calls several agencies is put in force (or
-- taken out) only when an administrator of each has approved that exact text. An approval names
-- the text's SHA-256, so a draft replaced with other text has none.
CREATE TABLE definition_approvals (
    procedure_id TEXT NOT NULL,
    version      BIGINT NOT NULL,
    action       TEXT NOT NULL,
    agency       TEXT NOT NULL,
    text_sha256  TEXT NOT NULL,
    approved_by  TEXT NOT NULL,
    approved_at  TEXT NOT NULL,
    PRIMARY KEY (procedure_id, version, action, agency)
);
