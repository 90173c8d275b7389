//! Every word the console shows, in Vietnamese (the default) and English.
//!
//! Page texts are an enum built by [`texts!`], so a text without both languages does not
//! compile; the engine's codes (statuses, reasons, actions, journal kinds) come at run time and
//! are looked up in [`TERMS`], falling back to the code itself for one added later.

pub(crate) use crate::lang::Lang;

impl Lang {
    pub(crate) fn t(self, text: Text) -> &'static str {
        let (vi, en) = text.pair();
        match self {
            Self::Vi => vi,
            Self::En => en,
        }
    }

    /// The words for an engine code of `group` (`status`, `step`, `reason`, `action`, `event`,
    /// `effect`), or the code itself when it has none yet.
    pub(crate) fn term<'a>(self, group: &str, code: &'a str) -> &'a str {
        TERMS
            .iter()
            .find(|(g, c, _, _)| *g == group && *c == code)
            .map_or(code, |(_, _, vi, en)| match self {
                Self::Vi => vi,
                Self::En => en,
            })
    }
}

impl Lang {
    /// Every code of `group` with its words, in the catalogue's order (for a choice of them).
    pub(crate) fn terms(self, group: &str) -> Vec<(&'static str, &'static str)> {
        let mut terms: Vec<(&'static str, &'static str)> = Vec::new();
        for (g, code, vi, en) in TERMS {
            if *g == group && !terms.iter().any(|(known, _)| known == code) {
                terms.push((*code, if self == Self::Vi { *vi } else { *en }));
            }
        }
        terms
    }
}

macro_rules! texts {
    ($($key:ident => $vi:literal, $en:literal;)*) => {
        /// A text of the console's pages.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Text { $($key,)* }

        impl Text {
            #[cfg(test)]
            pub(crate) const ALL: &[Text] = &[$(Text::$key,)*];

            fn pair(self) -> (&'static str, &'static str) {
                match self { $(Text::$key => ($vi, $en),)* }
            }
        }
    };
}

