//! Column headers as pyxform understands them: case-insensitive, with its aliases
//! (`relevance` = `relevant`, `list name` = `list_name`, `bind::calculate` = `calculation`, …)
//! and translations after `::` (or a single `:` for the translatable columns).

use crate::diagnostic::Diagnostic;
use crate::workbook::Sheet;

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub index: usize,
    /// Canonical lower-case name, e.g. `label`, `relevant`, or the header itself if unknown.
    pub key: String,
    /// Language after `::`, as written (e.g. `Japanese (ja)`).
    pub language: Option<String>,
}

/// Columns whose text is given per language.
pub const TRANSLATABLE: &[&str] = &[
    "label",
    "hint",
    "constraint_message",
    "required_message",
    "guidance_hint",
    "image",
    "big-image",
    "audio",
    "video",
];

fn alias(key: &str) -> &str {
    match key {
        "relevance" => "relevant",
        "caption" => "label",
        "calculate" => "calculation",
        "readonly" => "read_only",
        "constraining_message" | "jr:constraintmsg" => "constraint_message",
        "requiredmsg" | "jr:requiredmsg" => "required_message",
        "command" => "type",
        "tag" | "value" => "name",
        "count" | "jr:count" => "repeat_count",
        "set_form_title" => "form_title",
        "set_form_id" | "id_string" => "form_id",
        "media::image" | "media:image" => "image",
        other => other,
    }
}

/// Reads the header row (the sheet's first row) into columns. Two headers that mean the same
/// column (e.g. `relevant` and `relevance`) are an error, as in pyxform.
pub fn read_headers(file: &str, sheet: &Sheet, diagnostics: &mut Vec<Diagnostic>) -> Vec<Column> {
    let Some(header_row) = sheet.rows.first() else {
        return Vec::new();
    };
    let mut columns: Vec<Column> = Vec::new();
    for (index, header) in header_row.cells.iter().enumerate() {
        if header.trim().is_empty() {
            continue;
        }
        let column = parse_header(index, header);
        if let Some(previous) = columns.iter().find(|c| c.key == column.key && c.language == column.language) {
            let first = &header_row.cells[previous.index];
            diagnostics.push(Diagnostic::error(
                sheet.location(file, Some(header_row.number), Some(index)),
                format!(
                    "header '{header}' means the same column as '{first}' (column {}); rename or remove one of them",
                    crate::diagnostic::column_letter(previous.index + sheet.column_offset)
                ),
            ));
            continue;
        }
        columns.push(column);
    }
    columns
}

fn parse_header(index: usize, header: &str) -> Column {
    let trimmed = header.trim();
    let mut rest = trimmed;
    for prefix in ["bind::", "bind:", "control::", "control:", "body::", "body:"] {
        if rest.len() > prefix.len() && rest.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix)) {
            rest = &rest[prefix.len()..];
            break;
        }
    }
    let (base, language) = match rest.split_once("::") {
        Some((b, l)) if !b.eq_ignore_ascii_case("media") => (b, Some(l.trim())),
        _ => match rest.split_once(':') {
            Some((b, l)) if TRANSLATABLE.contains(&normalize(b).as_str()) => (b, Some(l.trim())),
            _ => (rest, None),
        },
    };
    let key = normalize(base);
    let key = alias(&key).to_string();
    Column { index, key, language: language.filter(|l| !l.is_empty()).map(str::to_string) }
}

fn normalize(base: &str) -> String {
    base.trim().to_lowercase().replace(' ', "_")
}

/// Looks up columns by canonical key.
pub struct Columns(pub Vec<Column>);

impl Columns {
    /// The language-less column with this key.
    pub fn plain(&self, key: &str) -> Option<usize> {
        self.0.iter().find(|c| c.key == key && c.language.is_none()).map(|c| c.index)
    }

    /// Every column of this key, with its language (`None` = no language given).
    pub fn translated<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Column> + 'a {
        self.0.iter().filter(move |c| c.key == key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|c| c.key == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(header: &str) -> (String, Option<String>) {
        let c = parse_header(0, header);
        (c.key, c.language)
    }

    #[test]
    fn headers_follow_pyxform_aliases_and_languages() {
        let cases = [
            ("type", ("type", None)),
            ("TYPE", ("type", None)),
            ("label::Japanese (ja)", ("label", Some("Japanese (ja)"))),
            ("label:English", ("label", Some("English"))),
            ("LABEL::EN", ("label", Some("EN"))),
            ("bind:relevant", ("relevant", None)),
            ("relevance", ("relevant", None)),
            ("list name", ("list_name", None)),
            ("constraint message", ("constraint_message", None)),
            ("bind::jr:constraintMsg", ("constraint_message", None)),
            ("jr:count", ("repeat_count", None)),
            ("media::image", ("image", None)),
            ("calculate", ("calculation", None)),
        ];
        for (header, (key, language)) in cases {
            assert_eq!(parsed(header), (key.to_string(), language.map(str::to_string)), "{header}");
        }
    }
}
