-- Living people whose death demos and tests register, three or four per benefit status. Their
-- IDs are the public constants of `lienthong_agencies::seeded`; residence, social insurance and
-- the labour office seed the same people.
INSERT INTO citizens (personal_id, full_name, date_of_birth, sex, place_of_birth, benefit_status, created_at) VALUES
    ('001060000201', 'Nguyễn Văn Hùng',   '1960-02-11', 'male',   'Thành phố Hà Nội',      'none',              '2021-06-01T08:00:00Z'),
    ('031172000202', 'Trần Thị Bích',     '1972-09-03', 'female', 'Thành phố Hải Phòng',   'none',              '2021-06-01T08:00:00Z'),
    ('048085000203', 'Lý Văn Sơn',        '1985-12-19', 'male',   'Thành phố Đà Nẵng',     'none',              '2021-06-01T08:00:00Z'),
    ('001048000301', 'Đỗ Văn Khải',       '1948-04-22', 'male',   'Thành phố Hà Nội',      'pensioner',         '2021-06-01T08:00:00Z'),
    ('079152000302', 'Trương Thị Hạnh',   '1952-06-30', 'female', 'Thành phố Hồ Chí Minh', 'pensioner',         '2021-06-01T08:00:00Z'),
    ('092050000303', 'Lâm Văn Phúc',      '1950-01-08', 'male',   'Thành phố Cần Thơ',     'pensioner',         '2021-06-01T08:00:00Z'),
    ('001078000401', 'Phạm Quốc Bảo',     '1978-03-15', 'male',   'Thành phố Hà Nội',      'insured',           '2021-06-01T08:00:00Z'),
    ('031180000402', 'Hồ Thị Thanh',      '1980-10-27', 'female', 'Thành phố Hải Phòng',   'insured',           '2021-06-01T08:00:00Z'),
    ('048098000403', 'Dương Văn Lộc',     '1998-07-04', 'male',   'Thành phố Đà Nẵng',     'insured',           '2021-06-01T08:00:00Z'),
    ('079301000404', 'Cao Thị Yến',       '2001-05-12', 'female', 'Thành phố Hồ Chí Minh', 'insured',           '2021-06-01T08:00:00Z'),
    ('001140000501', 'Nguyễn Thị Tám',    '1940-08-08', 'female', 'Thành phố Hà Nội',      'social_protection', '2021-06-01T08:00:00Z'),
    ('031055000502', 'Vũ Văn Bình',       '1955-11-11', 'male',   'Thành phố Hải Phòng',   'social_protection', '2021-06-01T08:00:00Z'),
    ('092163000503', 'Huỳnh Thị Mười',    '1963-10-10', 'female', 'Thành phố Cần Thơ',     'social_protection', '2021-06-01T08:00:00Z'),
    ('001038000601', 'Lê Văn Chiến',      '1938-12-22', 'male',   'Thành phố Hà Nội',      'meritorious',       '2021-06-01T08:00:00Z'),
    ('048142000602', 'Mai Thị Lụa',       '1942-03-08', 'female', 'Thành phố Đà Nẵng',     'meritorious',       '2021-06-01T08:00:00Z'),
    ('079049000603', 'Tôn Văn Thắng',     '1949-04-30', 'male',   'Thành phố Hồ Chí Minh', 'meritorious',       '2021-06-01T08:00:00Z');
