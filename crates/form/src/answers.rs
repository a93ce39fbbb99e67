//! Answer checking: the one place that decides whether a set of answers fits a form. The web
//! pages, the CSV import and the analysis all ask here, so they never disagree.
//!
//! Questions are visited in form order. A question that is not relevant (its own `relevant` or
//! an enclosing group's is false) loses its answer, so later conditions see the cleaned
//! answers, as in ODK. Calculations are computed as they are reached.

use crate::expr::{Env, Expression};
use crate::model::{Choice, Form, GroupKind, Question, QuestionType, Required, Translated};
use crate::{dates, expr};
use serde::Serialize;
use std::collections::BTreeMap;

/// A response: answers by question name, and the instances of each top-level repeat.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Answers {
    pub values: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub repeats: BTreeMap<String, Vec<Answers>>,
}

impl Answers {
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Answers {
        Answers {
            values: pairs.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            repeats: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerErrorKind {
    Required,
    /// Not a valid integer, decimal, date, time or datetime.
    Type,
    Constraint,
    NotInList,
    /// A choice of the list that the question's `choice_filter` does not offer.
    FilteredOut,
    UnknownQuestion,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerError {
    pub question: String,
    /// For questions inside a repeat: the repeat's name and the 1-based instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<(String, usize)>,
    pub kind: AnswerErrorKind,
    /// In the respondent's language: the form's own message where it has one.
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Checked {
    /// The answers to keep: relevant ones only, normalised (full-width digits made ASCII,
    /// selections deduplicated), with calculations filled in.
    pub answers: Answers,
    pub errors: Vec<AnswerError>,
    /// Questions whose answers were dropped because they were not relevant.
    pub dropped: Vec<String>,
}

impl Checked {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Checks `given` against `form`, with messages in `language` (a language of the form, e.g.
/// `English (en)`; Mamori's own messages are Japanese unless the language is English).
pub fn check_answers(form: &Form, language: &str, given: &Answers) -> Checked {
    check_answers_on(form, language, given, dates::today_in_japan())
}

/// As [`check_answers`], with `today()` fixed (days since 1970-01-01), for reproducible tests.
pub fn check_answers_on(form: &Form, language: &str, given: &Answers, today: i64) -> Checked {
    let checker = Checker { form, language, english: is_english(language), today };
    let mut out = Checked::default();
    let mut values = given.values.clone();
    let top: Vec<&Question> = form.questions.iter().filter(|q| repeat_of(form, q).is_none()).collect();
    checker.scope(&top, &mut values, None, None, &mut out);
    for (name, instances) in &given.repeats {
        let is_repeat = form.groups.iter().any(|g| g.kind == GroupKind::Repeat && &g.name == name);
        if !is_repeat {
            out.errors.push(checker.unknown(name, None));
            continue;
        }
        let inner: Vec<&Question> =
            form.questions.iter().filter(|q| repeat_of(form, q) == Some(name.as_str())).collect();
        let repeat_relevant = top_level_repeat_relevant(&checker, name, &values);
        let mut kept = Vec::new();
        for (i, instance) in instances.iter().enumerate() {
            if !repeat_relevant {
                out.dropped.push(name.clone());
                break;
            }
            let mut local = instance.values.clone();
            checker.scope(&inner, &mut local, Some(&values), Some((name.clone(), i + 1)), &mut out);
            kept.push(Answers { values: local, repeats: BTreeMap::new() });
        }
        if repeat_relevant {
            out.answers.repeats.insert(name.clone(), kept);
        }
    }
    out.answers.values = values;
    out
}

fn is_english(language: &str) -> bool {
    let l = language.to_lowercase();
    l.contains("(en)") || l.starts_with("english") || l == "en"
}

/// The outermost repeat enclosing `q`, if any.
fn repeat_of<'f>(form: &'f Form, q: &Question) -> Option<&'f str> {
    q.group_indices.iter().map(|&i| &form.groups[i]).find(|g| g.kind == GroupKind::Repeat).map(|g| g.name.as_str())
}

fn top_level_repeat_relevant(checker: &Checker, name: &str, values: &BTreeMap<String, String>) -> bool {
    let env = Scope { local: values, outer: None, current: "", today: checker.today };
    checker
        .form
        .groups
        .iter()
        .filter(|g| g.name == name)
        .all(|g| g.relevant.as_ref().is_none_or(|e| e.eval_bool(&env).unwrap_or(true)))
}

/// What visiting one question decided for its answer.
enum Visit {
    NotRelevant,
    Set(String),
    Clear,
    Keep,
    Invalid(AnswerErrorKind, String),
}

struct Checker<'a> {
    form: &'a Form,
    language: &'a str,
    english: bool,
    today: i64,
}

/// What expressions see: this scope's answers, then the enclosing scope's.
struct Scope<'a> {
    local: &'a BTreeMap<String, String>,
    outer: Option<&'a BTreeMap<String, String>>,
    current: &'a str,
    today: i64,
}

impl Env for Scope<'_> {
    fn value(&self, name: &str) -> Option<&str> {
        self.local.get(name).or_else(|| self.outer.and_then(|o| o.get(name))).map(String::as_str)
    }
    fn current(&self) -> &str {
        self.current
    }
    fn today(&self) -> i64 {
        self.today
    }
}

/// What a choice filter sees: bare names are the choice's columns, `${}` the answers.
struct ChoiceScope<'a> {
    answers: &'a Scope<'a>,
    choice: &'a Choice,
}

impl Env for ChoiceScope<'_> {
    fn value(&self, name: &str) -> Option<&str> {
        self.answers.value(name)
    }
    fn path_value(&self, name: &str) -> Option<&str> {
        if name == "name" {
            return Some(&self.choice.name);
        }
        self.choice.extra.get(&name.to_lowercase()).map(String::as_str)
    }
    fn today(&self) -> i64 {
        self.answers.today
    }
}

