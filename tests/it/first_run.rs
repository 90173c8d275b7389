//! The first things a new user runs, exactly as the README gives them: `scripts/dev` (after its
//! build step) files the example and prints every result; `lienthong submit` files with a token,
//! and says what to do when it has none or the API is elsewhere.

use std::{
    path::Path,
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::Command,
};

use crate::support::{Stack, all_roles};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const EXAMPLE: &str = "examples/applications/birth-residence-insurance.json";

/// The arguments `scripts/dev` gives `lienthong` after building it, as written in the script.
fn scripts_dev_arguments() -> Result<Vec<String>> {
    let script = std::fs::read_to_string(Path::new(ROOT).join("scripts/dev"))?;
    let build = script
        .find("cargo build --bin lienthong")
        .context("scripts/dev builds the binary")?;
    let line = script[build..]
        .lines()
        .find(|line| {
            line.trim_start()
                .starts_with("exec \"${CARGO_TARGET_DIR:-target}/debug/lienthong\"")
        })
        .context("scripts/dev runs the lienthong it built (in CARGO_TARGET_DIR or target/)")?;
    Ok(line
        .split_whitespace()
        .skip(2)
        .filter(|word| *word != "\"$@\"")
        .map(str::to_owned)
        .collect())
}

/// What `lienthong dev` printed until its case ended, on stdout and on stderr.
struct DevRun {
    printed: String,
    logged: String,
}

/// Runs `lienthong <arguments>` from the repository root until it says the stack keeps
/// running, then stops it with SIGTERM (as Ctrl-C does) and checks it exits cleanly.
async fn run_dev(arguments: &[String]) -> Result<DevRun> {
    let mut dev = Command::new(env!("CARGO_BIN_EXE_lienthong"))
        .args(arguments)
        .current_dir(ROOT)
        .env("LIENTHONG_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut errors = BufReader::new(dev.stderr.take().context("stderr")?).lines();
    let logged = tokio::spawn(async move {
        let mut logged = String::new();
        while let Ok(Some(line)) = errors.next_line().await {
            logged.push_str(&line);
            logged.push('\n');
        }
        logged
    });
    let mut lines = BufReader::new(dev.stdout.take().context("stdout")?).lines();
    let mut printed = String::new();
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let next = tokio::time::timeout_at(deadline.into(), lines.next_line()).await;
        match next {
            Ok(Ok(Some(line))) => {
                printed.push_str(&line);
                printed.push('\n');
                if line.starts_with("The stack keeps running") {
                    break;
                }
            }
            Ok(Ok(None)) => bail!("lienthong dev stopped early; it printed:\n{printed}"),
            Ok(Err(e)) => return Err(e.into()),
            Err(_) => bail!("no result within 180 s; lienthong dev printed:\n{printed}"),
        }
    }
    // Ctrl-C / SIGTERM stops the whole stack cleanly.
    let pid = dev.id().context("pid")?;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(pid)?),
        nix::sys::signal::Signal::SIGTERM,
    )?;
    let status = tokio::time::timeout(Duration::from_secs(60), dev.wait())
        .await
        .context("lienthong dev did not stop within 60 s of SIGTERM")??;
    assert!(status.success(), "stopped with {status}");
    let logged = logged.await?;
    Ok(DevRun { printed, logged })
}

/// Each warning is written once (the timestamp aside).
fn each_warning_once(logged: &str) {
    let warnings: Vec<&str> = logged
        .lines()
        .filter(|line| line.contains(" WARN "))
        .map(|line| line.split_once(' ').map_or(line, |(_, rest)| rest))
        .collect();
    for warning in &warnings {
        assert_eq!(
            warnings.iter().filter(|w| *w == warning).count(),
            1,
            "written more than once: {warning}\n{logged}"
        );
    }
}