texts! {
    Console => "Bảng điều khiển liên thông", "lienthong console";
    Dashboard => "Tổng quan", "Dashboard";
    Cases => "Hồ sơ", "Cases";
    Agencies => "Cơ quan", "Agencies";
    Bulk => "Xử lý hàng loạt", "Bulk actions";
    Audit => "Nhật ký thao tác", "Audit log";
    MainMenu => "Menu chính", "Main menu";
    Language => "Ngôn ngữ", "Language";
    SignIn => "Đăng nhập", "Sign in";
    SignInWithIssuer => "Đăng nhập bằng tài khoản định danh điện tử", "Sign in with your electronic identity";
    SignedIn => "Đã đăng nhập.", "Signed in.";
    Continue => "Tiếp tục", "Continue";
    SignOut => "Đăng xuất", "Sign out";
    SignOutEverywhere => "Đăng xuất trên mọi thiết bị", "Sign out on every device";
    SignedInAs => "Đang đăng nhập:", "Signed in as";
    TokenLabel => "Mã đăng nhập (token)", "Sign-in token";
    TokenHelp => "Dán mã do hệ thống định danh cấp (khi chạy thử: một mã mà `lienthong dev` in ra cho vai trò operator).", "Paste the token your identity provider issued (when trying lienthong: one that `lienthong dev` prints for the operator role).";
    TooManySignIns => "Có quá nhiều lần đăng nhập từ địa chỉ này; vui lòng chờ một lát rồi thử lại.", "Too many sign-in attempts from this address; wait a moment and try again.";
    SessionEnded => "Phiên làm việc đã hết hạn hoặc không hợp lệ; vui lòng đăng nhập lại.", "Your session has ended or is not valid; please sign in again.";
    Forbidden => "Không có quyền truy cập", "Not allowed";
    NeedsOperator => "Trang này dành cho cán bộ một cửa (vai trò operator).", "This page is for one-stop-shop officers (the operator role).";
    NeedsAuditor => "Trang này dành cho cán bộ giám sát (vai trò auditor).", "This page is for auditors (the auditor role).";
    NeedsStaff => "Bảng điều khiển dành cho cán bộ một cửa và cán bộ giám sát; tài khoản này không có vai trò nào trong hai vai trò đó.", "The console is for operators and auditors; this account has neither role.";
    GoToAudit => "Mở nhật ký thao tác", "Open the audit log";
    SignInAgain => "Đăng nhập bằng tài khoản khác", "Sign in with another account";
    Error => "Có lỗi", "Something went wrong";
    Refused => "Không thực hiện:", "Not done:";
    Done => "Đã thực hiện:", "Done:";
    NeedingAttention => "Hồ sơ cần xử lý", "Cases needing attention";
    SeeAll => "Xem tất cả", "See them all";
    NoneNeedAttention => "Không có hồ sơ nào cần xử lý.", "No case needs attention.";
    CaseCode => "Mã hồ sơ", "Case code";
    Reasons => "Lý do", "Reasons";
    Agency => "Cơ quan", "Agency";
    Status => "Trạng thái", "Status";
    Procedure => "Thủ tục", "Procedure";
    Office => "Nơi tiếp nhận", "Office";
    Submitted => "Ngày nộp", "Submitted";
    Closed => "Kết thúc", "Closed";
    WaitingOn => "Đang chờ", "Waiting on";
    Attention => "Cần xử lý", "Needs attention";
    ByStatus => "Theo trạng thái", "By status";
    ByAgency => "Hồ sơ đang chờ theo cơ quan", "Open cases waiting, by agency";
    ByReason => "Theo lý do cần xử lý", "By reason for attention";
    Count => "Số hồ sơ", "Cases";
    ChartStatus => "Hồ sơ nộp mỗi ngày trong 7 ngày qua, theo trạng thái", "Cases submitted per day over the last 7 days, by status";
    ChartAgency => "Hồ sơ đang chờ từng cơ quan", "Open cases waiting on each agency";
    Filters => "Bộ lọc", "Filters";
    AnyValue => "(tất cả)", "(any)";
    AnyReason => "bất kỳ lý do nào", "any reason";
    Overdue => "Quá hạn giải quyết", "Past the legal deadline";
    SubmittedFrom => "Nộp từ ngày", "Submitted from";
    SubmittedTo => "Nộp trước ngày", "Submitted before";
    Apply => "Lọc", "Filter";
    Clear => "Bỏ lọc", "Clear";
    NoCases => "Không có hồ sơ nào khớp bộ lọc.", "No case matches these filters.";
    Previous => "Trang trước", "Previous page";
    Next => "Trang sau", "Next page";
    Page => "Trang", "Page";
    Deadline => "Hạn giải quyết", "Legal deadline";
    IsOverdue => "Đã quá hạn", "Overdue";
    Version => "phiên bản", "version";
    StepGraph => "Sơ đồ các bước", "Step graph";
    StepGraphAlt => "Sơ đồ các bước của hồ sơ, tô màu theo trạng thái từng bước", "The case's step graph, each step coloured by its state";
    Steps => "Các bước", "Steps";
    Step => "Bước", "Step";
    Attempts => "Số lần gửi", "Attempts";
    LastError => "Lỗi gần nhất", "Last error";
    StepDeadline => "Hạn của bước", "Step deadline";
    Reference => "Số tham chiếu", "Reference";
    Journal => "Diễn biến", "Journal";
    Time => "Thời gian", "Time";
    Event => "Sự kiện", "Event";
    Detail => "Chi tiết", "Detail";
    Actor => "Người thực hiện", "Actor";
    Role => "Vai trò", "Role";
    Action => "Thao tác", "Action";
    Outcome => "Kết quả", "Outcome";
    OlderDropped => "mục cũ hơn đã được lược bớt", "older entries were dropped";
    OperatorActions => "Thao tác của cán bộ", "Operator actions";
    NoOperatorActions => "Chưa có thao tác nào.", "No action yet.";
    Actions => "Xử lý", "Actions";
    CaseActions => "Thao tác với cả hồ sơ", "Actions on the whole case";
    ResolveReference => "Số tham chiếu của việc đã làm ngoài hệ thống", "Reference of what was done offline";
    ResolveOutput => "Kết quả của bước", "The step's output";
    CaseFinished => "Hồ sơ đã kết thúc; không còn thao tác nào.", "The case has ended; no action is left.";
    PersonalMasked => "Dữ liệu cá nhân đang được che.", "Personal data is masked.";
    PersonalShown => "Dữ liệu cá nhân đang hiển thị; lần xem này được ghi lại.", "Personal data is shown; this view is recorded.";
    Failure => "Lỗi quyết định kết quả", "The failure that decided the outcome";
    Confirm => "Xác nhận thao tác", "Confirm the action";
    ConfirmButton => "Xác nhận và thực hiện", "Confirm and do it";
    Cancel => "Quay lại, không làm gì", "Go back, do nothing";
    ReasonLabel => "Lý do (bắt buộc, được ghi vào nhật ký thao tác)", "Reason (required, kept in the audit log)";
    Force => "Vẫn thử lại dù cơ quan chưa trả lời kiểm tra", "Retry even though the agency's health check still fails";
    ExplainRetry => "Bước này sẽ được gửi lại ngay tới cơ quan. Nếu cơ quan vẫn chưa hoạt động, hệ thống sẽ báo thay vì gửi.", "This step is sent to the agency again now. If the agency still does not answer, you are told instead.";
    ExplainResolve => "Bước này được ghi nhận là đã làm xong ngoài hệ thống, với số tham chiếu và kết quả dưới đây; các bước sau sẽ tiếp tục.", "This step is recorded as done outside the engine, with the reference and output below; later steps go on.";
    ExplainCancel => "Hồ sơ sẽ bị hủy; các bước đã xong sẽ được hoàn tác nếu có thể.", "The case is cancelled; steps already done are undone where they can be.";
    ExplainHold => "Hồ sơ sẽ tạm dừng gửi đến cơ quan này (không tốn lượt thử lại) cho tới khi tiếp tục gửi.", "Every call to this agency stops (without using up retries) until it is released.";
    ExplainRelease => "Các hồ sơ đang tạm dừng sẽ được gửi lại dần dần, theo tốc độ dưới đây.", "The held cases are sent again gradually, at the rate below.";
    PerSecond => "Số hồ sơ mỗi giây", "Cases per second";
    BackToCase => "Về trang hồ sơ", "Back to the case";
    BackToAgencies => "Về danh sách cơ quan", "Back to the agencies";
    BackToBulk => "Về trang xử lý hàng loạt", "Back to bulk actions";
    ChangedSteps => "Các bước thay đổi", "Steps changed";
    Answers => "Hệ thống của cơ quan phản hồi", "Answers its health check";
    AnswersYes => "Đang hoạt động", "Answering";
    AnswersNo => "Không phản hồi", "Not answering";
    Held => "Tạm dừng gửi", "Held";
    HeldYes => "Đang tạm dừng gửi", "Held";
    HeldNo => "Đang gửi bình thường", "Not held";
    HeldBy => "bởi", "by";
    Since => "từ", "since";
    BulkIntro => "Chọn hồ sơ bằng bộ lọc, chạy thử để xem chính xác những hồ sơ sẽ bị tác động, rồi mới xác nhận.", "Choose cases with a filter, do a dry run to see exactly which cases it touches, then confirm.";
    BulkAgency => "Cơ quan (bắt buộc khi tiếp tục gửi; khi thử lại: chỉ các bước của cơ quan này)", "Agency (required to release; for a retry: only this agency's steps)";
    Cap => "Giới hạn số hồ sơ (tối đa 1000)", "Most cases to touch (at most 1000)";
    Rate => "Số hồ sơ mỗi giây", "Cases per second";
    DryRun => "Chạy thử", "Dry run";
    DryRunTitle => "Kết quả chạy thử: chưa có gì thay đổi", "Dry run: nothing has changed yet";
    WouldSend => "Sẽ gửi", "Would send";
    NothingToSend => "không có gì để gửi", "nothing to send";
    NothingWouldBeSent => "Không có thao tác nào sẽ được gửi; không cần xác nhận.", "Nothing would be sent; there is nothing to confirm.";
    FilterUsed => "Bộ lọc được dùng", "Filter used";
    ReleaseHeldOnly => "Khi tiếp tục gửi mà bỏ trống ô «Cần xử lý», chỉ các hồ sơ đang tạm dừng được chọn.", "A release with “Needs attention” left empty picks only cases that are held.";
    BulkResults => "Kết quả từng hồ sơ", "Result for each case";
    Batch => "Lượt xử lý", "Batch";
    Batches => "Các lượt xử lý gần đây", "Recent batches";
    BatchBy => "Người yêu cầu", "Requested by";
    Started => "Bắt đầu", "Started";
    Finished => "Kết thúc", "Finished";
    BatchCounts => "Số hồ sơ theo kết quả", "Cases by outcome";
    BatchCapped => "Đã đạt giới hạn số hồ sơ: các hồ sơ còn lại không được xử lý.", "The cap was reached: the remaining cases were not touched.";
    CasesStopped => "hồ sơ đang chờ cơ quan này sẽ tạm dừng gửi ngay.", "cases waiting on this agency stop at once.";
    CasesSentAgain => "hồ sơ đang tạm dừng sẽ được gửi lại.", "held cases will be sent again.";
    FindByPerson => "Tìm hồ sơ theo số định danh hoặc số giấy tờ", "Find cases by personal ID or certificate number";
    SearchBy => "Tìm theo", "Search by";
    PersonalIdNumber => "Số định danh cá nhân", "Personal ID number";
    CertificateNumber => "Số giấy tờ đã cấp (giấy khai sinh, thẻ bảo hiểm y tế…)", "A number issued (birth certificate, insurance card…)";
    NumberSought => "Số cần tìm", "Number";
    PersonSearchHelp => "Số định danh có 12 chữ số; số giấy tờ ghi như trên giấy. Chỉ hiện hồ sơ thuộc đơn vị của bạn; mỗi lượt tìm được ghi vào nhật ký thao tác.", "A personal ID number has 12 digits; write a certificate number as printed. Only cases of your offices are shown; every search is recorded in the audit log.";
    Find => "Tìm", "Find";
    DetailFound => "Số hồ sơ tìm thấy", "Cases found";
    DetailCap => "Giới hạn số hồ sơ", "Most cases";
    DetailCases => "Số hồ sơ", "Cases";
    NoCaseNamesPerson => "Không có hồ sơ nào của đơn vị bạn mang số này.", "No case of your offices carries this number.";
    BackToCases => "Về danh sách hồ sơ", "Back to the cases";
    Application => "Hồ sơ công dân đã khai", "The application as filed";
    ApplicationShown => "Bạn được xem thông tin cá nhân: lượt xem này đã được ghi vào nhật ký thao tác.", "You may see personal data: this view was recorded in the audit log.";
    ApplicationMasked => "Thông tin cá nhân được che; chỉ cán bộ được cấp quyền xem thông tin cá nhân mới thấy nội dung.", "Personal data is masked; only operators granted personal data see the values.";
    StepSince => "Ở trạng thái này từ", "In this state since";
    NextAttempt => "Thử lại lúc", "Next attempt at";
    DashboardRefreshes => "Trang tự cập nhật 30 giây một lần.", "This page reloads every 30 seconds.";
    BatchRefreshes => "Trang tự cập nhật vài giây một lần cho tới khi lượt xử lý kết thúc.", "This page reloads every few seconds until the batch ends.";
    BatchStarted => "Đã bắt đầu lượt xử lý; theo dõi tiến độ tại đây:", "The batch has started; follow its progress here:";
    MatchedTotal => "Tổng số hồ sơ khớp bộ lọc", "Cases matching the filter in all";
    ThisPage => "Trang này", "This page";
    Unreadable => "Chưa đọc được trạng thái (sẽ được xử lý khi chạy thật)", "State not readable yet (handled in the real run)";
    OverCap => "Số hồ sơ khớp vượt giới hạn: khi xác nhận sẽ bị từ chối. Hãy thu hẹp bộ lọc hoặc nâng giới hạn.", "More cases match than the cap: confirming would be refused. Narrow the filter or raise the cap.";
    AuditFilters => "Lọc nhật ký", "Filter the log";
    FromDay => "Từ ngày", "From";
    ToDay => "Đến ngày", "To";
    AnyAction => "Mọi thao tác", "Any action";
    DayInvalid => "Ngày phải có dạng năm-tháng-ngày (2026-12-06); bộ lọc ngày này chưa được áp dụng.", "A day is written year-month-day (2026-12-06); this day filter was not applied.";
    DownloadCsv => "Tải về CSV", "Download as CSV";
    Older => "Các mục cũ hơn", "Older entries";
    NoEntries => "Không có mục nào.", "No entry.";
    RetryingNote => "đang gửi lâu bất thường", "in flight for unusually long";
    UnansweredNote => "đã gửi, chưa có trả lời", "sent, not answered";
    Round => "lượt bổ sung", "round";
    ResolvedBy => "ghi nhận bởi", "recorded by";
    DueDocuments => "hạn bổ sung giấy tờ", "documents due";
    Notifications => "Thông báo gửi công dân", "Messages to the citizen";
    NoNotifications => "Hồ sơ này chưa gửi thông báo nào.", "This case has sent no message.";
    NoticeEvent => "Nội dung", "About";
    Channel => "Kênh", "Channel";
    Queued => "Gửi lúc", "Queued";
    Settled => "Kết thúc lúc", "Settled";
    NoticeRetryingNote => "đang thử gửi lại, lỗi gần nhất:", "retrying, last error:";
    DeadLetterNote => "Không gửi được: hồ sơ vẫn tiếp tục, nhưng cần báo cho công dân bằng cách khác.", "Not delivered: the case went on, but the citizen must be told another way.";
    HealthAnswersStatus => "Hệ thống của cơ quan trả lời mã lỗi HTTP", "Its health check answered HTTP";
    HealthTimedOut => "Kiểm tra hoạt động không nhận được trả lời kịp thời", "Its health check got no answer in time";
    HealthUnreachable => "Không kết nối được tới hệ thống của cơ quan", "Its system cannot be reached";
    ResolveTitle => "Ghi nhận bước đã làm ngoài hệ thống", "Record a step done offline";
    ResolveFormInvalid => "Biểu mẫu còn chỗ chưa đúng nên chưa gửi gì. Hãy sửa các ô được đánh dấu rồi gửi lại.", "The form has problems, so nothing was sent. Correct the fields marked and send it again.";
    ResolveNoOutputs => "Bước này không giữ lại kết quả nào; chỉ cần số tham chiếu.", "This step keeps no output; the reference is enough.";
    RequiredField => "bắt buộc", "required";
    ResolveYes => "Có", "Yes";
    ResolveNo => "Không", "No";
    ResolveFieldRequired => "Chưa điền: các bước sau cần thông tin này.", "Missing: later steps need this.";
    ResolveReferenceRequired => "Chưa điền số tham chiếu của cơ quan cho việc đã làm.", "Give the agency's reference for what was done.";
    ResolveFieldDate => "Ngày không hợp lệ; chọn ngày hoặc ghi theo dạng năm-tháng-ngày (2026-11-20).", "Not a valid day; pick one or write it year-month-day (2026-11-20).";
    ResolveFieldPattern => "Không đúng định dạng mà cơ quan quy định:", "Not in the form the agency's contract sets:";
    ResolveFieldChoice => "Hãy chọn một giá trị trong danh sách.", "Choose one of the listed values.";
    ResolveFieldInteger => "Phải là một số nguyên.", "Must be a whole number.";
    ResolveFieldNumber => "Phải là một số (dùng dấu chấm cho phần thập phân).", "Must be a number (a point before decimals).";
    ResolveFieldInvalid => "Giá trị không phù hợp với quy định của cơ quan (độ dài hoặc giới hạn).", "The value does not fit the agency's contract (its length or limits).";
}

