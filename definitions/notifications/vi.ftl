# Tin nhắn gửi công dân về hồ sơ của họ, bằng tiếng Việt. Mỗi loại sự kiện là một thông điệp với
# bốn thuộc tính, mỗi thuộc tính cho một kênh:
#   .subject, .body  tiêu đề và nội dung thư điện tử
#   .sms             tin nhắn SMS (ngắn gọn, có đường dẫn)
#   .text            dòng thông báo gửi kèm webhook tới cổng dịch vụ công hoặc ứng dụng
# Biến: $code (mã hồ sơ), $step (tên bước), $due (hạn bổ sung, NN/TT/NNNN), $link (trang hồ sơ).
# Tin nhắn không bao giờ chứa dữ liệu cá nhân (họ tên, số định danh, địa chỉ): chỉ mã hồ sơ và
# đường dẫn. en.ftl có cùng các mã; một phép kiểm thử bảo đảm điều đó.

notice-footer = Đây là thư gửi tự động, xin Quý công dân vui lòng không trả lời thư này.

notice-filed =
    .subject = Đã tiếp nhận hồ sơ { $code }
    .body =
        Kính gửi Quý công dân,

        Hồ sơ liên thông mã { $code } đã được tiếp nhận và đang được các cơ quan giải quyết.
        Quý công dân theo dõi tiến độ giải quyết tại: { $link }

        { notice-footer }
    .sms = Hồ sơ { $code } đã được tiếp nhận. Theo dõi tại { $link }
    .text = Hồ sơ { $code } đã được tiếp nhận và đang được giải quyết.

notice-step_done =
    .subject = Hồ sơ { $code }: đã hoàn thành «{ $step }»
    .body =
        Kính gửi Quý công dân,

        Bước «{ $step }» của hồ sơ { $code } đã hoàn thành.
        Kết quả và các bước tiếp theo xem tại: { $link }

        { notice-footer }
    .sms = Hồ sơ { $code }: đã hoàn thành «{ $step }». Xem kết quả tại { $link }
    .text = Đã hoàn thành bước «{ $step }» của hồ sơ { $code }.

notice-documents_requested =
    .subject = Hồ sơ { $code }: cần bổ sung giấy tờ trước ngày { $due }
    .body =
        Kính gửi Quý công dân,

        Để giải quyết bước «{ $step }» của hồ sơ { $code }, cơ quan có thẩm quyền đề nghị Quý công dân bổ sung giấy tờ.
        Hạn bổ sung: ngày { $due }.
        Xem các giấy tờ cần bổ sung và nộp trực tuyến tại: { $link }

        { notice-footer }
    .sms = Hồ sơ { $code } cần bổ sung giấy tờ cho bước «{ $step }» trước ngày { $due }. Nộp tại { $link }
    .text = Cần bổ sung giấy tờ cho bước «{ $step }» của hồ sơ { $code } trước ngày { $due }.

notice-reminder =
    .subject = Nhắc hạn: hồ sơ { $code } cần bổ sung giấy tờ trước ngày { $due }
    .body =
        Kính gửi Quý công dân,

        Hồ sơ { $code } vẫn đang chờ Quý công dân bổ sung giấy tờ cho bước «{ $step }».
        Hạn bổ sung: ngày { $due }.
        Nộp bổ sung trực tuyến tại: { $link }

        Nếu Quý công dân đã nộp bổ sung, xin vui lòng bỏ qua thư này.
        { notice-footer }
    .sms = Nhắc hạn: hồ sơ { $code } cần bổ sung giấy tờ cho bước «{ $step }» trước ngày { $due }. Nộp tại { $link }
    .text = Nhắc hạn: hồ sơ { $code } còn chờ bổ sung giấy tờ cho bước «{ $step }», hạn ngày { $due }.

notice-completed =
    .subject = Hồ sơ { $code } đã giải quyết xong
    .body =
        Kính gửi Quý công dân,

        Hồ sơ liên thông { $code } đã được giải quyết xong.
        Kết quả của từng thủ tục xem tại: { $link }

        { notice-footer }
    .sms = Hồ sơ { $code } đã giải quyết xong. Xem kết quả tại { $link }
    .text = Hồ sơ { $code } đã được giải quyết xong.

notice-failed =
    .subject = Hồ sơ { $code } không giải quyết được
    .body =
        Kính gửi Quý công dân,

        Rất tiếc, hồ sơ { $code } không thể giải quyết được.
        Lý do và hướng dẫn tiếp theo xem tại: { $link }
        Nếu cần hỗ trợ, Quý công dân vui lòng liên hệ bộ phận một cửa nơi đã nộp hồ sơ.

        { notice-footer }
    .sms = Hồ sơ { $code } không giải quyết được. Lý do và hướng dẫn xem tại { $link }
    .text = Hồ sơ { $code } không thể giải quyết được.

notice-withdrawn =
    .subject = Hồ sơ { $code } đã được rút
    .body =
        Kính gửi Quý công dân,

        Hồ sơ { $code } đã được rút theo yêu cầu và không tiếp tục giải quyết.
        Chi tiết xem tại: { $link }

        { notice-footer }
    .sms = Hồ sơ { $code } đã được rút theo yêu cầu. Chi tiết tại { $link }
    .text = Hồ sơ { $code } đã được rút theo yêu cầu.

notice-overdue =
    .subject = Hồ sơ { $code } đã quá hạn giải quyết
    .body =
        Kính gửi Quý công dân,

        Hồ sơ { $code } đã quá thời hạn giải quyết theo quy định. Chúng tôi thành thật xin lỗi Quý công dân vì sự chậm trễ này.
        Hồ sơ vẫn đang tiếp tục được giải quyết; Quý công dân theo dõi tiến độ tại: { $link }

        { notice-footer }
    .sms = Hồ sơ { $code } đã quá hạn giải quyết và đang được tiếp tục xử lý. Xin lỗi Quý công dân vì sự chậm trễ. Theo dõi tại { $link }
    .text = Hồ sơ { $code } đã quá thời hạn giải quyết và đang được tiếp tục xử lý.
