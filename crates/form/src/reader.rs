//! From raw sheets to the questionnaire model. Reading collects every problem it meets and
//! carries on, so one run reports them all; the cross-row checks live in `checks`.

use crate::checks::{self, Sites};
use crate::diagnostic::{Diagnostic, Location};
use crate::expr::Expression;
use crate::headers::{Columns, TRANSLATABLE, read_headers};
use crate::model::*;
use crate::types::{RowType, SUPPORTED, parse_type};
use crate::workbook::{Row, Sheet, Workbook};
use std::collections::{BTreeMap, HashMap};

/// The result of reading a form: the model whenever the file has a survey sheet (even with
/// errors, so tools can still show what was understood), and every problem found.
#[derive(Debug)]
pub struct Outcome {
    pub form: Option<Form>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Outcome {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Where the reader finds the choice files of `select_one_from_file` questions: the file's
/// bytes by its name as the form writes it, or why it cannot be had.
pub type ChoiceFiles<'a> = &'a dyn Fn(&str) -> Result<Vec<u8>, String>;

/// Reads a form's workbook, its choice files found by `files`.
pub fn read_workbook_with(workbook: &Workbook, files: ChoiceFiles) -> Outcome {
    let mut diagnostics = Vec::new();
    let file = workbook.file.as_str();
    let find = |name: &str| workbook.sheets.iter().find(|s| s.name.trim().eq_ignore_ascii_case(name));
    // pyxform reads a workbook with a single sheet as the survey, whatever the sheet is called.
    let survey = find("survey").or(if workbook.sheets.len() == 1 { workbook.sheets.first() } else { None });
    let Some(survey) = survey else {
        let names: Vec<&str> = workbook.sheets.iter().map(|s| s.name.as_str()).collect();
        diagnostics.push(Diagnostic::error(
            Location { file: file.into(), ..Location::default() },
            format!(
                "has no sheet named 'survey' (sheets found: {}); rename the sheet with the questions to 'survey'",
                if names.is_empty() { "none".to_string() } else { names.join(", ") }
            ),
        ));
        return Outcome { form: None, diagnostics };
    };
    for sheet in &workbook.sheets {
        let lower = sheet.name.trim().to_lowercase();
        let known = crate::workbook::XLSFORM_SHEETS;
        if !known.contains(&lower.as_str()) && is_misspelling(&lower, &known[..5]) {
            diagnostics.push(Diagnostic::warning(
                Location { file: file.into(), sheet: Some(sheet.name.clone()), ..Location::default() },
                "this sheet is ignored; did you mean one of survey, choices, settings, report, codebook?",
            ));
        }
    }
    let mut reader = Reader { file, diagnostics, sites: Sites::default(), languages: Vec::new() };
    let settings = find("settings").map(|s| reader.settings(s)).unwrap_or_default();
    let default_language = settings.get("default_language").cloned().filter(|l| !l.is_empty());
    reader.languages_from(survey, default_language.as_deref());
    let choices_sheet = find("choices");
    if let Some(sheet) = choices_sheet {
        reader.languages_from(sheet, default_language.as_deref());
    }
    let allow_duplicates = settings.get("allow_choice_duplicates").is_some_and(|v| is_yes(v));
    let mut choice_lists =
        choices_sheet.map(|s| reader.choices(s, default_language.as_deref(), allow_duplicates)).unwrap_or_default();
    reader.choice_files(survey, default_language.as_deref(), files, &mut choice_lists);
    let (questions, groups) = reader.survey(survey, default_language.as_deref(), &choice_lists);
    let report = find("report").map(|s| reader.report(s, default_language.as_deref())).unwrap_or_default();
    let codebook = find("codebook").map(|s| reader.codebook(s, default_language.as_deref())).unwrap_or_default();
    let languages = reader.languages.clone();
    let default_language = default_language
        .or_else(|| (!languages.iter().any(|l| l == DEFAULT_LANGUAGE)).then(|| languages.first().cloned()).flatten())
        .unwrap_or_else(|| DEFAULT_LANGUAGE.to_string());
    let stem = std::path::Path::new(file).file_stem().and_then(|s| s.to_str()).unwrap_or("form").to_string();
    let form_id = settings.get("form_id").cloned().filter(|v| !v.is_empty()).unwrap_or(stem);
    let form = Form {
        title: settings.get("form_title").cloned().filter(|v| !v.is_empty()).unwrap_or_else(|| form_id.clone()),
        form_id,
        version: settings.get("version").cloned().unwrap_or_default(),
        default_language,
        languages,
        settings,
        questions,
        groups,
        choice_lists,
        report,
        codebook,
    };
    let Reader { mut diagnostics, sites, .. } = reader;
    checks::run(file, &form, &sites, &mut diagnostics);
    let mut form = form;
    key_by_path(&mut form, &sites);
    diagnostics.sort_by_key(|d| (d.location.sheet.is_some(), sheet_order(&d.location), d.location.row, d.severity));
    Outcome { form: Some(form), diagnostics }
}

/// Gives each question whose name another question or group elsewhere also has (pyxform and
/// ODK allow it in different groups) its path as its key, e.g. `household/name`: answers,
/// datasets and exports need one key per question. A name is never written with '/', so no
/// key can be another question's name.
fn key_by_path(form: &mut Form, sites: &checks::Sites) {
    let mut uses: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (name, _, _, _) in &sites.names {
        *uses.entry(name.as_str()).or_default() += 1;
    }
    let mut rekeyed_select: Option<(String, String)> = None;
    for q in &mut form.questions {
        // A select's "specify other" (made by the reader right after it) follows its select:
        // keyed by path when the select is, and relevant when that select says "other".
        if let Some((written, key)) = rekeyed_select.take()
            && q.written_name == format!("{written}_other")
            && q.kind == QuestionType::Text
        {
            q.name = format!("{}/{}", q.path.join("/"), q.written_name);
            q.relevant = Some(Expression::other_chosen(&key));
            continue;
        }
        if uses.get(q.written_name.as_str()).is_some_and(|n| *n > 1) && !q.path.is_empty() {
            q.name = format!("{}/{}", q.path.join("/"), q.written_name);
            if q.kind.is_select() {
                rekeyed_select = Some((q.written_name.clone(), q.name.clone()));
            }
        }
    }
}

fn sheet_order(location: &Location) -> usize {
    match location.sheet.as_deref().map(str::to_lowercase).as_deref() {
        Some("settings") => 0,
        Some("survey") => 1,
        Some("choices") => 2,
        Some("report") => 3,
        Some("codebook") => 4,
        _ => 5,
    }
}

fn is_misspelling(name: &str, known: &[&str]) -> bool {
    known.iter().any(|k| strsim_close(name, k))
}

/// True when `a` is within two single-character edits of `b` (a misspelt sheet name).
fn strsim_close(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()] <= 2
}

fn is_yes(value: &str) -> bool {
    matches!(value.trim().to_lowercase().as_str(), "yes" | "true" | "true()" | "1")
}

fn is_no(value: &str) -> bool {
    matches!(value.trim().to_lowercase().as_str(), "no" | "false" | "false()" | "0" | "")
}

struct Reader<'a> {
    file: &'a str,
    diagnostics: Vec<Diagnostic>,
    sites: Sites,
    languages: Vec<String>,
}

