-- Permanent residences of the seeded parents. Lê Thị Hoa (079192004321) and her husband have
-- none: registering a child at her address must be refused. Ward names follow the two-level
-- administrative map in force since 1 July 2025.
INSERT INTO addresses (address_code, line, ward, province) VALUES
    ('001-00000001', 'Số 12, ngõ 34 phố Đội Cấn',   'Phường Ba Đình',  'Thành phố Hà Nội'),
    ('031-00000001', 'Số 8 đường Lạch Tray',         'Phường Gia Viên', 'Thành phố Hải Phòng'),
    ('048-00000001', 'Số 45 đường Nguyễn Văn Linh',  'Phường Hải Châu', 'Thành phố Đà Nẵng'),
    ('092-00000001', 'Số 102 đường 30 Tháng 4',      'Phường Ninh Kiều', 'Thành phố Cần Thơ'),
    ('079-00000001', 'Số 210 đường Nguyễn Trãi',     'Phường Bến Thành', 'Thành phố Hồ Chí Minh');

INSERT INTO residence_entries
    (entry_id, personal_id, full_name, date_of_birth, address_code, relationship, status, registered_on)
VALUES
    ('TT-2016-000101', '001088012346', 'Trần Văn Minh',    '1988-07-02', '001-00000001', 'head',   'active', '2016-09-12'),
    ('TT-2018-000102', '001190012345', 'Nguyễn Thị Lan',   '1990-03-14', '001-00000001', 'spouse', 'active', '2018-04-20'),
    ('TT-2019-000103', '031095006789', 'Phạm Văn Đức',     '1995-05-21', '031-00000001', 'head',   'active', '2019-10-03'),
    ('TT-2020-000104', '031197003456', 'Vũ Thị Mai',       '1997-08-09', '031-00000001', 'spouse', 'active', '2020-01-15'),
    ('TT-2017-000105', '048091007890', 'Hoàng Văn Nam',    '1991-01-30', '048-00000001', 'head',   'active', '2017-06-28'),
    ('TT-2017-000106', '048193002468', 'Đặng Thị Thu Hà',  '1993-12-05', '048-00000001', 'spouse', 'active', '2017-06-28'),
    ('TT-2015-000107', '092087009753', 'Ngô Quang Huy',    '1987-10-23', '092-00000001', 'head',   'active', '2015-03-09'),
    ('TT-2016-000108', '092189001357', 'Bùi Thị Ngọc Ánh', '1989-04-17', '092-00000001', 'spouse', 'active', '2016-11-30');
