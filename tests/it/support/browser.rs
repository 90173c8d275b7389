//! A headless Chromium for the browser tests: Debian's chromedriver on a free port.

use std::{net::TcpListener, process::Stdio, time::Duration};

use anyhow::{Context, Result};
use fantoccini::{Client, ClientBuilder};
use serde_json::json;
use tokio::process::{Child, Command};

use super::eventually;

/// A browser session; the driver is killed with it.
pub struct Browser {
    pub client: Client,
    _driver: Child,
}

/// A browser whose window is `width` × `height` pixels, with `extra` Chromium arguments (such as
/// `--lang=vi`).
pub async fn browser(width: u32, height: u32, extra: &[&str]) -> Result<Browser> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context(
            "chromedriver (Debian package chromium-driver) is needed; scripts/setup installs it",
        )?;
    let url = format!("http://127.0.0.1:{port}");
    eventually(
        "chromedriver to start",
        Duration::from_secs(20),
        async || {
            Ok(reqwest::get(format!("{url}/status"))
                .await
                .is_ok()
                .then_some(()))
        },
    )
    .await?;
    let mut args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        format!("--window-size={width},{height}"),
    ];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), json!({ "args": args }));
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&url)
        .await?;
    Ok(Browser {
        client,
        _driver: driver,
    })
}
