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
