//! `lienthong definitions ...`: check and draw a definition locally; store, publish, retire and
//! list versions through the API (the one writer of the engine database).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use lienthong_definitions::catalogue::Catalogue;
use lienthong_definitions::{Diagnostics, parse_definition, parse_definition_with};
use serde_json::Value;

#[derive(clap::Args, Debug)]
pub struct DefinitionsArgs {
    #[command(subcommand)]
    command: DefinitionsCommand,
}

#[derive(Subcommand, Debug)]
enum DefinitionsCommand {
    /// Check definition files; prints each problem as file:line:column and exits 1 if any.
    Validate {
        /// The definition files (YAML) to check.
        files: Vec<PathBuf>,
        /// Check against the agency files (`<agency>.yaml`) in this folder instead of the
        /// catalogue shipped with lienthong (`GET /v1/catalogue` shows an installation's).
        #[arg(long)]
        catalogue: Option<PathBuf>,
    },
    /// Show the step graph: as text, or as an SVG picture with --svg.
    Plan {
        /// The definition file (YAML).
        file: PathBuf,
        /// Write the picture here (SVG) instead of printing the text form.
        #[arg(long)]
        svg: Option<PathBuf>,
    },
    /// Store a definition file as a draft of its version (replacing an earlier draft).
    Draft {
        /// The definition file (YAML).
        file: PathBuf,
        #[command(flatten)]
        api: ApiArgs,
    },
    /// Store a definition file and publish it: new cases get it from its effective date.
    Publish {
        /// The definition file (YAML).
        file: PathBuf,
        #[command(flatten)]
        api: ApiArgs,
    },
    /// Stop giving a published version to new cases (running cases keep it).
    Retire {
        /// The procedure id (`birth-residence-insurance`).
        procedure: String,
        /// The version number.
        version: u32,
        #[command(flatten)]
        api: ApiArgs,
    },
    /// Run a definition on an application against the agency systems (the simulators of
    /// `lienthong dev`) through the API, and show each step's request and answer.
    DryRun {
        /// The definition file (YAML).
        file: PathBuf,
        /// The application JSON (a bare application, or a submission with `application`).
        #[arg(long)]
        application: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        api: ApiArgs,
    },
    /// List stored versions.
    List {
        /// Only this procedure's versions.
        #[arg(long)]
        procedure: Option<String>,
        #[command(flatten)]
        api: ApiArgs,
    },
    /// Print one stored version's definition text and history.
    Show {
        /// The procedure id (`birth-residence-insurance`).
        procedure: String,
        /// The version number.
        version: u32,
        #[command(flatten)]
        api: ApiArgs,
    },
}

#[derive(clap::Args, Debug)]
struct ApiArgs {
    /// The lienthong API's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8780", env = "LIENTHONG_API")]
    api: String,
    /// An agency administrator's bearer token (`lienthong dev` prints one); the account it names
    /// is recorded with each change.
    #[arg(long, env = "LIENTHONG_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

pub async fn run(args: DefinitionsArgs) -> Result<()> {
    match args.command {
        DefinitionsCommand::Validate { files, catalogue } => {
            validate(&files, &load_catalogue(catalogue.as_deref())?)
        }
        DefinitionsCommand::Plan { file, svg } => plan(&file, svg.as_deref()),
        DefinitionsCommand::Draft { file, api } => {
            let record = draft(&api, &file).await?;
            println!("{}", describe(&record));
            Ok(())
        }
        DefinitionsCommand::Publish { file, api } => {
            let record = draft(&api, &file).await?;
            let path = version_path(&record)?;
            let published = api.post(&format!("{path}/publish")).await?;
            println!("{}", describe(&published));
            Ok(())
        }
        DefinitionsCommand::DryRun {
            file,
            application,
            json,
            api,
        } => {
            let report = dry_run(&api, &file, &application).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", render_report(&report));
            }
            Ok(())
        }
        DefinitionsCommand::Retire {
            procedure,
            version,
            api,
        } => {
            let path = format!("/v1/definitions/{procedure}/versions/{version}/retire");
            println!("{}", describe(&api.post(&path).await?));
            Ok(())
        }
        DefinitionsCommand::List { procedure, api } => {
            let path = match procedure {
                Some(p) => format!("/v1/definitions?procedure={p}"),
                None => "/v1/definitions".to_owned(),
            };
            let body = api.get(&path).await?;
            for version in body["versions"].as_array().into_iter().flatten() {
                println!("{}", describe(version));
            }
            Ok(())
        }
        DefinitionsCommand::Show {
            procedure,
            version,
            api,
        } => {
            let body = api
                .get(&format!("/v1/definitions/{procedure}/versions/{version}"))
                .await?;
            println!("# {}", describe(&body));
            print!("{}", body["source"].as_str().unwrap_or_default());
            Ok(())
        }
    }
}

