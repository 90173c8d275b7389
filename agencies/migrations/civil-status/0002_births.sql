-- A registered birth is never deleted: corrections go through their own procedure.
CREATE TABLE births (
    birth_certificate_number   TEXT PRIMARY KEY NOT NULL,
    personal_id                TEXT NOT NULL UNIQUE,
    full_name                  TEXT NOT NULL,
    date_of_birth              TEXT NOT NULL,
    sex                        TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    place_of_birth             TEXT NOT NULL,
    home_town                  TEXT NOT NULL,
    ethnicity                  TEXT NOT NULL,
    nationality                TEXT NOT NULL,
    mother_id                  TEXT NOT NULL,
    father_id                  TEXT,
    e_birth_certificate_number TEXT NOT NULL UNIQUE,
    registered_on              TEXT NOT NULL,
    idempotency_key            TEXT NOT NULL UNIQUE
);

-- Register book numbers restart every year.
CREATE TABLE sequences (
    name       TEXT NOT NULL,
    year       INTEGER NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (name, year)
);
