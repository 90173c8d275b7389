//! `GET /v1/ops/cases` (filtered, paged), `GET /v1/ops/counts` (the dashboard's figures) and
//! `GET /v1/ops/cases/{code}` (one case's timeline), all within the operator's offices.

use std::time::SystemTime;

use axum::{Json, extract::State};
use futures::StreamExt;
use lienthong_identity::Role;
use lienthong_store::AuditFilter;
use lienthong_workflows::search_attributes as sa;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use temporalio_client::{WorkflowCountOptions, WorkflowListOptions};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use utoipa::{IntoParams, ToSchema};

use super::filter::CaseFilter;
use crate::lang::Lang;
use crate::params::{ApiPath, ApiQuery};
use crate::{
    ApiError, ApiState,
    auth::Caller,
    case_access::{self, View},
    engine::case_state,
};

/// The needs-attention reasons the engine computes (`CaseState::attention_reasons`).
pub const REASONS: &[&str] = &[
    "retrying",
    "agency_unavailable",
    "decision_overdue",
    "overdue",
    "compensation_failed",
    "correction_needed",
    "unreconciled",
    "held",
    "notification_failed",
];

/// Case statuses, in the order the dashboard shows them.
pub const STATUSES: &[&str] = &[
    "running",
    "compensating",
    "completed",
    "partially_completed",
    "failed",
    "withdrawn",
];

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[serde(flatten)]
    #[param(ignore)]
    pub filter: CaseFilter,
    /// `CaseFilter::overdue`, read here: `serde(flatten)` reads the fields it holds as text, so
    /// a boolean among them is refused (`overdue=true` included).
    #[param(ignore)]
    pub overdue: Option<bool>,
    /// From 1 (default 1).
    pub page: Option<usize>,
    /// 1 to 200 (default 50).
    pub page_size: Option<usize>,
}

/// One line of the case list: no personal data, only what search attributes hold.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseLine {
    pub code: String,
    pub procedure: Option<String>,
    pub status: Option<String>,
    pub office: Option<String>,
    pub waiting_on: Vec<String>,
    pub attention: Vec<String>,
    pub attention_agencies: Vec<String>,
    pub submitted_at: Option<String>,
    pub closed_at: Option<String>,
}

/// One page of cases matching a filter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CasePage {
    pub cases: Vec<CaseLine>,
    pub page: usize,
    pub page_size: usize,
    /// Whether a next page exists.
    pub more: bool,
    /// The Temporal visibility query the filter became.
    pub query: String,
}

fn rfc3339(time: Option<SystemTime>) -> Option<String> {
    time.and_then(|t| OffsetDateTime::from(t).format(&Rfc3339).ok())
}

/// The cases matching `filter` in the caller's scope, one page of them.
pub async fn list_cases(
    state: &ApiState,
    caller: &Caller,
    filter: &CaseFilter,
    page: usize,
    page_size: usize,
) -> Result<CasePage, ApiError> {
    let principal = caller.require(&[Role::Operator])?;
    let query = filter.query(principal)?;
    let page = page.max(1);
    let page_size = page_size.clamp(1, 200);
    let skip = (page - 1) * page_size;
    let options = WorkflowListOptions::builder()
        .limit(skip + page_size + 1)
        .build();
    let mut stream = state
        .client
        .list_workflows(query.clone(), options)
        .skip(skip);
    let mut cases = Vec::with_capacity(page_size + 1);
    while let Some(item) = stream.next().await {
        let execution = item.map_err(ApiError::engine_unavailable)?;
        let attributes = execution.search_attributes();
        let office = attributes.get(&sa::OFFICE);
        cases.push(CaseLine {
            code: execution.id().to_owned(),
            procedure: attributes.get(&sa::PROCEDURE),
            status: attributes.get(&sa::STATUS),
            office,
            waiting_on: attributes.get(&sa::WAITING_ON).unwrap_or_default(),
            attention: attributes.get(&sa::NEEDS_ATTENTION).unwrap_or_default(),
            attention_agencies: attributes.get(&sa::ATTENTION_AGENCY).unwrap_or_default(),
            submitted_at: rfc3339(execution.start_time()),
            closed_at: rfc3339(execution.close_time()),
        });
    }
    let more = cases.len() > page_size;
    cases.truncate(page_size);
    Ok(CasePage {
        cases,
        page,
        page_size,
        more,
        query,
    })
}