/// One row of a sheet with its columns, for reading cells by key.
struct Cells<'a> {
    file: &'a str,
    sheet: &'a Sheet,
    columns: &'a Columns,
    row: &'a Row,
    default_language: Option<&'a str>,
}

impl Cells<'_> {
    fn get(&self, key: &str) -> &str {
        self.columns.plain(key).map_or("", |i| self.row.cell(i))
    }

    fn column_of(&self, key: &str) -> Option<usize> {
        self.columns.plain(key)
    }

    fn location(&self, key: &str) -> Location {
        self.sheet.location(self.file, Some(self.row.number), self.column_of(key))
    }

    /// The cell of the first column of `key` in any language.
    fn location_any(&self, key: &str) -> Location {
        self.location_at(self.columns.translated(key).next().map(|c| c.index))
    }

    fn location_at(&self, index: Option<usize>) -> Location {
        self.sheet.location(self.file, Some(self.row.number), index)
    }

    fn translated(&self, key: &str) -> Translated {
        let mut out = Translated::new();
        for column in self.columns.translated(key) {
            let value = self.row.cell(column.index);
            if !value.is_empty() {
                out.insert(language_key(column.language.as_deref(), self.default_language), value.to_string());
            }
        }
        out
    }

    /// Cells of columns the reader does not interpret, by header key.
    fn extra(&self, known: &[&str]) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for column in &self.columns.0 {
            if known.contains(&column.key.as_str()) || READ_TEXTS.contains(&column.key.as_str()) {
                continue;
            }
            let value = self.row.cell(column.index);
            if !value.is_empty() {
                let key = match &column.language {
                    Some(l) => format!("{}::{l}", column.key),
                    None => column.key.clone(),
                };
                out.insert(key, value.to_string());
            }
        }
        out
    }
}

