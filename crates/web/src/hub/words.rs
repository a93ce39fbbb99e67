//! The hub's pages in Japanese and English.
//!
//! The pages are written in Japanese; every word a person reads passes through [`text`] (in
//! Rust) or the templates' `t("…")`, which give the Japanese itself or its English from
//! [`ENGLISH`]. The Japanese is the key, so a page reads naturally in its source and a
//! missing translation is found by a test (`every_japanese_text_has_its_english`) rather
//! than by a reader. `{name}` in a text is a value filled in after translation.
//!
//! The language is the reader's choice, kept in a cookie that the language links set
//! (`/lang?to=en`): it is there before sign-in, and choosing it needs no account.

use axum::extract::Query;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::{Kwargs, Value};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt::Display;
use std::sync::OnceLock;

pub use super::english::ENGLISH;

/// The cookie that carries the reader's language.
pub const COOKIE: &str = "mamori_lang";

/// A page language: Japanese first, English on request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// The language a request asks for through its cookie; Japanese without one.
    pub fn of(headers: &HeaderMap) -> Lang {
        let cookies = headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok());
        for pair in cookies.flat_map(|c| c.split(';')) {
            if let Some((name, value)) = pair.trim().split_once('=')
                && name == COOKIE
            {
                return if value == "en" { Lang::En } else { Lang::Ja };
            }
        }
        Lang::Ja
    }

    /// `ja` in this language's words.
    pub fn text(self, ja: &'static str) -> &'static str {
        text(self, ja)
    }

    /// `ja` in this language's words with its `{name}` places filled.
    pub fn fill(self, ja: &'static str, values: &[(&str, &dyn Display)]) -> String {
        fill(text(self, ja), values)
    }
}

fn english() -> &'static HashMap<&'static str, &'static str> {
    static MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| ENGLISH.iter().copied().collect())
}

/// A Japanese text in `lang`. A text without its English (a test makes sure there is none)
/// stays Japanese rather than failing the page.
pub fn text(lang: Lang, ja: &str) -> &str {
    match lang {
        Lang::Ja => ja,
        Lang::En => english().get(ja).copied().unwrap_or(ja),
    }
}