impl Checker<'_> {
    fn message(&self, form_texts: &Translated, japanese: &str, english: &str) -> String {
        self.form
            .text(form_texts, self.language)
            .map(str::to_string)
            .unwrap_or_else(|| if self.english { english } else { japanese }.to_string())
    }

    fn unknown(&self, name: &str, instance: Option<(String, usize)>) -> AnswerError {
        AnswerError {
            question: name.to_string(),
            instance,
            kind: AnswerErrorKind::UnknownQuestion,
            message: if self.english {
                format!("There is no question named '{name}' in this form.")
            } else {
                format!("この調査票に「{name}」という質問はありません。")
            },
        }
    }

    fn relevant(&self, q: &Question, env: &Scope) -> bool {
        // An expression Mamori cannot evaluate (a warning at check time) never hides a question.
        let holds = |e: &Option<Expression>| e.as_ref().is_none_or(|e| e.eval_bool(env).unwrap_or(true));
        q.group_indices.iter().all(|&i| holds(&self.form.groups[i].relevant)) && holds(&q.relevant)
    }

    fn scope(
        &self,
        questions: &[&Question],
        values: &mut BTreeMap<String, String>,
        outer: Option<&BTreeMap<String, String>>,
        instance: Option<(String, usize)>,
        out: &mut Checked,
    ) {
        for name in values.keys() {
            if !questions.iter().any(|q| &q.name == name) {
                out.errors.push(self.unknown(name, instance.clone()));
            }
        }
        for q in questions {
            let visit = {
                let env = Scope { local: values, outer, current: "", today: self.today };
                self.visit(q, &env)
            };
            match visit {
                Visit::NotRelevant => {
                    if values.remove(&q.name).is_some_and(|v| !v.trim().is_empty()) {
                        out.dropped.push(q.name.clone());
                    }
                }
                Visit::Set(value) => {
                    values.insert(q.name.clone(), value);
                }
                Visit::Clear => {
                    values.remove(&q.name);
                }
                Visit::Keep => {}
                Visit::Invalid(kind, message) => {
                    // The answer stays as typed, so a page can show it again next to the error.
                    out.errors.push(AnswerError {
                        question: q.name.clone(),
                        instance: instance.clone(),
                        kind,
                        message,
                    });
                }
            }
        }
    }

    fn visit(&self, q: &Question, env: &Scope) -> Visit {
        if !self.relevant(q, env) {
            return Visit::NotRelevant;
        }
        if let Some(calculation) = &q.calculation {
            return Visit::Set(calculation.eval(env).map(|v| v.to_text()).unwrap_or_default());
        }
        if q.kind == QuestionType::Note {
            return Visit::Clear;
        }
        if !q.kind.is_asked() {
            return Visit::Keep;
        }
        let raw = env.local.get(&q.name).map(|v| v.trim()).unwrap_or("");
        if raw.is_empty() {
            let required = match &q.required {
                Required::No => false,
                Required::Yes => true,
                Required::When(e) => e.eval_bool(env).unwrap_or(false),
            };
            if required {
                let message =
                    self.message(&q.required_message, "この質問は回答必須です。", "This question requires an answer.");
                return Visit::Invalid(AnswerErrorKind::Required, message);
            }
            return Visit::Clear;
        }
        let value = match self.typed(q, raw, env) {
            Ok(v) => v,
            Err((kind, message)) => return Visit::Invalid(kind, message),
        };
        if let Some(constraint) = &q.constraint {
            let env = Scope { local: env.local, outer: env.outer, current: &value, today: self.today };
            if !constraint.eval_bool(&env).unwrap_or(true) {
                let message = self.message(
                    &q.constraint_message,
                    "回答が条件を満たしていません。",
                    "This answer is not allowed.",
                );
                return Visit::Invalid(AnswerErrorKind::Constraint, message);
            }
        }
        Visit::Set(value)
    }

    /// The answer in its normal form, or why it does not fit the question's type or list.
    fn typed(&self, q: &Question, raw: &str, env: &Scope) -> Result<String, (AnswerErrorKind, String)> {
        let type_error =
            |ja: &str, en: &str| Err((AnswerErrorKind::Type, if self.english { en } else { ja }.to_string()));
        match q.kind {
            QuestionType::Integer => {
                let v = ascii_digits(raw);
                let body = v.strip_prefix('-').unwrap_or(&v);
                if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) || v.parse::<i64>().is_err() {
                    return type_error("整数を半角数字で入力してください。", "Enter a whole number.");
                }
                Ok(v.parse::<i64>().map(|n| n.to_string()).unwrap_or(v))
            }
            QuestionType::Decimal => {
                let v = ascii_digits(raw);
                if expr::text_to_number(&v).is_nan()
                    || v.contains('-') && !v.starts_with('-')
                    || v.len() != v.trim().len()
                    || crate::dates::parse_date(&v).is_some()
                {
                    return type_error("数値を半角数字で入力してください。", "Enter a number.");
                }
                Ok(v)
            }
            QuestionType::Date => match dates::parse_date(&ascii_digits(raw)) {
                Some(_) => Ok(ascii_digits(raw)),
                None => type_error(
                    "日付を 2024-10-07 の形で入力してください。",
                    "Enter a date as YYYY-MM-DD, e.g. 2024-10-07.",
                ),
            },
            QuestionType::Time => match dates::parse_time(&ascii_digits(raw)) {
                Some(_) => Ok(ascii_digits(raw)),
                None => type_error("時刻を 09:30 の形で入力してください。", "Enter a time as HH:MM, e.g. 09:30."),
            },
            QuestionType::Datetime => match dates::parse_datetime(&ascii_digits(raw)) {
                Some(_) => Ok(ascii_digits(raw)),
                None => type_error(
                    "日時を 2024-10-07T09:30 の形で入力してください。",
                    "Enter a date and time as YYYY-MM-DDTHH:MM.",
                ),
            },
            QuestionType::Acknowledge => {
                if raw.eq_ignore_ascii_case("ok") {
                    Ok("OK".into())
                } else {
                    type_error("確認した場合は OK としてください。", "Acknowledge with OK.")
                }
            }
            QuestionType::SelectOne => {
                self.choice(q, raw, env)?;
                Ok(raw.to_string())
            }
            QuestionType::SelectMultiple => {
                let mut picked: Vec<&str> = Vec::new();
                for token in raw.split_whitespace() {
                    self.choice(q, token, env)?;
                    if !picked.contains(&token) {
                        picked.push(token);
                    }
                }
                Ok(picked.join(" "))
            }
            _ => Ok(raw.to_string()),
        }
    }

    fn choice(&self, q: &Question, name: &str, env: &Scope) -> Result<(), (AnswerErrorKind, String)> {
        let Some(choice) = q.choices.iter().find(|c| c.name == name) else {
            let message = if self.english {
                format!("'{name}' is not one of the choices.")
            } else {
                format!("「{name}」は選択肢にありません。")
            };
            return Err((AnswerErrorKind::NotInList, message));
        };
        if let Some(filter) = &q.choice_filter {
            let scope = ChoiceScope { answers: env, choice };
            if !filter.eval_bool(&scope).unwrap_or(true) {
                let message = if self.english {
                    format!("'{name}' is not offered for your earlier answers.")
                } else {
                    format!("「{name}」はこれまでの回答では選べません。")
                };
                return Err((AnswerErrorKind::FilteredOut, message));
            }
        }
        Ok(())
    }
}

/// Japanese keyboards often type full-width digits (１２３) and signs; they mean the same.
fn ascii_digits(raw: &str) -> String {
    raw.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '－' | 'ー' | '−' => '-',
            '．' => '.',
            '：' => ':',
            _ => c,
        })
        .collect()
}
