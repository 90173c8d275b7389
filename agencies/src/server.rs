//! Starting and stopping the simulators, and the HTTP surface they all share.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::SqlitePool;
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};

use crate::api_error::ApiError;
use crate::callback::{self, Callbacks};
use crate::decisions;
use crate::faults::{Effect, Fault, FaultMode, FaultQueue};
use crate::idempotency::{self, ActReply, ActRequest};
use crate::operation::{self, Operation};
use crate::outage::{Gate, OutageRequest, OutageSwitch};
use crate::population_client::PopulationClient;
use crate::signed_calls::{self, CallSecret};
use crate::{Agency, SimConfig, SimError};
use crate::{civil_status, db, labour_office, population, residence, social_insurance, validate};

/// What every request handler of one simulator can reach.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub agency: Agency,
    pub db: SqlitePool,
    pub faults: Arc<FaultQueue>,
    /// Only civil-status has one: it asks population for a child's personal ID and records
    /// deaths there.
    pub population: Option<PopulationClient>,
    /// Starts an outage window of this simulator.
    pub outage: OutageSwitch,
    /// Where decisions taken later are called back, and the secret they are signed with.
    pub callbacks: Arc<Callbacks>,
    /// Decisions taken later that are still under way.
    pub decisions: Arc<decisions::Pending>,
    /// The secret the engine's calls must be signed with; `None` (population) takes unsigned
    /// calls.
    pub call_secret: Option<CallSecret>,
}

fn operations(agency: Agency) -> &'static [Operation] {
    match agency {
        Agency::Population => population::OPERATIONS,
        Agency::CivilStatus => civil_status::OPERATIONS,
        Agency::Residence => residence::OPERATIONS,
        Agency::SocialInsurance => social_insurance::OPERATIONS,
        Agency::LabourOffice => labour_office::OPERATIONS,
    }
}

pub(crate) fn router(state: AppState) -> Router {
    let own_routes = match state.agency {
        Agency::Population => population::routes(),
        _ => Router::new(),
    };
    // Only the engine's calls are signed: health and admin are the harness's control plane.
    let signed = Router::new()
        .route("/operations/{operation}", post(operation))
        .route("/acts/{*idempotency_key}", get(get_act))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            signed_calls::require,
        ));
    let router = Router::new()
        .route("/health", get(health))
        .merge(signed)
        .route(
            "/admin/faults",
            post(add_fault).get(list_faults).delete(clear_faults),
        )
        .route("/admin/callback", post(set_callback).get(get_callback))
        .route("/admin/decisions/release", post(release_decisions))
        .route("/admin/acts", get(crate::act_log::list_acts))
        .merge(own_routes)
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state);
    // Continues the engine's `traceparent` into a server span, so an agency's work shows in the
    // case's trace; the simulators' own request metrics are not served.
    lienthong_telemetry::instrument_router(router, &lienthong_telemetry::Metrics::new())
}

async fn health(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "agency": state.agency.as_str(), "status": "ok" }))
}

async fn no_route() -> ApiError {
    ApiError::not_found("NOT_FOUND", "no such endpoint on this agency system")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "this endpoint does not accept that method",
    )
}

/// Reads a JSON object body; axum's plain-text rejections never reach the client.
pub(crate) fn json_object(body: Result<Bytes, BytesRejection>) -> Result<Value, ApiError> {
    let bytes = body.map_err(|_| ApiError::invalid("the request body could not be read"))?;
    if bytes.is_empty() {
        return Err(ApiError::invalid("a JSON request body is required"));
    }
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|_| ApiError::invalid("the request body is not valid JSON"))?;
    if !value.is_object() {
        return Err(ApiError::invalid("the request body must be a JSON object"));
    }
    Ok(value)
}

