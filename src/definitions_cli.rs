//! `lienthong definitions ...`: check, draw and test a definition locally; store, publish, retire
//! and list versions through the API (the one writer of the engine database).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use lienthong_definitions::catalogue::Catalogue;
use lienthong_definitions::procedure_test::{
    ScenarioReport, TestFileError, parse_test_file, run_test_file,
};
use lienthong_definitions::{Definition, DiagnosticCode, Diagnostics, parse_definition_with};
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
        #[command(flatten)]
        catalogue: CatalogueArgs,
    },
    /// Show the step graph: as text, or as an SVG picture with --svg.
    Plan {
        /// The definition file (YAML).
        file: PathBuf,
        /// Write the picture here (SVG) instead of printing the text form.
        #[arg(long)]
        svg: Option<PathBuf>,
        #[command(flatten)]
        catalogue: CatalogueArgs,
    },
    /// Run procedure tests: each scenario of each `<procedure>.test.yaml` through the real
    /// planner with the agencies' answers it lists; prints each scenario `ok` or `FAIL` with
    /// every mismatch. Exits 1 if a scenario fails, 2 if a file cannot be run (a mistake in it,
    /// or in the definition it tests).
    Test {
        /// The test files (YAML); each names the definition file it tests.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        catalogue: CatalogueArgs,
    },
    /// Store a definition file as a draft of its version (replacing an earlier draft).
    Draft {
        /// The definition file (YAML).
        file: PathBuf,
        #[command(flatten)]
        catalogue: CatalogueArgs,
        #[command(flatten)]
        api: ApiArgs,
    },
    /// Store a definition file and publish it: new cases get it from its effective date.
    Publish {
        /// The definition file (YAML).
        file: PathBuf,
        #[command(flatten)]
        catalogue: CatalogueArgs,
        #[command(flatten)]
        api: ApiArgs,
    },
    /// Approve a stored version for your agencies: it is published (or, with --retire, retired)
    /// only once an administrator of every agency it calls has approved that exact text.
    Approve {
        /// The procedure id (`birth-residence-insurance`).
        procedure: String,
        /// The version number.
        version: u32,
        /// Approve taking the published version out of force instead of putting it in.
        #[arg(long)]
        retire: bool,
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
        catalogue: CatalogueArgs,
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

/// Which agency catalogue a definition is checked against on this machine.
#[derive(clap::Args, Debug)]
struct CatalogueArgs {
    /// Check against the agency files (`<agency>.yaml`) in this folder instead of the catalogue
    /// shipped with lienthong, as for a definition calling an agency that joined an
    /// installation (`GET /v1/catalogue` shows an installation's entries).
    #[arg(long, value_name = "DIR")]
    catalogue: Option<PathBuf>,
}

impl CatalogueArgs {
    fn load(&self) -> Result<Catalogue> {
        load_catalogue(self.catalogue.as_deref())
    }

    /// Parses `text` (read from `file`) against this catalogue, or fails with every
    /// diagnostic as `file:line:column`.
    fn check(&self, file: &Path, text: &str) -> Result<Definition> {
        parse_definition_with(text, &self.load()?).map_err(|d| {
            anyhow::anyhow!(
                "{} is invalid:\n{}{}",
                file.display(),
                render_diagnostics(file, &d),
                self.hint(&d)
            )
        })
    }

    /// A word on `--catalogue` when the shipped catalogue lacks an agency or operation the
    /// definition names: it may well be in the installation's.
    fn hint(&self, diagnostics: &Diagnostics) -> &'static str {
        let unknown = diagnostics.0.iter().any(|d| {
            matches!(
                d.code,
                DiagnosticCode::UnknownAgency | DiagnosticCode::UnknownOperation
            )
        });
        if unknown && self.catalogue.is_none() {
            "(checked against the catalogue shipped with lienthong: for an agency that joined \
             your installation, save its entry from `GET /v1/catalogue/{agency}` in a folder and \
             pass --catalogue DIR)\n"
        } else {
            ""
        }
    }
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
        DefinitionsCommand::Validate { files, catalogue } => validate(&files, &catalogue),
        DefinitionsCommand::Plan {
            file,
            svg,
            catalogue,
        } => plan(&file, svg.as_deref(), &catalogue),
        DefinitionsCommand::Test { files, catalogue } => test(&files, &catalogue),
        DefinitionsCommand::Draft {
            file,
            catalogue,
            api,
        } => {
            let record = draft(&api, &file, &catalogue).await?;
            println!("{}", describe(&record));
            Ok(())
        }
        DefinitionsCommand::Publish {
            file,
            catalogue,
            api,
        } => {
            let record = draft(&api, &file, &catalogue).await?;
            let path = version_path(&record)?;
            let published = api.post(&format!("{path}/publish")).await?;
            println!("{}", describe(&published));
            Ok(())
        }
        DefinitionsCommand::DryRun {
            file,
            application,
            json,
            catalogue,
            api,
        } => {
            let report = dry_run(&api, &file, &application, &catalogue).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", render_report(&report));
            }
            Ok(())
        }
        DefinitionsCommand::Approve {
            procedure,
            version,
            retire,
            api,
        } => {
            let action = if retire { "retire" } else { "publish" };
            let path =
                format!("/v1/definitions/{procedure}/versions/{version}/approve?action={action}");
            let standing = api.post(&path).await?;
            let approved: Vec<String> = standing["approved"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| {
                    format!(
                        "{} ({})",
                        a["agency"].as_str().unwrap_or("?"),
                        a["approved_by"].as_str().unwrap_or("?")
                    )
                })
                .collect();
            let waiting: Vec<&str> = standing["waiting_for"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            println!(
                "{procedure} v{version}: approved to {action} by {}",
                approved.join(", ")
            );
            if waiting.is_empty() {
                println!("every agency has approved: it can be {action}ed now");
            } else {
                println!("still to approve: {}", waiting.join(", "));
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

/// Compiler-style: `file:line:column: LT004 message (at path)`, then the source line with a caret
/// under the value and any hint (see `diagnostic_report`).
pub fn render_diagnostics(file: &Path, diagnostics: &Diagnostics) -> String {
    // The text is read again for the source lines; a file gone since is shown without them.
    let text = std::fs::read_to_string(file).unwrap_or_default();
    crate::diagnostic_report::render(&file.display().to_string(), &text, diagnostics)
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

fn validate(files: &[PathBuf], catalogue_args: &CatalogueArgs) -> Result<()> {
    if files.is_empty() {
        bail!("name at least one definition file");
    }
    let catalogue = catalogue_args.load()?;
    let mut failed = 0;
    for file in files {
        match parse_definition_with(&read(file)?, &catalogue) {
            Ok(d) => println!(
                "{}: ok: {} version {} ({} steps)",
                file.display(),
                d.id,
                d.version,
                d.steps.len()
            ),
            Err(diagnostics) => {
                failed += 1;
                eprint!(
                    "{}{}",
                    render_diagnostics(file, &diagnostics),
                    catalogue_args.hint(&diagnostics)
                );
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} files have problems", files.len());
    }
    Ok(())
}

fn plan(file: &Path, svg: Option<&Path>, catalogue: &CatalogueArgs) -> Result<()> {
    let definition = catalogue.check(file, &read(file)?)?;
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

/// The exit status when a test file cannot be run: it proves nothing, and a script must tell
/// that from a failing scenario (1), as clap's 2 tells a wrong command line.
const CANNOT_RUN: i32 = 2;

/// Runs every scenario of each test file: `ok` or `FAIL` with its mismatches on stdout, a file
/// that cannot be run on stderr with each mistake as `file:line:column`.
fn test(files: &[PathBuf], catalogue_args: &CatalogueArgs) -> Result<()> {
    let catalogue = match catalogue_args.load() {
        Ok(catalogue) => catalogue,
        Err(error) => {
            eprintln!("lienthong: {error:#}");
            std::process::exit(CANNOT_RUN);
        }
    };
    let (mut passed, mut failed, mut broken) = (0, 0, 0);
    for file in files {
        match test_file(file, &catalogue, catalogue_args) {
            Ok((definition, reports)) => {
                println!(
                    "{}: {} v{}",
                    file.display(),
                    definition.id,
                    definition.version
                );
                for report in &reports {
                    print!("{}", render_scenario(report));
                }
                let failing = reports.iter().filter(|r| !r.passed()).count();
                failed += failing;
                passed += reports.len() - failing;
            }
            Err(problems) => {
                broken += 1;
                eprint!("{problems}");
            }
        }
    }
    println!(
        "{} scenarios: {passed} ok, {failed} failed",
        passed + failed
    );
    if broken > 0 {
        eprintln!(
            "lienthong: {broken} of {} test files could not be run; {failed} scenario(s) failed",
            files.len()
        );
        // Nothing is left to flush: this command exports no telemetry of its own.
        std::process::exit(CANNOT_RUN);
    }
    if failed > 0 {
        bail!("{failed} scenario(s) failed");
    }
    Ok(())
}

/// One test file's reports, or its mistakes (and its definition's) as printable lines.
fn test_file(
    file: &Path,
    catalogue: &Catalogue,
    catalogue_args: &CatalogueArgs,
) -> Result<(Definition, Vec<ScenarioReport>), String> {
    let lines = |errors: Vec<TestFileError>| -> String {
        errors
            .iter()
            .map(|e| format!("{}:{e}\n", file.display()))
            .collect()
    };
    let text = read(file).map_err(|e| format!("{e:#}\n"))?;
    let tests = parse_test_file(&text).map_err(lines)?;
    // Relative to the test file, so tests travel with their procedure.
    let definition_file = file
        .parent()
        .unwrap_or(Path::new(""))
        .join(&tests.definition);
    let definition_text = read(&definition_file).map_err(|e| {
        format!(
            "{}: `definition` names {}: {e:#}\n",
            file.display(),
            definition_file.display()
        )
    })?;
    let definition = parse_definition_with(&definition_text, catalogue).map_err(|d| {
        format!(
            "{}: the definition it tests is invalid:\n{}{}",
            file.display(),
            render_diagnostics(&definition_file, &d),
            catalogue_args.hint(&d)
        )
    })?;
    let reports = run_test_file(&tests, &definition, catalogue).map_err(lines)?;
    Ok((definition, reports))
}

/// `  ok    name`, or `  FAIL  name` with each mismatch and what happened.
fn render_scenario(report: &ScenarioReport) -> String {
    if report.passed() {
        return format!("  ok    {}\n", report.name);
    }
    let mut out = format!("  FAIL  {}\n", report.name);
    for mismatch in &report.mismatches {
        out.push_str(&format!("        - {mismatch}\n"));
    }
    out.push_str("        what happened:\n");
    for line in &report.trace {
        out.push_str(&format!("          {line}\n"));
    }
    out
}

async fn draft(api: &ApiArgs, file: &Path, catalogue: &CatalogueArgs) -> Result<Value> {
    let text = read(file)?;
    // Checked here first so the author sees file:line:column, not only the API's JSON.
    catalogue.check(file, &text)?;
    api.send(api.http().post(api.url("/v1/definitions")).body(text))
        .await
}

async fn dry_run(
    api: &ApiArgs,
    file: &Path,
    application: &Path,
    catalogue: &CatalogueArgs,
) -> Result<Value> {
    let text = read(file)?;
    catalogue.check(file, &text)?;
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