/// The cases in the operator's offices matching a filter, one page of them.
#[utoipa::path(get, path = "/v1/ops/cases", operation_id = "list_cases", tag = "operations",
    security(("bearer" = [])),
    params(CaseFilter, ListQuery),
    responses(
        (status = 200, description = "One page of cases.", body = CasePage),
        (status = 400, description = "`FILTER_INVALID` with `fields`.", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<CasePage>, ApiError> {
    Ok(Json(
        list_cases(
            &state,
            &caller,
            &CaseFilter {
                overdue: query.overdue,
                ..query.filter
            },
            query.page.unwrap_or(1),
            query.page_size.unwrap_or(50),
        )
        .await?,
    ))
}

/// The dashboard's figures: cases by status, by agency waited on, by needs-attention reason,
/// and cases submitted per day over the last week by status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Counts {
    pub by_status: Vec<(String, i64)>,
    pub by_agency: Vec<(String, i64)>,
    pub by_reason: Vec<(String, i64)>,
    pub needing_attention: i64,
    /// `(day, [(status, count)])` for the last 7 days, oldest first.
    pub per_day: Vec<(String, Vec<(String, i64)>)>,
}

async fn count(state: &ApiState, query: String) -> Result<i64, ApiError> {
    state
        .client
        .count_workflows(query, WorkflowCountOptions::default())
        .await
        .map(|c| i64::try_from(c.count()).unwrap_or(i64::MAX))
        .map_err(ApiError::engine_unavailable)
}

/// How many of the dashboard's counts visibility is asked at once. Each is one query of its own
/// (visibility groups by nothing but `ExecutionStatus`), so the dashboard waits for the slowest
/// batch rather than for the sum of all of them; few enough that one operator's page cannot take
/// every connection of the visibility store.
const COUNTS_AT_ONCE: usize = 8;

/// Where one of the dashboard's counts goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    Status(String),
    Agency(String),
    Reason(String),
    Attention,
    Day(usize, String),
}

/// Every count the dashboard shows, as `(slot, visibility query)`, within the scope `base`.
fn dashboard_queries(base: &str, agencies: &[String], today: time::Date) -> Vec<(Slot, String)> {
    let mut queries = Vec::new();
    for status in STATUSES {
        queries.push((
            Slot::Status((*status).to_owned()),
            format!("{base} AND {} = '{status}'", sa::STATUS.name()),
        ));
    }
    for agency in agencies {
        queries.push((
            Slot::Agency(agency.clone()),
            format!(
                "{base} AND ExecutionStatus = 'Running' AND {} = '{agency}'",
                sa::WAITING_ON.name()
            ),
        ));
    }
    for reason in REASONS {
        queries.push((
            Slot::Reason((*reason).to_owned()),
            format!("{base} AND {} = '{reason}'", sa::NEEDS_ATTENTION.name()),
        ));
    }
    queries.push((
        Slot::Attention,
        format!("{base} AND {} IS NOT NULL", sa::NEEDS_ATTENTION.name()),
    ));
    for (i, back) in (0..7).rev().enumerate() {
        let day = today - time::Duration::days(back);
        let next = day + time::Duration::days(1);
        let window =
            format!("StartTime >= '{day}T00:00:00+07:00' AND StartTime < '{next}T00:00:00+07:00'");
        for status in STATUSES {
            queries.push((
                Slot::Day(i, (*status).to_owned()),
                format!("{base} AND {window} AND {} = '{status}'", sa::STATUS.name()),
            ));
        }
    }
    queries
}

