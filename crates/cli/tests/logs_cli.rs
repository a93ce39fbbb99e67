//! `mamori serve` logs one access line per request with a request id, and never a personal
//! link, a password or an answer (issue 12).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

/// One HTTP/1.1 request; returns the whole response as text.
fn http(address: &str, method: &str, path: &str, body: &str, cookie: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nCookie: {cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn field(html: &str, marker: &str, len: usize) -> String {
    let at = html.find(marker).unwrap_or_else(|| panic!("{marker} in {html}")) + marker.len();
    html[at..at + len].to_string()
}

#[test]
fn the_log_has_an_access_line_per_request_and_no_link_password_or_answer() {
    let dir = std::env::temp_dir().join(format!("mamori-logs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args(["serve", "--demo", "--db", &format!("sqlite://{}", dir.join("t.db").display()), "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(server.stdout.take().unwrap());
    let (mut address, mut link, mut password) = (String::new(), String::new(), String::new());
    for _ in 0..10 {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            address = rest.split_whitespace().next().unwrap().to_string();
        }
        if let Some(rest) = line.split("personal link: ").nth(1) {
            link = rest.trim().split(&address).nth(1).unwrap().to_string();
        }
        if let Some(rest) = line.split("password: ").nth(1) {
            password = rest.trim().to_string();
            break;
        }
    }
    let token = link.trim_start_matches("/r/").to_string();
    assert_eq!(token.len(), 64, "{link}");
    let page = http(&address, "GET", &format!("{link}/p/2"), "", "");
    let csrf = field(&page, "name=\"_csrf\" value=\"", 64);
    let answer = "4242";
    let body = format!("_csrf={csrf}&products_total={answer}&products_done=1&_go=save");
    let saved = http(&address, "POST", &format!("{link}/p/2"), &body, "");
    assert!(saved.starts_with("HTTP/1.1 200"), "{saved}");
    assert!(saved.to_lowercase().contains("x-request-id: "), "the response names its request");
    let login = http(&address, "GET", "/admin/login", "", "");
    let browser = field(&login, "mamori_signin=", 32);
    let form = field(&login, "name=\"_csrf\" value=\"", 120);
    let form = form.split('"').next().unwrap();
    let body = format!("login=admin&password={password}&_csrf={form}");
    let signed_in = http(&address, "POST", "/admin/login", &body, &format!("mamori_signin={browser}"));
    assert!(signed_in.starts_with("HTTP/1.1 303"), "{signed_in}");
    let _ = server.kill();
    let _ = server.wait();
    let mut log = String::new();
    server.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    let access: Vec<&str> = log.lines().filter(|l| l.contains("access")).collect();
    assert!(access.len() >= 4, "one access line per request: {log}");
    assert!(access.iter().any(|l| l.contains("route=/r/{token}/p/{page}") && l.contains("status=200")), "{log}");
    assert!(access.iter().all(|l| l.contains("id=")), "{log}");
    for secret in [token.as_str(), password.as_str(), csrf.as_str(), browser.as_str()] {
        assert!(!log.contains(secret), "a secret in the log: {log}");
    }
    assert!(!log.contains(answer), "an answer in the log: {log}");
    let _ = std::fs::remove_dir_all(&dir);
}
