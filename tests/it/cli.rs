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

/// A new agency's administrator gets a token as the README says, and the API's verifier of the
/// same key accepts it with exactly the asked-for role and agency.
#[tokio::test]
async fn lienthong_token_prints_a_token_the_installations_key_verifies() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let token = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_lienthong"))
            .arg("token")
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .env_remove("LIENTHONG_TOKEN_KEY")
            .output()
    };

    let no_key = token(&["--role", "agency-admin", "--agency", "tax-office"])?;
    assert!(!no_key.status.success());
    let said = String::from_utf8_lossy(&no_key.stderr);
    assert!(
        said.contains("lienthong dev"),
        "says where the key comes from: {said}"
    );

    let key = lienthong_identity::DevKey::load_or_create(dir.path())?;
    let no_scope = token(&["--role", "agency-admin"])?;
    assert!(!no_scope.status.success());
    assert!(String::from_utf8_lossy(&no_scope.stderr).contains("--agency NAME"));

    let printed = token(&["--role", "agency-admin", "--agency", "tax-office"])?;
    assert!(printed.status.success(), "{printed:?}");
    let text = String::from_utf8(printed.stdout)?;
    let principal = key.verifier()?.verify(text.trim()).await?;
    assert_eq!(principal.subject, "agency-admin-tax-office");
    assert_eq!(principal.agencies, ["tax-office"]);
    assert!(principal.has(lienthong_identity::Role::AgencyAdmin));
    Ok(())
}
