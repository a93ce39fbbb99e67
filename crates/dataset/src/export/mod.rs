//! Responses exported for statistics packages: SPSS (`.sav`, `.zsav`, and syntax for a CSV),
//! Stata (`.dta` format 118) and R (a CSV and a script), each with every variable label,
//! value label and missing code in place, in the language chosen.
//!
//! One [`Dictionary`] decides what every format holds — variable names legal for the target,
//! full labels, codes, missing codes, text widths, multiple-response sets — and the writers
//! only encode it, so the formats agree with each other and with the codebook. The dictionary
//! is learnt from the responses part by part ([`Dictionary::observe`]); the writers then take
//! the responses part by part again ([`Layout`]: one part's rows), so an export of a file
//! holds one part of it at a time, whatever its size.
//!
//! Missing values: a question that the questionnaire's logic did not ask this respondent is
//! "not asked"; one asked and left empty is "not answered". Numeric variables carry them as
//! two codes (by default −98 and −99; SPSS user-missing values, Stata's `.a` and `.b`, R's
//! `labelled_spss` `na_values`). Text variables hold an empty string in both cases (SPSS
//! cannot declare missing values on long strings portably); the codebook says so.

mod codebook;
mod dta;
pub mod labels;
pub mod names;
mod relevance;
mod rscript;
mod sav;

pub use codebook::write_codebook;
pub use dta::DtaWriter;
pub use rscript::{CsvWriter, write_r_script, write_sps};
pub use sav::{Compression, SavWriter};

use crate::columns::{Column, Responses};
use mamori_form::{Form, GroupKind, QuestionType};

/// The package a file is made for: its naming rules and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Spss,
    Stata,
    /// R (and the SPSS syntax that reads the same CSV): SPSS's naming rules.
    R,
}

/// The language of labels: a form language (as the form names it, e.g. `Japanese (ja)`) and
/// whether Mamori's own words (missing-code labels) are Japanese.
#[derive(Debug, Clone)]
pub struct Language {
    pub form_language: String,
    pub japanese: bool,
}

impl Language {
    /// `ja` or `en`: the form language whose name carries that code, else the default.
    pub fn pick(form: &Form, code: &str) -> Language {
        let form_language = form
            .languages
            .iter()
            .find(|l| l.contains(&format!("({code})")) || l.as_str() == code)
            .cloned()
            .unwrap_or_else(|| form.default_language.clone());
        Language { form_language, japanese: code == "ja" }
    }
}

/// What a numeric cell holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    Value(f64),
    NotAsked,
    NotAnswered,
}

/// Where a variable's values come from.
#[derive(Debug, Clone)]
pub enum Source {
    Id,
    /// `responses.meta[k]`.
    Meta(usize),
    /// A select_one: the code of each choice (by position).
    Choice {
        q: usize,
        codes: Vec<f64>,
    },
    /// One choice (`bit`) of a select_multiple: 1 chosen, 0 not.
    Dummy {
        q: usize,
        bit: u32,
    },
    Number {
        q: usize,
    },
    Text {
        q: usize,
    },
}

/// How a package should treat a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Nominal,
    Ordinal,
    Scale,
}

/// The two missing codes of a numeric variable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Missing {
    pub not_asked: f64,
    pub not_answered: f64,
}

#[derive(Debug, Clone)]
pub struct Variable {
    /// Legal for the target, unique (case-insensitively).
    pub name: String,
    /// Where it comes from: the question's name, `question/choice` for a dummy, `_id`.
    pub source_name: String,
    /// The full label (writers cut it to their limits; the codebook keeps it whole).
    pub label: String,
    pub source: Source,
    /// Codes and their full labels, missing codes included, ascending by code.
    pub value_labels: Vec<(f64, String)>,
    pub missing: Option<Missing>,
    /// For text: the longest value in bytes (at least 1). 0 for numbers.
    pub width: usize,
    pub decimals: u8,
    pub measure: Measure,
}