fn read(file: &Path) -> Result<String> {
    std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}

/// Compiler-style lines: `file:line:column: LT004 message (at path)`.
pub fn render_diagnostics(file: &Path, diagnostics: &Diagnostics) -> String {
    diagnostics
        .0
        .iter()
        .map(|d| {
            let at = match (d.line, d.column) {
                (Some(l), Some(c)) => format!("{}:{l}:{c}", file.display()),
                _ => file.display().to_string(),
            };
            let path = if d.path.is_empty() {
                String::new()
            } else {
                format!(" (at {})", d.path)
            };
            format!("{at}: {} {}{path}\n", d.code.as_str(), d.message)
        })
        .collect()
}

/// The shipped catalogue, or the agency files in `dir`.
fn load_catalogue(dir: Option<&Path>) -> Result<Catalogue> {
    let Some(dir) = dir else {
        return Catalogue::shipped()
            .map_err(|(file, d)| anyhow::anyhow!("shipped catalogue file {file} is invalid: {d}"));
    };
    let mut files: Vec<(String, String)> = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            files.push((path.display().to_string(), read(&path)?));
        }
    }
    files.sort();
    Catalogue::from_files(files.iter().map(|(n, t)| (n.as_str(), t.as_str()))).map_err(
        |(file, d)| {
            anyhow::anyhow!(
                "{file} is invalid:\n{}",
                render_diagnostics(Path::new(&file), &d)
            )
        },
    )
}

