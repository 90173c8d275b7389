-- Adults who appear as parents in demos and tests. IDs follow the real layout: province code,
-- century/sex digit (0 male, 1 female for the 1900s), birth year, serial.
-- 079192004321 (Lê Thị Hoa) deliberately has no permanent residence in the residence register.
INSERT INTO citizens (personal_id, full_name, date_of_birth, sex, place_of_birth, created_at) VALUES
    ('001190012345', 'Nguyễn Thị Lan',     '1990-03-14', 'female', 'Thành phố Hà Nội',       '2021-06-01T08:00:00Z'),
    ('001088012346', 'Trần Văn Minh',      '1988-07-02', 'male',   'Thành phố Hà Nội',       '2021-06-01T08:00:00Z'),
    ('079192004321', 'Lê Thị Hoa',         '1992-11-20', 'female', 'Thành phố Hồ Chí Minh',  '2021-06-01T08:00:00Z'),
    ('079090011223', 'Phan Văn Tài',       '1990-05-08', 'male',   'Thành phố Hồ Chí Minh',  '2021-06-01T08:00:00Z'),
    ('031197003456', 'Vũ Thị Mai',         '1997-08-09', 'female', 'Thành phố Hải Phòng',    '2021-06-01T08:00:00Z'),
    ('031095006789', 'Phạm Văn Đức',       '1995-05-21', 'male',   'Thành phố Hải Phòng',    '2021-06-01T08:00:00Z'),
    ('048193002468', 'Đặng Thị Thu Hà',    '1993-12-05', 'female', 'Thành phố Đà Nẵng',      '2021-06-01T08:00:00Z'),
    ('048091007890', 'Hoàng Văn Nam',      '1991-01-30', 'male',   'Thành phố Đà Nẵng',      '2021-06-01T08:00:00Z'),
    ('092189001357', 'Bùi Thị Ngọc Ánh',   '1989-04-17', 'female', 'Thành phố Cần Thơ',      '2021-06-01T08:00:00Z'),
    ('092087009753', 'Ngô Quang Huy',      '1987-10-23', 'male',   'Thành phố Cần Thơ',      '2021-06-01T08:00:00Z');
