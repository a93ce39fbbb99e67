//! Checks that need the whole form: unique names, references to questions, report and
//! codebook rows, missing translations. Each finding points at the cell to change.

use crate::diagnostic::{Diagnostic, Location};
use crate::expr::Expression;
use crate::model::{Form, QuestionType, ReportKind, Translated};
use std::collections::{HashMap, HashSet};

/// An expression and the cell it came from.
#[derive(Debug)]
pub struct ExprSite {
    pub location: Location,
    pub column: String,
    pub expression: Expression,
}

/// What a name on the survey sheet names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Question,
    Group,
    Repeat,
}

/// Where things were read from, kept by the reader for the checks.
#[derive(Debug, Default)]
pub struct Sites {
    pub expressions: Vec<ExprSite>,
    /// Every question and group name, in sheet order, with the names of its enclosing groups.
    pub names: Vec<(String, Location, Vec<String>, NameKind)>,
    /// Every question (not groups), with its row.
    pub questions: Vec<(String, Location)>,
    pub choice_filters: Vec<(Location, Expression)>,
    /// Translatable texts: the cell of the first language column, and the texts.
    pub texts: Vec<(Location, Translated)>,
    pub choice_rows: Vec<(String, String, Location, Translated)>,
    pub choice_columns: Vec<String>,
    pub report_rows: Vec<(usize, Vec<(String, Location)>)>,
    pub codebook_rows: Vec<(usize, Location)>,
}

impl Sites {
    pub fn texts(&mut self, location: &Location, texts: &Translated) {
        if !texts.is_empty() {
            self.texts.push((location.clone(), texts.clone()));
        }
    }
}

pub fn run(file: &str, form: &Form, sites: &Sites, out: &mut Vec<Diagnostic>) {
    unique_names(sites, out);
    let names: HashSet<&str> = sites.names.iter().map(|(n, _, _, _)| n.as_str()).collect();
    references(sites, &names, out);
    looked_up_lists(form, sites, out);
    labels(form, sites, out);
    translations(form, sites, out);
    report(form, sites, out);
    codebook(form, sites, out);
    if !form.languages.is_empty() && form.settings.get("default_language").is_some_and(|l| !form.languages.contains(l))
    {
        let location = Location { file: file.into(), sheet: Some("settings".into()), ..Location::default() };
        out.push(Diagnostic::warning(
            location,
            format!(
                "default_language '{}' has no label columns; the languages found are {}",
                form.default_language,
                form.languages.join(", ")
            ),
        ));
    }
}

/// pyxform's rules (4.5, `validators/pyxform/unique_names.py`): the questions and groups of
/// one group (or of the survey outside any) need names of their own — a name that differs
/// from another only in case is a warning —, `meta` is reserved, and a repeat's name is unique
/// in the whole survey. The same name in different groups is allowed: such questions are
/// known by their path (`reader::key_by_path`).
fn unique_names(sites: &Sites, out: &mut Vec<Diagnostic>) {
    let mut exact: HashMap<(String, &str), &Location> = HashMap::new();
    let mut lower: HashMap<(String, String), (&str, &Location)> = HashMap::new();
    let mut repeats: HashMap<&str, &Location> = HashMap::new();
    for (name, location, parent, kind) in &sites.names {
        let place = parent.last().map_or_else(|| "outside any group".to_string(), |g| format!("in group '{g}'"));
        if name == "meta" {
            out.push(Diagnostic::error(
                location.clone(),
                "the name 'meta' is reserved for the form's metadata (pyxform and ODK refuse it); rename this question or group".to_string(),
            ));
            continue;
        }
        if *kind == NameKind::Repeat {
            if let Some(previous) = repeats.get(name.as_str()) {
                out.push(Diagnostic::error(
                    location.clone(),
                    format!(
                        "repeat name '{name}' is already used at row {}; a repeat's name must be unique in the whole survey (pyxform, ODK)",
                        previous.row.unwrap_or(0)
                    ),
                ));
                continue;
            }
            repeats.insert(name, location);
        }
        let parent = parent.join("/");
        if let Some(previous) = exact.get(&(parent.clone(), name.as_str())) {
            out.push(Diagnostic::error(
                location.clone(),
                format!(
                    "name '{name}' is already used at row {} {place}; every question and group of a group needs its own name",
                    previous.row.unwrap_or(0)
                ),
            ));
            continue;
        }
        exact.insert((parent.clone(), name), location);
        match lower.get(&(parent.clone(), name.to_lowercase())) {
            Some((other, previous)) => out.push(Diagnostic::warning(
                location.clone(),
                format!(
                    "name '{name}' differs only in case from '{other}' at row {} {place}; some analysis tools do not tell them apart",
                    previous.row.unwrap_or(0)
                ),
            )),
            None => {
                lower.insert((parent, name.to_lowercase()), (name, location));
            }
        }
    }
}

