//! A real SMTP server on loopback (Python's aiosmtpd, see `smtp_sink.py`) that
//! saves every message it accepts, plus the two ways a server can fail us: a
//! port nobody listens on, and a server that accepts and never speaks.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

/// The login the sink accepts.
pub const USER: &str = "tend-user";
pub const PASSWORD: &str = "s3cret-pass";

/// A port that was free a moment ago (nothing listens on it now).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// aiosmtpd on 127.0.0.1; killed when dropped.
pub struct SmtpSink {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let script: PathBuf = [
            env!("CARGO_MANIFEST_DIR"),
            "tests/integration/support/smtp_sink.py",
        ]
        .iter()
        .collect();
        let python = super::provision::python();
        let dir = tempfile::tempdir().unwrap();
        // A free port can be taken between the probe and the bind: try a few.
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(&python)
                .arg(&script)
                .arg(dir.path())
                .arg(port.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the tests' python (with aiosmtpd)");
            let stdout = child.stdout.take().unwrap();
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                let mut line = String::new();
                let _ = BufReader::new(stdout).read_line(&mut line);
                let _ = tx.send(line);
            });
            match rx.recv_timeout(Duration::from_secs(20)) {
                Ok(line) if line.trim() == "ready" => return SmtpSink { child, dir, port },
                _ => {
                    let _ = child.kill();
                    let out = child.wait_with_output().unwrap();
                    eprintln!(
                        "smtp sink did not start on port {port}: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            }
        }
        panic!(
            "cannot start the SMTP sink (aiosmtpd in {})",
            python.display()
        );
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Accepts connections and never answers (an SMTP server stuck before its
/// greeting); stops when dropped.
pub struct StalledServer {
    port: u16,
    stop: Arc<AtomicBool>,
    held: Arc<Mutex<Vec<TcpStream>>>,
    handle: Option<JoinHandle<()>>,
}

impl StalledServer {
    pub fn start() -> StalledServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let held = Arc::new(Mutex::new(Vec::new()));
        let (s, h) = (stop.clone(), held.clone());
        let handle = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    h.lock().unwrap().push(stream);
                }
            }
        });
        StalledServer {
            port,
            stop,
            held,
            handle: Some(handle),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn connections(&self) -> usize {
        self.held.lock().unwrap().len()
    }
}

impl Drop for StalledServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(
            &([127, 0, 0, 1], self.port).into(),
            Duration::from_millis(200),
        );
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
