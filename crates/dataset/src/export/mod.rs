//! Responses exported for statistics packages: SPSS (`.sav`, `.zsav`, and syntax for a CSV),
//! Stata (`.dta` format 118) and R (a CSV and a script), each with every variable label,
//! value label and missing code in place, in the language chosen.
//!
//! One [`Layout`] decides what every format holds — variable names legal for the target, full
//! labels, codes, missing codes, multiple-response sets — and the writers only encode it, so
//! the formats agree with each other and with the codebook. Writers stream to any
//! [`std::io::Write`]: nothing but the layout is held besides the responses themselves.
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
pub use dta::write_dta;
pub use rscript::{LineBreakMarks, write_csv as write_coded_csv, write_r_script, write_sps, write_sps_csv};
pub use sav::{Compression, write_sav};

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
    /// Indexes into [`Layout::variables`].
    pub variables: Vec<usize>,
}

/// Everything a file holds, decided once for all formats of a target.
pub struct Layout<'r> {
    pub variables: Vec<Variable>,
    pub sets: Vec<MultiSet>,
    pub rows: usize,
    /// The file's label: the form's title.
    pub label: String,
    pub language: Language,
    responses: &'r Responses,
    /// Per question: whether each response was asked it (`None`: asked of everyone).
    asked: Vec<Option<Vec<bool>>>,
}

/// The codes used unless a question's own values collide with them.
const NOT_ASKED: f64 = -98.0;
const NOT_ANSWERED: f64 = -99.0;

fn missing_labels(language: &Language) -> (&'static str, &'static str) {
    if language.japanese {
        ("非該当（質問対象外）", "無回答")
    } else {
        ("Not asked (skip logic)", "Not answered")
    }
}

/// Missing codes that no value of the variable uses: −98/−99, else −99998/−99999, else
/// −99999998/−99999999.
fn missing_codes(values: impl Iterator<Item = f64> + Clone) -> Missing {
    const CANDIDATES: [(f64, f64); 3] =
        [(NOT_ASKED, NOT_ANSWERED), (-99998.0, -99999.0), (-99_999_998.0, -99_999_999.0)];
    let free = |&(a, b): &(f64, f64)| !values.clone().any(|v| v == a || v == b);
    let (not_asked, not_answered) = CANDIDATES.iter().copied().find(free).unwrap_or(CANDIDATES[2]);
    Missing { not_asked, not_answered }
}