impl Variable {
    pub fn is_text(&self) -> bool {
        matches!(self.source, Source::Id | Source::Meta(_) | Source::Text { .. })
    }
}

/// A select_multiple's dummies as one multiple-response (dichotomy) set counting 1.
#[derive(Debug, Clone)]
pub struct MultiSet {
    /// Legal for the target, without SPSS's `$`.
    pub name: String,
    pub label: String,
    /// Indexes into [`Dictionary::variables`].
    pub variables: Vec<usize>,
}

/// Marks standing for line breaks in the CSV that SPSS syntax reads: neither SPSS's nor PSPP's
/// `GET DATA` takes a quoted field across lines, so the syntax puts them back with `REPLACE`.
/// Each mark is longer than any run of its character in the answers, so none is mistaken.
#[derive(Debug, Clone)]
pub struct LineBreakMarks {
    pub lf: String,
    pub cr: String,
}

/// Everything a file holds but the rows, decided once for all formats of a target.
pub struct Dictionary {
    pub variables: Vec<Variable>,
    pub sets: Vec<MultiSet>,
    /// Responses observed.
    pub rows: usize,
    /// The file's label: the form's title.
    pub label: String,
    pub language: Language,
    /// Line-break marks for SPSS syntax, when an answer has a line break.
    pub marks: Option<LineBreakMarks>,
    /// Per variable: room for its widest value once line breaks are marked (SPSS syntax's widths).
    pub marked_widths: Vec<usize>,
    /// Per text variable: the bytes of its non-empty values and how many there are (a Stata
    /// `strL` variable stores each of them after the data).
    pub text_totals: Vec<(u64, u64)>,
    observed: Observed,
}

/// What the parts seen so far say about each variable.
#[derive(Default)]
struct Observed {
    /// Per variable: whether a value equals each missing-code candidate pair.
    collisions: Vec<[bool; 3]>,
    decimals: Vec<u8>,
    /// The longest run of each mark character in any answer.
    lf_run: usize,
    cr_run: usize,
    line_breaks: bool,
    marked_extra: Vec<usize>,
}

/// The codes used unless a question's own values collide with them.
const NOT_ASKED: f64 = -98.0;
const NOT_ANSWERED: f64 = -99.0;
const CANDIDATES: [(f64, f64); 3] = [(NOT_ASKED, NOT_ANSWERED), (-99998.0, -99999.0), (-99_999_998.0, -99_999_999.0)];
/// Text longer than this is a `strL` in Stata.
pub const STATA_MAX_STR: usize = 2045;
const LF_MARK: char = '\u{23CE}';
const CR_MARK: char = '\u{240D}';

fn missing_labels(language: &Language) -> (&'static str, &'static str) {
    if language.japanese {
        ("非該当（質問対象外）", "無回答")
    } else {
        ("Not asked (skip logic)", "Not answered")
    }
}

