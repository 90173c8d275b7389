//! The deployment in `deploy/` is what an operations team runs, and the development machine
//! cannot start it (no container engine). So its files are checked against the binary's own
//! definitions instead: every variable the compose file gives a lienthong service is one its
//! role reads, every `${VARIABLE}` it takes is documented in `deploy/env.example`, the image is
//! built the way the README builds, and the settings table of `docs/operations.md` is the one the
//! command line generates.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

use anyhow::{Context, Result, anyhow};
use serde_json::{Map, Value};

/// The roles a compose service can run: its `command:` names one (the image's entrypoint is
/// `lienthong`).
const ROLES: &[&str] = &["api", "worker", "setup"];

/// Where `docs/operations.md`'s generated settings section begins and ends.
const SETTINGS_BEGIN: &str = "<!-- settings:begin -->";
const SETTINGS_END: &str = "<!-- settings:end -->";

/// Set to `1` to rewrite the generated section of `docs/operations.md` instead of comparing it.
const WRITE_DOCS_ENV: &str = "LIENTHONG_WRITE_DOCS";

fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read(relative: &str) -> Result<String> {
    std::fs::read_to_string(repo_path(relative)).with_context(|| format!("reading {relative}"))
}

fn yaml(relative: &str) -> Result<Value> {
    let text = read(relative)?;
    serde_saphyr::from_str(&text).map_err(|e| anyhow!("{relative} is not valid YAML: {e}"))
}

fn services(compose: &Value) -> Result<&Map<String, Value>> {
    compose
        .get("services")
        .and_then(Value::as_object)
        .context("deploy/compose.yaml has no `services:` mapping")
}

/// The lienthong role a service runs: the first word of its `command:` when that is a role.
fn role_of(service: &Value) -> Option<&'static str> {
    let first = match service.get("command")? {
        Value::String(line) => line.split_whitespace().next()?.to_owned(),
        Value::Array(words) => words
            .first()?
            .as_str()?
            .split_whitespace()
            .next()?
            .to_owned(),
        _ => return None,
    };
    ROLES.iter().copied().find(|role| *role == first)
}

/// A service's `environment:`, as a mapping or as a list of `NAME=value`.
fn environment(name: &str, service: &Value) -> Result<BTreeMap<String, String>> {
    let scalar = |value: &Value| match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    match service.get("environment") {
        None => Ok(BTreeMap::new()),
        Some(Value::Object(map)) => Ok(map
            .iter()
            .map(|(key, value)| (key.clone(), scalar(value)))
            .collect()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                let line = item
                    .as_str()
                    .with_context(|| format!("service `{name}`: environment entry {item}"))?;
                let (key, value) = line.split_once('=').unwrap_or((line, ""));
                Ok((key.to_owned(), value.to_owned()))
            })
            .collect(),
        Some(other) => Err(anyhow!(
            "service `{name}`: `environment:` is neither a mapping nor a list: {other}"
        )),
    }
}

/// The services running each role, by role, with their environment.
type ByRole = BTreeMap<&'static str, Vec<(String, BTreeMap<String, String>)>>;

fn lienthong_services(compose: &Value) -> Result<ByRole> {
    let mut by_role = ByRole::new();
    for (name, service) in services(compose)? {
        if let Some(role) = role_of(service) {
            by_role
                .entry(role)
                .or_default()
                .push((name.clone(), environment(name, service)?));
        }
    }
    Ok(by_role)
}

