# Những gì công dân đọc từ API, bằng tiếng Việt. Mỗi thông điệp có bản tiếng Anh cùng mã trong
# en.ftl; một phép kiểm thử bảo đảm hai tệp có cùng các mã.

## Lỗi của từng trường trong hồ sơ

field-REQUIRED = Chưa điền «{ $name }»: đây là thông tin bắt buộc.
field-UNKNOWN_FIELD = «{ $name }» không phải là một mục của hồ sơ này.
field-INVALID_DATE = Ngày không hợp lệ: hãy viết ngày có thật theo dạng NNNN-TT-NN (2026-11-20) hoặc NN/TT/NNNN (20/11/2026).
field-INVALID_FORMAT = Không đúng định dạng { $format }.
field-PERSONAL_ID = Số định danh cá nhân phải gồm đúng 12 chữ số.
field-PHONE = Số điện thoại phải gồm 10 chữ số và bắt đầu bằng 0.
field-PATTERN = Giá trị không đúng định dạng yêu cầu.
field-NOT_ALLOWED = Chỉ được chọn một trong các giá trị: { $allowed }.
field-WRONG_TYPE = Giá trị phải có kiểu { $expected }.
field-TOO_SHORT = Cần ít nhất { $limit } ký tự.
field-TOO_LONG = Không được quá { $limit } ký tự.
field-INVALID = Giá trị chưa đáp ứng quy định của thủ tục cho mục này.

## Tình trạng hồ sơ

case-running = Hồ sơ đang được các cơ quan giải quyết.
case-compensating = Hồ sơ đã dừng; các việc đã làm đang được hủy bỏ.
case-completed = Hồ sơ đã giải quyết xong.
case-partially_completed = Hồ sơ đã kết thúc: một số việc đã xong, một số việc không thực hiện được.
case-failed = Hồ sơ không giải quyết được.
case-withdrawn = Hồ sơ đã được rút.

## Tình trạng từng bước

step-pending = Đang chờ đến lượt.
step-running = Đang được cơ quan xử lý.
step-succeeded = Đã xong.
step-rejected = Cơ quan đã từ chối.
step-failed = Không thực hiện được.
step-skipped = Không thực hiện vì hồ sơ đã dừng.
step-not_applicable = Không cần cho hồ sơ này.
step-awaiting_documents = Cơ quan cần bạn bổ sung giấy tờ.
step-awaiting_decision = Cơ quan đã tiếp nhận và đang xem xét; kết quả sẽ được gửi về sau.
step-agency_unavailable = Hệ thống của cơ quan tạm thời không trả lời; hồ sơ sẽ được gửi lại.
step-held = Tạm dừng gửi đến cơ quan; sẽ gửi khi cơ quan hoạt động trở lại.
step-resolved_manually = Đã được cán bộ giải quyết trực tiếp.
step-compensating = Đang hủy bỏ việc đã làm.
step-compensated = Đã hủy bỏ.
step-compensation_failed = Chưa hủy bỏ được; cán bộ đang xử lý.
step-needs_correction = Cán bộ sẽ điều chỉnh theo thủ tục riêng của cơ quan.
