//! The HTML documents' templates (`templates/`, built into the binary) and the template engine
//! that fills them. Autoescaping is on for every template: a label, an answer or a company name
//! reaches the page only as escaped text, whatever it holds.

use serde::Serialize;
use std::fmt::Display;
use std::sync::OnceLock;

const TEMPLATES: &[(&str, &str)] = &[
    ("parts.html", include_str!("../templates/parts.html")),
    ("report.html", include_str!("../templates/report.html")),
    ("feedback.html", include_str!("../templates/feedback.html")),
    ("trend.html", include_str!("../templates/trend.html")),
];

fn environment() -> &'static minijinja::Environment<'static> {
    static ENVIRONMENT: OnceLock<minijinja::Environment<'static>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut env = minijinja::Environment::new();
        // Every template is HTML, whatever its name, so escaping never depends on a file name.
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in TEMPLATES {
            env.add_template(name, source).expect("the report's templates parse");
        }
        env
    })
}

/// Fills the template `name` with `context`.
pub(crate) fn render(name: &str, context: impl Serialize) -> String {
    // The templates are part of the program and tested with every document; a failure here is
    // a bug in them, not a property of the data.
    environment()
        .get_template(name)
        .and_then(|t| t.render(context))
        .unwrap_or_else(|e| panic!("template {name} does not render: {e:#}"))
}

/// What a page serving a document shows at the top of it: a line of text and links (e.g. the
/// feedback page's "save as PDF" and language links), and a notice with a list (e.g. which
/// stored rows the results leave out). Every string is text; the template escapes it.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Preamble {
    pub meta: Vec<Piece>,
    pub notices: Vec<Notice>,
}

/// Text or a link in a preamble's line.
#[derive(Debug, Clone, Serialize)]
pub struct Piece {
    pub label: String,
    /// A link's target (a path or URL of the page serving the document).
    pub href: Option<String>,
    /// The language of the linked page, when it differs (`lang` and `hreflang`).
    pub lang: Option<String>,
}

impl Piece {
    pub fn text(label: impl Into<String>) -> Piece {
        Piece { label: label.into(), href: None, lang: None }
    }

    pub fn link(label: impl Into<String>, href: impl Into<String>) -> Piece {
        Piece { label: label.into(), href: Some(href.into()), lang: None }
    }

    pub fn in_language(mut self, lang: impl Into<String>) -> Piece {
        self.lang = Some(lang.into());
        self
    }
}

/// A notice above a document: a sentence and a list.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub text: String,
    pub items: Vec<String>,
}

/// One SVG element: its tag and attribute names are the program's own; values and text are
/// escaped by the template like any other string.
#[derive(Debug, Serialize)]
pub(crate) struct Shape {
    tag: &'static str,
    attrs: Vec<(&'static str, String)>,
    text: Option<String>,
}

impl Shape {
    pub(crate) fn new(tag: &'static str) -> Shape {
        Shape { tag, attrs: Vec::new(), text: None }
    }

    pub(crate) fn attr(mut self, name: &'static str, value: impl Display) -> Shape {
        self.attrs.push((name, value.to_string()));
        self
    }

    pub(crate) fn text(mut self, text: &str) -> Shape {
        self.text = Some(text.to_string());
        self
    }
}
