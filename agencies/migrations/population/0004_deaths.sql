-- What the state owes a person's family on their death routes the funeral step: social
-- insurance for pensioners and insured people, the labour office for social-protection
-- beneficiaries and people with meritorious services.
ALTER TABLE citizens ADD COLUMN benefit_status TEXT NOT NULL DEFAULT 'none'
    CHECK (benefit_status IN ('none', 'pensioner', 'insured', 'social_protection', 'meritorious'));

-- Set once, when civil status registers the death: a person cannot die twice.
ALTER TABLE citizens ADD COLUMN date_of_death TEXT;
ALTER TABLE citizens ADD COLUMN death_recorded_on TEXT;
