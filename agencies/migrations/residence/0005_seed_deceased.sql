-- Permanent residences of the people whose death demos and tests register
-- (`lienthong_agencies::seeded`), so their residence can be deleted.
INSERT INTO addresses (address_code, line, ward, province) VALUES
    ('001-00000002', 'Số 7 phố Hàng Bông',              'Phường Hoàn Kiếm',  'Thành phố Hà Nội'),
    ('031-00000002', 'Số 15 đường Tô Hiệu',             'Phường Lê Chân',    'Thành phố Hải Phòng'),
    ('048-00000002', 'Số 60 đường Hoàng Diệu',          'Phường Hòa Cường',  'Thành phố Đà Nẵng'),
    ('079-00000002', 'Số 18 đường Võ Văn Tần',          'Phường Xuân Hòa',   'Thành phố Hồ Chí Minh'),
    ('092-00000002', 'Số 33 đường Mậu Thân',            'Phường Tân An',     'Thành phố Cần Thơ');

INSERT INTO residence_entries
    (entry_id, personal_id, full_name, date_of_birth, address_code, relationship, status, registered_on)
VALUES
    ('TT-1995-000201', '001060000201', 'Nguyễn Văn Hùng',  '1960-02-11', '001-00000002', 'head',   'active', '1995-08-14'),
    ('TT-1998-000202', '031172000202', 'Trần Thị Bích',    '1972-09-03', '031-00000002', 'head',   'active', '1998-03-02'),
    ('TT-2010-000203', '048085000203', 'Lý Văn Sơn',       '1985-12-19', '048-00000002', 'head',   'active', '2010-05-20'),
    ('TT-1990-000301', '001048000301', 'Đỗ Văn Khải',      '1948-04-22', '001-00000002', 'parent', 'active', '1990-01-10'),
    ('TT-1992-000302', '079152000302', 'Trương Thị Hạnh',  '1952-06-30', '079-00000002', 'head',   'active', '1992-11-23'),
    ('TT-1991-000303', '092050000303', 'Lâm Văn Phúc',     '1950-01-08', '092-00000002', 'head',   'active', '1991-07-07'),
    ('TT-2005-000401', '001078000401', 'Phạm Quốc Bảo',    '1978-03-15', '001-00000001', 'relative', 'active', '2005-04-18'),
    ('TT-2008-000402', '031180000402', 'Hồ Thị Thanh',     '1980-10-27', '031-00000002', 'spouse', 'active', '2008-12-01'),
    ('TT-2020-000403', '048098000403', 'Dương Văn Lộc',    '1998-07-04', '048-00000002', 'child',  'active', '2020-09-09'),
    ('TT-2019-000404', '079301000404', 'Cao Thị Yến',      '2001-05-12', '079-00000002', 'child',  'active', '2019-06-12'),
    ('TT-1985-000501', '001140000501', 'Nguyễn Thị Tám',   '1940-08-08', '001-00000002', 'parent', 'active', '1985-02-25'),
    ('TT-1994-000502', '031055000502', 'Vũ Văn Bình',      '1955-11-11', '031-00000002', 'parent', 'active', '1994-10-30'),
    ('TT-1996-000503', '092163000503', 'Huỳnh Thị Mười',   '1963-10-10', '092-00000002', 'spouse', 'active', '1996-04-04'),
    ('TT-1980-000601', '001038000601', 'Lê Văn Chiến',     '1938-12-22', '001-00000001', 'parent', 'active', '1980-06-16'),
    ('TT-1982-000602', '048142000602', 'Mai Thị Lụa',      '1942-03-08', '048-00000001', 'parent', 'active', '1982-09-02'),
    ('TT-1987-000603', '079049000603', 'Tôn Văn Thắng',    '1949-04-30', '079-00000002', 'parent', 'active', '1987-12-19');