fn references(sites: &Sites, names: &HashSet<&str>, out: &mut Vec<Diagnostic>) {
    let mut rows_by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (name, location, _, _) in &sites.names {
        rows_by_name.entry(name.as_str()).or_default().push(location.row.unwrap_or(0));
    }
    let filter_cells: HashSet<&Location> = sites.choice_filters.iter().map(|(l, _)| l).collect();
    for site in &sites.expressions {
        let expr = &site.expression;
        let is_filter = filter_cells.contains(&site.location);
        for (name, position) in expr.references() {
            if let Some(rows) = rows_by_name.get(name.as_str()).filter(|rows| rows.len() > 1) {
                out.push(Diagnostic::error(
                    site.location.clone(),
                    format!("{} refers to ${{{name}}} at character {}, but rows {} and {} are both named '{name}' (in different groups); pyxform and ODK cannot tell which is meant: rename one of them", site.column, position + 1, rows[0], rows[1]),
                ));
                continue;
            }
            if !names.contains(name.as_str()) {
                out.push(Diagnostic::error(
                    site.location.clone(),
                    format!("{} refers to ${{{name}}} at character {}, but no question is named '{name}'; correct the name or add the question", site.column, position + 1),
                ));
            }
        }
        for (name, position) in expr.path_references() {
            let known = if is_filter {
                sites.choice_columns.iter().any(|c| c == name) || name == "name"
            } else {
                names.contains(name.as_str())
            };
            if known {
                continue;
            }
            if is_filter {
                // ODK reads such a name as an empty value; authors usually meant quoted text.
                out.push(Diagnostic::warning(
                    site.location.clone(),
                    format!("choice_filter reads '{name}' at character {}, which is no column of the choices sheet and so always empty; write '{name}' in quotes if you mean the text", position + 1),
                ));
            } else {
                // A path to no node: XPath gives the empty node-set, "" as text and false as a
                // condition, and ODK forms lean on it (`null`, `FALSE`); they run in ODK Collect,
                // so they load here, evaluated the same way, with a warning.
                out.push(Diagnostic::warning(
                    site.location.clone(),
                    format!("{} reads '{name}' at character {}, which is no question: ODK takes a path to nothing as empty, so this is always empty (false — TRUE would be false too); write false() or true() for a constant, or ${{question_name}} to refer to a question", site.column, position + 1),
                ));
            }
        }
        // Functions and syntax beyond what Mamori evaluates, in the order they are written.
        let mut beyond: Vec<(usize, String)> = expr
            .unsupported_functions()
            .iter()
            .map(|(function, position)| (*position, format!("calls {function}()")))
            .chain(expr.unsupported_syntax().iter().map(|(what, position)| (*position, format!("uses {what}"))))
            .collect();
        beyond.sort_by_key(|(position, _)| *position);
        for (position, what) in beyond {
            out.push(Diagnostic::warning(
                site.location.clone(),
                format!("{} {what} at character {}, which Mamori cannot evaluate; when answers are checked this {} is taken as satisfied", site.column, position + 1, site.column),
            ));
        }
    }
    for (location, texts) in &sites.texts {
        for text in texts.values() {
            for name in text_references(text) {
                if !names.contains(name) {
                    out.push(Diagnostic::error(
                        location.clone(),
                        format!("the text refers to ${{{name}}}, but no question is named '{name}'"),
                    ));
                }
            }
        }
    }
}

/// `instance('list')/root/item[…]` reads a choice list: one the choices sheet lacks is always
/// empty (as in ODK, where a missing instance is a form error), so it is named.
fn looked_up_lists(form: &Form, sites: &Sites, out: &mut Vec<Diagnostic>) {
    for site in &sites.expressions {
        for (list, position) in site.expression.lists_read() {
            if !form.choice_lists.contains_key(list) {
                out.push(Diagnostic::warning(
                    site.location.clone(),
                    format!("{} reads the choice list '{list}' at character {}, but the choices sheet has no list of that name, so the lookup is always empty; correct the list_name", site.column, position + 1),
                ));
            }
        }
    }
}

/// Names in `${name}` placeholders of a label or hint.
pub fn text_references(text: &str) -> impl Iterator<Item = &str> {
    text.split("${").skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name.trim()))
}

