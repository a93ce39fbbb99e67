//! Security headers on every response, and who is asking (for rate limits).

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::{HeaderMap, HeaderValue, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};

/// The policy for pages Mamori writes itself: no inline scripts or styles.
const STRICT_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The policy for the self-contained report and feedback documents (also saved as files):
/// their styles are inline, and they carry no script at all.
pub const DOCUMENT_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The longest a request may take before it is answered 503 (an upload's workbook reader has
/// 35 s of its own).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// One access-log line per request, with a request id (also sent as `X-Request-Id`) that every
/// other line logged while serving it carries. The path logged is the route's template
/// (`/r/{token}/p/{page}`), so a personal link, like any query string, password or answer, never
/// reaches the log. A request still running after [`REQUEST_TIMEOUT`] is answered 503.
pub async fn access_log(request: Request, next: Next) -> Response {
    use tracing::Instrument;
    let id = mamori_store::random_hex(8);
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "(no route)".to_string(), |p| p.as_str().to_string());
    let started = std::time::Instant::now();
    let span = tracing::info_span!("request", id = %id);
    let outcome = tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).instrument(span.clone()).await;
    let mut response = match outcome {
        Ok(response) => response,
        Err(_) => {
            let _guard = span.enter();
            tracing::warn!("timed out after {} s", REQUEST_TIMEOUT.as_secs());
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, "the server took too long; please try again").into_response()
        }
    };
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    tracing::info!(
        target: "access",
        id = %id,
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
    );
    response
}

/// No framing, no sniffing, and no Referer: a personal link in a URL must not leak to another
/// site. A handler may set a stricter or document-specific policy of its own.
pub async fn headers(request: Request, next: Next) -> Response {
    let behind_tls = request.headers().get("x-forwarded-proto").is_some_and(|v| v.as_bytes() == b"https");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    if !h.contains_key("content-security-policy") {
        h.insert("content-security-policy", HeaderValue::from_static(STRICT_POLICY));
    }
    let set = |h: &mut HeaderMap, name: &'static str, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "no-referrer");
    if behind_tls {
        // Behind the TLS proxy: browsers keep to HTTPS for a year.
        set(h, "strict-transport-security", "max-age=31536000");
    }
    if !h.contains_key("cache-control") {
        set(h, "cache-control", "no-store");
    }
    response
}

/// The client's address, for rate limits: the socket's peer; behind a trusted proxy, the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy. "unknown" when the
/// server does not know the peer (requests handed to the router directly, as in tests).
pub struct Client(pub String);

impl FromRequestParts<crate::Shared> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &crate::Shared) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let Some(peer) = peer else { return Ok(Client("unknown".into())) };
        Ok(Client(client_address(peer, &parts.headers, &state.config.trusted_proxies).to_string()))
    }
}

/// The address a request counts against (see [`Client`]).
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    // Each proxy appends the address it received from: read from the right, skipping our own
    // proxies; the first other address is the client. Anything unparsable ends the walk.
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for entry in forwarded.iter().rev() {
        match entry.parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

pub use mamori_store::{hmac, same};

/// A CSRF token for forms shown before there is a session or a personal link (sign-in,
/// self-registration): signed with the server's key, the form's purpose and the hour it was
/// made; accepted for up to two hours.
pub fn form_token(key: &str, purpose: &str) -> String {
    let hour = mamori_store::now() / 3600;
    format!("{hour}.{}", hmac(key, &format!("{purpose}:{hour}")))
}

pub fn form_token_ok(key: &str, purpose: &str, token: &str) -> bool {
    let hour = mamori_store::now() / 3600;
    [hour, hour - 1].iter().any(|&h| same(token, &format!("{h}.{}", hmac(key, &format!("{purpose}:{h}")))))
}