/// Every name a compose value interpolates (`${NAME}`, `${NAME:-default}`, `$NAME`), skipping
/// the `$$` escape. Only values are read, so comments (which compose does not interpolate) do
/// not count.
fn interpolated(value: &Value, names: &mut BTreeSet<String>) {
    match value {
        Value::String(text) => {
            let mut rest = text.as_str();
            while let Some(at) = rest.find('$') {
                rest = &rest[at + 1..];
                if let Some(after) = rest.strip_prefix('$') {
                    rest = after;
                    continue;
                }
                let body = rest.strip_prefix('{').unwrap_or(rest);
                let name: String = body
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if name.chars().next().is_some_and(|c| !c.is_ascii_digit()) {
                    names.insert(name);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| interpolated(item, names)),
        Value::Object(map) => map.values().for_each(|item| interpolated(item, names)),
        _ => {}
    }
}

/// `NAME=value` lines of `deploy/env.example`.
fn env_example() -> Result<BTreeMap<String, String>> {
    Ok(read("deploy/env.example")?
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect())
}

#[test]
fn the_compose_file_parses_and_names_only_variables_the_roles_read() -> Result<()> {
    let compose = yaml("deploy/compose.yaml")?;
    let by_role = lienthong_services(&compose)?;

    for (role, services) in &by_role {
        let read = lienthong::cli::variables_read(role);
        for (name, environment) in services {
            let unknown: Vec<&String> = environment
                .keys()
                .filter(|key| !read.contains(*key))
                .collect();
            assert!(
                unknown.is_empty(),
                "service `{name}` runs `lienthong {role}` and sets {unknown:?}, which that role \
                 does not read (a misspelt or stale name does nothing); it reads {read:?}"
            );
            for needed in ["TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE"] {
                assert!(
                    environment.contains_key(needed),
                    "service `{name}` (`lienthong {role}`) does not set {needed}: are the YAML \
                     anchors merged? it sets {:?}",
                    environment.keys().collect::<Vec<_>>()
                );
            }
        }
    }

    let count = |role: &str| by_role.get(role).map_or(0, Vec::len);
    assert_eq!(count("api"), 2, "two API replicas: {by_role:?}");
    assert_eq!(count("worker"), 2, "two workers: {by_role:?}");
    assert_eq!(count("setup"), 1, "one `lienthong setup` job: {by_role:?}");

    for (name, environment) in &by_role["api"] {
        let url = environment
            .get("LIENTHONG_DATABASE_URL")
            .with_context(|| format!("API service `{name}` has no LIENTHONG_DATABASE_URL"))?;
        assert!(
            url.starts_with("postgres://") || url.starts_with("postgresql://"),
            "API service `{name}`: replicas must share a Postgres engine database, not `{url}`"
        );
    }

    // Every API and worker of a deployment shares these; a difference would show as cases one
    // process wrote and another cannot read.
    let shared = [
        "TEMPORAL_ADDRESS",
        "TEMPORAL_NAMESPACE",
        "LIENTHONG_TASK_QUEUE",
        "LIENTHONG_PAYLOAD_KEYS",
        "LIENTHONG_PAYLOAD_WRITE_KEY",
    ];
    let processes: Vec<&(String, BTreeMap<String, String>)> =
        by_role["api"].iter().chain(&by_role["worker"]).collect();
    for variable in shared {
        let values: BTreeMap<&str, Option<&String>> = processes
            .iter()
            .map(|(name, environment)| (name.as_str(), environment.get(variable)))
            .collect();
        let distinct: BTreeSet<Option<&String>> = values.values().copied().collect();
        assert!(
            distinct.len() == 1 && !distinct.contains(&None),
            "every API and worker must set the same {variable}: {values:?}"
        );
    }

    let services = services(&compose)?;
    for (role, path) in [("api", "/ready"), ("worker", "/ready")] {
        for (name, _) in &by_role[role] {
            let check = services[name.as_str()]
                .pointer("/healthcheck/test")
                .map(Value::to_string)
                .unwrap_or_default();
            assert!(
                check.contains(path),
                "service `{name}` (`lienthong {role}`) should be health-checked on {path}: {check}"
            );
            let after_setup = services[name.as_str()]
                .pointer("/depends_on/setup/condition")
                .and_then(Value::as_str);
            assert_eq!(
                after_setup,
                Some("service_completed_successfully"),
                "service `{name}` should start once `lienthong setup` has succeeded"
            );
        }
    }
    Ok(())
}

#[test]
fn prometheus_scrapes_every_api_and_worker() -> Result<()> {
    let compose = yaml("deploy/compose.yaml")?;
    let by_role = lienthong_services(&compose)?;
    let port = |environment: &BTreeMap<String, String>, variable: &str| {
        environment
            .get(variable)
            .and_then(|address| address.rsplit_once(':'))
            .map(|(_, port)| port.to_owned())
    };
    let mut expected = BTreeSet::new();
    for (role, variable) in [
        ("api", "LIENTHONG_LISTEN"),
        ("worker", "LIENTHONG_METRICS_LISTEN"),
    ] {
        for (name, environment) in &by_role[role] {
            let port = port(environment, variable)
                .with_context(|| format!("service `{name}` sets no {variable} host:port"))?;
            expected.insert(format!("{name}:{port}"));
        }
    }

    let prometheus = yaml("deploy/prometheus.yml")?;
    let mut scraped = BTreeSet::new();
    for job in prometheus
        .get("scrape_configs")
        .and_then(Value::as_array)
        .context("deploy/prometheus.yml has no scrape_configs")?
    {
        for config in job
            .get("static_configs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for target in config
                .get("targets")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                scraped.extend(target.as_str().map(str::to_owned));
            }
        }
    }
    assert_eq!(
        scraped, expected,
        "deploy/prometheus.yml should scrape exactly the APIs' listeners and the workers' \
         metrics listeners of deploy/compose.yaml"
    );
    Ok(())
}

#[test]
fn the_container_build_runs_the_setup_script() -> Result<()> {
    let text = read("deploy/Containerfile")?;
    // Instructions, with `\` continuations joined and comments dropped.
    let mut instructions: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(start) => {
                current.push_str(start);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                instructions.push(std::mem::take(&mut current));
            }
        }
    }
    let runs: Vec<&String> = instructions
        .iter()
        .filter(|i| i.starts_with("RUN "))
        .collect();
    let setup = runs.iter().position(|run| run.contains("scripts/setup"));
    let build = runs
        .iter()
        .position(|run| run.contains("cargo build") && run.contains("--locked"));
    assert!(
        setup.is_some(),
        "deploy/Containerfile must install the build's tools with scripts/setup, as the README \
         does: {runs:#?}"
    );
    assert!(
        build.is_some(),
        "deploy/Containerfile must build with `cargo build --locked` (Cargo.lock's versions): \
         {runs:#?}"
    );
    assert!(
        setup < build,
        "deploy/Containerfile runs scripts/setup after building: {runs:#?}"
    );
    let last_from = instructions
        .iter()
        .rfind(|i| i.starts_with("FROM "))
        .context("deploy/Containerfile has no FROM")?;
    assert!(
        last_from.contains("debian:bookworm-slim"),
        "the runtime stage should be debian:bookworm-slim: {last_from}"
    );
    assert!(
        instructions
            .iter()
            .any(|i| i.replace(' ', "") == r#"ENTRYPOINT["lienthong"]"#),
        "deploy/Containerfile's entrypoint should be `lienthong` (compose's `command:` names the \
         role): {instructions:#?}"
    );
    let user = instructions
        .iter()
        .rfind(|i| i.starts_with("USER "))
        .context("deploy/Containerfile never leaves root (no USER)")?;
    assert!(
        !user.contains("root") && !user.trim_start_matches("USER ").starts_with('0'),
        "the image should run as a non-root user: {user}"
    );
    Ok(())
}

