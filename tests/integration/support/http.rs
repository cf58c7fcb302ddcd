//! A scriptable HTTP/1.1 server on loopback for tests: it records every request
//! and answers from a queue of replies (then a default), so one fake serves as
//! Slack's Web API, an OpenAI-compatible or Anthropic endpoint, a webhook, or a
//! health endpoint for http probes. Replies can be slow, any status, malformed,
//! or a dropped connection.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// A request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "request body not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Close the connection without answering.
    pub hang_up: bool,
    /// Append the request as received (request line and headers) to the
    /// body, as many servers' error pages do.
    pub echo: bool,
    /// Replace `{seq}` in the body with the request's number (its index in
    /// [`FakeServer::requests`], six digits), so that each answer names
    /// what it created, as Slack's `ts` does.
    pub numbered: bool,
}

impl Reply {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
            hang_up: false,
            echo: false,
            numbered: false,
        }
    }

    pub fn json(status: u16, value: serde_json::Value) -> Reply {
        Reply::new(status, "application/json", value.to_string())
    }

    pub fn text(status: u16, body: &str) -> Reply {
        Reply::new(status, "text/plain", body)
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// An answer whose body quotes the request (Apache's default 404 page
    /// names the path; some debug pages dump the headers too).
    pub fn echo(status: u16) -> Reply {
        Reply {
            echo: true,
            ..Reply::text(status, "")
        }
    }

    pub fn numbered(mut self) -> Reply {
        self.numbered = true;
        self
    }

    pub fn hang_up() -> Reply {
        Reply {
            hang_up: true,
            ..Reply::text(200, "")
        }
    }
}

struct Shared {
    requests: Mutex<Vec<Recorded>>,
    queue: Mutex<VecDeque<Reply>>,
    default: Mutex<Reply>,
    stop: AtomicBool,
}

/// The server; stops when dropped.
pub struct FakeServer {
    addr: std::net::SocketAddr,
    shared: Arc<Shared>,
    handle: Option<JoinHandle<()>>,
}

impl FakeServer {
    /// Starts on 127.0.0.1 with `default` as the answer when the queue is empty.
    pub fn start(default: Reply) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            queue: Mutex::new(VecDeque::new()),
            default: Mutex::new(default),
            stop: AtomicBool::new(false),
        });
        let thread_shared = shared.clone();
        let handle = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if thread_shared.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = thread_shared.clone();
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        FakeServer {
            addr,
            shared,
            handle: Some(handle),
        }
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// Queues a reply for the next request.
    pub fn push(&self, reply: Reply) -> &Self {
        self.shared.queue.lock().unwrap().push_back(reply);
        self
    }

    pub fn set_default(&self, reply: Reply) {
        *self.shared.default.lock().unwrap() = reply;
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }

    pub fn request_count(&self) -> usize {
        self.shared.requests.lock().unwrap().len()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

fn serve(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 {
            return;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let echoed = format!(
        "The requested URL {path} was not found on this server.\n{method} {path}\n{}\n",
        headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let seq = {
        let mut requests = shared.requests.lock().unwrap();
        requests.push(Recorded {
            method,
            path,
            headers,
            body,
        });
        requests.len() - 1
    };
    let mut reply = shared
        .queue
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or_else(|| shared.default.lock().unwrap().clone());
    if reply.echo {
        reply.body.extend_from_slice(echoed.as_bytes());
    }
    if reply.numbered {
        let body = String::from_utf8_lossy(&reply.body).replace("{seq}", &format!("{seq:06}"));
        reply.body = body.into_bytes();
    }
    if !reply.delay.is_zero() {
        std::thread::sleep(reply.delay);
    }
    let mut stream = stream;
    if reply.hang_up {
        let _ = stream.shutdown(Shutdown::Both);
        return;
    }
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        reply.body.len()
    ));
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&reply.body);
    let _ = stream.flush();
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
