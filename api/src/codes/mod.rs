//! Every error code the API answers, in one list.
//!
//! Clients branch on `error.code` (`{"error": {"code": "CASE_NOT_FOUND", "message": …}}`), never
//! on the message, so a code is part of the API's contract: this is the one list of them, with
//! the HTTP status each comes with and what it means. [`FIELD_CODES`] lists the codes of
//! `error.fields[].code` the same way. `docs/error-codes.md` is generated from both lists
//! ([`markdown`], [`field_markdown`]); the tests below keep it equal to them, and read the
//! source of every file under `api/src` to check that each code the API can answer is listed
//! here (and that nothing listed here is no longer answered).
//!
//! A code is added here in the same change that first answers it.

/// One code of `{"error": {"code": …}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    /// Every HTTP status the code is answered with.
    pub status: &'static [u16],
    /// What it means, in one line of English.
    pub meaning: &'static str,
    /// The same in Vietnamese.
    pub vi: &'static str,
}

/// One code of `error.fields[].code`: what is wrong with one field of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldCode {
    pub code: &'static str,
    pub meaning: &'static str,
    pub vi: &'static str,
}

const fn c(
    code: &'static str,
    status: &'static [u16],
    meaning: &'static str,
    vi: &'static str,
) -> Code {
    Code {
        code,
        status,
        meaning,
        vi,
    }
}

const fn f(code: &'static str, meaning: &'static str, vi: &'static str) -> FieldCode {
    FieldCode { code, meaning, vi }
}

