-- People the labour office supports: monthly social-assistance beneficiaries (Decree
-- 20/2021/NĐ-CP) and people with meritorious services to the revolution.
CREATE TABLE beneficiaries (
    personal_id TEXT PRIMARY KEY NOT NULL,
    full_name   TEXT NOT NULL,
    category    TEXT NOT NULL CHECK (category IN ('social_protection', 'meritorious')),
    since       TEXT NOT NULL
);

-- The social-protection and meritorious people of `lienthong_agencies::seeded`.
INSERT INTO beneficiaries (personal_id, full_name, category, since) VALUES
    ('001140000501', 'Nguyễn Thị Tám',  'social_protection', '2021-07-01'),
    ('031055000502', 'Vũ Văn Bình',     'social_protection', '2015-03-01'),
    ('092163000503', 'Huỳnh Thị Mười',  'social_protection', '2019-10-01'),
    ('001038000601', 'Lê Văn Chiến',    'meritorious',       '1975-05-01'),
    ('048142000602', 'Mai Thị Lụa',     'meritorious',       '1994-12-17'),
    ('079049000603', 'Tôn Văn Thắng',   'meritorious',       '1979-01-07');