#[tokio::test]
async fn the_readme_run_command_files_the_example_and_prints_all_four_results() -> Result<()> {
    let data = tempfile::tempdir()?;
    let mut arguments = scripts_dev_arguments()?;
    assert_eq!(arguments[..2], ["dev", "--submit"], "{arguments:?}");
    // What `scripts/dev "$@"` passes on: beside any other stack, in a fresh data folder.
    arguments.extend(["--any-port".to_owned(), "--data-dir".to_owned()]);
    arguments.push(data.path().display().to_string());
    let DevRun { printed, logged } = run_dev(&arguments).await?;
    assert!(
        printed.contains("as the citizen printed above"),
        "filed as the printed citizen:\n{printed}"
    );
    assert!(printed.contains("ended: completed"), "{printed}");
    for result in [
        "birth_certificate_number: ",
        "personal_id: ",
        "residence_entry_id: ",
        "card_number: ",
    ] {
        assert!(printed.contains(result), "{result} printed:\n{printed}");
    }
    assert!(!printed.contains("error"), "{printed}");
    assert!(
        logged.contains("development secrets"),
        "the development stack says it signs with development secrets:\n{logged}"
    );
    each_warning_once(&logged);
    Ok(())
}

#[tokio::test]
async fn dev_files_an_application_naming_an_office_as_the_operator_on_ports_from_its_base()
-> Result<()> {
    let data = tempfile::tempdir()?;
    let base = crate::support::ports_for_later(8);
    let arguments: Vec<String> = [
        "dev",
        "--submit",
        "examples/applications/death-residence-allowance.json",
        "--base-port",
        &base.to_string(),
        "--data-dir",
        &data.path().display().to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    let DevRun { printed, logged } = run_dev(&arguments).await?;
    assert!(
        printed.contains("as the operator printed above"),
        "an application naming its office is filed by the printed operator:\n{printed}"
    );
    assert!(printed.contains("ended: completed"), "{printed}");
    assert!(
        printed.contains(&format!("API               http://127.0.0.1:{base}")),
        "the API on the base port:\n{printed}"
    );
    assert!(
        printed.contains(&format!(":{}", base + 3)),
        "the simulators from base + 3:\n{printed}"
    );
    each_warning_once(&logged);
    Ok(())
}

async fn submit(arguments: &[&str], token: Option<&str>) -> Result<(bool, String, String)> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lienthong"));
    command
        .arg("submit")
        .args(arguments)
        .current_dir(ROOT)
        .env_remove("LIENTHONG_TOKEN")
        .env("LIENTHONG_LOG", "warn")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    if let Some(token) = token {
        command.env("LIENTHONG_TOKEN", token);
    }
    let output = tokio::time::timeout(Duration::from_secs(120), command.output())
        .await
        .context("lienthong submit did not end within 120 s")??;
    Ok((
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

/// One line, starting with the command's name, with no panic or backtrace.
fn one_clear_line(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line:\n{stderr}");
    assert!(lines[0].starts_with("lienthong: "), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    lines[0]
}

#[tokio::test]
async fn submit_files_with_a_token_and_says_what_to_do_without_one() -> Result<()> {
    let stack = Stack::start().await?;
    let citizen = stack.token(&lienthong_identity::Claims {
        roles: vec!["citizen".into()],
        sub: "citizen-001190012345".into(),
        personal_id: all_roles().personal_id,
        ..lienthong_identity::Claims::default()
    });

    let (ok, _, stderr) = submit(&[EXAMPLE, "--api", &stack.api], None).await?;
    assert!(!ok);
    let line = one_clear_line(&stderr);
    assert!(
        line.contains("--token") && line.contains("LIENTHONG_TOKEN"),
        "{line}"
    );

    let (ok, _, stderr) = submit(&[EXAMPLE, "--api", &stack.api], Some("not-a-token")).await?;
    assert!(!ok);
    assert!(stderr.contains("TOKEN_INVALID"), "{stderr}");
    assert!(stderr.contains("the token was not accepted"), "{stderr}");

    let nowhere = format!("http://127.0.0.1:{}", crate::support::free_port());
    let (ok, _, stderr) = submit(&[EXAMPLE, "--api", &nowhere], Some(&citizen)).await?;
    assert!(!ok);
    let line = one_clear_line(&stderr);
    assert!(line.contains("cannot reach the lienthong API at"), "{line}");

    let (ok, stdout, stderr) = submit(&[EXAMPLE, "--api", &stack.api], Some(&citizen)).await?;
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("ended: completed"), "{stdout}");
    assert!(stdout.contains("card_number: "), "{stdout}");
    // The same file again follows the same case.
    let (ok, again, _) = submit(&[EXAMPLE, "--api", &stack.api], Some(&citizen)).await?;
    assert!(
        ok && again.contains("already filed: following it"),
        "{again}"
    );
    Ok(())
}