/// Every code of `{"error": {"code": …}}` the API (and the console) answers, sorted. Includes
/// the codes it passes on from elsewhere: an operator action's refusals
/// (`lienthong_definitions::operator::REFUSAL_CODES`) and the identity checks
/// (`lienthong_identity::AuthError::code`).
pub const CODES: &[Code] = &[
    c(
        "ACTION_INVALID",
        &[400],
        "An operator action is not one the API takes, or lacks a field it needs (see `fields`).",
        "Thao tác của cán bộ không thuộc danh sách được hỗ trợ hoặc thiếu trường cần thiết (xem `fields`).",
    ),
    c(
        "ACTOR_REQUIRED",
        &[409],
        "An operator action named no operator account.",
        "Thao tác không ghi rõ tài khoản cán bộ thực hiện.",
    ),
    c(
        "AGENCY_HELD",
        &[409],
        "The step's agency is held for an outage: release the agency rather than retry one step.",
        "Hồ sơ đang tạm dừng gửi đến cơ quan này do sự cố: hãy tiếp tục gửi đến cơ quan thay vì thử lại từng bước.",
    ),
    c(
        "AGENCY_MISMATCH",
        &[400],
        "The catalogue entry's `id` is not the agency in the path.",
        "Mã `id` của mục danh mục không trùng với cơ quan trên đường dẫn.",
    ),
    c(
        "AGENCY_NOT_FOUND",
        &[404],
        "No agency of the catalogue has this id.",
        "Không có cơ quan nào trong danh mục mang mã này.",
    ),
    c(
        "AGENCY_NOT_IN_CASE",
        &[409],
        "The case's procedure never calls this agency.",
        "Thủ tục của hồ sơ không liên quan đến cơ quan này.",
    ),
    c(
        "ALREADY_HELD",
        &[409],
        "The agency is already held.",
        "Cơ quan đã bị tạm dừng từ trước.",
    ),
    c(
        "APPLICATION_INVALID",
        &[400],
        "The application has problems, each in `fields`; nothing was started.",
        "Đơn có lỗi, từng lỗi nêu trong `fields`; chưa khởi tạo hồ sơ nào.",
    ),
    c(
        "APPROVALS_MISSING",
        &[409],
        "An agency the version calls has not approved this exact text (to publish, or to retire): an administrator of each approves it first.",
        "Có cơ quan mà phiên bản này gọi tới chưa phê duyệt đúng văn bản này (để ban hành hoặc thu hồi): quản trị viên của từng cơ quan phải phê duyệt trước.",
    ),
    c(
        "BATCH_NOT_FOUND",
        &[404],
        "No bulk batch has this id.",
        "Không có lô thao tác hàng loạt nào mang mã này.",
    ),
    c(
        "BODY_INVALID",
        &[400],
        "The body cannot be taken as text: not UTF-8, or a string holds a NUL character.",
        "Không đọc được nội dung yêu cầu: không phải UTF-8, hoặc có chuỗi chứa ký tự NUL.",
    ),
    c(
        "BODY_TOO_LARGE",
        &[413],
        "The body is larger than the API takes.",
        "Nội dung yêu cầu vượt quá dung lượng cho phép.",
    ),
    c(
        "BULK_OVER_CAP",
        &[409],
        "More cases match the bulk action than its `cap`; nothing was done.",
        "Số hồ sơ khớp nhiều hơn mức `cap` của thao tác hàng loạt; chưa thực hiện gì.",
    ),
    c(
        "CALLBACK_REPLAYED",
        &[401],
        "This agency callback was already received.",
        "Lời gọi lại này của cơ quan đã được nhận trước đó.",
    ),
    c(
        "CASE_CLOSED",
        &[409],
        "The case has ended; nothing can change it.",
        "Hồ sơ đã kết thúc; không thể thay đổi được nữa.",
    ),
    c(
        "CASE_DID_NOT_ANSWER",
        &[503],
        "The case did not take the update in time; it may still take effect: read the case before sending again.",
        "Hồ sơ không phản hồi kịp thời hạn; yêu cầu vẫn có thể có hiệu lực: hãy xem lại hồ sơ trước khi gửi lại.",
    ),
    c(
        "CASE_NOT_FOUND",
        &[404],
        "No case has this code, or none the caller may see.",
        "Không có hồ sơ mang mã này, hoặc người gọi không được xem hồ sơ đó.",
    ),
    c(
        "CASE_NOT_STARTED",
        &[409],
        "An update reached the case before its state existed; send it again in a moment.",
        "Yêu cầu đến trước khi hồ sơ được khởi tạo xong; hãy gửi lại sau giây lát.",
    ),
    c(
        "CASE_STARTING",
        &[503],
        "The case is being started; ask again in a moment.",
        "Hồ sơ đang được khởi tạo; hãy hỏi lại sau giây lát.",
    ),
    c(
        "CASE_STOPPING",
        &[409],
        "The case is being withdrawn or undone; no action can change that.",
        "Hồ sơ đang được rút hoặc hoàn tác; không thao tác nào thay đổi được việc này.",
    ),
    c(
        "CATALOGUE_ENTRY_INVALID",
        &[422],
        "The catalogue entry has problems, each in `diagnostics`; nothing was stored.",
        "Mục danh mục có lỗi, từng lỗi nêu trong `diagnostics`; chưa lưu gì.",
    ),
    c(
        "CAUSE_PERSISTS",
        &[409],
        "The agency still fails its health check, so the retry was not sent (`force` overrides).",
        "Cơ quan vẫn chưa vượt qua kiểm tra tình trạng nên chưa gửi lại (dùng `force` để bỏ qua).",
    ),
    c(
        "CSRF_FAILED",
        &[403],
        "Console: the form did not come from this console session.",
        "Bảng điều khiển: biểu mẫu không xuất phát từ phiên làm việc này.",
    ),
    c(
        "DATABASE_UNAVAILABLE",
        &[503],
        "The engine database did not answer; try again shortly.",
        "Cơ sở dữ liệu của hệ thống không phản hồi; hãy thử lại sau ít phút.",
    ),
    c(
        "DEFINITION_INVALID",
        &[422],
        "The procedure definition has problems (each in `diagnostics` when validation found them); nothing was stored.",
        "Định nghĩa thủ tục có lỗi (nêu trong `diagnostics` khi do bước kiểm tra phát hiện); chưa lưu gì.",
    ),
    c(
        "DEFINITION_NOT_FOUND",
        &[404],
        "No stored version has this procedure id and number.",
        "Không có phiên bản nào được lưu với mã thủ tục và số phiên bản này.",
    ),
    c(
        "DRY_RUN_TARGET",
        &[400],
        "A dry run takes either `definition`, or `procedure` and `version`.",
        "Chạy thử cần `definition`, hoặc `procedure` kèm `version`.",
    ),
    c(
        "ENGINE_UNAVAILABLE",
        &[503],
        "The case engine did not answer; try again shortly.",
        "Bộ máy xử lý hồ sơ không phản hồi; hãy thử lại sau ít phút.",
    ),
    c(
        "FILTER_INVALID",
        &[400],
        "A case filter value is not valid (see `fields`).",
        "Giá trị lọc hồ sơ không hợp lệ (xem `fields`).",
    ),
    c(
        "FORBIDDEN",
        &[403],
        "The caller's role, scope or grant does not allow this.",
        "Vai trò, phạm vi hoặc quyền được cấp của người gọi không cho phép việc này.",
    ),
    c(
        "FORM_INVALID",
        &[400],
        "Console: a form value is not valid.",
        "Bảng điều khiển: giá trị trong biểu mẫu không hợp lệ.",
    ),
    c(
        "IDENTITY_MISCONFIGURED",
        &[503],
        "The API's identity configuration is invalid; its operators must fix it.",
        "Cấu hình xác thực danh tính của API bị sai; đội vận hành cần sửa.",
    ),
    c(
        "INTERNAL_ERROR",
        &[500],
        "The API could not answer (its own mistake, logged); also any other 5xx that was not in the error shape.",
        "API không trả lời được do lỗi nội bộ (đã ghi nhật ký); cũng dùng cho mọi mã 5xx khác chưa theo định dạng lỗi.",
    ),
    c(
        "INVALID_JSON",
        &[400],
        "The body is not valid JSON.",
        "Nội dung không phải JSON hợp lệ.",
    ),
    c(
        "INVALID_REQUEST",
        &[400],
        "The request does not have the shape this route takes (see `fields`); also any other 4xx that was not in the error shape.",
        "Yêu cầu không đúng cấu trúc mà tuyến này nhận (xem `fields`); cũng dùng cho mọi mã 4xx khác chưa theo định dạng lỗi.",
    ),
    c(
        "ISSUER_UNAVAILABLE",
        &[503],
        "The identity provider could not be reached to check the token; try again.",
        "Không liên lạc được với nhà cung cấp định danh để kiểm tra token; hãy thử lại.",
    ),
    c(
        "JSON_REQUIRED",
        &[415],
        "Send the body as JSON, with `Content-Type: application/json`.",
        "Hãy gửi nội dung dạng JSON, kèm `Content-Type: application/json`.",
    ),
    c(
        "METHOD_NOT_ALLOWED",
        &[405],
        "This route does not take this method.",
        "Tuyến này không nhận phương thức HTTP này.",
    ),
    c(
        "NOT_AWAITING_DOCUMENTS",
        &[409],
        "No step of the case is waiting for documents.",
        "Không có bước nào của hồ sơ đang chờ bổ sung giấy tờ.",
    ),
    c(
        "NOT_HELD",
        &[409],
        "The agency is not held.",
        "Cơ quan không ở trạng thái tạm dừng.",
    ),
    c(
        "NOT_YOUR_AGENCY",
        &[403],
        "An agency administrator acts only on their own agency's catalogue entry and procedures.",
        "Quản trị viên cơ quan chỉ được thao tác trên mục danh mục và thủ tục của cơ quan mình.",
    ),
    c(
        "NOT_YOUR_APPLICATION",
        &[403],
        "A citizen files only an application naming themselves; an officer only at their own offices.",
        "Công dân chỉ nộp đơn có tên chính mình; cán bộ chỉ nộp tại đơn vị mình phụ trách.",
    ),
    c(
        "NO_SCOPE",
        &[403],
        "The caller's account is assigned to no office.",
        "Tài khoản của người gọi chưa được gán cho đơn vị nào.",
    ),
    c(
        "OFFICE_OUT_OF_SCOPE",
        &[403],
        "The office asked for is not in the caller's scope.",
        "Đơn vị được yêu cầu nằm ngoài phạm vi của người gọi.",
    ),
    c(
        "OUTPUT_INVALID",
        &[400],
        "The output given to resolve a step is not a JSON object of the fields later steps read.",
        "Kết quả nhập để hoàn tất bước không phải đối tượng JSON chứa các trường mà các bước sau cần.",
    ),
    c(
        "PAGE_INVALID",
        &[400],
        "`page` is not one a bulk dry run answered.",
        "`page` không phải giá trị do lần chạy thử hàng loạt trả về.",
    ),
    c(
        "PATH_INVALID",
        &[400],
        "A path parameter is not valid (see `fields`).",
        "Tham số trên đường dẫn không hợp lệ (xem `fields`).",
    ),
    c(
        "QUERY_INVALID",
        &[400],
        "A query parameter is not valid (see `fields`).",
        "Tham số truy vấn không hợp lệ (xem `fields`).",
    ),
    c(
        "RATE_LIMITED",
        &[429],
        "Too many requests of this kind from this caller; `Retry-After` says when to try again.",
        "Người gọi gửi quá nhiều yêu cầu loại này; `Retry-After` cho biết khi nào được thử lại.",
    ),
    c(
        "REASON_REQUIRED",
        &[400],
        "Say why, in 1 to 500 characters; the reason is kept with the case and in the audit log.",
        "Cần nêu lý do, từ 1 đến 500 ký tự; lý do được lưu cùng hồ sơ và trong nhật ký thao tác.",
    ),
    c(
        "REFERENCE_REQUIRED",
        &[400],
        "Resolving a step needs the agency's reference of what was done offline.",
        "Hoàn tất bước cần số tham chiếu của cơ quan cho phần việc đã xử lý ngoài hệ thống.",
    ),
    c(
        "ROUTE_NOT_FOUND",
        &[404],
        "No route has this path; `GET /v1/openapi.json` lists them.",
        "Không có tuyến nào ứng với đường dẫn này; `GET /v1/openapi.json` liệt kê các tuyến.",
    ),
    c(
        "SCOPE_TOO_NARROW",
        &[403],
        "Holding or releasing an agency needs an operator whose scope is every office (`*`).",
        "Tạm dừng hoặc tiếp tục gửi đến một cơ quan cần cán bộ có phạm vi mọi đơn vị (`*`).",
    ),
    c(
        "SESSION_FAILED",
        &[500],
        "Console: the session could not be opened; sign in again.",
        "Bảng điều khiển: không mở được phiên làm việc; hãy đăng nhập lại.",
    ),
    c(
        "SIGNATURE_EXPIRED",
        &[401],
        "The callback's timestamp is more than 5 minutes from now.",
        "Dấu thời gian của lời gọi lại lệch quá 5 phút so với hiện tại.",
    ),
    c(
        "SIGNATURE_INVALID",
        &[401],
        "The callback's signature is malformed or does not match the agency's secret.",
        "Chữ ký của lời gọi lại sai định dạng hoặc không khớp khóa bí mật của cơ quan.",
    ),
    c(
        "SIGNATURE_MISSING",
        &[401],
        "The callback lacks `X-Lienthong-Timestamp` or `X-Lienthong-Signature`.",
        "Lời gọi lại thiếu `X-Lienthong-Timestamp` hoặc `X-Lienthong-Signature`.",
    ),
    c(
        "SIGN_IN_DECLINED",
        &[401],
        "Signing in through the identity provider was not completed there (it answered with an error instead of a code).",
        "Việc đăng nhập chưa hoàn tất ở hệ thống định danh (hệ thống trả về lỗi thay vì mã đăng nhập).",
    ),
    c(
        "SIGN_IN_EXPIRED",
        &[400],
        "The answer from the identity provider belongs to no sign-in attempt of this browser (expired after 10 minutes, used, or another browser's); sign in again.",
        "Phản hồi của hệ thống định danh không thuộc lượt đăng nhập nào của trình duyệt này (đã quá 10 phút, đã dùng, hoặc của trình duyệt khác); hãy đăng nhập lại.",
    ),
    c(
        "SIGN_IN_NOT_CONFIGURED",
        &[404],
        "This installation has no OIDC issuer to sign in with (--oidc-issuer); sign in with a token.",
        "Hệ thống chưa cấu hình đăng nhập qua nhà cung cấp định danh (--oidc-issuer); hãy đăng nhập bằng token.",
    ),
    c(
        "SIGN_IN_REFUSED",
        &[401, 500],
        "The identity provider refused the sign-in code, or its ID token did not verify (keys, audience, nonce); sign in again.",
        "Nhà cung cấp định danh từ chối mã đăng nhập, hoặc ID token không hợp lệ (khóa, audience, nonce); hãy đăng nhập lại.",
    ),
    c(
        "STEP_NOT_FOUND",
        &[404],
        "The case has no step with this id.",
        "Hồ sơ không có bước nào mang mã này.",
    ),
    c(
        "STEP_NOT_RESOLVABLE",
        &[409],
        "The step is in a state that cannot be resolved by hand.",
        "Bước đang ở trạng thái không thể hoàn tất thủ công.",
    ),
    c(
        "STEP_NOT_RETRYABLE",
        &[409],
        "The step is in a state that cannot be retried.",
        "Bước đang ở trạng thái không thể thử lại.",
    ),
    c(
        "SUPPLEMENT_INVALID",
        &[400],
        "The document supplement has problems, each in `fields`.",
        "Phần bổ sung giấy tờ có lỗi, từng lỗi nêu trong `fields`.",
    ),
    c(
        "TOKEN_EXPIRED",
        &[401],
        "The bearer token has expired; sign in again.",
        "Token đã hết hạn; hãy đăng nhập lại.",
    ),
    c(
        "TOKEN_INVALID",
        &[401],
        "The bearer token is not valid.",
        "Token không hợp lệ.",
    ),
    c(
        "TOKEN_MISSING",
        &[401],
        "No bearer token was sent (`Authorization: Bearer <token>`).",
        "Chưa gửi token (`Authorization: Bearer <token>`).",
    ),
    c(
        "UNKNOWN_AGENCY",
        &[401],
        "No callback secret is configured for this agency.",
        "Chưa cấu hình khóa bí mật gọi lại cho cơ quan này.",
    ),
    c(
        "VERSION_IMMUTABLE",
        &[409],
        "That version is published or retired and cannot change.",
        "Phiên bản đó đã ban hành hoặc đã ngừng áp dụng, không thể thay đổi.",
    ),
    c(
        "WRONG_VERSION_STATUS",
        &[409],
        "The version's status does not allow this action (for example, it is not a draft).",
        "Trạng thái của phiên bản không cho phép thao tác này (ví dụ: không phải bản nháp).",
    ),
];