fn language_key(language: Option<&str>, default_language: Option<&str>) -> String {
    language.or(default_language).unwrap_or(DEFAULT_LANGUAGE).to_string()
}

/// Translatable columns the model reads; media columns stay in `extra`.
const READ_TEXTS: &[&str] = &["label", "hint", "constraint_message", "required_message", "guidance"];

const SURVEY_KEYS: &[&str] = &[
    "type",
    "parameters",
    "name",
    "required",
    "relevant",
    "constraint",
    "calculation",
    "choice_filter",
    "default",
    "read_only",
    "appearance",
    "reference",
    "repeat_count",
    "previous_name",
    "comparability",
];

impl<'a> Reader<'a> {
    fn languages_from(&mut self, sheet: &Sheet, default_language: Option<&str>) {
        let mut scratch = Vec::new();
        for column in read_headers(self.file, sheet, &mut scratch) {
            if TRANSLATABLE.contains(&column.key.as_str()) {
                let language = language_key(column.language.as_deref(), default_language);
                if !self.languages.contains(&language) {
                    self.languages.push(language);
                }
            }
        }
    }

    fn columns(&mut self, sheet: &Sheet) -> Columns {
        Columns(read_headers(self.file, sheet, &mut self.diagnostics))
    }

    /// The columns of a sheet read (and reported on) elsewhere.
    fn columns_quietly(&self, sheet: &Sheet) -> Columns {
        Columns(read_headers(self.file, sheet, &mut Vec::new()))
    }

    fn settings(&mut self, sheet: &Sheet) -> BTreeMap<String, String> {
        let columns = self.columns(sheet);
        let mut settings = BTreeMap::new();
        if let Some(row) = sheet.rows.get(1) {
            for column in &columns.0 {
                let value = row.cell(column.index);
                if !value.is_empty() {
                    settings.insert(column.key.clone(), value.to_string());
                }
            }
        }
        settings
    }