pub async fn dashboard_counts(state: &ApiState, caller: &Caller) -> Result<Counts, ApiError> {
    let principal = caller.require(&[Role::Operator])?;
    let base = CaseFilter::default().query(principal)?;
    let mut agencies: Vec<String> = state
        .catalog
        .agencies()
        .agencies()
        .iter()
        .map(|a| a.id.clone())
        .collect();
    agencies.push("citizen".into());
    let today = crate::engine::today();
    let queries = dashboard_queries(&base, &agencies, today);
    // In order, a few at a time: the figures land in their slots whatever answers first.
    // Owned texts: a closure over borrowed pairs would make the handler's future not `Send`
    // for every lifetime, which axum needs.
    let texts: Vec<String> = queries.iter().map(|(_, query)| query.clone()).collect();
    let counted: Vec<Result<i64, ApiError>> =
        futures::stream::iter(texts.into_iter().map(|query| count(state, query)))
            .buffered(COUNTS_AT_ONCE)
            .collect()
            .await;
    let mut counts = Counts {
        by_status: Vec::new(),
        by_agency: Vec::new(),
        by_reason: Vec::new(),
        needing_attention: 0,
        per_day: (0..7)
            .rev()
            .map(|back| ((today - time::Duration::days(back)).to_string(), Vec::new()))
            .collect(),
    };
    for ((slot, _), n) in queries.into_iter().zip(counted) {
        let n = n?;
        match slot {
            Slot::Status(status) => counts.by_status.push((status, n)),
            Slot::Agency(agency) => counts.by_agency.push((agency, n)),
            Slot::Reason(reason) => counts.by_reason.push((reason, n)),
            Slot::Attention => counts.needing_attention = n,
            Slot::Day(day, status) => counts.per_day[day].1.push((status, n)),
        }
    }
    Ok(counts)
}

/// How many running cases of the operator's offices an agency's hold stops now (those waiting
/// on it) or its release sends again (those held for it), for the confirmation page;
/// `None` for an agency the catalogue does not know.
pub async fn touched_by_hold(
    state: &ApiState,
    caller: &Caller,
    agency: &str,
    release: bool,
) -> Result<Option<i64>, ApiError> {
    let principal = caller.require(&[Role::Operator])?;
    // Only a catalogue id reaches the query.
    if !state
        .catalog
        .agencies()
        .agencies()
        .iter()
        .any(|a| a.id == agency)
    {
        return Ok(None);
    }
    let base = CaseFilter::default().query(principal)?;
    let query = if release {
        format!(
            "{base} AND {} = 'held' AND {} = '{agency}'",
            sa::NEEDS_ATTENTION.name(),
            sa::ATTENTION_AGENCY.name()
        )
    } else {
        format!(
            "{base} AND ExecutionStatus = 'Running' AND {} = '{agency}'",
            sa::WAITING_ON.name()
        )
    };
    count(state, query).await.map(Some)
}

/// The dashboard's figures, within the operator's offices.
#[utoipa::path(get, path = "/v1/ops/counts", operation_id = "case_counts", tag = "operations",
    security(("bearer" = [])),
    responses((status = 200, description = "`[name, count]` pairs by status, agency waited on and reason; per day for the last week.", body = Counts)))]
pub(crate) async fn counts(
    State(state): State<ApiState>,
    caller: Caller,
) -> Result<Json<Counts>, ApiError> {
    Ok(Json(dashboard_counts(&state, &caller).await?))
}

/// One case as an operator sees it: its state (masked unless their role grants personal data),
/// the timed journal, what Temporal knows of calls in flight, and every operator action on it.
pub async fn timeline(state: &ApiState, caller: &Caller, code: &str) -> Result<Value, ApiError> {
    let access = case_access::authorize_operator(state, caller, code).await?;
    let case = case_state(state, code).await?;
    let audit = state
        .store
        .audit(&AuditFilter {
            case: Some(code.to_owned()),
            limit: 500,
            ..AuditFilter::default()
        })
        .await
        .map_err(ApiError::database)?;
    let mut body = json!({
        "case": case,
        "office": access.record.office,
        "procedure": access.record.procedure,
        "submitted_at": access.record.submitted_at,
        "personal_data": access.view == View::Full,
        "operator_actions": audit,
        "links": {
            "picture": format!("/v1/ops/cases/{code}/picture.svg"),
            "actions": format!("/v1/ops/cases/{code}/actions"),
        },
    });
    let application = crate::filed_application::of_case(state, code).await?;
    if access.view == View::Masked {
        case_access::mask_case(&mut body["case"], &state.catalog.agencies());
        body["application"] = application.map_or(Value::Null, crate::filed_application::masked);
    } else {
        body["application"] = application.unwrap_or(Value::Null);
        case_access::record_personal_data_read(
            state,
            caller,
            &access,
            "case timeline with its application",
        )
        .await?;
    }
    Ok(body)
}