impl<'r> Layout<'r> {
    pub fn new(form: &Form, responses: &'r Responses, target: Target, language: Language) -> Layout<'r> {
        let text = |t: &mamori_form::model::Translated| form.text(t, &language.form_language).unwrap_or("").to_string();
        let (asked_label, answered_label) = missing_labels(&language);
        let in_repeat =
            |q: &mamori_form::Question| q.group_indices.iter().any(|&g| form.groups[g].kind == GroupKind::Repeat);
        let mut variables = Vec::new();
        let mut sets: Vec<(String, String, Vec<usize>)> = Vec::new();
        if responses.ids.is_some() {
            let width = responses.ids.as_ref().map_or(1, |ids| ids.iter().map(str::len).max().unwrap_or(1).max(1));
            let label = if language.japanese { "回答者ID" } else { "Respondent ID" };
            variables.push(text_variable("_id", label, Source::Id, width));
        }
        for (q, question) in form.questions.iter().enumerate() {
            if question.kind == QuestionType::Note || in_repeat(question) {
                continue;
            }
            let label = text(&question.label);
            let label = if label.is_empty() { question.name.clone() } else { label };
            match (&responses.columns[q], question.kind) {
                (Column::Choice(_), _) => {
                    let numeric: Option<Vec<f64>> =
                        question.choices.iter().map(|c| c.name.trim().parse::<i32>().ok().map(f64::from)).collect();
                    let choice_codes =
                        numeric.unwrap_or_else(|| (1..=question.choices.len()).map(|k| k as f64).collect());
                    let missing = missing_codes(choice_codes.iter().copied());
                    let mut value_labels: Vec<(f64, String)> = question
                        .choices
                        .iter()
                        .zip(&choice_codes)
                        .map(|(c, &code)| (code, nonempty(text(&c.label), &c.name)))
                        .collect();
                    value_labels.push((missing.not_asked, asked_label.into()));
                    value_labels.push((missing.not_answered, answered_label.into()));
                    value_labels.sort_by(|a, b| a.0.total_cmp(&b.0));
                    variables.push(Variable {
                        name: question.name.clone(),
                        source_name: question.name.clone(),
                        label,
                        source: Source::Choice { q, codes: choice_codes },
                        value_labels,
                        missing: Some(missing),
                        width: 0,
                        decimals: 0,
                        measure: Measure::Nominal,
                    });
                }
                (Column::Multi(_), _) => {
                    let (yes, no) =
                        if language.japanese { ("選択", "非選択") } else { ("Selected", "Not selected") };
                    let missing = Missing { not_asked: NOT_ASKED, not_answered: NOT_ANSWERED };
                    let mut members = Vec::new();
                    for (k, choice) in question.choices.iter().enumerate() {
                        members.push(variables.len());
                        let choice_label = nonempty(text(&choice.label), &choice.name);
                        variables.push(Variable {
                            name: format!("{}_{}", question.name, choice.name),
                            source_name: format!("{}/{}", question.name, choice.name),
                            label: format!("{label}: {choice_label}"),
                            source: Source::Dummy { q, bit: k as u32 },
                            value_labels: vec![
                                (missing.not_answered, answered_label.into()),
                                (missing.not_asked, asked_label.into()),
                                (0.0, no.into()),
                                (1.0, yes.into()),
                            ],
                            missing: Some(missing),
                            width: 0,
                            decimals: 0,
                            measure: Measure::Nominal,
                        });
                    }
                    sets.push((question.name.clone(), label, members));
                }
                (Column::Number(values), kind) => {
                    let missing = missing_codes(values.iter().copied().filter(|v| !v.is_nan()));
                    let decimals = if kind == QuestionType::Integer {
                        0
                    } else {
                        values.iter().filter(|v| !v.is_nan()).map(|&v| decimals_of(v)).max().unwrap_or(0)
                    };
                    let mut value_labels = vec![
                        (missing.not_answered, answered_label.to_string()),
                        (missing.not_asked, asked_label.into()),
                    ];
                    value_labels.sort_by(|a, b| a.0.total_cmp(&b.0));
                    variables.push(Variable {
                        name: question.name.clone(),
                        source_name: question.name.clone(),
                        label,
                        source: Source::Number { q },
                        value_labels,
                        missing: Some(missing),
                        width: 0,
                        decimals,
                        measure: Measure::Scale,
                    });
                }
                (Column::Text(values), _) => {
                    let width = values.iter().map(str::len).max().unwrap_or(1).max(1);
                    let mut v = text_variable(&question.name, &label, Source::Text { q }, width);
                    v.source_name = question.name.clone();
                    variables.push(v);
                }
                // Presence only: the text was not kept, so there is nothing to export.
                (Column::Answered(_), _) => {}
            }
        }
        for (k, (name, column)) in responses.meta.iter().enumerate() {
            let width = column.iter().map(str::len).max().unwrap_or(1).max(1);
            let label = match (name.as_str(), language.japanese) {
                ("_submitted_at", true) => "回答日時",
                ("_submitted_at", false) => "Submitted at",
                ("_status", true) => "回答の状態",
                _ => "Status",
            };
            variables.push(text_variable(name, label, Source::Meta(k), width));
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
        Layout {
            asked: relevance::asked(form, responses),
            variables,
            sets,
            rows: responses.len(),
            label: form.title.clone(),
            language,
            responses,
        }
    }

    fn was_asked(&self, q: usize, i: usize) -> bool {
        self.asked[q].as_ref().is_none_or(|a| a[i])
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
        match &v.source {
            Source::Id => self.responses.ids.as_ref().map_or("", |ids| ids.get(i)),
            Source::Meta(k) => self.responses.meta[*k].1.get(i),
            Source::Text { q } => match &self.responses.columns[*q] {
                Column::Text(t) => t.get(i),
                _ => "",
            },
            _ => "",
        }
    }
}

fn nonempty(label: String, fallback: &str) -> String {
    if label.is_empty() { fallback.to_string() } else { label }
}

fn text_variable(name: &str, label: &str, source: Source, width: usize) -> Variable {
    Variable {
        name: name.to_string(),
        source_name: name.to_string(),
        label: label.to_string(),
        source,
        value_labels: Vec::new(),
        missing: None,
        width,
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