    /// The choice files the survey's `select_one_from_file` rows name, each read as a choices
    /// sheet of its own (diagnostics located in the file) into `lists` under its file name. A
    /// file that cannot be had is an error at the row that names it.
    fn choice_files(
        &mut self,
        survey: &Sheet,
        default_language: Option<&str>,
        files: ChoiceFiles,
        lists: &mut BTreeMap<String, Vec<Choice>>,
    ) {
        let columns = self.columns_quietly(survey);
        let mut wanted: Vec<(String, Location)> = Vec::new();
        for row in survey.rows.iter().skip(1) {
            let cells = Cells { file: self.file, sheet: survey, columns: &columns, row, default_language };
            if let RowType::Select { list, from_file: true, .. } = parse_type(cells.get("type"))
                && !wanted.iter().any(|(w, _)| *w == list)
            {
                wanted.push((list, cells.location("type")));
            }
        }
        for (name, at) in wanted {
            let plain = !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', ':']);
            let bytes = if plain { files(&name) } else { Err("a choice file is named without folders".into()) };
            let bytes = match bytes {
                Ok(bytes) => bytes,
                Err(why) => {
                    self.diagnostics.push(Diagnostic::error(
                        at,
                        format!("{why}; give '{name}' (a CSV with name and label columns) with the form: beside it on the command line, or in a .zip with it when uploading"),
                    ));
                    continue;
                }
            };
            let sheet = match crate::workbook::read_choice_file(&name, &bytes) {
                Ok(sheet) => sheet,
                Err(d) => {
                    self.diagnostics.push(d);
                    continue;
                }
            };
            let mut file_reader =
                Reader { file: &name, diagnostics: Vec::new(), sites: Sites::default(), languages: Vec::new() };
            file_reader.languages_from(&sheet, default_language);
            let columns = file_reader.columns(&sheet);
            for needed in ["name", "label"] {
                if !columns.has(needed) {
                    file_reader.diagnostics.push(Diagnostic::error(
                        sheet.location(&name, Some(sheet.rows[0].number), None),
                        format!(
                            "has no '{needed}' column: a choice file's header row names its columns, e.g. name,label"
                        ),
                    ));
                }
            }
            let choices = file_reader.choices(&sheet, default_language, false);
            if choices.is_empty() && !file_reader.diagnostics.iter().any(Diagnostic::is_error) {
                file_reader.diagnostics.push(Diagnostic::error(
                    sheet.location(&name, None, None),
                    "has no choices: add a row per choice under the header",
                ));
            }
            for language in file_reader.languages {
                if !self.languages.contains(&language) {
                    self.languages.push(language);
                }
            }
            self.diagnostics.append(&mut file_reader.diagnostics);
            lists.extend(choices);
        }
    }

    fn choices(
        &mut self,
        sheet: &Sheet,
        default_language: Option<&str>,
        allow_duplicates: bool,
    ) -> BTreeMap<String, Vec<Choice>> {
        let columns = self.columns(sheet);
        let mut lists: BTreeMap<String, Vec<Choice>> = BTreeMap::new();
        let mut seen: HashMap<(String, String), usize> = HashMap::new();
        for row in sheet.rows.iter().skip(1) {
            let cells = Cells { file: self.file, sheet, columns: &columns, row, default_language };
            let list = cells.get("list_name");
            let name = cells.get("name");
            if list.is_empty() && name.is_empty() && cells.translated("label").is_empty() {
                continue;
            }
            if list.is_empty() {
                self.diagnostics.push(Diagnostic::error(
                    cells.location("list_name"),
                    "choice has no list_name: write the name of the list it belongs to",
                ));
                continue;
            }
            if name.is_empty() {
                self.diagnostics.push(Diagnostic::error(
                    cells.location("name"),
                    format!("choice in list '{list}' has no name: write the value stored when it is chosen"),
                ));
                continue;
            }
            if let Some(first) = seen.insert((list.to_string(), name.to_string()), row.number)
                && !allow_duplicates
            {
                self.diagnostics.push(Diagnostic::error(
                    cells.location("name"),
                    format!("choice '{name}' appears twice in list '{list}' (first at row {first}); give each choice of a list its own name"),
                ));
                continue;
            }
            let score_text = cells.get("score");
            let score = if score_text.is_empty() {
                None
            } else {
                match score_text.parse::<f64>() {
                    Ok(s) if s.is_finite() => Some(s),
                    _ => {
                        self.diagnostics.push(Diagnostic::error(
                            cells.location("score"),
                            format!("score '{score_text}' is not a number: write a number such as 1, 0.5 or 0, or leave it empty for an unscored choice"),
                        ));
                        None
                    }
                }
            };
            let label = cells.translated("label");
            self.sites.choice_rows.push((list.to_string(), name.to_string(), cells.location_at(None), label.clone()));
            let previous: Vec<String> = cells.get("previous").split_whitespace().map(str::to_string).collect();
            let at = if previous.is_empty() { cells.location_at(None) } else { cells.location("previous") };
            lists.entry(list.to_string()).or_default().push(Choice {
                name: name.to_string(),
                label,
                score,
                previous,
                at: Some(at),
                extra: cells.extra(&["list_name", "name", "score", "previous"]),
            });
        }
        self.sites.choice_columns = columns.0.iter().map(|c| c.key.clone()).collect();
        lists
    }