fn validate(files: &[PathBuf], catalogue: &Catalogue) -> Result<()> {
    if files.is_empty() {
        bail!("name at least one definition file");
    }
    let mut failed = 0;
    for file in files {
        match parse_definition_with(&read(file)?, catalogue) {
            Ok(d) => println!(
                "{}: ok: {} version {} ({} steps)",
                file.display(),
                d.id,
                d.version,
                d.steps.len()
            ),
            Err(diagnostics) => {
                failed += 1;
                eprint!("{}", render_diagnostics(file, &diagnostics));
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} files have problems", files.len());
    }
    Ok(())
}

fn plan(file: &Path, svg: Option<&Path>) -> Result<()> {
    let definition = parse_definition(&read(file)?).map_err(|d| {
        anyhow::anyhow!(
            "{} is invalid:\n{}",
            file.display(),
            render_diagnostics(file, &d)
        )
    })?;
    let graph = lienthong_definitions::plan_graph(&definition, None);
    match svg {
        Some(out) => {
            std::fs::write(out, lienthong_definitions::picture::to_svg(&graph))
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!("wrote {}", out.display());
        }
        None => print!("{}", lienthong_definitions::picture::to_text(&graph)),
    }
    Ok(())
}

async fn draft(api: &ApiArgs, file: &Path) -> Result<Value> {
    let text = read(file)?;
    // Checked here first so the author sees file:line:column, not only the API's JSON.
    if let Err(d) = parse_definition(&text) {
        bail!(
            "{} is invalid:\n{}",
            file.display(),
            render_diagnostics(file, &d)
        );
    }
    api.send(api.http().post(api.url("/v1/definitions")).body(text))
        .await
}

async fn dry_run(api: &ApiArgs, file: &Path, application: &Path) -> Result<Value> {
    let text = read(file)?;
    if let Err(d) = parse_definition(&text) {
        bail!(
            "{} is invalid:\n{}",
            file.display(),
            render_diagnostics(file, &d)
        );
    }
    let body: Value = serde_json::from_str(&read(application)?)
        .with_context(|| format!("{} is not valid JSON", application.display()))?;
    let application = body.get("application").cloned().unwrap_or(body);
    let request = serde_json::json!({ "definition": text, "application": application });
    api.send(
        api.http()
            .post(api.url("/v1/definitions/dry-run"))
            .json(&request),
    )
    .await
}

/// Each step as `step  agency · operation  → HTTP outcome`, with its request and answer.
fn render_report(report: &Value) -> String {
    let mut out = format!(
        "dry run of {} v{}\n",
        report["procedure"].as_str().unwrap_or("?"),
        report["version"]
    );
    for entry in report["entries"].as_array().into_iter().flatten() {
        let target = match (entry["agency"].as_str(), entry["operation"].as_str()) {
            (Some(a), Some(o)) => format!("{a} · {o}"),
            _ => String::new(),
        };
        let http = entry["http_status"]
            .as_u64()
            .map(|s| format!("HTTP {s} "))
            .unwrap_or_default();
        out.push_str(&format!(
            "- {:<12} {:<11} {:<44} → {http}{}\n",
            entry["step"].as_str().unwrap_or("?"),
            entry["action"].as_str().unwrap_or("?"),
            target,
            entry["outcome"].as_str().unwrap_or("?")
        ));
        for (label, key) in [("request", "request"), ("answer", "response")] {
            if let Some(value) = entry.get(key).filter(|v| !v.is_null()) {
                out.push_str(&format!("    {label:<8} {value}\n"));
            }
        }
    }
    out.push_str(&format!(
        "the case would end: {}\n",
        report["status"].as_str().unwrap_or("?")
    ));
    out
}

fn version_path(record: &Value) -> Result<String> {
    let (Some(procedure), Some(version)) =
        (record["procedure"].as_str(), record["version"].as_i64())
    else {
        bail!("the API answered without a procedure and version: {record}");
    };
    Ok(format!("/v1/definitions/{procedure}/versions/{version}"))
}

/// One line per version: `id v2  published  from 2027-01-01  in force  by …`.
fn describe(v: &Value) -> String {
    let by = v["published_by"]
        .as_str()
        .or(v["created_by"].as_str())
        .unwrap_or_default();
    format!(
        "{} v{}  {}  from {}{}  by {}",
        v["procedure"].as_str().unwrap_or("?"),
        v["version"],
        v["status"].as_str().unwrap_or("?"),
        v["effective_from"].as_str().unwrap_or("?"),
        if v["in_force"].as_bool() == Some(true) {
            "  (in force)"
        } else {
            ""
        },
        by
    )
}

impl ApiArgs {
    fn http(&self) -> reqwest::Client {
        // HTTPS uses ring, the provider the Temporal client's TLS already brings; idempotent.
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::new()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api.trim_end_matches('/'))
    }

    fn token(&self) -> Result<String> {
        self.token
            .clone()
            .filter(|t| !t.trim().is_empty())
            .context("sign in: --token TOKEN (or LIENTHONG_TOKEN); `lienthong dev` prints an agency-admin token")
    }

    async fn get(&self, path: &str) -> Result<Value> {
        self.send(self.http().get(self.url(path))).await
    }

    async fn post(&self, path: &str) -> Result<Value> {
        self.send(self.http().post(self.url(path))).await
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value> {
        let response = request
            .bearer_auth(self.token()?)
            .send()
            .await
            .with_context(|| {
                format!(
                    "cannot reach the lienthong API at {}; is `lienthong dev` running?",
                    self.api
                )
            })?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            let error = &body["error"];
            let mut message = format!(
                "{}: {}",
                error["code"].as_str().unwrap_or("ERROR"),
                error["message"]
                    .as_str()
                    .unwrap_or("the API refused the request")
            );
            for d in error["diagnostics"].as_array().into_iter().flatten() {
                message.push_str(&format!(
                    "\n  {}:{} {} {}",
                    d["line"],
                    d["column"],
                    d["code"].as_str().unwrap_or("?"),
                    d["message"].as_str().unwrap_or_default()
                ));
            }
            bail!("{message}");
        }
        Ok(body)
    }
}
