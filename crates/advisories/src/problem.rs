//! What is wrong with a document, located: the file, a JSON pointer or a line, the CSAF test
//! that found it (section 6.1 of CSAF 2.0), and whether the document is still usable.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The document is read and used; the data breaks its specification here.
    Warning,
    /// The document (or this part of it) cannot be used.
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    pub file: String,
    /// A JSON pointer (`/product_tree/branches/0/name`) or `line N` for XML and tag-value text.
    pub pointer: String,
    /// The CSAF test id (`6.1.31`), when a test of the standard found it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
    pub severity: Severity,
    pub message: String,
}

impl Problem {
    pub fn warning(pointer: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            file: String::new(),
            pointer: pointer.into(),
            test: None,
            severity: Severity::Warning,
            message: message.into(),
        }
    }

    pub fn error(pointer: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem { severity: Severity::Error, ..Problem::warning(pointer, message) }
    }

    pub fn test(mut self, id: &str) -> Problem {
        self.test = Some(id.to_string());
        self
    }

    pub fn in_file(mut self, file: &str) -> Problem {
        self.file = file.to_string();
        self
    }
}

/// `file: pointer: severity [test]: message`, as the command line prints it.
impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let test = self.test.as_deref().map(|t| format!(" [{t}]")).unwrap_or_default();
        let at = if self.pointer.is_empty() { String::new() } else { format!(" {}", self.pointer) };
        let severity = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{}:{at}: {severity}{test}: {}", self.file, self.message)
    }
}

/// A JSON pointer segment, escaped as RFC 6901 asks (`~` → `~0`, `/` → `~1`).
pub fn segment(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