#[test]
fn the_operations_guide_lists_every_setting() -> Result<()> {
    let path = "docs/operations.md";
    let text = read(path)?;
    let begin = text
        .find(SETTINGS_BEGIN)
        .with_context(|| format!("{path} has no `{SETTINGS_BEGIN}` line"))?;
    let start = begin + SETTINGS_BEGIN.len();
    let end = text[start..]
        .find(SETTINGS_END)
        .map(|at| start + at)
        .with_context(|| format!("{path} has no `{SETTINGS_END}` line after `{SETTINGS_BEGIN}`"))?;
    let written = text[start..end].trim();
    let generated = lienthong::cli::settings_markdown();
    let generated = generated.trim();

    if std::env::var(WRITE_DOCS_ENV).is_ok_and(|v| v == "1") {
        if written != generated {
            let rewritten = format!("{}\n{generated}\n{}", &text[..start], &text[end..]);
            std::fs::write(repo_path(path), rewritten)
                .with_context(|| format!("writing {path}"))?;
        }
        return Ok(());
    }

    let first_difference = written
        .lines()
        .zip(generated.lines())
        .position(|(w, g)| w != g)
        .unwrap_or_else(|| written.lines().count().min(generated.lines().count()));
    assert!(
        written == generated,
        "the settings section of {path} differs from lienthong::cli::settings_markdown() (first \
         at its line {}: written {:?}, generated {:?}); run `{WRITE_DOCS_ENV}=1 cargo test --test \
         it -- deploy::` to rewrite it",
        first_difference + 1,
        written.lines().nth(first_difference),
        generated.lines().nth(first_difference),
    );
    Ok(())
}