fn labels(form: &Form, sites: &Sites, out: &mut Vec<Diagnostic>) {
    for (question, (_, location)) in form.questions.iter().zip(&sites.questions) {
        let has_media = question
            .extra
            .keys()
            .any(|k| ["image", "big-image", "audio", "video"].contains(&k.split("::").next().unwrap_or("")));
        if question.kind.is_asked() && question.label.is_empty() && question.hint.is_empty() && !has_media {
            out.push(Diagnostic::error(
                location.clone(),
                format!("'{}' has no label: write the question text in the label column", question.name),
            ));
        }
    }
}

fn translations(form: &Form, sites: &Sites, out: &mut Vec<Diagnostic>) {
    if form.languages.len() < 2 {
        return;
    }
    let texts = sites.texts.iter().map(|(l, t)| (l, t)).chain(sites.choice_rows.iter().map(|(_, _, l, t)| (l, t)));
    for (location, texts) in texts {
        if texts.is_empty() {
            continue;
        }
        let missing: Vec<&str> =
            form.languages.iter().filter(|l| !texts.contains_key(*l)).map(String::as_str).collect();
        if !missing.is_empty() {
            let present = texts.values().next().map(String::as_str).unwrap_or("");
            out.push(Diagnostic::warning(
                location.clone(),
                format!(
                    "'{present}' has no translation in {}; respondents using that language see another language",
                    missing.join(", ")
                ),
            ));
        }
    }
}

fn report(form: &Form, sites: &Sites, out: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for (index, locations) in &sites.report_rows {
        let row = &form.report[*index];
        let at = |key: &str| locations.iter().find(|(k, _)| k == key).map(|(_, l)| l.clone()).unwrap_or_default();
        if row.name.is_empty() {
            out.push(Diagnostic::error(at("name"), "report row has no name: give it a short unique name"));
        } else if !seen.insert(row.name.as_str()) {
            out.push(Diagnostic::error(
                at("name"),
                format!("report name '{}' is used twice; give each row its own name", row.name),
            ));
        }
        let question = |key: &str, name: &Option<String>, out: &mut Vec<Diagnostic>| {
            let Some(name) = name else {
                out.push(Diagnostic::error(
                    at(key),
                    format!("a {:?} row needs a question name in column {key}", row.kind).to_lowercase(),
                ));
                return None;
            };
            let found = form.question(name);
            if found.is_none() {
                out.push(Diagnostic::error(at(key), format!("{key} '{name}' is not a question of the survey sheet")));
            }
            found
        };
        match row.kind {
            ReportKind::Segment => {
                if let Some(q) = question("question", &row.question, out)
                    && q.kind != QuestionType::SelectOne
                {
                    out.push(Diagnostic::error(
                        at("question"),
                        format!("segment question '{}' must be a select_one, not {}", q.name, q.kind.as_str()),
                    ));
                }
            }
            ReportKind::Share => {
                if let Some(q) = question("question", &row.question, out) {
                    if !q.kind.is_select() {
                        out.push(Diagnostic::error(
                            at("question"),
                            format!("share question '{}' must be a select_one or select_multiple", q.name),
                        ));
                    }
                    if row.choices.is_empty() {
                        out.push(Diagnostic::error(
                            at("choices"),
                            "a share row needs the choices it counts, separated by spaces",
                        ));
                    }
                    for choice in &row.choices {
                        if q.kind.is_select() && !q.choices.iter().any(|c| &c.name == choice) {
                            out.push(Diagnostic::error(
                                at("choices"),
                                format!(
                                    "choice '{choice}' is not in list '{}' of question '{}'",
                                    q.list.as_deref().unwrap_or(""),
                                    q.name
                                ),
                            ));
                        }
                    }
                }
            }
            ReportKind::RatioOfSums => {
                for (key, name) in [("numerator", &row.numerator), ("denominator", &row.denominator)] {
                    if let Some(q) = question(key, name, out)
                        && !q.kind.is_numeric()
                    {
                        out.push(Diagnostic::error(
                            at(key),
                            format!("{key} '{}' must be an integer or decimal question", q.name),
                        ));
                    }
                }
            }
        }
    }
}

fn codebook(form: &Form, sites: &Sites, out: &mut Vec<Diagnostic>) {
    for (index, location) in &sites.codebook_rows {
        let row = &form.codebook[*index];
        match form.question(&row.question) {
            None => out.push(Diagnostic::error(
                location.clone(),
                format!("codebook question '{}' is not a question of the survey sheet", row.question),
            )),
            Some(q) if q.kind != QuestionType::Text => out.push(Diagnostic::error(
                location.clone(),
                format!("codebook question '{}' is {}; only text questions are coded", q.name, q.kind.as_str()),
            )),
            Some(_) => {}
        }
    }
}
