//! The command line as a user meets it: every flag and argument of every command says what it
//! is for in `--help`, and `lienthong completions SHELL` writes a completion script.

use std::process::Command;

use clap::CommandFactory;
use lienthong::cli::Cli;

fn undocumented(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        if matches!(id, "help" | "version") {
            continue;
        }
        if arg
            .get_help()
            .is_none_or(|h| h.to_string().trim().is_empty())
        {
            missing.push(format!("{path} {id}"));
        }
    }
    for sub in command.get_subcommands() {
        if sub.get_about().is_none() {
            missing.push(format!("{path} {} (command)", sub.get_name()));
        }
        undocumented(sub, &format!("{path} {}", sub.get_name()), missing);
    }
}

#[test]
fn every_flag_and_argument_has_a_description() {
    let mut missing = Vec::new();
    undocumented(&Cli::command(), "lienthong", &mut missing);
    assert!(
        missing.is_empty(),
        "without a description in --help: {missing:#?}"
    );
}

#[test]
fn completions_are_written_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let output = Command::new(env!("CARGO_BIN_EXE_lienthong"))
            .args(["completions", shell])
            .output()
            .expect("lienthong runs");
        assert!(output.status.success(), "{shell}: {output:?}");
        let script = String::from_utf8_lossy(&output.stdout);
        for word in ["lienthong", "submit", "temporal-wait-secs"] {
            assert!(script.contains(word), "{shell} completions name {word}");
        }
    }
}

#[test]
fn an_oidc_issuer_without_an_audience_stops_the_api_with_one_clear_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Unset, and set but empty (as a compose file passes a variable it does not use).
    for audience in [None, Some("")] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lienthong"));
        for (name, _) in std::env::vars() {
            if ["LIENTHONG_", "TEMPORAL_", "OTEL_"]
                .iter()
                .any(|p| name.starts_with(p))
            {
                command.env_remove(name);
            }
        }
        if let Some(audience) = audience {
            command.env("LIENTHONG_OIDC_AUDIENCE", audience);
        }
        let output = command
            .current_dir(dir.path())
            .env(
                "LIENTHONG_PAYLOAD_KEYS",
                "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            )
            // Nothing listens there: were the setting accepted, the start would end at Temporal.
            .args([
                "api",
                "--oidc-issuer",
                "https://id.example.gov.vn/realms/lienthong",
                "--listen",
                "127.0.0.1:0",
                "--temporal-address",
                "127.0.0.1:1",
                "--temporal-wait-secs",
                "0",
                "--database-url",
            ])
            .arg(format!("sqlite://{}/engine.db", dir.path().display()))
            .output()
            .expect("lienthong runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{audience:?}: {stderr}");
        let last = stderr.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("lienthong: --oidc-issuer needs --oidc-audience"),
            "{audience:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