/// Fills the `{name}` places of a text.
pub fn fill(text: &str, values: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if let Some((_, v)) = values.iter().find(|(n, _)| *n == name) => {
                out.push_str(&v.to_string());
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The templates' `t("…", name=value…)`: the text in the page's language (the `lang`
/// variable), its places filled from the keyword arguments.
pub fn template_text(state: &minijinja::State, ja: &str, values: Kwargs) -> Result<String, minijinja::Error> {
    let lang = match state.lookup("lang").as_ref().and_then(Value::as_str) {
        Some("en") => Lang::En,
        _ => Lang::Ja,
    };
    let names: Vec<&str> = values.args().collect();
    let mut filled: Vec<(&str, String)> = Vec::with_capacity(names.len());
    for name in names {
        let v: Value = values.get(name)?;
        filled.push((name, v.to_string()));
    }
    let refs: Vec<(&str, &dyn Display)> = filled.iter().map(|(n, v)| (*n, v as &dyn Display)).collect();
    Ok(fill(text(lang, ja), &refs))
}

#[derive(Deserialize)]
pub struct Choice {
    to: Option<String>,
    next: Option<String>,
}

/// `GET /lang?to=en&next=/hub/findings`: keeps the choice in a cookie for a year and goes
/// back to the page (only a hub page: never another site).
pub async fn choose(Query(q): Query<Choice>) -> Response {
    let lang = if q.to.as_deref() == Some("en") { Lang::En } else { Lang::Ja };
    let next = match q.next.as_deref() {
        Some(n) if n.starts_with("/hub") && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/hub",
    };
    let cookie = format!("{COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000", lang.code());
    ([(header::SET_COOKIE, cookie)], Redirect::to(next)).into_response()
}

/// The link that shows the same page in the other language.
pub fn switch_link(lang: Lang, here: &str) -> String {
    let to = if lang == Lang::En { "ja" } else { "en" };
    format!("/lang?to={to}&next={}", crate::auth::encode(here))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn japanese(c: char) -> bool {
        matches!(c, '\u{3000}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
    }

    fn places(text: &str) -> Vec<&str> {
        let mut out: Vec<&str> =
            text.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(name, _)| name)).collect();
        out.sort();
        out
    }

    /// Every Japanese string literal of a Rust source, before its tests.
    fn rust_texts(source: &str) -> Vec<String> {
        let code = source.split("#[cfg(test)]").next().unwrap_or("");
        let mut out = Vec::new();
        let mut chars = code.chars().peekable();
        let mut comment = false;
        let mut previous = ' ';
        while let Some(c) = chars.next() {
            if comment {
                comment = c != '\n';
            } else if c == '/' && chars.peek() == Some(&'/') {
                comment = true;
            } else if c == '"' && previous != '\'' {
                let mut s = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(n) = chars.next() {
                                s.push('\\');
                                s.push(n);
                            }
                        }
                        '"' => break,
                        _ => s.push(c),
                    }
                }
                if s.chars().any(japanese) {
                    out.push(s);
                }
            }
            previous = c;
        }
        out
    }

    fn sources() -> Vec<(String, String)> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src/hub");
        let mut out = Vec::new();
        for entry in std::fs::read_dir(root).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("english.rs") {
                out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
            }
        }
        out
    }

    fn templates() -> Vec<(String, String)> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/hub");
        let mut out: Vec<(String, String)> = std::fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap()))
            .collect();
        let login = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/admin/login.html");
        out.push((login.to_string(), std::fs::read_to_string(login).unwrap()));
        out
    }

    /// The `t("…")` keys of a template, and the template with them taken out.
    fn template_keys(source: &str) -> (Vec<String>, String) {
        let (mut keys, mut rest) = (Vec::new(), String::new());
        let mut s = source;
        while let Some(at) = s.find("t(\"") {
            rest.push_str(&s[..at]);
            let after = &s[at + 3..];
            let end = after.find('"').expect("a t(\" is closed");
            keys.push(after[..end].to_string());
            s = &after[end + 1..];
        }
        rest.push_str(s);
        (keys, rest)
    }

    #[test]
    fn every_japanese_text_has_its_english() {
        let mut used = std::collections::HashSet::new();
        let mut missing = Vec::new();
        // The sign-in page's texts are the hub's too; the rest of auth.rs is the office's.
        let auth = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/auth.rs")).unwrap();
        used.extend(rust_texts(&auth));
        for (path, source) in sources() {
            for ja in rust_texts(&source) {
                if !english().contains_key(ja.as_str()) {
                    missing.push(format!("{path}: {ja}"));
                }
                used.insert(ja);
            }
        }
        for (path, source) in templates() {
            let (keys, rest) = template_keys(&source);
            // The admin sign-in page is Japanese for the office; only its hub texts count.
            if !path.ends_with("login.html") {
                // The link to the Japanese page names its language in Japanese, on purpose.
                let rest = rest.replace("日本語", "");
                let left: String = rest.chars().filter(|c| japanese(*c)).collect();
                assert!(left.is_empty(), "{path}: Japanese outside t(\"…\"): {left}");
            }
            for ja in keys {
                if !english().contains_key(ja.as_str()) {
                    missing.push(format!("{path}: {ja}"));
                }
                used.insert(ja);
            }
        }
        assert!(missing.is_empty(), "texts without English:\n{}", missing.join("\n"));
        let unused: Vec<&str> = ENGLISH.iter().map(|(ja, _)| *ja).filter(|ja| !used.contains(*ja)).collect();
        assert!(unused.is_empty(), "English for texts no page uses: {unused:?}");
        assert_eq!(english().len(), ENGLISH.len(), "a Japanese text is listed twice");
        for (ja, en) in ENGLISH {
            assert_eq!(places(ja), places(en), "the places of {ja:?} and {en:?}");
            assert!(!en.chars().any(japanese), "{en:?} is not English");
        }
    }

    #[test]
    fn places_are_filled_after_translation() {
        assert_eq!(fill("{n} 件／{m}", &[("n", &3), ("m", &"x")]), "3 件／x");
        assert_eq!(fill("{unknown} {", &[]), "{unknown} {");
        assert_eq!(text(Lang::En, "まだ訳のない文"), "まだ訳のない文");
        assert_eq!(Lang::En.text("機器台帳"), "Device inventory");
        assert_eq!(Lang::Ja.text("機器台帳"), "機器台帳");
    }

    #[test]
    fn the_cookie_decides_and_japanese_is_the_default() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::of(&h), Lang::Ja);
        h.insert(header::COOKIE, "a=b; mamori_lang=en".parse().unwrap());
        assert_eq!(Lang::of(&h), Lang::En);
        h.insert(header::COOKIE, "mamori_lang=<script>".parse().unwrap());
        assert_eq!(Lang::of(&h), Lang::Ja);
        assert_eq!(switch_link(Lang::Ja, "/hub/findings?state=new"), "/lang?to=en&next=/hub/findings%3Fstate%3Dnew");
    }
}