async fn operation(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let offered = operations(state.agency);
    let known = path
        .ok()
        .and_then(|Path(name)| operation::find(offered, &name));
    let Some(operation) = known else {
        return ApiError::not_found(
            "UNKNOWN_OPERATION",
            format!(
                "this agency system offers: {}",
                operation::names(offered).join(", ")
            ),
        )
        .into_response();
    };
    let key = idempotency::key_from_headers(&headers).ok();
    let (result, delay_after) = run_act(&state, operation, &headers, body).await;
    if let Some(delay) = delay_after {
        tokio::time::sleep(delay).await;
    }
    let (status, outcome, replayed) = match &result {
        // Pending, documents-required and decided-refusal answers name their outcome.
        Ok(reply) => (
            reply.status,
            ["outcome", "code"]
                .iter()
                .find_map(|field| reply.body.get(field).and_then(Value::as_str))
                .unwrap_or("OK"),
            reply.replayed,
        ),
        Err(error) => (error.status, error.code.as_ref(), false),
    };
    tracing::info!(
        agency = state.agency.as_str(),
        operation = operation.name,
        idempotency_key = key.as_deref().unwrap_or("-"),
        status = status.as_u16(),
        outcome,
        replayed,
        "act"
    );
    match result {
        Ok(reply) => reply.into_response(),
        Err(error) => error.into_response(),
    }
}

/// Runs one act, injected faults first. Also returns a delay to wait before answering, for
/// faults that simulate a reply lost after the act was done.
async fn run_act(
    state: &AppState,
    operation: &'static Operation,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> (Result<ActReply, ApiError>, Option<std::time::Duration>) {
    let mut delay_after = None;
    let mut decide_later = None;
    match state.faults.take(operation.name) {
        Some(Effect::Fail(error)) => return (Err(error), None),
        Some(Effect::Answer(status, body)) => return (Ok(ActReply::fresh(status, body)), None),
        Some(Effect::DelayBefore(delay)) => tokio::time::sleep(delay).await,
        Some(Effect::DelayAfter(delay)) => delay_after = Some(delay),
        Some(Effect::DecideLater(plan)) => {
            delay_after = plan.answer_after;
            decide_later = Some(plan);
        }
        None => {}
    }
    let prepared = idempotency::key_from_headers(headers).and_then(|key| {
        let body = json_object(body)?;
        let request = ActRequest {
            key,
            operation: operation.name,
            request_sha256: idempotency::request_sha256(&body),
            deciding: false,
        };
        Ok((request, body))
    });
    let result = match (prepared, decide_later) {
        (Ok((request, body)), None) => (operation.perform)(state, &request, body).await,
        (Ok((request, body)), Some(plan)) => {
            decisions::defer(state, operation, request, body, plan).await
        }
        (Err(error), _) => Err(error),
    };
    (result, delay_after)
}

async fn get_act(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let not_found = || ApiError::not_found("ACT_NOT_FOUND", "no act was recorded with this key");
    let Ok(Path(key)) = path else {
        return Err(not_found());
    };
    let mut conn = state.db.acquire().await?;
    let stored = idempotency::find(&mut conn, &key)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(json!({
        "idempotency_key": stored.idempotency_key,
        "operation": stored.operation,
        "status_code": stored.status_code,
        "response": stored.response()?,
    })))
}

async fn add_fault(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Fault>), ApiError> {
    let fault: Fault = validate::body(json_object(body)?)?;
    fault.validate(&operation::names(operations(state.agency)))?;
    if fault.needs_callback() && state.callbacks.url().is_none() {
        return Err(ApiError::invalid(
            "decide_later needs the engine's callback URL: set SimConfig::callback_url or \
             POST /admin/callback {\"url\": ...} first",
        ));
    }
    tracing::info!(
        agency = state.agency.as_str(),
        operation = fault.operation.as_str(),
        fault = ?fault.mode,
        count = ?fault.count,
        probability = ?fault.probability,
        "fault queued"
    );
    match fault.mode {
        // Not queued: the serve loop closes the listener now; this request is already
        // accepted, so its 201 still goes out.
        FaultMode::Outage { duration_ms } => {
            state.outage.begin(Duration::from_millis(duration_ms))?;
        }
        _ => state.faults.push(fault.clone()),
    }
    Ok((StatusCode::CREATED, Json(fault)))
}

/// `POST /admin/callback {"url": "http://..."}` points decisions taken later at another
/// engine; `{"url": null}` stops calling back.
async fn set_callback(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = json_object(body)?;
    let url = match body.get("url") {
        Some(Value::String(url)) if callback::valid_url(url.trim()) => Some(url.trim().to_owned()),
        Some(Value::Null) => None,
        _ => {
            return Err(ApiError::invalid(
                "url must be an absolute http:// or https:// URL, or null",
            ));
        }
    };
    tracing::info!(
        agency = state.agency.as_str(),
        url = url.as_deref().unwrap_or("-"),
        "callback URL set"
    );
    state.callbacks.set_url(url.clone());
    Ok(Json(json!({ "url": url })))
}