/// One case for an operator: its state, every operator action on it, links.
#[utoipa::path(get, path = "/v1/ops/cases/{code}", operation_id = "get_case_timeline", tag = "operations",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "The case code.")),
    responses(
        (status = 200, description = "The case's timeline.", body = crate::openapi::CaseTimeline),
        (status = 404, description = "`CASE_NOT_FOUND`: no such case in the operator's offices.", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn show(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(timeline(&state, &caller, &code).await?))
}

/// The case's step graph with each step's state, as an SVG picture in Vietnamese.
pub async fn picture(state: &ApiState, caller: &Caller, code: &str) -> Result<String, ApiError> {
    picture_in(state, caller, code, Lang::Vi).await
}

/// The case's step graph with each step's state, as an SVG picture whose titles, details and
/// state words are in `lang`.
pub(crate) async fn picture_in(
    state: &ApiState,
    caller: &Caller,
    code: &str,
    lang: Lang,
) -> Result<String, ApiError> {
    case_access::authorize_operator(state, caller, code).await?;
    let case = case_state(state, code).await?;
    let record = state
        .catalog
        .store()
        .version(&case.procedure.0, i64::from(case.version))
        .await
        .map_err(ApiError::database)?;
    let compiled = state.catalog.compiled(&record)?;
    let language = match lang {
        Lang::Vi => lienthong_definitions::picture::Language::Vi,
        Lang::En => lienthong_definitions::picture::Language::En,
    };
    let graph = lienthong_definitions::plan_graph_in(&compiled.definition, Some(&case), language);
    Ok(lienthong_definitions::picture::to_svg(&graph))
}

/// The picture's language, when the address names one.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PictureQuery {
    /// `vi` or `en`; without it, `Accept-Language` decides (Vietnamese unless it prefers English).
    pub lang: Option<String>,
}

/// The case's step graph with each step's state.
#[utoipa::path(get, path = "/v1/ops/cases/{code}/picture.svg", operation_id = "get_case_picture_svg", tag = "operations",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "The case code."), PictureQuery),
    responses(
        (status = 200, description = "The picture, its words in the language asked for.", body = String, content_type = "image/svg+xml"),
        (status = 404, description = "`CASE_NOT_FOUND`.", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn picture_svg(
    State(state): State<ApiState>,
    caller: Caller,
    crate::lang::Language(accepted): crate::lang::Language,
    ApiPath(code): ApiPath<String>,
    ApiQuery(query): ApiQuery<PictureQuery>,
) -> Result<([(axum::http::HeaderName, &'static str); 1], String), ApiError> {
    let lang = query
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(accepted);
    Ok((
        [(axum::http::header::CONTENT_TYPE, "image/svg+xml")],
        picture_in(&state, &caller, &code, lang).await?,
    ))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn the_dashboard_asks_one_count_per_figure_each_in_its_own_slot() {
        let agencies = vec!["residence".to_owned(), "citizen".to_owned()];
        let queries = dashboard_queries("scope", &agencies, date!(2026 - 12 - 06));
        let figures = STATUSES.len() + agencies.len() + REASONS.len() + 1 + 7 * STATUSES.len();
        assert_eq!(queries.len(), figures);
        for (i, (slot, query)) in queries.iter().enumerate() {
            assert!(query.starts_with("scope AND "), "{query}");
            assert!(
                queries[..i].iter().all(|(other, _)| other != slot),
                "{slot:?} twice"
            );
        }
        assert!(queries.contains(&(
            Slot::Agency("residence".into()),
            "scope AND ExecutionStatus = 'Running' AND LienthongWaitingOn = 'residence'".into()
        )));
        // The week runs oldest first, today last.
        assert!(queries.contains(&(
            Slot::Day(0, "running".into()),
            "scope AND StartTime >= '2026-11-30T00:00:00+07:00' AND StartTime < '2026-12-01T00:00:00+07:00' AND LienthongStatus = 'running'".into()
        )));
        assert!(queries.contains(&(
            Slot::Day(6, "failed".into()),
            "scope AND StartTime >= '2026-12-06T00:00:00+07:00' AND StartTime < '2026-12-07T00:00:00+07:00' AND LienthongStatus = 'failed'".into()
        )));
    }
}
