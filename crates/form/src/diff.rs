//! Two versions of a questionnaire side by side, for waves: which item of the new version is
//! which item of the old (the same `name`, or the new row's `previous_name`), how each
//! choice maps (the same name, or the new choice's `previous` codes — several old codes may
//! merge into one), what changed, what is new and what was dropped. A mapping that cannot hold
//! is an error located at the cell that states it; an item that cannot be compared (a split
//! choice, or `comparability` beginning with `no`) is reported as such.

use crate::diagnostic::{Diagnostic, Location};
use crate::model::{Form, Question, QuestionType, Translated};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormDiff {
    /// Items of the new version with their counterpart in the old, in the new form's order.
    pub mapped: Vec<MappedItem>,
    /// Items only in the new version.
    pub added: Vec<String>,
    /// Items of the old version nothing in the new maps to.
    pub dropped: Vec<String>,
    /// Mappings that cannot hold.
    pub errors: Vec<Diagnostic>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MappedItem {
    pub name: String,
    pub previous_name: String,
    /// False for a split choice or a `comparability` note beginning with `no`.
    pub comparable: bool,
    /// The `comparability` note, printed under the item's trend table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For select questions: each new choice and the old codes it stands for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<(String, Vec<String>)>,
    /// What differs, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
}

/// Items a wave compares: every question that takes an answer.
fn items(form: &Form) -> impl Iterator<Item = &Question> {
    form.questions.iter().filter(|q| q.kind.is_asked() && q.kind != QuestionType::Note)
}

fn row_of(file: &str, q: &Question) -> Location {
    Location { file: file.to_string(), sheet: Some("survey".into()), row: Some(q.row), column: None }
}

/// Types whose answers compare: the same type, or a whole number and a decimal.
fn compatible(old: QuestionType, new: QuestionType) -> bool {
    use QuestionType::{Decimal, Integer};
    old == new || matches!((old, new), (Integer, Decimal) | (Decimal, Integer))
}

fn texts_differ(old: &Translated, new: &Translated) -> Vec<String> {
    let languages: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    languages.into_iter().filter(|l| old.get(*l) != new.get(*l)).map(|l| l.to_string()).collect()
}

fn source(e: &Option<crate::expr::Expression>) -> &str {
    e.as_ref().map_or("", |e| e.source())
}

/// Compares `old` with `new` (read from `new_file`, whose cells the errors point to).
pub fn diff(old: &Form, new: &Form, new_file: &str) -> FormDiff {
    let old_items: BTreeMap<&str, &Question> = items(old).map(|q| (q.name.as_str(), q)).collect();
    let mut errors = Vec::new();
    let mut mapped = Vec::new();
    let mut added = Vec::new();
    // Which new item took each old one, to refuse a second.
    let mut taken: BTreeMap<&str, &str> = BTreeMap::new();
    for q in items(new) {
        let explicit = q.previous_name.as_deref();
        // The previous_name cell when one is written, else the item's row.
        let at = || q.previous_at.clone().filter(|_| explicit.is_some()).unwrap_or_else(|| row_of(new_file, q));
        let old_name = explicit.unwrap_or(&q.name);
        let Some(&o) = old_items.get(old_name) else {
            match explicit {
                Some(name) => errors.push(Diagnostic::error(
                    at(),
                    format!(
                        "previous_name '{name}' is not a question of the previous version: write the item's name as it was there, or leave the cell empty for a new item"
                    ),
                )),
                None => added.push(q.name.clone()),
            }
            continue;
        };
        if let Some(first) = taken.insert(old_name, &q.name) {
            errors.push(Diagnostic::error(
                at(),
                format!(
                    "'{old_name}' of the previous version is already mapped to '{first}': an item of the previous version continues in one item only"
                ),
            ));
            continue;
        }
        if !compatible(o.kind, q.kind) {
            errors.push(Diagnostic::error(
                at(),
                format!(
                    "'{}' was {} and is now {}: the answers cannot be compared; give the item a new name (and no previous_name) to start a new series",
                    q.name,
                    o.kind.as_str(),
                    q.kind.as_str()
                ),
            ));
            continue;
        }
        let note = q.comparability.clone();
        let declared_not = note.as_deref().is_some_and(|n| {
            let n = n.trim_start().to_lowercase();
            n == "no" || n.starts_with("no:") || n.starts_with("no ") || n.starts_with("no,")
        });
        let mut changes = Vec::new();
        if o.kind != q.kind {
            changes.push(format!("type {} → {}", o.kind.as_str(), q.kind.as_str()));
        }
        for language in texts_differ(&o.label, &q.label) {
            changes.push(format!("label ({language})"));
        }
        if source(&o.relevant) != source(&q.relevant) {
            changes.push(format!("relevant: '{}' → '{}'", source(&o.relevant), source(&q.relevant)));
        }
        if source(&o.constraint) != source(&q.constraint) {
            changes.push(format!("constraint: '{}' → '{}'", source(&o.constraint), source(&q.constraint)));
        }
        let (choices, split) = map_choices(o, q, new_file, &mut errors, declared_not, &mut changes);
        mapped.push(MappedItem {
            name: q.name.clone(),
            previous_name: old_name.to_string(),
            comparable: !declared_not && !split,
            note,
            choices,
            changes,
        });
    }
    let dropped = old_items.keys().filter(|n| !taken.contains_key(*n)).map(|n| n.to_string()).collect();
    FormDiff { mapped, added, dropped, errors }
}

/// Each new choice and the old codes it stands for; whether an old code was split.
fn map_choices(
    o: &Question,
    q: &Question,
    new_file: &str,
    errors: &mut Vec<Diagnostic>,
    declared_not_comparable: bool,
    changes: &mut Vec<String>,
) -> (Vec<(String, Vec<String>)>, bool) {
    if !matches!(q.kind, QuestionType::SelectOne | QuestionType::SelectMultiple) {
        return (Vec::new(), false);
    }
    let old_codes: BTreeSet<&str> = o.choices.iter().map(|c| c.name.as_str()).collect();
    let mut used: BTreeMap<&str, &str> = BTreeMap::new();
    let mut split = false;
    let mut out = Vec::new();
    for c in &q.choices {
        let at = || {
            c.at.clone().unwrap_or_else(|| Location {
                file: new_file.to_string(),
                sheet: Some("choices".into()),
                row: None,
                column: None,
            })
        };
        let stands_for: Vec<&str> = if c.previous.is_empty() {
            old_codes.get(c.name.as_str()).copied().into_iter().collect()
        } else {
            c.previous.iter().map(String::as_str).collect()
        };
        let mut codes = Vec::new();
        for code in stands_for {
            if !old_codes.contains(code) {
                errors.push(Diagnostic::error(
                    at(),
                    format!(
                        "previous code '{code}' is not a choice of '{}' in the previous version (its choices: {})",
                        o.name,
                        old_codes.iter().copied().collect::<Vec<_>>().join(", ")
                    ),
                ));
                continue;
            }
            if let Some(first) = used.insert(code, &c.name) {
                if first == c.name {
                    errors.push(Diagnostic::error(
                        at(),
                        format!("previous code '{code}' is listed twice for '{}'", c.name),
                    ));
                    continue;
                }
                // One old answer now split between several: the shares cannot be compared.
                split = true;
                if !declared_not_comparable {
                    errors.push(Diagnostic::error(
                        at(),
                        format!(
                            "previous code '{code}' of '{}' is mapped twice, to '{first}' and '{}': a split cannot be compared; map it once, or write `no` in the item's comparability column",
                            o.name, c.name
                        ),
                    ));
                }
            }
            codes.push(code.to_string());
        }
        if codes.is_empty() {
            changes.push(format!("new choice '{}'", c.name));
        } else if codes.len() > 1 {
            changes.push(format!("'{}' merges {}", c.name, codes.join(", ")));
        } else if codes[0] != c.name {
            changes.push(format!("'{}' was '{}'", c.name, codes[0]));
        }
        out.push((c.name.clone(), codes));
    }
    for code in old_codes.iter().filter(|c| !used.contains_key(*c)) {
        changes.push(format!("choice '{code}' dropped"));
    }
    (out, split)
}

#[cfg(test)]
mod tests;
