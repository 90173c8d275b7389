use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use lienthong_activities::AgencyCredential;
use lienthong_agencies::{Agency, SimConfig, Simulators};
use serde_json::{Value, json};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use tempfile::TempDir;
use time::{Date, Month, OffsetDateTime};

pub const MOTHER: &str = "001190012345";
pub const FATHER: &str = "001088012346";
pub const NON_RESIDENT_MOTHER: &str = "079192004321";

/// Seeded people in population: ten parents, and the people of `lienthong_agencies::seeded`.
pub const SEEDED_CITIZENS: i64 = 26;

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub replayed: bool,
    pub body: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    pub fn str(&self, field: &str) -> String {
        self.body[field].as_str().unwrap_or("").to_owned()
    }
}

pub struct Harness {
    pub sims: Simulators,
    pub dir: TempDir,
    pub http: reqwest::Client,
    /// The secret each simulator checks calls with, by agency name: every call the harness
    /// sends is signed as the engine signs it.
    pub secrets: BTreeMap<String, String>,
}

/// Each agency's secret in `config`.
fn secrets(config: &SimConfig) -> BTreeMap<String, String> {
    Agency::ALL
        .into_iter()
        .map(|a| (a.as_str().to_owned(), config.secret(a)))
        .collect()
}

impl Harness {
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(|config| config).await
    }

    /// Starts with the default test configuration changed by `configure`.
    pub async fn start_with(
        configure: impl FnOnce(SimConfig) -> SimConfig,
    ) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let config = configure(SimConfig::new(dir.path()).with_any_free_ports());
        let secrets = secrets(&config);
        let sims = lienthong_agencies::start(config)
            .await
            .context("start simulators")?;
        Ok(Harness {
            sims,
            dir,
            http: client()?,
            secrets,
        })
    }

    /// Stops the servers and starts them again on the same data directory.
    pub async fn restart(self) -> anyhow::Result<Self> {
        let Harness {
            sims, dir, http, ..
        } = self;
        sims.shutdown().await;
        let config = SimConfig::new(dir.path()).with_any_free_ports();
        let secrets = secrets(&config);
        let sims = lienthong_agencies::start(config)
            .await
            .context("restart simulators")?;
        Ok(Harness {
            sims,
            dir,
            http,
            secrets,
        })
    }

    pub fn url(&self, agency: &str) -> String {
        self.sims.urls().get(agency).cloned().unwrap_or_default()
    }

    pub async fn post(
        &self,
        agency: &str,
        operation: &str,
        key: Option<&str>,
        body: &Value,
    ) -> anyhow::Result<Reply> {
        let mut request = self
            .http
            .post(format!("{}/operations/{operation}", self.url(agency)))
            .json(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        self.send(request).await
    }

    /// Sends `request`, signed like the engine's calls (see [`Harness::signed`]).
    pub async fn send(&self, request: reqwest::RequestBuilder) -> anyhow::Result<Reply> {
        reply(self.http.execute(self.signed(request)?).await?).await
    }

    /// Builds `request` and signs it with the secret of the simulator its URL points at, as the
    /// engine signs its calls (a URL of no simulator goes unsigned). Send it with
    /// `h.http.execute(..)`, e.g. from a spawned task.
    pub fn signed(&self, request: reqwest::RequestBuilder) -> anyhow::Result<reqwest::Request> {
        let request = request.build()?;
        let url = request.url().as_str().to_owned();
        let secret = self
            .sims
            .urls()
            .into_iter()
            .find(|(_, base)| url.starts_with(&format!("{base}/")))
            .and_then(|(agency, _)| self.secrets.get(&agency).cloned());
        match secret {
            Some(secret) => sign_at(request, &secret, SystemTime::now()),
            None => Ok(request),
        }
    }

    pub async fn get(&self, agency: &str, path: &str) -> anyhow::Result<Reply> {
        self.send(self.http.get(format!("{}{path}", self.url(agency))))
            .await
    }

    pub async fn add_fault(&self, agency: &str, fault: Value) -> anyhow::Result<Reply> {
        reply(
            self.http
                .post(format!("{}/admin/faults", self.url(agency)))
                .json(&fault)
                .send()
                .await?,
        )
        .await
    }

    /// Rows in a register table, read straight from the agency's SQLite file.
    pub async fn count(&self, agency: &str, table: &str, filter: &str) -> anyhow::Result<i64> {
        let path = self.dir.path().join(format!("{agency}.db"));
        let mut conn = SqliteConnectOptions::new()
            .filename(path)
            .busy_timeout(Duration::from_secs(10))
            .connect()
            .await?;
        let sql = if filter.is_empty() {
            format!("SELECT COUNT(*) FROM {table}")
        } else {
            format!("SELECT COUNT(*) FROM {table} WHERE {filter}")
        };
        let count: i64 = sqlx::query_scalar(&sql).fetch_one(&mut conn).await?;
        conn.close().await?;
        Ok(count)
    }

    pub async fn register_birth(&self, key: &str, body: &Value) -> anyhow::Result<Reply> {
        self.post("civil-status", "register-birth", Some(key), body)
            .await
    }
}

