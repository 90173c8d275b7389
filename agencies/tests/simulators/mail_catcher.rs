//! The mail catcher speaks SMTP as a client expects: replies in sequence, dot-unstuffing, RSET
//! forgetting a transaction, commands out of order refused; and it keeps each message whole.

use std::net::SocketAddr;

use lienthong_agencies::MailCatcher;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

struct Client {
    read: BufReader<tokio::net::tcp::OwnedReadHalf>,
    write: tokio::net::tcp::OwnedWriteHalf,
}

impl Client {
    async fn connect(address: SocketAddr) -> anyhow::Result<(Self, String)> {
        let (read, write) = TcpStream::connect(address).await?.into_split();
        let mut client = Self {
            read: BufReader::new(read),
            write,
        };
        let greeting = client.reply().await?;
        Ok((client, greeting))
    }

    /// One reply, its continuation lines joined with `\n`.
    async fn reply(&mut self) -> anyhow::Result<String> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            anyhow::ensure!(
                self.read.read_line(&mut line).await? > 0,
                "connection closed"
            );
            let line = line.trim_end().to_owned();
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                return Ok(lines.join("\n"));
            }
        }
    }

    async fn send(&mut self, line: &str) -> anyhow::Result<String> {
        self.write
            .write_all(format!("{line}\r\n").as_bytes())
            .await?;
        self.reply().await
    }
}

fn code(reply: &str) -> &str {
    reply.get(..3).unwrap_or(reply)
}

#[tokio::test]
async fn a_message_is_kept_whole_with_its_dots_unstuffed() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let catcher = MailCatcher::start(dir.path().join("mail"), "127.0.0.1:0".parse()?).await?;
    let (mut smtp, greeting) = Client::connect(catcher.address()).await?;
    assert_eq!(code(&greeting), "220", "{greeting}");

    let ehlo = smtp.send("EHLO worker.example.vn").await?;
    assert!(ehlo.starts_with("250-"), "{ehlo}");
    assert!(ehlo.contains("8BITMIME") && ehlo.contains("SIZE"), "{ehlo}");
    assert_eq!(code(&smtp.send("NOOP").await?), "250");
    assert_eq!(
        code(
            &smtp
                .send("MAIL FROM:<no-reply@dichvucong.example.vn> BODY=8BITMIME")
                .await?
        ),
        "250"
    );
    assert_eq!(
        code(&smtp.send("RCPT TO:<citizen@example.vn>").await?),
        "250"
    );
    assert_eq!(code(&smtp.send("DATA").await?), "354");
    for line in [
        "Subject: dots",
        "",
        "first line",
        "..a line that began with a dot",
        "...two dots",
        ".",
    ] {
        smtp.write
            .write_all(format!("{line}\r\n").as_bytes())
            .await?;
    }
    let queued = smtp.reply().await?;
    assert_eq!(code(&queued), "250", "{queued}");
    assert_eq!(code(&smtp.send("QUIT").await?), "221");

    let messages = catcher.messages()?;
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let mail = &messages[0];
    assert_eq!(mail.envelope_from, "no-reply@dichvucong.example.vn");
    assert_eq!(mail.envelope_to, vec!["citizen@example.vn"]);
    assert_eq!(mail.subject, "dots");
    assert_eq!(
        mail.body,
        "first line\n.a line that began with a dot\n..two dots"
    );
    assert!(mail.file.starts_with(dir.path().join("mail")));
    assert!(mail.raw.ends_with("..two dots\r\n"), "{:?}", mail.raw);
    Ok(())
}

#[tokio::test]
async fn rset_forgets_the_transaction_and_commands_out_of_order_are_refused() -> anyhow::Result<()>
{
    let dir = tempfile::tempdir()?;
    let catcher = MailCatcher::start(dir.path(), "127.0.0.1:0".parse()?).await?;
    let (mut smtp, _) = Client::connect(catcher.address()).await?;

    assert_eq!(
        code(&smtp.send("MAIL FROM:<a@x.vn>").await?),
        "503",
        "no greeting yet"
    );
    assert_eq!(code(&smtp.send("HELO worker").await?), "250");
    assert_eq!(
        code(&smtp.send("RCPT TO:<b@x.vn>").await?),
        "503",
        "RCPT before MAIL"
    );
    assert_eq!(code(&smtp.send("DATA").await?), "503", "DATA before MAIL");
    assert_eq!(
        code(&smtp.send("MAIL FROM:a@x.vn").await?),
        "501",
        "no angle brackets"
    );
    assert_eq!(code(&smtp.send("MAIL FROM:<a@x.vn>").await?), "250");
    assert_eq!(
        code(&smtp.send("MAIL FROM:<a@x.vn>").await?),
        "503",
        "nested MAIL"
    );
    assert_eq!(code(&smtp.send("RCPT TO:<b@x.vn>").await?), "250");
    assert_eq!(code(&smtp.send("RSET").await?), "250");
    assert_eq!(
        code(&smtp.send("DATA").await?),
        "503",
        "RSET dropped the sender and recipient"
    );
    assert_eq!(
        code(&smtp.send("RCPT TO:<b@x.vn>").await?),
        "503",
        "and the sender"
    );
    assert_eq!(code(&smtp.send("VRFY b@x.vn").await?), "252");
    assert_eq!(code(&smtp.send("STARTTLS").await?), "502");
    assert_eq!(code(&smtp.send("FROB").await?), "500");

    // After RSET a new transaction goes through.
    assert_eq!(
        code(&smtp.send("MAIL FROM:<>").await?),
        "250",
        "the null sender"
    );
    assert_eq!(code(&smtp.send("RCPT TO:<c@x.vn>").await?), "250");
    assert_eq!(code(&smtp.send("DATA").await?), "354");
    assert_eq!(
        code(&smtp.send("Subject: after reset\r\n\r\nhello\r\n.").await?),
        "250"
    );
    assert_eq!(code(&smtp.send("QUIT").await?), "221");

    let messages = catcher.messages()?;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].envelope_to, vec!["c@x.vn"]);
    assert_eq!(messages[0].body, "hello");
    Ok(())
}
