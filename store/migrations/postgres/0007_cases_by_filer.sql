-- A citizen's "my cases" asks for the cases their account filed (and those naming them, which
-- case_parties_party serves): by the filer's salted hash, newest first.
CREATE INDEX cases_filed_by ON cases (filed_by, submitted_at);
