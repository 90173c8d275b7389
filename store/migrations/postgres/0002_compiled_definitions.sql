-- The validated definition as the engine runs it (JSON), kept beside the text so a published
-- version stays exactly what it was even when the validator or the agency catalogue changes.
ALTER TABLE definition_versions ADD COLUMN compiled TEXT;