#[test]
fn the_env_example_names_every_variable_the_compose_file_uses() -> Result<()> {
    let compose = yaml("deploy/compose.yaml")?;
    let mut used = BTreeSet::new();
    interpolated(&compose, &mut used);
    assert!(
        !used.is_empty(),
        "deploy/compose.yaml takes no ${{VARIABLE}}: where do its secrets come from?"
    );

    let example = env_example()?;
    let listed: BTreeSet<String> = example.keys().cloned().collect();
    let missing: Vec<&String> = used.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "deploy/compose.yaml uses {missing:?}, which deploy/env.example does not list (an \
         operator copying it would start with them empty)"
    );
    let unused: Vec<&String> = listed.difference(&used).collect();
    assert!(
        unused.is_empty(),
        "deploy/env.example lists {unused:?}, which deploy/compose.yaml never uses"
    );

    // Placeholders only: a secret in the example would end up in every copy of it.
    let secret = |name: &str| {
        name.contains("PASSWORD")
            || name.contains("SECRET")
            || name.ends_with("_KEYS")
            || name.ends_with("TOKEN_KEY")
            || name.ends_with("CSRF_KEY")
    };
    for (name, value) in &example {
        if secret(name) {
            assert!(
                value.is_empty() || value.contains("change-me"),
                "deploy/env.example gives {name} a value that is not a change-me placeholder"
            );
        }
    }
    Ok(())
}

/// Every `"LIENTHONG_…"` or `"TEMPORAL_…"` string in the code under `dir` (tests and unit-test
/// modules aside).
fn variable_names_in(dir: &Path, found: &mut BTreeSet<String>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "tests") {
                variable_names_in(&path, found)?;
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        // A file's unit tests come last, in their `#[cfg(test)]` module: the names they make up
        // (another agency's secret, an unset one) are read by no command.
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        for piece in text.split('"').skip(1).step_by(2) {
            let is_name = (piece.starts_with("LIENTHONG_") || piece.starts_with("TEMPORAL_"))
                && piece.len() > 10
                && piece
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if is_name {
                found.insert(piece.to_owned());
            }
        }
    }
    Ok(())
}

#[test]
fn every_variable_the_code_reads_is_one_the_command_declares() -> Result<()> {
    let mut found = BTreeSet::new();
    for crate_dir in [
        "src",
        "api",
        "worker",
        "telemetry",
        "identity",
        "codec",
        "agencies",
        "store",
        "activities",
        "workflows",
        "definitions",
    ] {
        variable_names_in(&repo_path(crate_dir), &mut found)?;
    }
    let mut declared = lienthong::cli::every_variable();
    // Switches of the test suites themselves (regenerating the documents they check), read only
    // inside `#[cfg(test)]` code: no command reads them.
    declared.insert("LIENTHONG_WRITE_DOCS".to_owned());
    let undeclared: Vec<&String> = found.difference(&declared).collect();
    assert!(
        undeclared.is_empty(),
        "read in the code but named by no flag or list in src/cli.rs (so neither the compose \
         check nor docs/operations.md knows them): {undeclared:?}"
    );
    assert!(found.len() > 30, "the scan found the variables: {found:?}");
    Ok(())
}
