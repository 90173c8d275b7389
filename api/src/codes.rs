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
        "Cơ quan đang bị tạm dừng do sự cố: hãy mở lại cơ quan thay vì thử lại từng bước.",
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
        "NOT_EVERY_AGENCY",
        &[403],
        "The caller does not administer every agency the procedure calls.",
        "Người gọi không quản trị tất cả các cơ quan mà thủ tục sử dụng.",
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
        "Cần nêu lý do, từ 1 đến 500 ký tự; lý do được lưu cùng hồ sơ và trong nhật ký kiểm toán.",
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
        "Tạm dừng hoặc mở lại một cơ quan cần cán bộ có phạm vi mọi đơn vị (`*`).",
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
mod tests {
    use std::{
        collections::BTreeMap,
        path::{Path, PathBuf},
    };

    use axum::http::StatusCode;
    use lienthong_identity::AuthError;
    use temporalio_client::errors::WorkflowUpdateError;
    use temporalio_common::protos::temporal::api::failure::v1::Failure;

    use super::*;

    /// Uppercase string literals in `api/src` that are not codes of either list, each with why.
    const NOT_CODES: &[&str] = &[
        // Header values and OpenAPI words.
        "DENY", // `X-Frame-Options`
        "JWT",  // the bearer scheme's format in the OpenAPI document
        // Codes of a step's own error inside a case's state (`steps[].last_error.code`), set by
        // the worker, an agency or a dry run's simulated call: not codes of an API error.
        "RETRYING",
        "UNKNOWN_OPERATION",
        "REQUEST_INVALID",
        "AGENCY_UNAVAILABLE", // a worker's step error, in a console test's fixture
    ];

    /// Uppercase literals that are HTTP methods (in tests' requests).
    const HTTP_METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    /// Second arguments of `ApiError::new` that are not a literal, each with the test that
    /// covers the codes it carries.
    const PASSED_ON: &[&str] = &[
        // The callbacks' `unauthorized`: the literals it is called with (scanned as a "helper").
        "code",
        // `ops::actions::refused`: a `RefusalCode` (`refusals_are_listed_with_their_status`).
        "code.as_str()",
        // `auth::auth_error`: `AuthError::code` (`identity_errors_are_listed_with_their_status`).
        "e.code()",
    ];

    /// Functions whose first argument is a code they answer with.
    const HELPERS: &[&str] = &["refused", "unauthorized"];

    /// Set to `1` to rewrite the generated tables of `docs/error-codes.md` instead of comparing.
    const WRITE_DOCS_ENV: &str = "LIENTHONG_WRITE_DOCS";

    const DOC: &str = "docs/error-codes.md";

    fn code_like(s: &str) -> bool {
        s.len() >= 3
            && s.as_bytes()[0].is_ascii_uppercase()
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    }