    fn expression(&mut self, cells: &Cells, key: &str) -> Option<Expression> {
        let text = cells.get(key);
        if text.is_empty() {
            return None;
        }
        match Expression::parse(text) {
            Ok(expr) => {
                self.sites.expressions.push(checks::ExprSite {
                    location: cells.location(key),
                    column: key.to_string(),
                    expression: expr.clone(),
                });
                Some(expr)
            }
            Err(e) => {
                self.diagnostics.push(Diagnostic::error(
                    cells.location(key),
                    format!("{key} '{text}' is not a valid expression {e}"),
                ));
                None
            }
        }
    }

    fn survey(
        &mut self,
        sheet: &Sheet,
        default_language: Option<&str>,
        choice_lists: &BTreeMap<String, Vec<Choice>>,
    ) -> (Vec<Question>, Vec<Group>) {
        let columns = self.columns(sheet);
        if !columns.has("type") {
            let location = sheet.location(self.file, sheet.rows.first().map(|r| r.number), None);
            self.diagnostics.push(Diagnostic::error(
                location,
                "the survey sheet has no 'type' column: its first row must hold the headers type, name, label, …",
            ));
        }
        let mut questions = Vec::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut stack: Vec<(usize, GroupKind)> = Vec::new();
        for row in sheet.rows.iter().skip(1) {
            let cells = Cells { file: self.file, sheet, columns: &columns, row, default_language };
            let type_text = cells.get("type");
            let name = cells.get("name");
            if type_text.is_empty() {
                if !name.is_empty() {
                    self.diagnostics.push(Diagnostic::error(
                        cells.location("type"),
                        format!("'{name}' has no type: write its type, e.g. text, integer or select_one LIST"),
                    ));
                }
                continue;
            }
            let row_type = parse_type(type_text);
            let path: Vec<String> = stack.iter().map(|(i, _)| groups[*i].name.clone()).collect();
            let group_indices: Vec<usize> = stack.iter().map(|(i, _)| *i).collect();
            match row_type {
                RowType::BeginGroup | RowType::BeginRepeat => {
                    let kind = if row_type == RowType::BeginGroup { GroupKind::Group } else { GroupKind::Repeat };
                    let name_kind =
                        if kind == GroupKind::Repeat { checks::NameKind::Repeat } else { checks::NameKind::Group };
                    self.check_name(&cells, name, &path, name_kind);
                    let relevant = self.expression(&cells, "relevant");
                    let label = cells.translated("label");
                    self.sites.texts(&cells.location_any("label"), &label);
                    groups.push(Group {
                        name: name.to_string(),
                        kind,
                        path,
                        label,
                        relevant,
                        appearance: Some(cells.get("appearance").to_string()).filter(|s| !s.is_empty()),
                        repeat_count: Some(cells.get("repeat_count").to_string()).filter(|s| !s.is_empty()),
                        row: row.number,
                    });
                    stack.push((groups.len() - 1, kind));
                }
                RowType::EndGroup | RowType::EndRepeat => {
                    let kind = if row_type == RowType::EndGroup { GroupKind::Group } else { GroupKind::Repeat };
                    let word = if kind == GroupKind::Group { "group" } else { "repeat" };
                    match stack.pop() {
                        None => self.diagnostics.push(Diagnostic::error(
                            cells.location("type"),
                            format!(
                                "'end {word}' has no matching 'begin {word}' above it; remove it or add the begin row"
                            ),
                        )),
                        Some((index, open)) if open != kind => {
                            let other = if open == GroupKind::Group { "group" } else { "repeat" };
                            self.diagnostics.push(Diagnostic::error(
                                cells.location("type"),
                                format!(
                                    "'end {word}' closes 'begin {other} {}' (row {}); write 'end {other}' here",
                                    groups[index].name, groups[index].row
                                ),
                            ));
                        }
                        Some(_) => {}
                    }
                }
                RowType::Unsupported(reason) => {
                    self.diagnostics.push(Diagnostic::error(
                        cells.location("type"),
                        format!("type '{type_text}' is not supported: {reason}"),
                    ));
                }
                RowType::Unknown => {
                    // pyxform and ODK read type names exactly as written; say so when only the
                    // letters' case is wrong.
                    let lower = type_text.to_lowercase();
                    let known = parse_type(&lower);
                    let message = if known != RowType::Unknown {
                        // The command in lower case; a choice list's name as it was written.
                        let mut words: Vec<String> = lower.split_whitespace().map(String::from).collect();
                        if let RowType::Select { list, .. } = known
                            && let Some(at) = words.iter().position(|w| *w == list)
                        {
                            words[at] = type_text.split_whitespace().nth(at).unwrap_or(&list).to_string();
                        }
                        format!(
                            "unknown type '{type_text}': type names are read exactly as written, as pyxform and ODK read them; write '{}'",
                            words.join(" ")
                        )
                    } else {
                        format!("unknown type '{type_text}'; the types Mamori supports are {SUPPORTED}")
                    };
                    self.diagnostics.push(Diagnostic::error(cells.location("type"), message));
                }
                RowType::Question(kind) => {
                    if let Some(mut q) = self.question(&cells, kind, None, path, group_indices) {
                        if kind == QuestionType::Range {
                            q.range = self.range(&cells, choice_lists);
                        }
                        questions.push(q);
                    }
                }
                RowType::Select { kind, list, or_other, from_file } => {
                    let mut choices = choice_lists.get(&list).cloned().unwrap_or_default();
                    // A choice file that could not be read was reported where it was read.
                    if !choice_lists.contains_key(&list) && !from_file {
                        self.diagnostics.push(Diagnostic::error(
                            cells.location("type"),
                            format!("choice list '{list}' is not in the choices sheet; add its choices there with list_name '{list}', or correct the name"),
                        ));
                    }
                    if or_other && !choices.iter().any(|c| c.name == "other") {
                        let label = BTreeMap::from([(language_key(None, default_language), "Other".to_string())]);
                        choices.push(Choice {
                            name: "other".into(),
                            label,
                            score: None,
                            previous: Vec::new(),
                            at: None,
                            extra: BTreeMap::new(),
                        });
                    }
                    if let Some(mut q) = self.question(&cells, kind, Some(list), path.clone(), group_indices.clone()) {
                        q.choices = choices;
                        let other = or_other.then(|| specify_other(&q, row.number));
                        questions.push(q);
                        questions.extend(other);
                    }
                }
            }
        }
        for (index, _) in stack {
            let group = &groups[index];
            let word = if group.kind == GroupKind::Group { "group" } else { "repeat" };
            let location = sheet.location(self.file, Some(group.row), columns.plain("type"));
            self.diagnostics.push(Diagnostic::error(
                location,
                format!(
                    "'begin {word} {}' is never closed; add an 'end {word}' row after its last question",
                    group.name
                ),
            ));
        }
        (questions, groups)
    }

