//! The questionnaire model: what a form says, independent of the file it came from.

use crate::expr::Expression;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// Text by language. The key is the language as written in the column header after `::`
/// (e.g. `Japanese (ja)`), or `default` for columns without a language.
pub type Translated = BTreeMap<String, String>;

pub const DEFAULT_LANGUAGE: &str = "default";

#[derive(Debug, Clone, Serialize)]
pub struct Form {
    pub form_id: String,
    pub title: String,
    pub version: String,
    pub default_language: String,
    /// Languages in the order their columns first appear.
    pub languages: Vec<String>,
    pub settings: BTreeMap<String, String>,
    /// Every question (not groups) in form order.
    pub questions: Vec<Question>,
    /// Groups and repeats in form order.
    pub groups: Vec<Group>,
    /// Choice lists by name; each select question also carries its own copy.
    #[serde(skip)]
    pub choice_lists: BTreeMap<String, Vec<Choice>>,
    pub report: Vec<ReportRow>,
    pub codebook: Vec<CodebookRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    Text,
    Integer,
    Decimal,
    /// A number on a scale from `start` to `end` by `step` ([`crate::range::RangeSpec`]).
    Range,
    SelectOne,
    SelectMultiple,
    /// The choices put in order, first the most important: stored as their names separated by
    /// spaces, every choice once (ODK's `rank`).
    Rank,
    Date,
    Time,
    Datetime,
    Note,
    Calculate,
    Acknowledge,
    /// A value kept in the data but never shown (pyxform's `hidden`).
    Hidden,
    /// A document the respondent attaches (its security policy, say): the answer is the file's
    /// name; the bytes are kept beside the response (the store's `uploads`), never in the data.
    File,
    /// Filled in by the system, never asked: start, end, today, deviceid, …
    Metadata,
}

impl QuestionType {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionType::Text => "text",
            QuestionType::Integer => "integer",
            QuestionType::Decimal => "decimal",
            QuestionType::Range => "range",
            QuestionType::SelectOne => "select_one",
            QuestionType::SelectMultiple => "select_multiple",
            QuestionType::Rank => "rank",
            QuestionType::Date => "date",
            QuestionType::Time => "time",
            QuestionType::Datetime => "datetime",
            QuestionType::Note => "note",
            QuestionType::Calculate => "calculate",
            QuestionType::Acknowledge => "acknowledge",
            QuestionType::Hidden => "hidden",
            QuestionType::File => "file",
            QuestionType::Metadata => "metadata",
        }
    }

    pub fn is_select(self) -> bool {
        matches!(self, QuestionType::SelectOne | QuestionType::SelectMultiple)
    }

    /// Whether a respondent is shown this question and may answer it.
    pub fn is_asked(self) -> bool {
        !matches!(self, QuestionType::Calculate | QuestionType::Hidden | QuestionType::Metadata)
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, QuestionType::Integer | QuestionType::Decimal | QuestionType::Range)
    }
}

/// `required`: `yes`/`no`, or an expression deciding it per response.
#[derive(Debug, Clone, PartialEq)]
pub enum Required {
    No,
    Yes,
    When(Expression),
}

impl Serialize for Required {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Required::No => s.serialize_bool(false),
            Required::Yes => s.serialize_bool(true),
            Required::When(e) => e.serialize(s),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Question {
    /// The question's key, unique in the form: its name, or — when another question or group
    /// elsewhere has the same name, as pyxform and ODK allow — its path (`group/name`), as ODK
    /// exports name such columns. Answers, datasets and exports use it.
    pub name: String,
    /// The name as the survey sheet writes it.
    #[serde(skip)]
    pub written_name: String,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// The type as written, e.g. `select_one status` or `phonenumber` for metadata.
    #[serde(skip)]
    pub type_text: String,
    /// Names of the enclosing groups and repeats, outermost first.
    pub path: Vec<String>,
    pub label: Translated,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub hint: Translated,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// A range question's scale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<crate::range::RangeSpec>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    pub required: Required,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub required_message: Translated,
    pub relevant: Option<Expression>,
    pub constraint: Option<Expression>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub constraint_message: Translated,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calculation: Option<Expression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choice_filter: Option<Expression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<Expression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appearance: Option<String>,
    /// The clauses this item maps to (our `reference` column), e.g. `IEC 81001-5-1 4.1.7`.
    pub reference: Option<String>,
    /// What the clauses expect and a first step (our `guidance` column), by language; shown
    /// in a respondent's gap plan.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub guidance: Translated,
    /// Breaks ties in the gap plan (our `weight` column): heavier items first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// The item's name in the previous version of the questionnaire, when it was renamed
    /// (our `previous_name` column; waves compare the item across the rename).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_name: Option<String>,
    /// A note on comparing this item with the previous version (our `comparability` column);
    /// one beginning with `no` marks the item not comparable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparability: Option<String>,
    /// Where `previous_name` is written, for messages.
    #[serde(skip)]
    pub previous_at: Option<crate::diagnostic::Location>,
    /// Columns the reader does not interpret, by lower-case header.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
    /// The survey sheet row, for messages about this question.
    #[serde(skip)]
    pub row: usize,
    /// Index into `Form::groups` of every enclosing group, outermost first.
    #[serde(skip)]
    pub group_indices: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    Group,
    Repeat,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub name: String,
    pub kind: GroupKind,
    pub path: Vec<String>,
    pub label: Translated,
    pub relevant: Option<Expression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appearance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_count: Option<String>,
    #[serde(skip)]
    pub row: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub name: String,
    pub label: Translated,
    /// Readiness credit of this answer (our `score` column): 完了 1, 準備中 0.5, 未着手 0.
    pub score: Option<f64>,
    /// The codes of the previous version this choice stands for (our `previous` column,
    /// separated by spaces: several merge into this one). Empty: the same name, if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub previous: Vec<String>,
    /// Where this choice is written (its row; the `previous` cell when there is one).
    #[serde(skip)]
    pub at: Option<crate::diagnostic::Location>,
    /// Other columns (used by `choice_filter`), by lower-case header.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// Break results down by this question's answers.
    Segment,
    /// Share of respondents choosing any of several choices.
    Share,
    /// Sum of one numeric question over the sum of another.
    RatioOfSums,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportRow {
    pub kind: ReportKind,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numerator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denominator: Option<String>,
    pub label: Translated,
}

#[derive(Debug, Clone, Serialize)]
pub struct CodebookRow {
    pub question: String,
    pub category: String,
    pub label: Translated,
    pub keywords: Vec<String>,
}

impl Form {
    pub fn question(&self, name: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.name == name)
    }

    /// The text in `language`, else the default language, else any.
    pub fn text<'a>(&self, texts: &'a Translated, language: &str) -> Option<&'a str> {
        texts
            .get(language)
            .or_else(|| texts.get(&self.default_language))
            .or_else(|| texts.get(DEFAULT_LANGUAGE))
            .or_else(|| texts.values().next())
            .map(String::as_str)
    }
}
