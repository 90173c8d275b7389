//! A mail catcher: a real SMTP server on loopback that accepts every message and keeps each as
//! an `.eml` file in a folder, so a developer opens what citizens were sent in a mail client and
//! a test reads it back ([`crate::mailbox`]). It speaks the core of RFC 5321 (EHLO/HELO, MAIL
//! FROM, RCPT TO, DATA with dot-unstuffing, RSET, NOOP, QUIT, VRFY, HELP) over plain TCP, with
//! no TLS and no authentication: a development tool, never an MTA.

use std::{
    io,
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

use crate::mailbox::{self, CaughtMail};

/// The largest message accepted (advertised as `SIZE`).
pub const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;
/// The longest line read, well above RFC 5321's 1000 octets of a text line.
const MAX_LINE_BYTES: usize = 64 * 1024;
const MAX_RECIPIENTS: usize = 100;
/// A client silent this long is told goodbye.
const IDLE: Duration = Duration::from_secs(300);
const HOST: &str = "mail-catcher.lienthong.invalid";

/// A running mail catcher. Dropping it stops it.
#[derive(Debug)]
pub struct MailCatcher {
    address: SocketAddr,
    dir: PathBuf,
    task: JoinHandle<()>,
}

impl MailCatcher {
    /// Listens on `listen` (port 0 for a free one) and keeps messages in `dir` (created).
    pub async fn start(dir: impl Into<PathBuf>, listen: SocketAddr) -> io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        let listener = TcpListener::bind(listen).await?;
        let address = listener.local_addr()?;
        let store = Arc::new(Store {
            dir: dir.clone(),
            sequence: AtomicU64::new(0),
        });
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = listener.accept().await else {
                    continue;
                };
                let store = store.clone();
                tokio::spawn(async move {
                    if let Err(error) = serve(stream, &store).await {
                        tracing::debug!(%peer, %error, "mail catcher connection ended");
                    }
                });
            }
        });
        Ok(Self { address, dir, task })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `smtp://host:port`, as the worker's `--notify-smtp-url` takes it.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.address)
    }

    /// The folder the `.eml` files are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every message caught so far, oldest first.
    pub fn messages(&self) -> io::Result<Vec<CaughtMail>> {
        mailbox::read_mailbox(&self.dir)
    }

    pub fn shutdown(self) {
        self.task.abort();
    }
}

impl Drop for MailCatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where messages go: one file each, named so that names sort in arrival order.
#[derive(Debug)]
struct Store {
    dir: PathBuf,
    sequence: AtomicU64,
}

impl Store {
    /// Writes the message whole under a temporary name, then renames it: a reader never sees
    /// half a message.
    fn keep(&self, from: &str, to: &[String], helo: &str, data: &[u8]) -> io::Result<String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
        let id = format!("{:013}-{sequence:05}", now.as_millis());
        let date = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc2822)
            .unwrap_or_default();
        let recipients: Vec<String> = to.iter().map(|r| format!("<{r}>")).collect();
        let mut text = format!(
            "Return-Path: <{from}>\r\nX-Envelope-To: {}\r\nReceived: from {helo} by {HOST} with \
             ESMTP id {id}; {date}\r\n",
            recipients.join(", ")
        )
        .into_bytes();
        text.extend_from_slice(data);
        let partial = self.dir.join(format!(".{id}.partial"));
        std::fs::write(&partial, &text)?;
        std::fs::rename(&partial, self.dir.join(format!("{id}.eml")))?;
        Ok(id)
    }
}

/// One SMTP session.
#[derive(Debug, Default)]
struct Session {
    helo: Option<String>,
    from: Option<String>,
    to: Vec<String>,
}

impl Session {
    fn reset(&mut self) {
        self.from = None;
        self.to.clear();
    }
}

async fn serve(stream: TcpStream, store: &Store) -> io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    reply(
        &mut write,
        &format!("220 {HOST} lienthong mail catcher ESMTP ready"),
    )
    .await?;
    let mut session = Session::default();
    loop {
        let Some(line) = read_line(&mut read, &mut write).await? else {
            return Ok(());
        };
        let line = String::from_utf8_lossy(&line);
        let (verb, argument) = match line.split_once(' ') {
            Some((verb, argument)) => (verb, argument.trim()),
            None => (line.as_ref(), ""),
        };
        match verb.to_ascii_uppercase().as_str() {
            "EHLO" | "HELO" if argument.is_empty() => {
                reply(&mut write, "501 Syntax: EHLO hostname").await?;
            }
            "EHLO" => {
                session.reset();
                session.helo = Some(argument.to_owned());
                reply(
                    &mut write,
                    &format!(
                        "250-{HOST} greets {argument}\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n\
                         250-SIZE {MAX_MESSAGE_BYTES}\r\n250 HELP"
                    ),
                )
                .await?;
            }
            "HELO" => {
                session.reset();
                session.helo = Some(argument.to_owned());
                reply(&mut write, &format!("250 {HOST}")).await?;
            }
            "MAIL" => {
                let answer = mail(&mut session, argument);
                reply(&mut write, answer).await?;
            }
            "RCPT" => {
                let answer = rcpt(&mut session, argument);
                reply(&mut write, answer).await?;
            }
            "DATA" => data(&mut session, argument, store, &mut read, &mut write).await?,
            "RSET" => {
                session.reset();
                reply(&mut write, "250 OK").await?;
            }
            "NOOP" => reply(&mut write, "250 OK").await?,
            "VRFY" => {
                reply(&mut write, "252 Cannot VRFY user, but will accept message").await?;
            }
            "HELP" => {
                reply(
                    &mut write,
                    "214 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT",
                )
                .await?;
            }
            "QUIT" => {
                reply(&mut write, &format!("221 {HOST} closing connection")).await?;
                return Ok(());
            }
            "STARTTLS" | "AUTH" | "EXPN" | "TURN" | "BDAT" | "ETRN" => {
                reply(&mut write, "502 Command not implemented").await?;
            }
            _ => reply(&mut write, "500 Command not recognised").await?,
        }
    }
}

