-- People social insurance knows on their death: pensioners and people still contributing. The
-- contribution years decide whether survivors get a monthly or a one-time benefit.
CREATE TABLE insured_people (
    personal_id        TEXT PRIMARY KEY NOT NULL,
    full_name          TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('pensioner', 'insured')),
    contribution_years INTEGER NOT NULL CHECK (contribution_years >= 0)
);

-- The pensioners and insured people of `lienthong_agencies::seeded`.
INSERT INTO insured_people (personal_id, full_name, status, contribution_years) VALUES
    ('001048000301', 'Đỗ Văn Khải',     'pensioner', 32),
    ('079152000302', 'Trương Thị Hạnh', 'pensioner', 28),
    ('092050000303', 'Lâm Văn Phúc',    'pensioner', 30),
    ('001078000401', 'Phạm Quốc Bảo',   'insured',   22),
    ('031180000402', 'Hồ Thị Thanh',    'insured',   18),
    ('048098000403', 'Dương Văn Lộc',   'insured',    4),
    ('079301000404', 'Cao Thị Yến',     'insured',    3);