    fn check_name(&mut self, cells: &Cells, name: &str, parent: &[String], kind: checks::NameKind) -> bool {
        let what = if kind == checks::NameKind::Question { "question" } else { "group" };
        if name.is_empty() {
            self.diagnostics.push(Diagnostic::error(
                cells.location("name"),
                format!("this {what} has no name: every {what} needs a unique name"),
            ));
            return false;
        }
        let mut chars = name.chars();
        let valid = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !valid {
            self.diagnostics.push(Diagnostic::error(
                cells.location("name"),
                format!("name '{name}' is not valid: use letters, digits, '_', '-' or '.', starting with a letter or '_' (no spaces)"),
            ));
            return false;
        }
        self.sites.names.push((name.to_string(), cells.location("name"), parent.to_vec(), kind));
        true
    }

    fn question(
        &mut self,
        cells: &Cells,
        kind: QuestionType,
        list: Option<String>,
        path: Vec<String>,
        group_indices: Vec<usize>,
    ) -> Option<Question> {
        // pyxform lets notes go without a name and names them after their row.
        let generated;
        let name = match cells.get("name") {
            "" if kind == QuestionType::Note => {
                generated = format!("generated_note_name_{}", cells.row.number);
                generated.as_str()
            }
            name => name,
        };
        if !self.check_name(cells, name, &path, checks::NameKind::Question) {
            return None;
        }
        let required_text = cells.get("required");
        let required = if is_no(required_text) {
            Required::No
        } else if is_yes(required_text) {
            Required::Yes
        } else {
            self.expression(cells, "required").map_or(Required::No, Required::When)
        };
        let read_only_text = cells.get("read_only");
        let read_only = if is_yes(read_only_text) {
            Expression::parse("true()").ok()
        } else if is_no(read_only_text) {
            None
        } else {
            self.expression(cells, "read_only")
        };
        let label = cells.translated("label");
        let hint = cells.translated("hint");
        self.sites.texts(&cells.location_any("label"), &label);
        self.sites.texts(&cells.location_any("hint"), &hint);
        let constraint = self.expression(cells, "constraint");
        let calculation = self.expression(cells, "calculation");
        let choice_filter = self.expression(cells, "choice_filter");
        if let Some(filter) = &choice_filter {
            self.sites.choice_filters.push((cells.location("choice_filter"), filter.clone()));
        }
        if kind == QuestionType::Calculate && calculation.is_none() && cells.get("calculation").is_empty() {
            self.diagnostics.push(Diagnostic::error(
                cells.location("type"),
                format!("calculate '{name}' has no calculation: write the expression in the calculation column"),
            ));
        }
        let weight_text = cells.get("weight");
        let weight = if weight_text.is_empty() {
            None
        } else {
            match weight_text.parse::<f64>() {
                Ok(w) if w.is_finite() => Some(w),
                _ => {
                    self.diagnostics.push(Diagnostic::error(
                        cells.location("weight"),
                        format!(
                            "weight '{weight_text}' is not a number: write a number such as 1 or 2, or leave it empty"
                        ),
                    ));
                    None
                }
            }
        };
        let guidance = cells.translated("guidance");
        self.sites.texts(&cells.location_any("guidance"), &guidance);
        let question = Question {
            name: name.to_string(),
            written_name: name.to_string(),
            kind,
            type_text: cells.get("type").to_string(),
            path,
            label,
            hint,
            list,
            range: None,
            choices: Vec::new(),
            required,
            required_message: cells.translated("required_message"),
            relevant: self.expression(cells, "relevant"),
            constraint,
            constraint_message: cells.translated("constraint_message"),
            calculation,
            choice_filter,
            default: Some(cells.get("default").to_string()).filter(|s| !s.is_empty()),
            read_only,
            appearance: Some(cells.get("appearance").to_string()).filter(|s| !s.is_empty()),
            reference: Some(cells.get("reference").to_string()).filter(|s| !s.is_empty()),
            guidance,
            weight,
            previous_name: Some(cells.get("previous_name").to_string()).filter(|s| !s.is_empty()),
            comparability: Some(cells.get("comparability").to_string()).filter(|s| !s.is_empty()),
            previous_at: Some(cells.location("previous_name")),
            extra: cells.extra(SURVEY_KEYS),
            row: cells.row.number,
            group_indices,
        };
        self.sites.questions.push((question.name.clone(), cells.location_at(None)));
        Some(question)
    }