/// Signs `request` with `secret` as if sent at `at`, through the engine's own signing.
pub fn sign_at(
    mut request: reqwest::Request,
    secret: &str,
    at: SystemTime,
) -> anyhow::Result<reqwest::Request> {
    lienthong_activities::sign(&mut request, &AgencyCredential::Hmac(secret.to_owned()), at)?;
    Ok(request)
}

pub fn client() -> anyhow::Result<reqwest::Client> {
    // HTTPS uses ring, the provider the Temporal client's TLS already brings; idempotent.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()?)
}

pub async fn reply(response: reqwest::Response) -> anyhow::Result<Reply> {
    let status = response.status().as_u16();
    let replayed = response
        .headers()
        .get("Idempotent-Replayed")
        .is_some_and(|v| v == "true");
    let text = response.text().await?;
    let body = serde_json::from_str(&text)
        .with_context(|| format!("status {status}: body is not JSON: {text}"))?;
    Ok(Reply {
        status,
        replayed,
        body,
    })
}

/// Today as the simulators see it (Vietnam, UTC+7).
pub fn today() -> Date {
    OffsetDateTime::now_utc()
        .to_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC))
        .date()
}

pub fn iso(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

pub fn days_ago(days: i64) -> String {
    iso(today() - time::Duration::days(days))
}

/// The most recent 29 February not after today: always less than 6 years back.
pub fn latest_leap_day() -> Date {
    let today = today();
    (0..8)
        .filter_map(|back| Date::from_calendar_date(today.year() - back, Month::February, 29).ok())
        .find(|d| *d <= today)
        .unwrap_or(today)
}

/// A complete, valid birth registration; `tag` makes the e-birth-certificate number unique.
pub fn birth(tag: &str) -> Value {
    json!({
        "child": {
            "full_name": "Trần Minh An",
            "date_of_birth": days_ago(5),
            "sex": "male",
            "place_of_birth": "Bệnh viện Phụ sản Hà Nội",
            "home_town": "Nam Định",
            "ethnicity": "Kinh",
            "nationality": "Việt Nam",
        },
        "mother_id": MOTHER,
        "father_id": FATHER,
        "e_birth_certificate": {
            "number": format!("CS-{tag}"),
            "issued_by": "Bệnh viện Phụ sản Hà Nội",
            "signature": "MEUCIQDx-signature",
        },
    })
}

pub fn child_residence(personal_id: &str, parent_id: &str) -> Value {
    json!({
        "personal_id": personal_id,
        "full_name": "Trần Minh An",
        "date_of_birth": days_ago(5),
        "parent_id": parent_id,
    })
}

pub fn card_application(personal_id: &str, date_of_birth: &str) -> Value {
    json!({
        "personal_id": personal_id,
        "full_name": "Trần Minh An",
        "date_of_birth": date_of_birth,
        "birth_certificate_number": "1/2026/KS-001",
    })
}

/// A complete, valid death registration of `deceased_id`, declared by a seeded living adult.
pub fn death(deceased_id: &str) -> Value {
    json!({
        "deceased_id": deceased_id,
        "date_of_death": days_ago(2),
        "place_of_death": "Bệnh viện Bạch Mai, Hà Nội",
        "declarant_id": lienthong_agencies::seeded::DECLARANT,
        "declarant_relationship": "child",
    })
}

pub fn deletion(personal_id: &str, death_certificate_number: &str) -> Value {
    json!({
        "personal_id": personal_id,
        "death_certificate_number": death_certificate_number,
    })
}

pub fn funeral_payment(deceased_id: &str) -> Value {
    json!({
        "deceased_id": deceased_id,
        "death_certificate_number": "1/2026/KT-001",
        "date_of_death": days_ago(2),
        "recipient_id": lienthong_agencies::seeded::DECLARANT,
    })
}

pub fn survivor_application(deceased_id: &str) -> Value {
    json!({
        "deceased_id": deceased_id,
        "death_certificate_number": "1/2026/KT-001",
        "representative_id": lienthong_agencies::seeded::REPRESENTATIVE,
        "representative_relationship": "spouse",
    })
}

pub fn burial_application(deceased_id: &str) -> Value {
    json!({
        "deceased_id": deceased_id,
        "death_certificate_number": "1/2026/KT-001",
        "recipient_id": lienthong_agencies::seeded::DECLARANT,
    })
}

/// Polls `GET /acts/{key}` until the act is recorded (an answer held back after the act).
pub async fn wait_for_act(h: &Harness, agency: &str, key: &str) -> anyhow::Result<Reply> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let act = h.get(agency, &format!("/acts/{key}")).await?;
        if act.status == 200 || std::time::Instant::now() > deadline {
            return Ok(act);
        }
        tokio::task::yield_now().await;
    }
}

/// Sends a health check by hand and reads: true when the connection ends (refused, reset or
/// closed) before any HTTP answer.
pub async fn cut_without_answer(addr: &str) -> bool {
    use std::io::ErrorKind;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return true;
    };
    let request = format!("GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return true;
    }
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer).await {
        Err(error) => matches!(
            error.kind(),
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe
        ),
        Ok(_) => answer.is_empty(),
    }
}
