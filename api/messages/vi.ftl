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

## Bổ sung giấy tờ theo yêu cầu của cơ quan

supplement-MISSING_DOCUMENT = Cơ quan đã yêu cầu giấy tờ «{ $code }» nhưng bạn chưa gửi.
supplement-REFERENCE = Hãy ghi số hoặc mã của giấy tờ (từ 1 đến 200 ký tự).
supplement-NO_DOCUMENT = Hãy gửi ít nhất một giấy tờ.
supplement-WHICH_STEP = Có nhiều bước đang chờ bổ sung giấy tờ: hãy cho biết bạn trả lời cho bước nào.

## Trang dịch vụ công cho công dân

page-brand = Dịch vụ công liên thông
page-skip = Bỏ qua, đến nội dung chính
page-menu = Trình đơn chính
page-language = Ngôn ngữ
page-nav-procedures = Thủ tục
page-nav-cases = Hồ sơ của tôi
page-sign-in = Đăng nhập
page-sign-out = Đăng xuất
page-back-home = Về trang thủ tục
page-back-cases = Về danh sách hồ sơ của tôi
page-problem-title = Chưa thực hiện được
page-problem-code = Mã lỗi (để báo bộ phận hỗ trợ):
page-error-prefix = Lỗi:
page-yes = Có
page-no = Không
page-empty = (bỏ trống)
page-choose = — Chọn —
page-overdue = Đã quá hạn

page-sign-in-intro = Đăng nhập để nộp hồ sơ trực tuyến và theo dõi các hồ sơ của bạn.
page-sign-in-provider = Đăng nhập bằng tài khoản định danh điện tử
page-token-label = Mã đăng nhập
page-token-help = Dán mã đăng nhập được cấp cho bạn. Khi chạy thử hệ thống, dùng mã cho công dân mà lệnh «lienthong dev» in ra.
page-session-ended = Phiên đăng nhập đã hết hạn; vui lòng đăng nhập lại.
page-not-a-citizen = Trang này dành cho công dân. Cán bộ vui lòng đăng nhập vào bảng điều khiển.
page-go-console = Đến bảng điều khiển của cán bộ

page-home-title = Thủ tục liên thông trực tuyến
page-home-intro = Chỉ cần nộp một bộ hồ sơ: hệ thống gửi lần lượt đến từng cơ quan và báo cho bạn kết quả của từng việc.
page-home-sign-in = Bạn cần đăng nhập để nộp hồ sơ.
page-home-none = Hiện chưa có thủ tục nào được áp dụng.
page-home-gives = Bạn sẽ nhận được:
page-home-conditional = (khi bạn đề nghị và đủ điều kiện)
page-home-deadline = Thời hạn giải quyết: { $days } ngày làm việc.
page-home-basis = Căn cứ pháp lý:
page-home-apply = Nộp hồ sơ trực tuyến

page-form-intro = Điền các mục dưới đây. Mục có dấu * là bắt buộc. Bạn sẽ được xem lại toàn bộ hồ sơ trước khi nộp.
page-form-problems = Hồ sơ chưa hợp lệ. Vui lòng sửa các mục sau:
page-form-continue = Tiếp tục: xem lại hồ sơ
page-form-details = Thông tin hồ sơ
page-form-other = Thông tin khác
page-date-help = Ghi theo dạng ngày/tháng/năm, ví dụ 20/11/2026.
page-date-placeholder = NN/TT/NNNN

page-review-title = Xem lại hồ sơ trước khi nộp
page-review-intro = Vui lòng kiểm tra kỹ các thông tin dưới đây. Sau khi nộp, hồ sơ được chuyển đến các cơ quan giải quyết.
page-review-once = Hồ sơ chỉ được nộp một lần, kể cả khi bạn bấm nút nhiều lần.
page-review-submit = Nộp hồ sơ
page-review-edit = Quay lại sửa

page-cases-title = Hồ sơ của tôi
page-cases-none = Bạn chưa có hồ sơ nào.
page-cases-file = Nộp hồ sơ mới
page-cases-waiting = Đang chờ:

page-case-title = Hồ sơ { $code }
page-case-filed = Đã nộp hồ sơ thành công. Mã hồ sơ của bạn là { $code }; hãy ghi lại để tra cứu.
page-case-supplied = Đã gửi giấy tờ bổ sung. Cơ quan sẽ tiếp tục giải quyết hồ sơ.
page-case-withdrawn = Đã ghi nhận yêu cầu rút hồ sơ. Những việc đã làm sẽ được hủy bỏ nếu pháp luật cho phép.
page-case-code = Mã hồ sơ
page-case-procedure = Thủ tục
page-case-submitted = Ngày nộp
page-case-status = Tình trạng
page-case-deadline = Hạn trả kết quả
page-case-steps = Tiến độ giải quyết

page-step-agency = Cơ quan giải quyết
page-step-since = Cơ quan nhận hồ sơ lúc
page-step-done-at = Hoàn thành lúc
page-step-deadline = Hạn giải quyết
page-step-results = Kết quả

page-documents-title = Cơ quan đề nghị bổ sung giấy tờ
page-documents-due = Hạn bổ sung:
page-documents-reference-help = Ghi số hoặc mã của giấy tờ bạn đã có. Mã loại giấy tờ:
page-documents-note = Ghi chú gửi cơ quan (không bắt buộc)
page-documents-send = Gửi giấy tờ bổ sung