    /// A range row's scale from its `parameters` cell; errors at that cell, as pyxform has them.
    fn range(
        &mut self,
        cells: &Cells,
        choice_lists: &BTreeMap<String, Vec<Choice>>,
    ) -> Option<crate::range::RangeSpec> {
        let text = cells.get("parameters");
        let spec = crate::range::parse_parameters(text).and_then(|p| crate::range::RangeSpec::from_parameters(&p));
        let problem = match &spec {
            Err(e) => Some(e.clone()),
            Ok(spec) => spec.tick_labelset.as_ref().and_then(|list| match choice_lists.get(list) {
                None => Some(format!("tick_labelset '{list}' is not a choice list of the choices sheet")),
                Some(choices) => choices.iter().find_map(|c| match c.name.parse::<f64>() {
                    Ok(v) if spec.on_scale(v) => None,
                    Ok(_) => {
                        Some(format!("tick_labelset '{list}' names {}, which is not a point of the scale", c.name))
                    }
                    Err(_) => Some(format!("tick_labelset '{list}' has choice '{}', which is not a number", c.name)),
                }),
            }),
        };
        match problem {
            Some(e) => {
                self.diagnostics.push(Diagnostic::error(
                    cells.location("parameters"),
                    format!("{e} (parameters '{text}'); write e.g. start=1 end=5 step=1"),
                ));
                None
            }
            None => spec.ok(),
        }
    }