fn longest_run(text: &str, c: char) -> usize {
    let mut best = 0;
    let mut run = 0;
    for x in text.chars() {
        run = if x == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

impl Dictionary {
    /// The variables of `form` for responses shaped like `shape` (whether they carry `_id`
    /// and which metadata columns); widths, missing codes and decimals are learnt by
    /// [`observe`](Self::observe) and settled by [`finish`](Self::finish).
    pub fn new(form: &Form, shape: &Responses, target: Target, language: Language) -> Dictionary {
        let text = |t: &mamori_form::model::Translated| form.text(t, &language.form_language).unwrap_or("").to_string();
        let in_repeat =
            |q: &mamori_form::Question| q.group_indices.iter().any(|&g| form.groups[g].kind == GroupKind::Repeat);
        let mut variables = Vec::new();
        let mut sets: Vec<(String, String, Vec<usize>)> = Vec::new();
        if shape.ids.is_some() {
            let label = if language.japanese { "回答者ID" } else { "Respondent ID" };
            variables.push(text_variable("_id", label, Source::Id));
        }
        for (q, question) in form.questions.iter().enumerate() {
            if question.kind == QuestionType::Note || in_repeat(question) {
                continue;
            }
            let label = nonempty(text(&question.label), &question.name);
            match (&shape.columns[q], question.kind) {
                (Column::Choice(_), _) => {
                    let numeric: Option<Vec<f64>> =
                        question.choices.iter().map(|c| c.name.trim().parse::<i32>().ok().map(f64::from)).collect();
                    let codes = numeric.unwrap_or_else(|| (1..=question.choices.len()).map(|k| k as f64).collect());
                    let value_labels = question
                        .choices
                        .iter()
                        .zip(&codes)
                        .map(|(c, &code)| (code, nonempty(text(&c.label), &c.name)))
                        .collect();
                    variables.push(Variable {
                        name: question.name.clone(),
                        source_name: question.name.clone(),
                        label,
                        source: Source::Choice { q, codes },
                        value_labels,
                        missing: None,
                        width: 0,
                        decimals: 0,
                        measure: Measure::Nominal,
                    });
                }
                (Column::Multi(_), _) => {
                    let (yes, no) =
                        if language.japanese { ("選択", "非選択") } else { ("Selected", "Not selected") };
                    let mut members = Vec::new();
                    for (k, choice) in question.choices.iter().enumerate() {
                        members.push(variables.len());
                        let choice_label = nonempty(text(&choice.label), &choice.name);
                        variables.push(Variable {
                            name: format!("{}_{}", question.name, choice.name),
                            source_name: format!("{}/{}", question.name, choice.name),
                            label: format!("{label}: {choice_label}"),
                            source: Source::Dummy { q, bit: k as u32 },
                            value_labels: vec![(0.0, no.into()), (1.0, yes.into())],
                            missing: None,
                            width: 0,
                            decimals: 0,
                            measure: Measure::Nominal,
                        });
                    }
                    sets.push((question.name.clone(), label, members));
                }
                (Column::Number(_), _) => variables.push(Variable {
                    name: question.name.clone(),
                    source_name: question.name.clone(),
                    label,
                    source: Source::Number { q },
                    value_labels: Vec::new(),
                    missing: None,
                    width: 0,
                    decimals: 0,
                    measure: Measure::Scale,
                }),
                (Column::Text(_), _) => variables.push(text_variable(&question.name, &label, Source::Text { q })),
                // Presence only: the text was not kept, so there is nothing to export.
                (Column::Answered(_), _) => {}
            }
        }
        for (k, (name, _)) in shape.meta.iter().enumerate() {
            let label = match (name.as_str(), language.japanese) {
                ("_submitted_at", true) => "回答日時",
                ("_submitted_at", false) => "Submitted at",
                ("_status", true) => "回答の状態",
                _ => "Status",
            };
            variables.push(text_variable(name, label, Source::Meta(k)));
        }
        // Names as written (questions, metadata) are served before the dummies' made-up ones,
        // so a question `x_other` keeps its name beside the dummy of `x`'s choice `other`.
        let mut order: Vec<usize> = (0..variables.len()).collect();
        order.sort_by_key(|&i| matches!(variables[i].source, Source::Dummy { .. }));
        let legal = names::unique(order.iter().map(|&i| variables[i].name.as_str()), target);
        for (&i, name) in order.iter().zip(legal) {
            variables[i].name = name;
        }
        let set_names = names::unique(sets.iter().map(|(n, _, _)| n.as_str()), target);
        let sets = sets
            .into_iter()
            .zip(set_names)
            .map(|((_, label, variables), name)| MultiSet { name, label, variables })
            .collect();
        let n = variables.len();
        Dictionary {
            variables,
            sets,
            rows: 0,
            label: form.title.clone(),
            language,
            marks: None,
            marked_widths: vec![0; n],
            text_totals: vec![(0, 0); n],
            observed: Observed {
                collisions: vec![[false; 3]; n],
                decimals: vec![0; n],
                marked_extra: vec![0; n],
                ..Observed::default()
            },
        }
    }

    /// Learns from one part of the responses: text widths, the values that missing codes must
    /// avoid, decimals, line breaks.
    pub fn observe(&mut self, part: &Responses) {
        let obs = &mut self.observed;
        for (j, v) in self.variables.iter_mut().enumerate() {
            if v.is_text() {
                for i in 0..part.len() {
                    let t = text_value(part, &v.source, i);
                    v.width = v.width.max(t.len());
                    if t.contains(['\n', '\r']) {
                        obs.line_breaks = true;
                        // Each break grows by its mark, whose length is settled at the end.
                        let breaks = t.bytes().filter(|&b| b == b'\n' || b == b'\r').count();
                        obs.marked_extra[j] = obs.marked_extra[j].max(breaks);
                    }
                    if t.contains([LF_MARK, CR_MARK]) {
                        obs.lf_run = obs.lf_run.max(longest_run(t, LF_MARK));
                        obs.cr_run = obs.cr_run.max(longest_run(t, CR_MARK));
                    }
                    if !t.is_empty() {
                        self.text_totals[j].0 += t.len() as u64;
                        self.text_totals[j].1 += 1;
                    }
                }
                continue;
            }
            let mut collide = |x: f64| {
                for (k, &(a, b)) in CANDIDATES.iter().enumerate() {
                    obs.collisions[j][k] |= x == a || x == b;
                }
            };
            match &v.source {
                Source::Number { q } => {
                    if let Column::Number(values) = &part.columns[*q] {
                        for &x in values.iter().filter(|x| !x.is_nan()) {
                            collide(x);
                            obs.decimals[j] = obs.decimals[j].max(decimals_of(x));
                        }
                    }
                }
                Source::Choice { codes, .. } => codes.iter().for_each(|&x| collide(x)),
                _ => {}
            }
        }
        self.rows += part.len();
    }

    /// Settles what needs every part: missing codes and their labels, decimals, widths,
    /// line-break marks.
    pub fn finish(&mut self) {
        let (asked_label, answered_label) = missing_labels(&self.language);
        let obs = &self.observed;
        let marks = obs.line_breaks.then(|| LineBreakMarks {
            lf: LF_MARK.to_string().repeat(obs.lf_run + 1),
            cr: CR_MARK.to_string().repeat(obs.cr_run + 1),
        });
        for (j, v) in self.variables.iter_mut().enumerate() {
            if v.is_text() {
                v.width = v.width.max(1);
                // The widest value plus the most breaks in one value, each grown by its mark:
                // at least the widest marked value.
                let grow = marks.as_ref().map_or(0, |m| m.lf.len().max(m.cr.len()) - 1);
                self.marked_widths[j] = v.width + obs.marked_extra[j] * grow;
                continue;
            }
            let k = (0..CANDIDATES.len()).find(|&k| !obs.collisions[j][k]).unwrap_or(CANDIDATES.len() - 1);
            let (not_asked, not_answered) = CANDIDATES[k];
            v.missing = Some(Missing { not_asked, not_answered });
            if matches!(v.source, Source::Number { .. }) {
                v.decimals = obs.decimals[j];
            }
            v.value_labels.retain(|(x, _)| *x != not_asked && *x != not_answered);
            v.value_labels.push((not_asked, asked_label.into()));
            v.value_labels.push((not_answered, answered_label.into()));
            v.value_labels.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        self.marks = marks;
    }

    /// A dictionary learnt from all the responses at once, settled.
    pub fn of(form: &Form, responses: &Responses, target: Target, language: Language) -> Dictionary {
        let mut dict = Dictionary::new(form, responses, target, language);
        dict.observe(responses);
        dict.finish();
        dict
    }
}

/// One part of the responses, read through a settled dictionary.
pub struct Layout<'d, 'r> {
    pub dict: &'d Dictionary,
    responses: &'r Responses,
    /// Per question: whether each response was asked it (`None`: asked of everyone).
    asked: Vec<Option<Vec<bool>>>,
}

impl<'d, 'r> Layout<'d, 'r> {
    pub fn new(dict: &'d Dictionary, form: &Form, responses: &'r Responses) -> Layout<'d, 'r> {
        Layout { dict, responses, asked: relevance::asked(form, responses) }
    }

    /// Responses in this part.
    pub fn rows(&self) -> usize {
        self.responses.len()
    }

    fn was_asked(&self, q: usize, i: usize) -> bool {
        self.asked.get(q).and_then(Option::as_ref).is_none_or(|a| a[i])
    }

    /// A numeric variable's cell for response `i`.
    pub fn number(&self, v: &Variable, i: usize) -> Cell {
        let (q, value) = match &v.source {
            Source::Choice { q, codes } => match &self.responses.columns[*q] {
                Column::Choice(c) => (*q, (c[i] > 0).then(|| codes[c[i] as usize - 1])),
                _ => (*q, None),
            },
            Source::Dummy { q, bit } => match &self.responses.columns[*q] {
                Column::Multi(m) => (*q, (m[i] != 0).then(|| f64::from(u8::from(m[i] & (1 << bit) != 0)))),
                _ => (*q, None),
            },
            Source::Number { q } => match &self.responses.columns[*q] {
                Column::Number(n) => (*q, (!n[i].is_nan()).then_some(n[i])),
                _ => (*q, None),
            },
            _ => return Cell::NotAnswered,
        };
        match value {
            Some(x) => Cell::Value(x),
            None if !self.was_asked(q, i) => Cell::NotAsked,
            None => Cell::NotAnswered,
        }
    }

    /// A numeric cell as the number written in files with missing codes (SPSS, CSV).
    pub fn coded(&self, v: &Variable, i: usize) -> f64 {
        let m = v.missing.unwrap_or(Missing { not_asked: NOT_ASKED, not_answered: NOT_ANSWERED });
        match self.number(v, i) {
            Cell::Value(x) => x,
            Cell::NotAsked => m.not_asked,
            Cell::NotAnswered => m.not_answered,
        }
    }

    /// A text variable's value for response `i` ("" when not asked or not answered).
    pub fn text(&self, v: &Variable, i: usize) -> &'r str {
        text_value(self.responses, &v.source, i)
    }
}

fn text_value<'r>(responses: &'r Responses, source: &Source, i: usize) -> &'r str {
    match source {
        Source::Id => responses.ids.as_ref().map_or("", |ids| ids.get(i)),
        Source::Meta(k) => responses.meta.get(*k).map_or("", |(_, c)| c.get(i)),
        Source::Text { q } => match &responses.columns[*q] {
            Column::Text(t) => t.get(i),
            _ => "",
        },
        _ => "",
    }
}

fn nonempty(label: String, fallback: &str) -> String {
    if label.is_empty() { fallback.to_string() } else { label }
}

fn text_variable(name: &str, label: &str, source: Source) -> Variable {
    Variable {
        name: name.to_string(),
        source_name: name.to_string(),
        label: label.to_string(),
        source,
        value_labels: Vec::new(),
        missing: None,
        width: 0,
        decimals: 0,
        measure: Measure::Nominal,
    }
}

/// Decimal places needed to show `v` (at most 6).
fn decimals_of(v: f64) -> u8 {
    (0..=6u8)
        .find(|&d| ((v * 10f64.powi(i32::from(d))).round() - v * 10f64.powi(i32::from(d))).abs() < 1e-6)
        .unwrap_or(6)
}

#[cfg(test)]
mod tests;