    fn status_number(name: &str) -> u16 {
        const KNOWN: &[(&str, StatusCode)] = &[
            ("BAD_REQUEST", StatusCode::BAD_REQUEST),
            ("UNAUTHORIZED", StatusCode::UNAUTHORIZED),
            ("FORBIDDEN", StatusCode::FORBIDDEN),
            ("NOT_FOUND", StatusCode::NOT_FOUND),
            ("METHOD_NOT_ALLOWED", StatusCode::METHOD_NOT_ALLOWED),
            ("CONFLICT", StatusCode::CONFLICT),
            ("PAYLOAD_TOO_LARGE", StatusCode::PAYLOAD_TOO_LARGE),
            ("UNSUPPORTED_MEDIA_TYPE", StatusCode::UNSUPPORTED_MEDIA_TYPE),
            ("UNPROCESSABLE_ENTITY", StatusCode::UNPROCESSABLE_ENTITY),
            ("TOO_MANY_REQUESTS", StatusCode::TOO_MANY_REQUESTS),
            ("INTERNAL_SERVER_ERROR", StatusCode::INTERNAL_SERVER_ERROR),
            ("SERVICE_UNAVAILABLE", StatusCode::SERVICE_UNAVAILABLE),
        ];
        KNOWN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s.as_u16())
            .unwrap_or_else(|| panic!("add StatusCode::{name} to `status_number`"))
    }

    #[derive(Debug, Clone, PartialEq)]
    enum Tok {
        Str(String),
        Num(String),
        Ident(String),
        Punct(char),
    }

    /// Tokens and the line each begins on.
    type Lexed = (Vec<Tok>, Vec<usize>);

    /// Rust source as tokens, each with its line: comments dropped, string literals (raw, byte)
    /// kept whole, char literals and lifetimes skipped. Enough to find literals and what
    /// surrounds them.
    fn lex(source: &str) -> Lexed {
        let s: Vec<char> = source.chars().collect();
        let at = |i: usize| s.get(i).copied().unwrap_or('\0');
        let mut toks = Vec::new();
        let mut lines = Vec::new();
        let (mut line, mut counted, mut begin_line) = (1, 0, 1);
        let mut i = 0;
        // A `"…"` string from its opening quote at `i`: (content, index after it).
        let string = |mut i: usize| {
            let mut content = String::new();
            i += 1;
            while i < s.len() && s[i] != '"' {
                if s[i] == '\\' {
                    content.push(s[i]);
                    i += 1;
                }
                if i < s.len() {
                    content.push(s[i]);
                }
                i += 1;
            }
            (content, i + 1)
        };
        while i < s.len() {
            // The tokens of the last round began on `begin_line`.
            lines.resize(toks.len(), begin_line);
            line += s[counted..i].iter().filter(|c| **c == '\n').count();
            counted = i;
            begin_line = line;
            let ch = s[i];
            if ch.is_whitespace() {
                i += 1;
            } else if ch == '/' && at(i + 1) == '/' {
                while i < s.len() && s[i] != '\n' {
                    i += 1;
                }
            } else if ch == '/' && at(i + 1) == '*' {
                let mut depth = 0;
                while i < s.len() {
                    if s[i] == '/' && at(i + 1) == '*' {
                        depth += 1;
                        i += 2;
                    } else if s[i] == '*' && at(i + 1) == '/' {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            } else if ch == '"' {
                let (content, next) = string(i);
                toks.push(Tok::Str(content));
                i = next;
            } else if ch == '\'' {
                if at(i + 1) == '\\' {
                    i += 2;
                    while i < s.len() && s[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if at(i + 2) == '\'' {
                    i += 3;
                } else {
                    i += 1; // a lifetime; its name is lexed as an identifier
                }
            } else if ch.is_ascii_digit() {
                let start = i;
                while i < s.len()
                    && (s[i].is_alphanumeric()
                        || s[i] == '_'
                        || (s[i] == '.' && at(i + 1).is_ascii_digit()))
                {
                    i += 1;
                }
                toks.push(Tok::Num(s[start..i].iter().collect()));
            } else if ch.is_alphabetic() || ch == '_' {
                // Byte and raw strings: `b"…"`, `r"…"`, `r#"…"#`, `br#"…"#`.
                if ch == 'b' && at(i + 1) == '"' {
                    let (content, next) = string(i + 1);
                    toks.push(Tok::Str(content));
                    i = next;
                    continue;
                }
                let r = match (ch, at(i + 1)) {
                    ('r', _) => Some(i + 1),
                    ('b', 'r') => Some(i + 2),
                    _ => None,
                };
                if let Some(mut j) = r {
                    let mut hashes = 0;
                    while at(j) == '#' {
                        hashes += 1;
                        j += 1;
                    }
                    if at(j) == '"' {
                        let start = j + 1;
                        let mut k = start;
                        while k < s.len()
                            && !(s[k] == '"' && (1..=hashes).all(|h| at(k + h) == '#'))
                        {
                            k += 1;
                        }
                        toks.push(Tok::Str(s[start..k.min(s.len())].iter().collect()));
                        i = k + 1 + hashes;
                        continue;
                    }
                }
                let start = i;
                while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                    i += 1;
                }
                toks.push(Tok::Ident(s[start..i].iter().collect()));
            } else {
                toks.push(Tok::Punct(ch));
                i += 1;
            }
        }
        lines.resize(toks.len(), begin_line);
        (toks, lines)
    }

    fn is_ident(t: Option<&Tok>, name: &str) -> bool {
        matches!(t, Some(Tok::Ident(n)) if n == name)
    }

    fn is_punct(t: Option<&Tok>, c: char) -> bool {
        t == Some(&Tok::Punct(c))
    }

    /// The index of the bracket closing the one opened at `open`.
    fn closing(toks: &[Tok], open: usize) -> usize {
        let mut depth = 0i32;
        for (i, t) in toks.iter().enumerate().skip(open) {
            match t {
                Tok::Punct('(' | '[' | '{') => depth += 1,
                Tok::Punct(')' | ']' | '}') => {
                    depth -= 1;
                    if depth == 0 {
                        return i;
                    }
                }
                _ => {}
            }
        }
        toks.len()
    }

    /// The arguments of the call whose `(` is at `open`, each as its tokens.
    fn arguments(toks: &[Tok], open: usize) -> Vec<&[Tok]> {
        let close = closing(toks, open);
        let mut args = Vec::new();
        let mut depth = 0i32;
        let mut start = open + 1;
        for i in open + 1..close {
            match &toks[i] {
                Tok::Punct('(' | '[' | '{') => depth += 1,
                Tok::Punct(')' | ']' | '}') => depth -= 1,
                Tok::Punct(',') if depth == 0 => {
                    args.push(&toks[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        if start < close {
            args.push(&toks[start..close]);
        }
        args
    }

    fn text(toks: &[Tok]) -> String {
        toks.iter()
            .map(|t| match t {
                Tok::Str(s) => format!("{s:?}"),
                Tok::Num(s) | Tok::Ident(s) => s.clone(),
                Tok::Punct(c) => c.to_string(),
            })
            .collect()
    }

    /// Marks the tokens of every block opened by `[`/`{` right after `starts(toks, i)` holds.
    fn mark(toks: &[Tok], starts: impl Fn(&[Tok], usize) -> Option<usize>) -> Vec<bool> {
        let mut marked = vec![false; toks.len()];
        for i in 0..toks.len() {
            if let Some(open) = starts(toks, i) {
                let close = closing(toks, open).min(toks.len() - 1);
                marked[i..=close].iter_mut().for_each(|m| *m = true);
            }
        }
        marked
    }

    /// One use of a code found in the source.
    #[derive(Debug)]
    struct Use {
        code: String,
        /// The status it is answered with, when the source names it beside the code.
        status: Option<u16>,
        place: String,
    }

    #[derive(Debug, Default)]
    struct Scan {
        files: usize,
        /// Literals in a place that makes them an answer's `error.code`.
        answers: Vec<Use>,
        /// Literals in a place that makes them a field's code.
        fields: Vec<Use>,
        /// Non-literal codes given to `ApiError::new` and the like.
        passed_on: BTreeMap<String, String>,
        /// Every uppercase literal outside attributes, with where.
        literals: BTreeMap<String, String>,
        /// `(status, code, place)` named in an OpenAPI response description.
        documented: Vec<(u16, String, String)>,
    }

    fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                rust_files(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }

    /// Reads every `.rs` file under `api/src` (wherever it has moved to) but this one.
    fn scan() -> Scan {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&root, &mut files);
        files.sort();
        let sources: Vec<(String, Lexed)> = files
            .iter()
            .filter(|p| !p.ends_with(file!()))
            .map(|p| {
                let source = std::fs::read_to_string(p).expect("a readable source file");
                let name = p.strip_prefix(&root).unwrap_or(p).display().to_string();
                (name, lex(&source))
            })
            .collect();
        // `const NAME: &str = "CODE";`, for a code given by name.
        let mut consts = BTreeMap::new();
        for (_, (toks, _)) in &sources {
            for w in toks.windows(7) {
                if let [
                    Tok::Ident(k),
                    Tok::Ident(name),
                    Tok::Punct(':'),
                    Tok::Punct('&'),
                    Tok::Ident(ty),
                    Tok::Punct('='),
                    Tok::Str(value),
                ] = w
                    && k == "const"
                    && ty == "str"
                {
                    consts.insert(name.clone(), value.clone());
                }
            }
        }
        let mut found = Scan {
            files: sources.len(),
            ..Scan::default()
        };
        for (file, (toks, lines)) in &sources {
            let t = |i: usize| toks.get(i);
            let attribute = mark(toks, |toks, i| {
                let bang = usize::from(is_punct(toks.get(i + 1), '!'));
                (is_punct(toks.get(i), '#') && is_punct(toks.get(i + 1 + bang), '['))
                    .then_some(i + 1 + bang)
            });
            let field_error = mark(toks, |toks, i| {
                (is_ident(toks.get(i), "FieldError") && is_punct(toks.get(i + 1), '{'))
                    .then_some(i + 1)
            });
            let place = |i: usize| format!("api/src/{file}:{}", lines[i]);
            for i in 0..toks.len() {
                if attribute[i] {
                    // `(status = 409, description = "`CASE_CLOSED` …")`
                    if let (Some(Tok::Num(n)), Some(Tok::Str(words))) = (t(i + 2), t(i + 6))
                        && is_ident(t(i), "status")
                        && is_punct(t(i + 1), '=')
                        && is_ident(t(i + 4), "description")
                    {
                        for word in words.split('`').skip(1).step_by(2) {
                            if code_like(word) {
                                found.documented.push((
                                    n.parse().expect("a status number"),
                                    word.to_owned(),
                                    place(i),
                                ));
                            }
                        }
                    }
                    continue;
                }
                if let Some(Tok::Str(s)) = t(i)
                    && code_like(s)
                    // Environment variables: a constant naming one, `env!("…")`, `var("…")`.
                    && !s.starts_with("LIENTHONG_")
                    && !environment_variable(toks, i)
                {
                    found.literals.entry(s.clone()).or_insert_with(|| place(i));
                    if field_error[i] {
                        found.fields.push(Use {
                            code: s.clone(),
                            status: None,
                            place: place(i),
                        });
                    }
                }
                // `ApiError::new(status, "CODE", …)`, `Problem::new(…)`, `Self::new(StatusCode::…, …)`.
                if let Some(Tok::Ident(ty)) = t(i)
                    && ["ApiError", "Problem", "Self"].contains(&ty.as_str())
                    && is_punct(t(i + 1), ':')
                    && is_punct(t(i + 2), ':')
                    && is_ident(t(i + 3), "new")
                    && is_punct(t(i + 4), '(')
                {
                    let args = arguments(toks, i + 4);
                    let status_arg = args.first().copied().unwrap_or_default();
                    let is_status = status_arg.contains(&Tok::Ident("StatusCode".into()))
                        || status_arg == [Tok::Ident("status".into())];
                    if args.len() >= 2 && is_status {
                        let status = match status_arg {
                            [
                                Tok::Ident(sc),
                                Tok::Punct(':'),
                                Tok::Punct(':'),
                                Tok::Ident(name),
                            ] if sc == "StatusCode" => Some(status_number(name)),
                            _ => None,
                        };
                        let code = match args[1] {
                            [Tok::Str(s)] => Some(s.clone()),
                            [Tok::Ident(name)] if consts.contains_key(name) => {
                                Some(consts[name].clone())
                            }
                            other => {
                                found.passed_on.insert(text(other), place(i));
                                None
                            }
                        };
                        if let Some(code) = code {
                            found.answers.push(Use {
                                code,
                                status,
                                place: place(i),
                            });
                        }
                    }
                }
                // `ApiError { code: "CODE", … }` and `error.code = "CODE"`; a field's or a step's
                // code is a `String` (`"CODE".into()`).
                let literal_at = |j: usize| match (t(j), t(j + 1)) {
                    (Some(Tok::Str(s)), next) if !is_punct(next, '.') => Some(s.clone()),
                    _ => None,
                };
                let assigned =
                    if is_ident(t(i), "code") && is_punct(t(i + 1), ':') && !field_error[i] {
                        literal_at(i + 2)
                    } else if is_punct(t(i), '.')
                        && is_ident(t(i + 1), "code")
                        && is_punct(t(i + 2), '=')
                    {
                        literal_at(i + 3)
                    } else {
                        None
                    };
                // `refused("CODE", …)`, `unauthorized("CODE", …)`.
                let helped = match (t(i), t(i + 1), t(i + 2)) {
                    (Some(Tok::Ident(h)), Some(Tok::Punct('(')), Some(Tok::Str(s)))
                        if HELPERS.contains(&h.as_str()) =>
                    {
                        Some(s.clone())
                    }
                    _ => None,
                };
                for code in assigned.into_iter().chain(helped) {
                    found.answers.push(Use {
                        code,
                        status: None,
                        place: place(i),
                    });
                }
                // `field(pointer, "CODE", words)`: the field-error builders.
                if is_ident(t(i), "field")
                    && is_punct(t(i + 1), '(')
                    && let Some([Tok::Str(s)]) = arguments(toks, i + 1).get(1).copied()
                {
                    found.fields.push(Use {
                        code: s.clone(),
                        status: None,
                        place: place(i),
                    });
                }
            }
        }
        found
    }

    /// The literal at `i` names an environment variable: `env!("…")`, `std::env::var("…")`.
    fn environment_variable(toks: &[Tok], i: usize) -> bool {
        let before = |back: usize| i.checked_sub(back).and_then(|j| toks.get(j));
        is_punct(before(1), '(')
            && (["env", "option_env"]
                .iter()
                .any(|m| is_punct(before(2), '!') && is_ident(before(3), m))
                || ["var", "var_os", "set_var", "remove_var"]
                    .iter()
                    .any(|f| is_ident(before(2), f)))
    }

    fn field(code: &str) -> Option<&'static FieldCode> {
        FIELD_CODES.iter().find(|f| f.code == code)
    }

    #[test]
    fn the_lists_are_sorted_without_duplicates_or_blanks() {
        for pair in CODES.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "CODES: `{}` must come after `{}` (sorted, once each)",
                pair[0].code,
                pair[1].code
            );
        }
        for pair in FIELD_CODES.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "FIELD_CODES: `{}` must come after `{}` (sorted, once each)",
                pair[0].code,
                pair[1].code
            );
        }
        let texts = CODES
            .iter()
            .flat_map(|c| [c.code, c.meaning, c.vi])
            .chain(FIELD_CODES.iter().flat_map(|f| [f.code, f.meaning, f.vi]));
        for text in texts {
            assert!(
                !text.trim().is_empty() && !text.contains('|') && !text.contains('\n'),
                "{text:?}: every entry is one line of a Markdown table"
            );
        }
        for c in CODES {
            assert!(code_like(c.code), "{}: not a code", c.code);
            assert!(!c.status.is_empty(), "{}: which status?", c.code);
            assert!(
                c.status.windows(2).all(|w| w[0] < w[1])
                    && c.status.iter().all(|s| (400..600).contains(s)),
                "{}: statuses are 4xx or 5xx, sorted",
                c.code
            );
        }
        assert!(FIELD_CODES.iter().all(|f| code_like(f.code)));
        assert_eq!(find("CASE_NOT_FOUND").map(|c| c.status), Some(&[404][..]));
        assert_eq!(find("NOT_A_CODE"), None);
    }

    #[test]
    fn every_code_the_source_answers_with_is_listed() {
        let scan = scan();
        assert!(
            scan.files > 20 && scan.answers.len() > 50,
            "the scan of api/src found too little ({} files, {} codes): has the source moved?",
            scan.files,
            scan.answers.len()
        );
        let mut problems = Vec::new();
        for u in &scan.answers {
            match (find(&u.code), u.status) {
                (None, _) => problems.push(format!(
                    "`{}` is answered but not in CODES: {}",
                    u.code, u.place
                )),
                (Some(listed), Some(status)) if !listed.status.contains(&status) => {
                    problems.push(format!(
                        "`{}` is answered with {status}, CODES says {:?}: {}",
                        u.code, listed.status, u.place
                    ));
                }
                _ => {}
            }
        }
        for u in scan.fields.iter().filter(|u| field(&u.code).is_none()) {
            problems.push(format!(
                "field code `{}` is not in FIELD_CODES: {}",
                u.code, u.place
            ));
        }
        for (arg, place) in &scan.passed_on {
            if !PASSED_ON.contains(&arg.as_str()) {
                problems.push(format!(
                    "`{arg}` is given as a code: say in PASSED_ON which test covers the codes \
                     it carries: {place}"
                ));
            }
        }
        // Anything that looks like a code elsewhere (a match arm, a fallback, a page's markup)
        // is one of the lists' or said not to be.
        for (literal, place) in &scan.literals {
            if find(literal).is_none()
                && field(literal).is_none()
                && !NOT_CODES.contains(&literal.as_str())
                && !HTTP_METHODS.contains(&literal.as_str())
            {
                problems.push(format!(
                    "`{literal}` looks like a code but is in neither CODES nor FIELD_CODES (nor \
                     NOT_CODES, if it is none): {place}"
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn nothing_listed_is_no_longer_answered() {
        let scan = scan();
        let refusals: Vec<&str> = lienthong_definitions::operator::RefusalCode::ALL
            .iter()
            .map(|code| code.as_str())
            .collect();
        let identity: Vec<&str> = identity_errors().iter().map(AuthError::code).collect();
        for c in CODES {
            assert!(
                scan.literals.contains_key(c.code)
                    || refusals.contains(&c.code)
                    || identity.contains(&c.code),
                "`{}` is in CODES but nothing in api/src answers it any more",
                c.code
            );
        }
        for f in FIELD_CODES {
            assert!(
                scan.literals.contains_key(f.code),
                "`{}` is in FIELD_CODES but nothing in api/src gives it any more",
                f.code
            );
        }
        for code in NOT_CODES {
            assert!(
                scan.literals.contains_key(*code),
                "`{code}` is in NOT_CODES but no longer in api/src"
            );
        }
    }

    #[test]
    fn the_openapi_descriptions_name_listed_codes_with_their_status() {
        let scan = scan();
        assert!(
            !scan.documented.is_empty(),
            "no response descriptions found"
        );
        let mut problems = Vec::new();
        for (status, code, place) in &scan.documented {
            match find(code) {
                Some(listed) if !listed.status.contains(status) => problems.push(format!(
                    "`{code}` is described under {status}, CODES says {:?}: {place}",
                    listed.status
                )),
                None if field(code).is_none() => problems.push(format!(
                    "`{code}` is described but is in neither CODES nor FIELD_CODES: {place}"
                )),
                _ => {}
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// One of each `AuthError` (it is `non_exhaustive`: add a new variant here).
    fn identity_errors() -> Vec<AuthError> {
        vec![
            AuthError::Missing,
            AuthError::Invalid("bad signature"),
            AuthError::Expired,
            AuthError::IssuerUnavailable,
            AuthError::Config("no issuer".into()),
        ]
    }

    #[test]
    fn identity_errors_are_listed_with_their_status() {
        for e in identity_errors() {
            let answer = crate::auth::auth_error(&e);
            let listed = find(answer.code)
                .unwrap_or_else(|| panic!("`{}` (identity) is not in CODES", answer.code));
            assert!(
                listed.status.contains(&answer.status.as_u16()),
                "`{}` is answered with {}, CODES says {:?}",
                answer.code,
                answer.status,
                listed.status
            );
        }
    }

    #[test]
    fn refusals_are_listed_with_their_status() {
        for code in lienthong_definitions::operator::RefusalCode::ALL.map(|code| code.as_str()) {
            // As the case's validator fails an operator's action or a withdrawal.
            let failure = Failure {
                message: format!("{code}: refused"),
                ..Failure::default()
            };
            let answer = crate::ops::update_error(WorkflowUpdateError::Failed(Box::new(failure)));
            assert_eq!(answer.code, code, "a refusal keeps its code");
            let listed = find(code).unwrap_or_else(|| panic!("refusal `{code}` is not in CODES"));
            assert!(
                listed.status.contains(&answer.status.as_u16()),
                "refusal `{code}` is answered with {}, CODES says {:?}",
                answer.status,
                listed.status
            );
        }
    }

    /// The text between `<!-- {name}:begin -->` and `<!-- {name}:end -->`, as byte offsets.
    fn section(text: &str, name: &str) -> (usize, usize) {
        let begin = format!("<!-- {name}:begin -->");
        let end = format!("<!-- {name}:end -->");
        let start = text
            .find(&begin)
            .unwrap_or_else(|| panic!("{DOC} has no `{begin}` line"))
            + begin.len();
        let stop = start
            + text[start..]
                .find(&end)
                .unwrap_or_else(|| panic!("{DOC} has no `{end}` line after `{begin}`"));
        (start, stop)
    }

    #[test]
    fn the_docs_list_every_code() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(DOC);
        let mut text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{DOC}: {e}"));
        let write = std::env::var(WRITE_DOCS_ENV).is_ok_and(|v| v == "1");
        for (name, generated) in [("codes", markdown()), ("field-codes", field_markdown())] {
            let (start, stop) = section(&text, name);
            let written = text[start..stop].trim();
            if write {
                text = format!(
                    "{}\n{}\n{}",
                    &text[..start],
                    generated.trim(),
                    &text[stop..]
                );
                continue;
            }
            let first = written
                .lines()
                .zip(generated.lines())
                .position(|(w, g)| w != g)
                .unwrap_or_else(|| written.lines().count().min(generated.lines().count()));
            assert!(
                written == generated.trim(),
                "the `{name}` table of {DOC} differs from codes.rs (first at its line {}: written \
                 {:?}, generated {:?}); run `{WRITE_DOCS_ENV}=1 cargo test -p lienthong-api --lib \
                 codes` to rewrite it",
                first + 1,
                written.lines().nth(first),
                generated.lines().nth(first),
            );
        }
        if write {
            std::fs::write(&path, text).unwrap_or_else(|e| panic!("{DOC}: {e}"));
        }
        // Every code of the lists, in the docs.
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{DOC}: {e}"));
        for code in CODES
            .iter()
            .map(|c| c.code)
            .chain(FIELD_CODES.iter().map(|f| f.code))
        {
            assert!(
                text.contains(&format!("| `{code}` |")),
                "{DOC} lacks `{code}`"
            );
        }
    }

    #[test]
    fn the_lexer_keeps_literals_and_drops_comments() {
        let (toks, lines) = lex(r##"// "NOT_THIS"
            /* "NOR_THIS" /* nested */ */
            let a = '"'; let b = b"BYTES"; let r = r#"RAW "quoted""#; fn f<'a>(x: &'a str) {}
            ApiError::new(StatusCode::CONFLICT, "CODE_ONE", format!("{}", "x\"y"));"##);
        let strings: Vec<&str> = toks
            .iter()
            .filter_map(|t| match t {
                Tok::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            strings,
            ["BYTES", "RAW \"quoted\"", "CODE_ONE", "{}", "x\\\"y"]
        );
        let new = toks
            .iter()
            .position(|t| *t == Tok::Ident("new".into()))
            .expect("the call of `new`");
        let args = arguments(&toks, new + 1);
        assert_eq!(args.len(), 3);
        assert_eq!(args[1], [Tok::Str("CODE_ONE".into())]);
        assert_eq!(lines[new], 4, "the call is on the source's fourth line");
    }
}
