//! What the command-line tests share: running `yici`, starting `yici serve` on a free port, and
//! a bare HTTP/1.1 client (no client library: the tests see exactly what goes over the wire).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

pub fn yici(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yici"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("yici runs")
}

pub fn temp(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("yici-cli-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Start `yici serve --listen 127.0.0.1:0` with `args`; returns the child and its address.
pub fn start_server(args: &[&str]) -> (Child, String) {
    start_server_logging(args, "warn")
}

/// The same, logging at `level` (`off` for tests that cause errors on purpose).
pub fn start_server_logging(args: &[&str], level: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yici"))
        .arg("serve")
        .args(args)
        .args(["--listen", "127.0.0.1:0"])
        .env("RUST_LOG", level)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("yici serve starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("the server prints its address").unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

/// An answer: status (0 when the connection failed or was dropped), headers, body.
#[derive(Debug, Default)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body as sent (a PDF, an image).
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
}

/// A bare HTTP/1.1 request on a new connection.
pub fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return Answer::default();
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    if stream.write_all(req.as_bytes()).is_err() {
        return Answer::default();
    }
    let mut raw = Vec::new();
    if stream.read_to_end(&mut raw).is_err() {
        return Answer::default();
    }
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Answer::default();
    };
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let bytes = raw[end + 4..].to_vec();
    let body = String::from_utf8_lossy(&bytes).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body,
        bytes,
    }
}

/// A bare HTTP/1.1 request; returns the status code.
pub fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> u16 {
    request(addr, method, path, headers, body).status
}

/// Sign in as a user; returns (cookie header value, CSRF token).
pub fn sign_in(addr: &str, username: &str, password: &str) -> (String, String) {
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    let a = request(
        addr,
        "POST",
        "/api/v1/session",
        &[("Content-Type", "application/json")],
        &body,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let cookie = a
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string();
    let csrf = a.json()["csrf_token"].as_str().unwrap().to_string();
    (cookie, csrf)
}

/// The QR code on a PDF's first page (rendered in grey by `pdftoppm`, read by a QR decoder), or
/// `None` when poppler-utils is not installed and services are not required.
pub fn pdf_qr(pdf: &[u8]) -> Option<String> {
    let dir = temp("pdfqr");
    std::fs::write(dir.join("a.pdf"), pdf).unwrap();
    let rendered = Command::new("pdftoppm")
        .args(["-gray", "-r", "150", "-singlefile", "a.pdf", "page"])
        .current_dir(&dir)
        .status();
    if rendered.is_err() {
        assert!(
            std::env::var("YICI_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "pdftoppm (poppler-utils) is required"
        );
        eprintln!("pdftoppm not installed: skipping the QR check");
        return None;
    }
    assert!(rendered.unwrap().success(), "pdftoppm renders the PDF");
    let pgm = std::fs::read(dir.join("page.pgm")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    // P5 <w> <h> <max>\n<bytes>
    let text = String::from_utf8_lossy(&pgm[..pgm.len().min(64)]).into_owned();
    let fields: Vec<&str> = text.split_ascii_whitespace().take(4).collect();
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = &pgm[pgm.len() - w * h..];
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the page");
    Some(grids[0].decode().expect("the QR code decodes").1)
}
