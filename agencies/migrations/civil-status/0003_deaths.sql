-- A registered death is never deleted: corrections go through their own procedure.
CREATE TABLE deaths (
    death_certificate_number TEXT PRIMARY KEY NOT NULL,
    deceased_id              TEXT NOT NULL UNIQUE,
    date_of_death            TEXT NOT NULL,
    place_of_death           TEXT NOT NULL,
    declarant_id             TEXT NOT NULL,
    declarant_relationship   TEXT NOT NULL
                             CHECK (declarant_relationship IN
                                    ('spouse', 'child', 'parent', 'sibling', 'relative', 'other')),
    benefit_status           TEXT NOT NULL
                             CHECK (benefit_status IN
                                    ('none', 'pensioner', 'insured', 'social_protection', 'meritorious')),
    registered_on            TEXT NOT NULL,
    idempotency_key          TEXT NOT NULL UNIQUE
);