/// `POST /admin/decisions/release`: every decision held by a `decide_later` fault with
/// `"hold": true` goes ahead (after its delay). With `?count=N`, only N of them do,
/// so a test can hand the engine a large backlog of decisions at the pace it chooses.
async fn release_decisions(
    State(state): State<AppState>,
    Query(some): Query<ReleaseSome>,
) -> Json<Value> {
    if let Some(count) = some.count {
        state.decisions.release_some(count);
        tracing::info!(
            agency = state.agency.as_str(),
            count,
            "held decisions let go"
        );
        return Json(serde_json::json!({ "let_go": count }));
    }
    let releases = state.decisions.release();
    tracing::info!(
        agency = state.agency.as_str(),
        releases,
        "held decisions released"
    );
    Json(serde_json::json!({ "releases": releases }))
}

#[derive(Debug, Deserialize)]
struct ReleaseSome {
    count: Option<usize>,
}

async fn get_callback(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "url": state.callbacks.url() }))
}

async fn list_faults(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "faults": state.faults.list() }))
}

/// `DELETE /admin/faults`: every queued fault is dropped, and an outage under way ends.
async fn clear_faults(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let cleared = state.faults.clear();
    state.outage.end()?;
    tracing::info!(agency = state.agency.as_str(), cleared, "faults cleared");
    Ok(Json(json!({ "cleared": cleared })))
}

/// The running simulators. Dropping this without [`Simulators::shutdown`] also stops them,
/// but without waiting.
#[derive(Debug)]
pub struct Simulators {
    servers: Vec<RunningServer>,
}

#[derive(Debug)]
struct RunningServer {
    agency: Agency,
    url: String,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
    db: SqlitePool,
    decisions: Arc<decisions::Pending>,
}

impl Simulators {
    /// Base URL of each running simulator, e.g. `{"civil-status": "http://127.0.0.1:8702"}`.
    pub fn urls(&self) -> std::collections::BTreeMap<String, String> {
        self.servers
            .iter()
            .map(|s| (s.agency.as_str().to_owned(), s.url.clone()))
            .collect()
    }

    /// Base URL of one simulator, if it was started.
    pub fn url(&self, agency: Agency) -> Option<&str> {
        self.servers
            .iter()
            .find(|s| s.agency == agency)
            .map(|s| s.url.as_str())
    }

    /// Graceful stop of every server; resolves when all have stopped.
    pub async fn shutdown(self) {
        // Reverse start order: civil-status finishes its calls before population stops.
        for server in self.servers.into_iter().rev() {
            server.stop_and_wait().await;
        }
    }
}

impl RunningServer {
    async fn stop_and_wait(self) {
        // The receiver is gone only if the server already ended, which is what we want anyway.
        let _ = self.stop.send(());
        if let Err(error) = self.task.await {
            tracing::error!(agency = self.agency.as_str(), error = %error, "simulator task failed");
        }
        // Before the register closes under them; their acts stay pending.
        let abandoned = self.decisions.abort_all().await;
        if abandoned > 0 {
            tracing::warn!(
                agency = self.agency.as_str(),
                abandoned,
                "pending decisions abandoned"
            );
        }
        self.db.close().await;
        tracing::info!(agency = self.agency.as_str(), "simulator stopped");
    }
}

/// Starts the selected simulators, population first since civil-status calls it.
pub async fn start(config: SimConfig) -> Result<Simulators, SimError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| SimError::DataDir {
        path: config.data_dir.clone(),
        source,
    })?;
    let mut servers: Vec<RunningServer> = Vec::new();
    let mut population_url = config.population_url.clone();
    for agency in config.selected() {
        match start_one(&config, agency, population_url.as_deref()).await {
            Ok(server) => {
                if agency == Agency::Population {
                    population_url = Some(server.url.clone());
                }
                servers.push(server);
            }
            Err(error) => {
                Simulators { servers }.shutdown().await;
                return Err(error);
            }
        }
    }
    Ok(Simulators { servers })
}