/// The engine's codes: `(group, code, vi, en)`.
pub(crate) const TERMS: &[(&str, &str, &str, &str)] = &[
    // Why a message to the citizen was dead-lettered: what happened, and what to do.
    (
        "error",
        "NOTICE_WINDOW_SPENT",
        "Nơi nhận không nhận tin trong suốt thời gian cho phép; hãy báo cho công dân bằng cách khác",
        "The receiver did not take the message within its window; tell the citizen another way",
    ),
    (
        "error",
        "NOTICE_FAILED",
        "Không gửi được tin vì một lỗi khác; xem nhật ký của worker",
        "The message failed for another reason; see the worker's log",
    ),
    (
        "error",
        "NOTIFY_REFUSED",
        "Nơi nhận từ chối hẳn tin này (hoặc thiếu địa chỉ hợp lệ); gửi lại cũng bị từ chối",
        "The receiver refused this message for good (or the address is not usable); sending it again would be refused too",
    ),
    (
        "error",
        "NOTIFY_CREDENTIALS_MISSING",
        "Worker chưa có khóa bí mật của kênh thông báo; cần đặt biến hoặc tệp như trong nhật ký",
        "The worker has no secret for the channel; put the variable or file its log names in place",
    ),
    // The engine's own step errors (`case::answer::ENGINE_ERROR_CODES`): what to do, in words.
    (
        "error",
        "AGENCY_UNAVAILABLE",
        "Hệ thống cơ quan không phản hồi; sẽ gửi lại sau khoảng chờ",
        "The agency's system did not answer; sent again after the pause",
    ),
    (
        "error",
        "RETRIES_EXHAUSTED",
        "Đã thử hết số lần cho phép mà cơ quan không phản hồi",
        "Every allowed attempt went unanswered",
    ),
    (
        "error",
        "AGENCY_AUTH_REJECTED",
        "Cơ quan từ chối khóa xác thực của hệ thống; hai bên cần dùng cùng một khóa bí mật",
        "The agency refused the engine's credentials; both sides must hold the same secret",
    ),
    (
        "error",
        "AGENCY_CREDENTIALS_MISSING",
        "Chưa có khóa bí mật của cơ quan; cần đặt biến hoặc tệp có tên như thông báo",
        "The agency's secret is not set; put the variable or file the message names in place",
    ),
    (
        "error",
        "AGENCY_CREDENTIALS_INVALID",
        "Khóa xác thực của cơ quan không gửi được; kiểm tra giá trị đã đặt",
        "The agency's credential cannot be sent; check the value set",
    ),
    (
        "error",
        "AGENCY_PROTOCOL",
        "Cơ quan trả lời không đúng giao thức liên thông",
        "The agency's answer does not follow the contract",
    ),
    (
        "error",
        "OUTCOME_UNKNOWN",
        "Chưa biết cơ quan đã xử lý hay chưa; cần hỏi lại cơ quan",
        "Whether the agency acted is not known; ask the agency",
    ),
    (
        "error",
        "COMPENSATION_FAILED",
        "Chưa hủy bỏ được việc đã làm",
        "What was done could not be undone yet",
    ),
    (
        "error",
        "SUPPLEMENT_NOT_PROVIDED",
        "Công dân không bổ sung giấy tờ trong thời hạn",
        "The citizen did not supply the documents in time",
    ),
    ("status", "running", "Đang xử lý", "Running"),
    (
        "status",
        "compensating",
        "Đang hoàn tác",
        "Undoing completed steps",
    ),
    ("status", "completed", "Hoàn thành", "Completed"),
    (
        "status",
        "partially_completed",
        "Hoàn thành một phần",
        "Partially completed",
    ),
    ("status", "failed", "Thất bại", "Failed"),
    ("status", "withdrawn", "Đã rút / hủy", "Withdrawn"),
    ("step", "pending", "Chờ thực hiện", "Pending"),
    ("step", "running", "Đang gửi", "In progress"),
    ("step", "succeeded", "Thành công", "Succeeded"),
    ("step", "rejected", "Bị từ chối", "Rejected"),
    ("step", "failed", "Thất bại", "Failed"),
    ("step", "skipped", "Bỏ qua", "Skipped"),
    ("step", "not_applicable", "Không áp dụng", "Not applicable"),
    (
        "step",
        "awaiting_documents",
        "Chờ công dân bổ sung giấy tờ",
        "Waiting for the citizen's documents",
    ),
    (
        "step",
        "awaiting_decision",
        "Chờ cơ quan quyết định",
        "Waiting for the agency's decision",
    ),
    (
        "step",
        "agency_unavailable",
        "Cơ quan không phản hồi",
        "Agency not answering",
    ),
    ("step", "held", "Đang tạm dừng gửi", "Held"),
    (
        "step",
        "resolved_manually",
        "Đã xử lý ngoài hệ thống",
        "Done offline",
    ),
    ("step", "compensating", "Đang hoàn tác", "Undoing"),
    ("step", "compensated", "Đã hoàn tác", "Undone"),
    (
        "step",
        "compensation_failed",
        "Hoàn tác thất bại",
        "Undo failed",
    ),
    (
        "step",
        "needs_correction",
        "Cần đính chính",
        "Needs correction",
    ),
    ("reason", "any", "Bất kỳ lý do nào", "Any reason"),
    (
        "reason",
        "retrying",
        "Đang thử lại nhiều lần",
        "Retrying repeatedly",
    ),
    (
        "reason",
        "agency_unavailable",
        "Cơ quan không phản hồi",
        "Agency not answering",
    ),
    (
        "reason",
        "decision_overdue",
        "Quá hạn chờ quyết định",
        "Decision overdue",
    ),
    (
        "reason",
        "overdue",
        "Quá hạn giải quyết",
        "Past the legal deadline",
    ),
    (
        "reason",
        "compensation_failed",
        "Hoàn tác thất bại",
        "Undo failed",
    ),
    (
        "reason",
        "correction_needed",
        "Cần đính chính",
        "Correction needed",
    ),
    (
        "reason",
        "unreconciled",
        "Không xác định được kết quả",
        "Outcome unknown",
    ),
    (
        "reason",
        "held",
        "Đang tạm dừng gửi đến cơ quan",
        "Agency held",
    ),
    (
        "reason",
        "notification_failed",
        "Không gửi được thông báo cho công dân",
        "A message to the citizen failed",
    ),
    ("notice", "sending", "Đang gửi", "Sending"),
    ("notice", "retrying", "Đang thử gửi lại", "Retrying"),
    ("notice", "delivered", "Đã gửi", "Delivered"),
    (
        "notice",
        "failed",
        "Không gửi được (thư chết)",
        "Failed (dead letter)",
    ),
    (
        "notice",
        "not_configured",
        "Kênh chưa được cấu hình",
        "Channel not configured",
    ),
    (
        "channel",
        "webhook",
        "Cổng dịch vụ công (webhook)",
        "Portal (webhook)",
    ),
    ("channel", "email", "Thư điện tử", "E-mail"),
    ("channel", "sms", "Tin nhắn SMS", "SMS"),
    (
        "notice_event",
        "filed",
        "Đã tiếp nhận hồ sơ",
        "Application received",
    ),
    (
        "notice_event",
        "step_done",
        "Một bước đã xong",
        "A step is done",
    ),
    (
        "notice_event",
        "documents_requested",
        "Yêu cầu bổ sung giấy tờ",
        "Documents requested",
    ),
    (
        "notice_event",
        "reminder",
        "Nhắc hạn bổ sung giấy tờ",
        "Reminder: documents due",
    ),
    (
        "notice_event",
        "completed",
        "Hồ sơ hoàn thành",
        "Case completed",
    ),
    (
        "notice_event",
        "failed",
        "Hồ sơ không hoàn thành",
        "Case not completed",
    ),
    (
        "notice_event",
        "withdrawn",
        "Hồ sơ đã rút",
        "Case withdrawn",
    ),
    ("notice_event", "overdue", "Hồ sơ quá hạn", "Case overdue"),
    ("action", "retry_now", "Thử lại ngay", "Retry now"),
    (
        "action",
        "resolve",
        "Ghi nhận đã làm ngoài hệ thống",
        "Record as done offline",
    ),
    ("action", "cancel", "Hủy hồ sơ", "Cancel the case"),
    (
        "action",
        "hold",
        "Tạm dừng gửi đến cơ quan",
        "Hold the agency",
    ),
    (
        "action",
        "release",
        "Tiếp tục gửi đến cơ quan",
        "Release the agency",
    ),
    (
        "action",
        "hold_agency",
        "Tạm dừng gửi đến cơ quan",
        "Hold an agency",
    ),
    (
        "action",
        "release_agency",
        "Tiếp tục gửi đến cơ quan",
        "Release an agency",
    ),
    (
        "action",
        "bulk_retry_now",
        "Thử lại hàng loạt",
        "Bulk retry",
    ),
    (
        "action",
        "bulk_release",
        "Tiếp tục gửi hàng loạt",
        "Bulk release",
    ),
    (
        "action",
        "bulk_retry_now_dry_run",
        "Chạy thử: thử lại hàng loạt",
        "Dry run: bulk retry",
    ),
    (
        "action",
        "bulk_release_dry_run",
        "Chạy thử: tiếp tục gửi hàng loạt",
        "Dry run: bulk release",
    ),
    (
        "effect",
        "restarted",
        "đã gửi lại lời gọi đang treo",
        "the call in flight was sent again",
    ),
    (
        "effect",
        "resumed",
        "bước đang chờ đã được gửi lại",
        "the waiting step was sent again",
    ),
    ("effect", "held", "đã tạm dừng gửi", "held"),
    ("effect", "released", "đã tiếp tục gửi", "released"),
    ("effect", "resolved", "đã ghi nhận", "recorded"),
    ("effect", "cancelling", "đang hủy", "being cancelled"),
    ("agency", "citizen", "Công dân", "The citizen"),
    ("outcome", "done", "Đã thực hiện", "Done"),
    ("outcome", "refused", "Không thực hiện", "Refused"),
    ("outcome", "skipped", "Không cần làm", "Nothing to do"),
    ("outcome", "retrying", "Đang hỏi lại", "Asking again"),
    ("outcome", "unanswered", "Không phản hồi", "Did not answer"),
    (
        "action",
        "find_by_person",
        "Tìm hồ sơ theo số định danh",
        "Find cases by personal ID",
    ),
    ("role", "operator", "Cán bộ một cửa", "Operator"),
    ("role", "auditor", "Cán bộ giám sát", "Auditor"),
    ("role", "citizen", "Công dân", "Citizen"),
    (
        "role",
        "agency-admin",
        "Quản trị viên cơ quan",
        "Agency administrator",
    ),
    ("batch_status", "running", "Đang chạy", "Running"),
    ("batch_status", "finished", "Đã xong", "Finished"),
    ("event", "step_started", "Bắt đầu bước", "Step started"),
    ("event", "step_routed", "Đã chọn nơi gửi", "Route chosen"),
    (
        "event",
        "step_succeeded",
        "Bước thành công",
        "Step succeeded",
    ),
    (
        "event",
        "step_rejected",
        "Cơ quan từ chối",
        "Agency refused",
    ),
    ("event", "step_failed", "Bước thất bại", "Step failed"),
    ("event", "step_skipped", "Bỏ qua bước", "Step skipped"),
    (
        "event",
        "step_not_applicable",
        "Bước không áp dụng",
        "Step not applicable",
    ),
    (
        "event",
        "withdraw_requested",
        "Công dân rút hồ sơ",
        "Citizen withdrew",
    ),
    (
        "event",
        "compensation_started",
        "Bắt đầu hoàn tác",
        "Undo started",
    ),
    ("event", "compensated", "Đã hoàn tác", "Undone"),
    (
        "event",
        "compensation_failed",
        "Hoàn tác thất bại",
        "Undo failed",
    ),
    (
        "event",
        "correction_needed",
        "Cần đính chính",
        "Correction needed",
    ),
    ("event", "finished", "Hồ sơ kết thúc", "Case ended"),
    (
        "event",
        "deadline_set",
        "Đặt hạn giải quyết",
        "Deadline set",
    ),
    (
        "event",
        "documents_requested",
        "Yêu cầu bổ sung giấy tờ",
        "Documents requested",
    ),
    (
        "event",
        "documents_provided",
        "Đã bổ sung giấy tờ",
        "Documents provided",
    ),
    (
        "event",
        "documents_not_provided",
        "Không bổ sung giấy tờ",
        "Documents not provided",
    ),
    (
        "event",
        "decision_awaited",
        "Chờ cơ quan quyết định",
        "Decision awaited",
    ),
    (
        "event",
        "agency_unavailable",
        "Cơ quan không phản hồi",
        "Agency not answering",
    ),
    (
        "event",
        "park_ended",
        "Hết thời gian chờ, gửi lại",
        "Pause over, sending again",
    ),
    (
        "event",
        "reconciled",
        "Đã đối chiếu với cơ quan",
        "Checked with the agency",
    ),
    ("event", "deadline_passed", "Quá hạn", "Deadline passed"),
    (
        "event",
        "still_running",
        "Lời gọi kéo dài",
        "Call still in flight",
    ),
    (
        "event",
        "agency_held",
        "Tạm dừng gửi đến cơ quan",
        "Agency held",
    ),
    (
        "event",
        "agency_released",
        "Tiếp tục gửi đến cơ quan",
        "Agency released",
    ),
    ("event", "step_held", "Bước tạm dừng gửi", "Step held"),
    (
        "event",
        "retry_requested",
        "Cán bộ yêu cầu thử lại",
        "Retry requested",
    ),
    (
        "event",
        "step_resolved_manually",
        "Ghi nhận đã làm ngoài hệ thống",
        "Recorded as done offline",
    ),
    (
        "event",
        "cancel_requested",
        "Cán bộ yêu cầu hủy",
        "Cancel requested",
    ),
    (
        "event",
        "notice_queued",
        "Gửi thông báo cho công dân",
        "Message to the citizen queued",
    ),
    (
        "event",
        "notice_delivered",
        "Đã gửi thông báo",
        "Message delivered",
    ),
    (
        "event",
        "notice_failed",
        "Không gửi được thông báo",
        "Message failed",
    ),
    (
        "event",
        "notice_not_configured",
        "Kênh thông báo chưa cấu hình",
        "Message channel not configured",
    ),
];

