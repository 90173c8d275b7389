CREATE TABLE citizens (
    personal_id    TEXT PRIMARY KEY NOT NULL
                   CHECK (length(personal_id) = 12 AND personal_id NOT GLOB '*[^0-9]*'),
    full_name      TEXT NOT NULL,
    date_of_birth  TEXT NOT NULL,
    sex            TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    place_of_birth TEXT,
    mother_id      TEXT REFERENCES citizens (personal_id),
    father_id      TEXT REFERENCES citizens (personal_id),
    created_at     TEXT NOT NULL
);

CREATE INDEX citizens_mother ON citizens (mother_id);