async fn start_one(
    config: &SimConfig,
    agency: Agency,
    population_url: Option<&str>,
) -> Result<RunningServer, SimError> {
    let population = match agency {
        Agency::CivilStatus => {
            let url = population_url.ok_or(SimError::PopulationUrlMissing)?;
            Some(PopulationClient::new(url).map_err(SimError::HttpClient)?)
        }
        _ => None,
    };
    let addr = SocketAddr::new(config.bind, config.port(agency));
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind {
            agency,
            addr,
            source,
        })?;
    let local = listener.local_addr().map_err(|source| SimError::Bind {
        agency,
        addr,
        source,
    })?;
    let callbacks = Callbacks::new(config.callback_url.clone(), config.secret(agency))
        .map_err(SimError::CallbackClient)?;
    let call_secret = agency
        .secret_env()
        .map(|_| CallSecret(Arc::from(config.secret(agency))));
    let db = db::open(&config.data_dir, agency).await?;
    let (outage, outages) = OutageSwitch::new();
    let decisions = Arc::new(decisions::Pending::default());
    let state = AppState {
        agency,
        db: db.clone(),
        faults: Arc::new(FaultQueue::default()),
        population,
        outage,
        callbacks: Arc::new(callbacks),
        decisions: Arc::clone(&decisions),
        call_secret,
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(agency, listener, router(state), stopped, outages));
    let url = format!("http://{}", reachable(local));
    tracing::info!(
        agency = agency.as_str(),
        url = url.as_str(),
        "simulator listening"
    );
    Ok(RunningServer {
        agency,
        url,
        stop,
        task,
        db,
        decisions,
    })
}

/// One simulator's serve loop. It serves until `stop`; an outage request closes every
/// connection and, for the outage, lets only `/admin` requests through (see `outage.rs`).
///
/// Each round is an `axum::serve` with graceful shutdown on its own [`Notify`]: on the signal
/// axum stops accepting from the gate, while connections already accepted finish in the
/// background (the request that asked for the outage gets its answer that way) and idle ones
/// close.
async fn serve(
    agency: Agency,
    listener: TcpListener,
    app: Router,
    mut stop: oneshot::Receiver<()>,
    mut outages: mpsc::UnboundedReceiver<OutageRequest>,
) {
    let gate = match Gate::new(listener) {
        Ok(gate) => gate,
        Err(error) => {
            tracing::error!(agency = agency.as_str(), %error, "cannot serve");
            return;
        }
    };
    // Rounds that stopped accepting but may still be finishing requests.
    let mut rounds = JoinSet::new();
    let mut until: Option<tokio::time::Instant> = None;
    loop {
        gate.set_down(until.is_some());
        let close = Arc::new(Notify::new());
        let signal = Arc::clone(&close);
        let served = app.clone();
        let listener = gate.round();
        rounds.spawn(async move {
            axum::serve(listener, served)
                .with_graceful_shutdown(async move { signal.notified().await })
                .await
        });
        // Wait for the next change of state: an outage begins, or the one on ends.
        let next = loop {
            let ends = async {
                match until {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                // A dropped sender (Simulators dropped) stops the server too.
                _ = &mut stop => break None,
                () = ends => break Some(None),
                Some(request) = outages.recv() => match (request, until) {
                    (OutageRequest::Begin(duration), None) => {
                        break Some(Some(tokio::time::Instant::now() + duration));
                    }
                    // A new outage while one is on: the later end wins.
                    (OutageRequest::Begin(duration), Some(at)) => {
                        until = Some(at.max(tokio::time::Instant::now() + duration));
                    }
                    (OutageRequest::End, Some(_)) => break Some(None),
                    (OutageRequest::End, None) => {}
                },
            }
        };
        let Some(next) = next else {
            close.notify_one();
            break;
        };
        // Down before the round closes, so no connection slips in between.
        gate.set_down(next.is_some());
        // `notify_one` keeps a permit, so a round not yet waiting still sees it.
        close.notify_one();
        match next {
            Some(at) => tracing::info!(
                agency = agency.as_str(),
                duration_ms = u64::try_from(
                    at.saturating_duration_since(tokio::time::Instant::now())
                        .as_millis()
                )
                .unwrap_or(u64::MAX),
                "outage: every connection cut but the simulator's own /admin"
            ),
            None => tracing::info!(agency = agency.as_str(), "outage over: serving again"),
        }
        until = next;
    }
    while let Some(round) = rounds.join_next().await {
        match round {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tracing::error!(agency = agency.as_str(), error = %error, "simulator server failed");
            }
            Err(error) => {
                tracing::error!(agency = agency.as_str(), error = %error, "simulator task failed");
            }
        }
    }
}

/// A wildcard bind address is not something a client can connect to; use loopback instead.
fn reachable(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}