/// Step statuses, as `StepStatus::as_str` names them.
#[cfg(test)]
const STEP_STATUSES: &[&str] = &[
    "pending",
    "running",
    "succeeded",
    "rejected",
    "failed",
    "skipped",
    "not_applicable",
    "awaiting_documents",
    "awaiting_decision",
    "agency_unavailable",
    "held",
    "resolved_manually",
    "compensating",
    "compensated",
    "compensation_failed",
    "needs_correction",
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_text_has_both_languages() {
        for text in Text::ALL {
            for lang in Lang::ALL {
                assert!(!lang.t(*text).trim().is_empty(), "{text:?} in {lang:?}");
            }
        }
    }

    #[test]
    fn every_term_has_both_languages_once() {
        let mut seen = BTreeSet::new();
        for (group, code, vi, en) in TERMS {
            assert!(seen.insert((group, code)), "{group}.{code} twice");
            assert!(
                !vi.trim().is_empty() && !en.trim().is_empty(),
                "{group}.{code}"
            );
        }
    }

    #[test]
    fn every_engine_code_has_words() {
        let groups: [(&str, &[&str]); 5] = [
            ("status", crate::ops::cases::STATUSES),
            ("reason", crate::ops::cases::REASONS),
            ("reason", lienthong_definitions::case::ATTENTION_REASONS),
            ("step", STEP_STATUSES),
            (
                "error",
                lienthong_definitions::case::answer::ENGINE_ERROR_CODES,
            ),
        ];
        for (group, codes) in groups {
            for code in codes {
                for lang in Lang::ALL {
                    assert_ne!(lang.term(group, code), *code, "{group}.{code} in {lang:?}");
                }
            }
        }
        assert_eq!(
            Lang::En.term("reason", "agency_unavailable"),
            "Agency not answering"
        );
        assert_eq!(
            Lang::Vi.term("reason", "agency_unavailable"),
            "Cơ quan không phản hồi"
        );
        assert_eq!(Lang::Vi.term("reason", "new_reason"), "new_reason");
    }
}