    fn report(&mut self, sheet: &Sheet, default_language: Option<&str>) -> Vec<ReportRow> {
        let columns = self.columns(sheet);
        let mut rows = Vec::new();
        for row in sheet.rows.iter().skip(1) {
            let cells = Cells { file: self.file, sheet, columns: &columns, row, default_language };
            let kind_text = cells.get("kind");
            let kind = match kind_text.to_lowercase().as_str() {
                "segment" => ReportKind::Segment,
                "share" => ReportKind::Share,
                "ratio_of_sums" => ReportKind::RatioOfSums,
                "" => {
                    self.diagnostics.push(Diagnostic::error(
                        cells.location("kind"),
                        "report row has no kind: write segment, share or ratio_of_sums",
                    ));
                    continue;
                }
                other => {
                    self.diagnostics.push(Diagnostic::error(
                        cells.location("kind"),
                        format!("report kind '{other}' is unknown: write segment, share or ratio_of_sums"),
                    ));
                    continue;
                }
            };
            let opt = |key: &str| Some(cells.get(key).to_string()).filter(|s| !s.is_empty());
            let report_row = ReportRow {
                kind,
                name: cells.get("name").to_string(),
                question: opt("question"),
                choices: cells.get("choices").split_whitespace().map(str::to_string).collect(),
                numerator: opt("numerator"),
                denominator: opt("denominator"),
                label: cells.translated("label"),
            };
            let locations = ["name", "question", "choices", "numerator", "denominator"].map(|k| (k, cells.location(k)));
            self.sites.report_rows.push((rows.len(), locations.into_iter().map(|(k, l)| (k.to_string(), l)).collect()));
            rows.push(report_row);
        }
        rows
    }

    fn codebook(&mut self, sheet: &Sheet, default_language: Option<&str>) -> Vec<CodebookRow> {
        let columns = self.columns(sheet);
        let mut rows = Vec::new();
        for row in sheet.rows.iter().skip(1) {
            let cells = Cells { file: self.file, sheet, columns: &columns, row, default_language };
            let (question, category) = (cells.get("question"), cells.get("category"));
            if category.is_empty() {
                self.diagnostics.push(Diagnostic::error(
                    cells.location("category"),
                    "codebook row has no category: write a short name for the category",
                ));
                continue;
            }
            self.sites.codebook_rows.push((rows.len(), cells.location("question")));
            rows.push(CodebookRow {
                question: question.to_string(),
                category: category.to_string(),
                label: cells.translated("label"),
                keywords: cells.get("keywords").split_whitespace().map(str::to_string).collect(),
            });
        }
        rows
    }
}

/// pyxform's `or_other`: a text question `NAME_other`, asked when "other" is chosen.
fn specify_other(select: &Question, row: usize) -> Question {
    let name = format!("{}_other", select.name);
    let relevant = Some(Expression::other_chosen(&select.name));
    let label = select.label.keys().map(|l| (l.clone(), "Specify other.".to_string())).collect();
    Question {
        written_name: name.clone(),
        name,
        kind: QuestionType::Text,
        type_text: "text".into(),
        path: select.path.clone(),
        label,
        hint: Translated::new(),
        list: None,
        range: None,
        choices: Vec::new(),
        required: Required::No,
        required_message: Translated::new(),
        relevant,
        constraint: None,
        constraint_message: Translated::new(),
        calculation: None,
        choice_filter: None,
        default: None,
        read_only: None,
        appearance: None,
        reference: None,
        guidance: Translated::new(),
        weight: None,
        previous_name: None,
        comparability: None,
        previous_at: None,
        extra: BTreeMap::new(),
        row,
        group_indices: select.group_indices.clone(),
    }
}
