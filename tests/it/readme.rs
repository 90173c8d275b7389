//! The README's `curl` examples, run as written against `lienthong dev` as a new user runs them:
//! the addresses and tokens it prints stand in for `localhost:8780`, `$C`, `$OPERATOR` and `$T`,
//! and the case code and batch id the examples show are the ones the first commands returned.

use std::{collections::BTreeMap, path::Path, process::Stdio, time::Duration};

use anyhow::{Context, Result, bail};
use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `lienthong dev` running, with what it printed: the API's address, each agency's, each token.
struct Dev {
    child: Child,
    api: String,
    agencies: BTreeMap<String, String>,
    tokens: BTreeMap<String, String>,
}

async fn start_dev(data: &Path) -> Result<Dev> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lienthong"))
        .args(["dev", "--any-port", "--data-dir"])
        .arg(data)
        .current_dir(ROOT)
        .env("LIENTHONG_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = BufReader::new(child.stdout.take().context("stdout")?).lines();
    let (mut api, mut agencies, mut tokens) = (None, BTreeMap::new(), BTreeMap::new());
    let mut in_tokens = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while !tokens.contains_key("auditor") {
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .context("lienthong dev printed no tokens within 120 s")??
            .context("lienthong dev stopped before printing its tokens")?;
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["API", url, ..] => api = Some((*url).to_owned()),
            ["agency", name, url] => {
                agencies.insert((*name).to_owned(), (*url).to_owned());
            }
            ["Tokens", ..] => in_tokens = true,
            [label, token] if in_tokens => {
                tokens.insert((*label).to_owned(), (*token).to_owned());
            }
            _ => {}
        }
    }
    // What it prints later is not needed; read on so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(Dev {
        child,
        api: api.context("the API's address")?,
        agencies,
        tokens,
    })
}

/// Each `sh` block of the README that runs `curl`, as its commands (continuations joined,
/// comments dropped), in the README's order.
fn curl_blocks(readme: &str) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    let mut block: Option<Vec<String>> = None;
    let mut pending = String::new();
    for line in readme.lines() {
        match (&mut block, line.trim_end()) {
            (None, "```sh") => block = Some(Vec::new()),
            (Some(commands), "```") => {
                if commands.iter().any(|c| c.starts_with("curl ")) {
                    blocks.push(std::mem::take(commands));
                }
                block = None;
            }
            (Some(commands), text) => {
                let text = without_comment(text);
                if let Some(start) = text.strip_suffix('\\') {
                    pending.push_str(start);
                    pending.push(' ');
                    continue;
                }
                pending.push_str(text);
                let command = std::mem::take(&mut pending).trim().to_owned();
                if !command.is_empty() {
                    commands.push(command);
                }
            }
            _ => {}
        }
    }
    blocks
}

/// `text` without a `#` comment that starts outside quotes after a space (or the line).
fn without_comment(text: &str) -> &str {
    let (mut single, mut double) = (false, false);
    let mut previous = ' ';
    for (i, c) in text.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && previous.is_whitespace() => return text[..i].trim_end(),
            _ => {}
        }
        previous = c;
    }
    text
}