/// Every code of `error.fields[].code` the API itself gives, sorted. A procedure's own checks
/// add theirs (each check of a definition names its code, e.g. `CHILD_NOT_UNDER_SIX`); those are
/// listed with the procedure, not here.
pub const FIELD_CODES: &[FieldCode] = &[
    f(
        "CAUSE_PERSISTS",
        "On `/force`: the agency still fails its health check; send `force: true` to retry anyway.",
        "Tại `/force`: cơ quan vẫn chưa vượt qua kiểm tra tình trạng; gửi `force: true` để vẫn thử lại.",
    ),
    f(
        "DUPLICATE_FIELD",
        "The field is given more than once.",
        "Trường này xuất hiện nhiều lần.",
    ),
    f(
        "INVALID",
        "The value does not satisfy the procedure's rules for this field.",
        "Giá trị không đáp ứng quy định của thủ tục cho trường này.",
    ),
    f(
        "INVALID_DATE",
        "Not a real calendar date written YYYY-MM-DD.",
        "Không phải ngày có thật theo dạng YYYY-MM-DD.",
    ),
    f(
        "INVALID_FORMAT",
        "The value does not have the format this field takes.",
        "Giá trị không đúng định dạng của trường này.",
    ),
    f(
        "INVALID_VALUE",
        "The value is not one this field takes.",
        "Trường này không nhận giá trị đó.",
    ),
    f(
        "MISSING_DOCUMENT",
        "A document the agency asked for is not in the supplement.",
        "Thiếu giấy tờ mà cơ quan đã yêu cầu bổ sung.",
    ),
    f(
        "NOT_ALLOWED",
        "The value is not one of those allowed.",
        "Giá trị không nằm trong danh sách cho phép.",
    ),
    f(
        "NUL_CHARACTER",
        "The string contains a NUL character.",
        "Chuỗi có chứa ký tự NUL.",
    ),
    f(
        "PAGE_INVALID",
        "On `/page`: not a value a bulk dry run answered.",
        "Tại `/page`: không phải giá trị do lần chạy thử hàng loạt trả về.",
    ),
    f(
        "REQUIRED",
        "The field is required.",
        "Trường này là bắt buộc.",
    ),
    f(
        "TOO_LONG",
        "The value is longer than this field takes.",
        "Giá trị dài hơn mức trường này cho phép.",
    ),
    f(
        "TOO_SHORT",
        "The value is shorter than this field takes.",
        "Giá trị ngắn hơn mức trường này yêu cầu.",
    ),
    f(
        "UNKNOWN_ACTION",
        "The action is not one of retry_now, resolve, cancel, hold, release.",
        "Thao tác không thuộc retry_now, resolve, cancel, hold, release.",
    ),
    f(
        "UNKNOWN_FIELD",
        "A field or parameter this route does not take.",
        "Trường hoặc tham số mà tuyến này không nhận.",
    ),
    f(
        "UNKNOWN_PROCEDURE",
        "No published procedure has this id; `GET /v1/procedures` lists them.",
        "Không có thủ tục đã ban hành nào mang mã này; `GET /v1/procedures` liệt kê các thủ tục.",
    ),
    f(
        "WRONG_LENGTH",
        "The list has the wrong number of items.",
        "Danh sách có số phần tử không đúng.",
    ),
    f(
        "WRONG_TYPE",
        "The value has the wrong type (a number for a string, …).",
        "Giá trị sai kiểu dữ liệu (ví dụ số thay cho chuỗi).",
    ),
];

/// The entry of `code` in [`CODES`].
pub fn find(code: &str) -> Option<&'static Code> {
    CODES
        .binary_search_by(|c| c.code.cmp(code))
        .ok()
        .map(|i| &CODES[i])
}

/// [`CODES`] as the Markdown table of `docs/error-codes.md`.
pub fn markdown() -> String {
    let mut table = String::from("| code | HTTP | meaning | nghĩa |\n|---|---|---|---|\n");
    for c in CODES {
        let status: Vec<String> = c.status.iter().map(u16::to_string).collect();
        table.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            c.code,
            status.join(", "),
            c.meaning,
            c.vi
        ));
    }
    table
}

/// [`FIELD_CODES`] as the Markdown table of `docs/error-codes.md`.
pub fn field_markdown() -> String {
    let mut table = String::from("| code | meaning | nghĩa |\n|---|---|---|\n");
    for f in FIELD_CODES {
        table.push_str(&format!("| `{}` | {} | {} |\n", f.code, f.meaning, f.vi));
    }
    table
}

#[cfg(test)]
mod tests;
