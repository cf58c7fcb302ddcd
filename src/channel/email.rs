//! Email through SMTP with lettre (design §6 routing, §12 `[email]`): STARTTLS
//! (`tls = "starttls"`, refused when the server does not offer it), implicit
//! TLS (`"tls"`), or plain for a local relay (`"none"`); optional
//! authentication with the resolved `smtp_username`/`smtp_password` secrets;
//! `timeout` bounds the connection and every read and write. A plain-text
//! message with `From`, `To`, `Subject`, `Date` and `Message-ID`; a reply in
//! an incident's conversation (design §6a) also has `In-Reply-To` and
//! `References` naming the first mail's `Message-ID`, so mail clients thread
//! it.

use std::error::Error as _;
use std::io;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};

use super::{Channel, Delivered, Message, SendError, Sink};
use crate::config::{ChannelKind, Config, EmailTls};

pub struct EmailChannel {
    transport: SmtpTransport,
    from: Mailbox,
    to: Vec<Mailbox>,
    tls: EmailTls,
}

fn error(kind: impl Into<String>, message: impl Into<String>) -> SendError {
    SendError {
        channel: ChannelKind::Email,
        kind: kind.into(),
        message: message.into(),
    }
}

impl EmailChannel {
    pub fn from_config(config: &Config) -> Result<EmailChannel, SendError> {
        let e = &config.email;
        let missing =
            |what: &str| error("not_configured", format!("email is not configured: {what}"));
        let host = e
            .smtp_host
            .as_deref()
            .filter(|h| !h.trim().is_empty())
            .ok_or_else(|| missing("no email.smtp_host"))?;
        let from: Mailbox = e
            .from
            .as_deref()
            .ok_or_else(|| missing("no email.from"))?
            .parse()
            .map_err(|err| {
                error(
                    "bad_address",
                    format!("email.from is not an address: {err}"),
                )
            })?;
        if e.to.is_empty() {
            return Err(missing("no email.to"));
        }
        let to =
            e.to.iter()
                .map(|t| {
                    t.parse::<Mailbox>().map_err(|err| {
                        error(
                            "bad_address",
                            format!("email.to {t:?} is not an address: {err}"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
        let tls_parameters = || {
            TlsParameters::new(host.to_string())
                .map_err(|err| error("tls", format!("cannot set up TLS for {host}: {err}")))
        };
        let tls = match e.tls {
            EmailTls::None => Tls::None,
            EmailTls::Starttls => Tls::Required(tls_parameters()?),
            EmailTls::Tls => Tls::Wrapper(tls_parameters()?),
        };
        let mut builder = SmtpTransport::builder_dangerous(host)
            .port(e.smtp_port)
            .tls(tls)
            .timeout(Some(e.timeout.to_std()));
        let credentials = config
            .smtp_credentials()
            .map_err(|e| super::secret_unreadable(ChannelKind::Email, &e))?;
        if let Some((user, password)) = &credentials {
            builder = builder.credentials(Credentials::new(
                user.expose().to_string(),
                password.expose().to_string(),
            ));
        }
        Ok(EmailChannel {
            transport: builder.build(),
            from,
            to,
            tls: e.tls,
        })
    }

    /// A new `Message-ID`: `<uuid@domain of From>`.
    fn new_message_id(&self) -> String {
        let domain = self.from.email.domain();
        format!("<{}@{domain}>", uuid::Uuid::now_v7())
    }

    fn build(&self, message: &Message, message_id: &str) -> Result<lettre::Message, SendError> {
        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .subject(message.subject.clone())
            .date_now()
            .message_id(Some(message_id.to_string()));
        if let Some(parent) = &message.thread.parent {
            builder = builder
                .in_reply_to(parent.clone())
                .references(parent.clone());
        }
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        builder
            .header(ContentType::TEXT_PLAIN)
            .body(message.text.clone())
            .map_err(|err| error("bad_message", format!("cannot build the email: {err}")))
    }
}

/// Sorts a lettre error into the error type of the audit row.
fn classify(err: &lettre::transport::smtp::Error, tls: EmailTls) -> String {
    if let Some(code) = err.status() {
        return format!("smtp_{code}");
    }
    // Read timeouts surface as WouldBlock on Linux, TimedOut elsewhere.
    let mut source = err.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            return match io.kind() {
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => "timeout".into(),
                io::ErrorKind::ConnectionRefused
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::NotConnected
                | io::ErrorKind::HostUnreachable
                | io::ErrorKind::NetworkUnreachable
                | io::ErrorKind::AddrNotAvailable => "connect".into(),
                io::ErrorKind::UnexpectedEof | io::ErrorKind::BrokenPipe => {
                    "connection_closed".into()
                }
                _ => "io".into(),
            };
        }
        source = cause.source();
    }
    if err.is_tls() {
        return "tls".into();
    }
    let text = err.to_string();
    if tls == EmailTls::Starttls && text.contains("STARTTLS") {
        return "starttls_unavailable".into();
    }
    if text.contains("authentication mechanism") {
        return "auth_unavailable".into();
    }
    if text.contains("resolve") || text.starts_with("Connection error") {
        return "connect".into();
    }
    if err.is_response() {
        return "smtp_protocol".into();
    }
    "smtp".into()
}

impl Channel for EmailChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Email
    }

    fn send(&mut self, message: &Message, _out: &mut dyn Sink) -> Result<Delivered, SendError> {
        let message_id = self.new_message_id();
        let email = self.build(message, &message_id)?;
        match self.transport.send(&email) {
            Ok(_) => Ok(Delivered {
                detail: Some(message_id),
                place: None,
            }),
            Err(err) => Err(error(
                classify(&err, self.tls),
                format!("SMTP send failed: {err}"),
            )),
        }
    }

    fn threads(&self) -> bool {
        true
    }
}