page-withdraw-title = Rút hồ sơ
page-withdraw-intro = Nếu không muốn tiếp tục, bạn có thể rút hồ sơ khi hồ sơ chưa giải quyết xong.
page-withdraw-start = Rút hồ sơ này
page-withdraw-page-title = Rút hồ sơ { $code }
page-withdraw-what = Khi rút hồ sơ, các việc chưa làm sẽ dừng lại và những việc đã làm sẽ được hủy bỏ nếu pháp luật cho phép (việc đăng ký khai sinh, khai tử không hủy được; cán bộ sẽ liên hệ với bạn nếu cần). Bạn không thể hoàn tác việc rút hồ sơ.
page-withdraw-reason = Lý do rút hồ sơ
page-withdraw-reason-help = Tối đa 500 ký tự. Lý do được lưu cùng hồ sơ.
page-withdraw-reason-missing = Hãy cho biết lý do rút hồ sơ (tối đa 500 ký tự).
page-withdraw-confirm = Xác nhận rút hồ sơ
page-withdraw-keep = Không rút, quay lại hồ sơ

page-status-running = Đang giải quyết
page-status-compensating = Đang hủy bỏ
page-status-completed = Đã hoàn thành
page-status-partially_completed = Hoàn thành một phần
page-status-failed = Không giải quyết được
page-status-withdrawn = Đã rút

page-step-pending = Chờ đến lượt
page-step-running = Đang xử lý
page-step-succeeded = Đã xong
page-step-rejected = Bị từ chối
page-step-failed = Không thực hiện được
page-step-skipped = Đã dừng
page-step-not_applicable = Không áp dụng
page-step-awaiting_documents = Cần bổ sung giấy tờ
page-step-awaiting_decision = Đang xem xét
page-step-agency_unavailable = Đang chờ hệ thống cơ quan
page-step-held = Tạm dừng
page-step-resolved_manually = Đã xong
page-step-compensating = Đang hủy bỏ
page-step-compensated = Đã hủy bỏ
page-step-compensation_failed = Chưa hủy bỏ được
page-step-needs_correction = Cán bộ đang điều chỉnh

## Những gì chưa thực hiện được, theo mã lỗi

problem-other = Có lỗi xảy ra. Vui lòng thử lại sau ít phút; nếu vẫn không được, hãy liên hệ bộ phận hỗ trợ và cho biết mã lỗi.
problem-NOT_YOUR_APPLICATION = Hồ sơ phải ghi số định danh cá nhân của chính bạn (người đăng nhập), ví dụ ở mục người đi đăng ký.
problem-RATE_LIMITED = Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng chờ một lát rồi thử lại.
problem-CASE_CLOSED = Hồ sơ này đã kết thúc nên không thể thực hiện thao tác này.
problem-CASE_DID_NOT_ANSWER = Hệ thống chưa xác nhận được yêu cầu của bạn. Vui lòng xem lại hồ sơ sau ít phút trước khi gửi lại.
problem-CASE_NOT_FOUND = Không tìm thấy hồ sơ này trong các hồ sơ của bạn.
problem-CASE_STARTING = Hồ sơ đang được khởi tạo. Vui lòng tải lại trang sau ít giây.
problem-NOT_AWAITING_DOCUMENTS = Hiện không có cơ quan nào đang chờ bạn bổ sung giấy tờ cho hồ sơ này.
problem-SUPPLEMENT_INVALID = Giấy tờ bổ sung chưa đầy đủ. Vui lòng xem các mục được đánh dấu.
problem-ENGINE_UNAVAILABLE = Hệ thống giải quyết hồ sơ tạm thời không trả lời. Vui lòng thử lại sau ít phút.
problem-DATABASE_UNAVAILABLE = Hệ thống tạm thời không truy cập được dữ liệu. Vui lòng thử lại sau ít phút.
problem-CSRF_FAILED = Biểu mẫu này đã cũ hoặc không được gửi từ trang của hệ thống. Vui lòng mở lại trang rồi gửi lại.
problem-FORM_INVALID = Biểu mẫu gửi lên không đọc được. Vui lòng mở lại trang rồi gửi lại.
problem-TOKEN_INVALID = Mã đăng nhập không hợp lệ. Vui lòng kiểm tra lại mã đã dán.
problem-TOKEN_EXPIRED = Mã đăng nhập đã hết hạn. Vui lòng lấy mã mới.
problem-TOKEN_MISSING = Bạn chưa dán mã đăng nhập.
problem-SESSION_FAILED = Chưa mở được phiên đăng nhập. Vui lòng đăng nhập lại.
problem-DEFINITION_NOT_FOUND = Thủ tục này hiện không nhận hồ sơ.
problem-FORBIDDEN = Chỉ người đứng tên hồ sơ mới được thực hiện việc này.
problem-REASON_REQUIRED = Hãy cho biết lý do (tối đa 500 ký tự).
problem-APPLICATION_INVALID = Hồ sơ chưa hợp lệ. Vui lòng sửa các mục được đánh dấu.
problem-ISSUER_UNAVAILABLE = Hệ thống định danh tạm thời không trả lời. Vui lòng thử lại sau ít phút.
