//! What the web tests share: a site on a fresh SQLite or PostgreSQL database, requests
//! through the Router without a socket, and a real SMTP server.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use mamori_store::Store;
use tower::ServiceExt;

pub const FORM: &[u8] = include_bytes!("../../../../questionnaires/mdcs-manufacturer-2024.xlsx");

pub struct Site {
    pub app: Router,
    pub store: Store,
    pub tokens: Vec<String>,
    pub campaign: String,
    _cleanup: Cleanup,
}

/// Removes what a test made: its SQLite folder, or its PostgreSQL database.
pub enum Cleanup {
    Folder(std::path::PathBuf),
    Database { admin_url: String, name: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Cleanup::Folder(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Database { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime; a thread with its own runtime can wait.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                    rt.block_on(async {
                        if let Ok(store) = Store::admin(&admin_url).await {
                            let _ = store.execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Every scenario runs on both databases. PostgreSQL comes from `MAMORI_TEST_POSTGRES`, which
/// `tools/test` sets after starting a server; without it the PostgreSQL half fails with a
/// message rather than passing unseen.
pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

/// A fresh, empty database of the backend, and what removes it afterwards.
pub async fn fresh_store(backend: Backend) -> (Store, Cleanup) {
    match backend {
        Backend::Sqlite => {
            let dir =
                std::env::temp_dir().join(format!("mamori-web-{}-{}", std::process::id(), mamori_store::random_hex(4)));
            std::fs::create_dir_all(&dir).unwrap();
            (Store::open(&format!("sqlite://{}", dir.join("t.db").display())).await.unwrap(), Cleanup::Folder(dir))
        }
        Backend::Postgres => {
            let admin_url = std::env::var("MAMORI_TEST_POSTGRES")
                .expect("MAMORI_TEST_POSTGRES is not set: run tools/test, which starts PostgreSQL, or set it to postgres://USER:PASSWORD@HOST/postgres");
            let name = format!("mamori_t_{}", mamori_store::random_hex(6));
            let admin = Store::admin(&admin_url).await.expect("PostgreSQL at MAMORI_TEST_POSTGRES answers");
            admin.execute_admin(&format!("CREATE DATABASE {name}")).await.unwrap();
            let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b).to_string();
            let store = Store::open(&format!("{base}/{name}")).await.unwrap();
            (store, Cleanup::Database { admin_url, name })
        }
    }
}

/// An open campaign of the 2024 questionnaire with two participants (a mah1 and a mah3
/// company), served without mail.
pub async fn site(backend: Backend) -> Site {
    site_with(backend, mamori_web::Config::default()).await
}

pub async fn site_with(backend: Backend, config: mamori_web::Config) -> Site {
    let (store, cleanup) = fresh_store(backend).await;
    let now = mamori_store::now();
    let campaign =
        store.create_campaign("2024", "mdcs-manufacturer-2024.xlsx", FORM, now - 60, now + 86_400).await.unwrap();
    let mut tokens = Vec::new();
    for (company, license) in [("甲医療機器株式会社", "mah1"), ("乙メディカル株式会社", "mah3")] {
        tokens.push(store.add_participant(&campaign, company, license, "a@example.jp", "ja").await.unwrap().1);
    }
    let app = mamori_web::app_with(store.clone(), config).await.unwrap();
    Site { app, store, tokens, campaign, _cleanup: cleanup }
}

impl Site {
    /// The database URL of a PostgreSQL site (for a second app on the same database).
    pub fn database_url(&self) -> Option<String> {
        match &self._cleanup {
            Cleanup::Database { admin_url, name } => {
                Some(format!("{}/{name}", admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b)))
            }
            Cleanup::Folder(_) => None,
        }
    }
}

/// Adds a user of the office's pages with a random password; returns the password.
pub async fn add_user(store: &Store, login: &str, role: mamori_store::Role) -> String {
    let password = format!("pw-{}", mamori_store::random_hex(8));
    store.create_user(login, login, role, &mamori_web::hash_password(&password)).await.unwrap();
    password
}

/// The sign-in form's token and the browser cookie it is bound to (`name=value`).
pub async fn signin_form(app: &Router) -> (String, String) {
    let page = get(app, "/admin/login").await;
    let cookie = page
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("mamori_signin="))
        .expect("the sign-in form sets its browser cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    (form_token(&page.body), cookie)
}

/// Signs in through the sign-in form; returns the session cookie (`name=value`).
pub async fn login(app: &Router, login: &str, password: &str) -> String {
    let (token, browser) = signin_form(app).await;
    let fields = [("login", login), ("password", password), ("_csrf", token.as_str()), ("next", "/admin")];
    let r = post_as(app, "/admin/login", &browser, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "sign-in as {login} failed: {}", r.body);
    let cookie = r.headers.get(header::SET_COOKIE).expect("a session cookie").to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    cookie.split(';').next().unwrap().to_string()
}

/// The value of the form's `_csrf` field, whatever its length.
pub fn form_token(html: &str) -> String {
    let start = html.find("name=\"_csrf\" value=\"").expect("a CSRF field") + 20;
    html[start..].split('"').next().unwrap().to_string()
}

pub async fn get_as(app: &Router, uri: &str, cookie: &str) -> Reply {
    send(app, Request::get(uri).header(header::COOKIE, cookie).body(Body::empty()).unwrap()).await
}

pub async fn post_as(app: &Router, uri: &str, cookie: &str, fields: &[(&str, &str)]) -> Reply {
    let body: String = fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
    let request = Request::post(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    send(app, request).await
}

/// Posts a multipart form with text fields and one file.
pub async fn upload_as(
    app: &Router,
    uri: &str,
    cookie: &str,
    fields: &[(&str, &str)],
    file: (&str, &str, &[u8]),
) -> Reply {
    let boundary = "----mamori-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    let (field, file_name, bytes) = file;
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
    );
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::post(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    send(app, request).await
}

/// Posts a multipart form with text fields and several files under one field name.
pub async fn upload_many_as(
    app: &Router,
    uri: &str,
    cookie: &str,
    fields: &[(&str, &str)],
    field: &str,
    files: &[(String, Vec<u8>)],
) -> Reply {
    let boundary = "----mamori-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    for (file_name, bytes) in files {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    let request = Request::post(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    send(app, request).await
}

/// A real SMTP server on loopback (tools/smtp_sink.py on aiosmtpd), recording what it receives.
pub struct Smtp {
    child: std::process::Child,
    file: std::path::PathBuf,
    pub port: u16,
}

impl Smtp {
    pub fn start() -> Smtp {
        use std::io::BufRead;
        let python = std::env::var("MAMORI_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
        let file = std::env::temp_dir().join(format!("mamori-mail-{}.jsonl", mamori_store::random_hex(6)));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools/smtp_sink.py");
        let mut child = std::process::Command::new(&python)
            .arg(script)
            .arg(&file)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{python} {script}: {e} (tools/test installs python3-aiosmtpd)"));
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| panic!("the SMTP sink did not start: {line:?}"));
        Smtp { child, file, port }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.file)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Waits (up to 20 s) until at least `n` messages have arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<serde_json::Value> {
        for _ in 0..200 {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("expected {n} mails, got {:#?}", self.messages());
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.file);
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

pub async fn get(app: &Router, uri: &str) -> Reply {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

pub async fn post(app: &Router, uri: &str, fields: &[(&str, &str)]) -> Reply {
    let body: String = fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    send(app, request).await
}

pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect()
}

pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let location = headers.get(header::LOCATION).map(|v| v.to_str().unwrap().to_string());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    Reply { status, location, headers, body: String::from_utf8(bytes.to_vec()).unwrap() }
}

pub fn csrf(html: &str) -> String {
    let start = html.find("name=\"_csrf\" value=\"").expect("a CSRF field") + 20;
    html[start..start + 64].to_string()
}

/// Fixture responses (the 441-response file) as answer maps, by row.
pub fn fixture_answers() -> Vec<std::collections::BTreeMap<String, String>> {
    let text = include_str!("../../../../fixtures/mdcs-2024-441.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .filter(|(h, v)| !h.starts_with('_') && !v.is_empty())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Adds `n` participants who submitted the first `n` fixture responses; returns their ids.
pub async fn submitted(store: &Store, campaign: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for (i, answers) in fixture_answers().into_iter().take(n).enumerate() {
        let (id, _) = store
            .add_participant(
                campaign,
                &answers["org_name"],
                &answers["license_type"],
                &format!("f{i}@example.jp"),
                "ja",
            )
            .await
            .unwrap();
        store.save_answers(&id, &answers, true).await.unwrap();
        ids.push(id);
    }
    ids
}

pub async fn signed_in(s: &Site, role: mamori_store::Role) -> String {
    let login_name = format!("{}-{}", role.as_str(), mamori_store::random_hex(3));
    let password = add_user(&s.store, &login_name, role).await;
    login(&s.app, &login_name, &password).await
}

/// A GET whose body is returned as bytes (PDF, XLSX).
pub async fn send_raw(app: &axum::Router, uri: &str, cookie: &str) -> (StatusCode, Vec<u8>) {
    use tower::ServiceExt;
    let request = axum::http::Request::get(uri).header("cookie", cookie).body(axum::body::Body::empty()).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    (status, axum::body::to_bytes(response.into_body(), 1 << 26).await.unwrap().to_vec())
}