/// Splits a command into words as `sh` does for these examples: single quotes keep everything,
/// double quotes and bare words expand `$NAME` from `variables`.
fn words(command: &str, variables: &BTreeMap<&str, String>) -> Result<Vec<String>> {
    let (mut words, mut word, mut in_word) = (Vec::new(), String::new(), false);
    let mut chars = command.chars().peekable();
    let (mut single, mut double) = (false, false);
    while let Some(c) = chars.next() {
        match c {
            '\'' if !double => {
                single = !single;
                in_word = true;
            }
            '"' if !single => {
                double = !double;
                in_word = true;
            }
            '$' if !single => {
                let mut name = String::new();
                while let Some(&next) = chars.peek() {
                    if next.is_ascii_alphanumeric() || next == '_' {
                        name.push(next);
                        chars.next();
                    } else {
                        break;
                    }
                }
                word.push_str(
                    variables
                        .get(name.as_str())
                        .with_context(|| format!("the README uses ${name}"))?,
                );
                in_word = true;
            }
            c if c.is_whitespace() && !single && !double => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if single || double {
        bail!("an unclosed quote in: {command}");
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// Sends one `curl` command with reqwest: its method, headers, body (`@file` read from the
/// repository) and URL, after `replace` has put this stack's values in place of the README's.
async fn curl(
    http: &reqwest::Client,
    words: &[String],
    replace: impl Fn(&str) -> String,
) -> Result<(u16, Value)> {
    let (mut method, mut headers, mut body, mut url) = (None, Vec::new(), None, None);
    let mut args = words.iter().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-s" => {}
            "-X" => method = args.next().cloned(),
            "-H" => headers.push(args.next().context("-H needs a header")?.clone()),
            "-d" => {
                let data = args.next().context("-d needs data")?;
                body = Some(match data.strip_prefix('@') {
                    Some(file) => std::fs::read_to_string(Path::new(ROOT).join(file))?,
                    None => data.clone(),
                });
            }
            other if other.starts_with('-') => bail!("the README uses curl {other}"),
            other => url = Some(replace(other)),
        }
    }
    let url = url.context("a URL")?;
    let method = method.unwrap_or_else(|| if body.is_some() { "POST" } else { "GET" }.into());
    let mut request = http.request(method.parse()?, format!("http://{url}"));
    for header in headers {
        let (name, value) = header.split_once(':').context("a header name: value")?;
        request = request.header(name.trim(), value.trim());
    }
    if let Some(body) = body {
        request = request.body(replace(&body));
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let text = response.text().await?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

#[tokio::test]
async fn every_curl_example_in_the_readme_runs_as_written_against_lienthong_dev() -> Result<()> {
    let data = tempfile::tempdir()?;
    let mut dev = start_dev(data.path()).await?;
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md"))?;
    let blocks = curl_blocks(&readme);
    assert_eq!(
        blocks.len(),
        3,
        "the operator API, the HTTP API, the simulators: {blocks:#?}"
    );
    let variables = BTreeMap::from([
        ("C", dev.tokens["citizen"].clone()),
        ("OPERATOR", dev.tokens["operator"].clone()),
        // Holding an agency needs the supervisor's token, as the README says.
        ("T", dev.tokens["supervisor"].clone()),
    ]);
    let host = |url: &str| url.trim_start_matches("http://").to_owned();
    let (api, residence) = (host(&dev.api), host(&dev.agencies["residence"]));
    // HTTPS in reqwest uses ring, as the rest of the stack does; idempotent.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let mut case_code = String::new();
    let mut batch = String::new();
    // The HTTP API block files the case the operator block then looks at.
    let order = [&blocks[1], &blocks[0], &blocks[2]];
    // The answers each command may get. The example case often completes before the withdrawal
    // is typed (then `409 CASE_CLOSED`); the operator's retry finds nothing to retry either way.
    let expected: [&[&[u16]]; 3] = [
        &[&[202], &[200], &[202, 409], &[200], &[202]],
        &[&[200], &[200], &[200], &[409], &[200], &[200], &[200]],
        &[&[201]],
    ];
    for (block, statuses) in order.into_iter().zip(expected) {
        assert_eq!(block.len(), statuses.len(), "{block:#?}");
        for (command, status) in block.iter().zip(statuses) {
            let words = words(command, &variables)?;
            let replace = |text: &str| {
                text.replace("localhost:8780", &api)
                    .replace("localhost:8703", &residence)
                    .replace("KS-3AXMP-RTRQT", &case_code)
                    .replace("<batch id>", &batch)
            };
            let (got, answer) = curl(&http, &words, replace).await?;
            assert!(status.contains(&got), "{got} to {command}\n{answer:#}");
            if case_code.is_empty()
                && let Some(code) = answer["case_code"].as_str()
            {
                case_code = code.to_owned();
            }
            if let Some(id) = answer["batch"].as_str() {
                batch = id.to_owned();
            }
            if got >= 400 {
                assert!(answer["error"]["code"].is_string(), "{command}: {answer}");
            }
        }
    }
    assert!(!case_code.is_empty() && !batch.is_empty());
    crate::support::terminate(&mut dev.child).await?;
    Ok(())
}
