//! HTTP: request metrics and a server span per request for any axum router, and the `/metrics`
//! endpoint itself.

use std::{future::Future, time::Instant};

use axum::{
    Router,
    extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State},
    http::{Method, header::CONTENT_TYPE, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use tracing::{Instrument, field::Empty};

use crate::{Metrics, case_trace::parent_to_case, propagation::continue_trace};

/// The path parameter that holds a case code in lienthong's routes (`/v1/cases/{code}`).
const CASE_PARAM: &str = "code";

/// `GET /metrics`: everything in `metrics`, in the Prometheus text format.
pub fn metrics_router(metrics: Metrics) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(metrics)
}

/// Serves [`metrics_router`] on `listener` until `shutdown` resolves.
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    metrics: Metrics,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, metrics_router(metrics))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Wraps every route of `router` with [`track_http`]. Apply it after the routes are added and
/// before any fallback, so each request knows its route template.
pub fn instrument_router<S>(router: Router<S>, metrics: &Metrics) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router.layer(axum::middleware::from_fn_with_state(
        metrics.clone(),
        track_http,
    ))
}

/// Middleware: times the request into `lienthong_http_request_duration_seconds` by route
/// template, and runs it in a server span. The span continues the caller's trace when the request
/// carries `traceparent` (an agency called by a worker); otherwise a route with a `{code}`
/// parameter joins that case's trace.
pub async fn track_http(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!(
        "http request",
        otel.name = %format!("{method} {route}"),
        otel.kind = "server",
        otel.status_code = Empty,
        http.request.method = method,
        http.route = %route,
        http.response.status_code = Empty,
        lienthong.case = Empty,
    );
    let (mut parts, body) = request.into_parts();
    if !continue_trace(&span, &parts.headers)
        && let Some(code) = case_code_param(&mut parts).await
    {
        parent_to_case(&span, &code);
        span.record("lienthong.case", code);
    }
    metrics.http_in_flight(&route, 1);
    // Counted down even when the client goes away and the request is dropped unanswered.
    let _answered = InFlight {
        metrics: &metrics,
        route: &route,
    };
    let response = next
        .run(Request::from_parts(parts, body))
        .instrument(span.clone())
        .await;
    let status = response.status();
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
    metrics.http_request(method, &route, status.as_u16(), started.elapsed());
    response
}

struct InFlight<'a> {
    metrics: &'a Metrics,
    route: &'a str,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.metrics.http_in_flight(self.route, -1);
    }
}

async fn scrape(State(metrics): State<Metrics>) -> impl IntoResponse {
    ([(CONTENT_TYPE, prometheus::TEXT_FORMAT)], metrics.render())
}

async fn case_code_param(parts: &mut Parts) -> Option<String> {
    let params = RawPathParams::from_request_parts(parts, &()).await.ok()?;
    params
        .iter()
        .find(|(name, _)| *name == CASE_PARAM)
        .map(|(_, value)| value.to_owned())
}

/// Methods outside the standard set are one label value, so a client cannot grow the series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