fn mail(session: &mut Session, argument: &str) -> &'static str {
    if session.helo.is_none() {
        return "503 Send EHLO or HELO first";
    }
    if session.from.is_some() {
        return "503 Nested MAIL command";
    }
    let Some((path, parameters)) = path_after(argument, "FROM:") else {
        return "501 Syntax: MAIL FROM:<address>";
    };
    let too_big = parameters.split_whitespace().any(|parameter| {
        parameter
            .to_ascii_uppercase()
            .strip_prefix("SIZE=")
            .and_then(|size| size.parse::<usize>().ok())
            .is_some_and(|size| size > MAX_MESSAGE_BYTES)
    });
    if too_big {
        return "552 Message size exceeds fixed maximum message size";
    }
    session.from = Some(path);
    "250 OK"
}

fn rcpt(session: &mut Session, argument: &str) -> &'static str {
    if session.from.is_none() {
        return "503 Need MAIL before RCPT";
    }
    let Some((path, _)) = path_after(argument, "TO:") else {
        return "501 Syntax: RCPT TO:<address>";
    };
    if path.is_empty() {
        return "501 Syntax: RCPT TO:<address>";
    }
    if session.to.len() >= MAX_RECIPIENTS {
        return "452 Too many recipients";
    }
    session.to.push(path);
    "250 OK"
}

/// `FROM:<a@b> SIZE=10` → (`a@b`, `SIZE=10`); the null path `<>` gives an empty address.
fn path_after(argument: &str, keyword: &str) -> Option<(String, String)> {
    let head = argument.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = argument[keyword.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    let path = &rest[..end];
    if path.contains(['\r', '\n', '<']) {
        return None;
    }
    Some((path.to_owned(), rest[end + 1..].trim().to_owned()))
}

async fn data<R, W>(
    session: &mut Session,
    argument: &str,
    store: &Store,
    read: &mut R,
    write: &mut W,
) -> io::Result<()>
where
    R: AsyncBufReadExt + AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    if !argument.is_empty() {
        return reply(write, "501 Syntax: DATA").await;
    }
    let Some(from) = session.from.clone() else {
        return reply(write, "503 Need MAIL command").await;
    };
    if session.to.is_empty() {
        return reply(write, "503 Need RCPT before DATA").await;
    }
    reply(write, "354 End data with <CR><LF>.<CR><LF>").await?;
    let mut message = Vec::new();
    let mut too_big = false;
    loop {
        let Some(mut line) = read_line(read, write).await? else {
            return Ok(());
        };
        if line == b"." {
            break;
        }
        // RFC 5321 4.5.2: a line the client began with an added dot loses that dot.
        if line.first() == Some(&b'.') {
            line.remove(0);
        }
        if message.len() + line.len() + 2 > MAX_MESSAGE_BYTES {
            too_big = true;
            continue;
        }
        message.extend_from_slice(&line);
        message.extend_from_slice(b"\r\n");
    }
    let helo = session.helo.clone().unwrap_or_default();
    let to = std::mem::take(&mut session.to);
    session.reset();
    if too_big {
        return reply(write, "552 Message size exceeds fixed maximum message size").await;
    }
    match store.keep(&from, &to, &helo, &message) {
        Ok(id) => reply(write, &format!("250 OK: queued as {id}")).await,
        Err(error) => {
            tracing::warn!(%error, "mail catcher could not keep a message");
            reply(
                write,
                "451 Requested action aborted: local error in processing",
            )
            .await
        }
    }
}

/// One line without its line ending; `None` when the client has gone or stayed silent too long
/// (told so first).
async fn read_line<R, W>(read: &mut R, write: &mut W) -> io::Result<Option<Vec<u8>>>
where
    R: AsyncBufReadExt + AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut line = Vec::new();
    let read_one = async {
        let mut limited = (&mut *read).take(MAX_LINE_BYTES as u64 + 2);
        limited.read_until(b'\n', &mut line).await
    };
    let count = match tokio::time::timeout(IDLE, read_one).await {
        Ok(count) => count?,
        Err(_) => {
            reply(
                write,
                &format!("421 {HOST} idle too long, closing connection"),
            )
            .await?;
            return Ok(None);
        }
    };
    if count == 0 {
        return Ok(None);
    }
    if !line.ends_with(b"\n") {
        reply(write, "500 Line too long").await?;
        return Ok(None);
    }
    line.pop();
    if line.ends_with(b"\r") {
        line.pop();
    }
    Ok(Some(line))
}

async fn reply<W: AsyncWrite + Unpin>(write: &mut W, text: &str) -> io::Result<()> {
    write.write_all(text.as_bytes()).await?;
    write.write_all(b"\r\n").await?;
    write.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_between_angle_brackets_with_their_parameters() {
        assert_eq!(
            path_after("FROM:<a@b.vn> SIZE=10", "FROM:"),
            Some(("a@b.vn".to_owned(), "SIZE=10".to_owned()))
        );
        assert_eq!(
            path_after("from: <a@b.vn>", "FROM:"),
            Some(("a@b.vn".to_owned(), String::new()))
        );
        assert_eq!(
            path_after("FROM:<>", "FROM:"),
            Some((String::new(), String::new()))
        );
        assert_eq!(path_after("FROM:a@b.vn", "FROM:"), None);
        assert_eq!(path_after("TO:<a@b.vn>", "FROM:"), None);
    }
}
