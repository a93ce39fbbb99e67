//! Answer checking: the one place that decides whether a set of answers fits a form. The web
//! pages, the CSV import and the analysis all ask here, so they never disagree.
//!
//! Questions are visited in form order. A question that is not relevant (its own `relevant` or
//! an enclosing group's is false) loses its answer, so later conditions see the cleaned
//! answers, as in ODK. Calculations are computed as they are reached.

use crate::dates;
use crate::expr::{CodeCondition, Env, Expression, NumberCondition, SlotChoices, text_to_number, words};
use crate::fasthash::{FnvMap, NameIndex};
use crate::model::{Form, GroupKind, Question, QuestionType, Required, Translated};
use crate::text::trim;
use serde::Serialize;
use std::borrow::Cow;
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
    let checker = RowChecker::new(form, language).on(today);
    let mut out = Checked::default();
    let mut values = vec![String::new(); form.questions.len()];
    let mut row_errors = Vec::new();
    for (name, value) in &given.values {
        match checker.index.get(name.as_str()) {
            Some(&i) if !checker.in_repeat[i] => values[i] = value.clone(),
            _ => out.errors.push(checker.unknown(name, None)),
        }
    }
    let mut dropped = Vec::new();
    checker.check(&mut values, &mut row_errors, &mut dropped);
    let to_error = |e: RowError, instance: Option<(String, usize)>| AnswerError {
        question: form.questions[e.question].name.clone(),
        instance,
        kind: e.kind,
        message: e.message,
    };
    out.errors.extend(row_errors.drain(..).map(|e| to_error(e, None)));
    out.dropped.extend(dropped.drain(..).map(|i| form.questions[i].name.clone()));
    for (name, instances) in &given.repeats {
        let Some(repeat) = form.groups.iter().position(|g| g.kind == GroupKind::Repeat && &g.name == name) else {
            out.errors.push(checker.unknown(name, None));
            continue;
        };
        if !checker.group_relevant(repeat, &values) {
            out.dropped.push(name.clone());
            continue;
        }
        let mut kept = Vec::new();
        for (n, instance) in instances.iter().enumerate() {
            let mut local = vec![String::new(); form.questions.len()];
            for (q, value) in &instance.values {
                match checker.index.get(q.as_str()) {
                    Some(&i) if checker.repeat_of[i] == Some(repeat) => local[i] = value.clone(),
                    _ => out.errors.push(checker.unknown(q, Some((name.clone(), n + 1)))),
                }
            }
            checker.check_instance(repeat, &mut local, &values, &mut row_errors, &mut dropped);
            out.errors.extend(row_errors.drain(..).map(|e| to_error(e, Some((name.clone(), n + 1)))));
            out.dropped.extend(dropped.drain(..).map(|i| form.questions[i].name.clone()));
            kept.push(Answers { values: checker.to_map(&local, Some(repeat)), repeats: BTreeMap::new() });
        }
        out.answers.repeats.insert(name.clone(), kept);
    }
    out.answers.values = checker.to_map(&values, None);
    out
}

fn is_english(language: &str) -> bool {
    let l = language.to_lowercase();
    l.contains("(en)") || l.starts_with("english") || l == "en"
}

/// A problem with one answer of a row, by question index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub question: usize,
    pub kind: AnswerErrorKind,
    pub message: String,
}

/// Checks rows of answers held by question index (`values[i]` answers `form.questions[i]`,
/// "" when unanswered). Built once per form; the CSV import checks a million rows with it
/// without building a map per row.
pub struct RowChecker<'f> {
    form: &'f Form,
    index: FnvMap<&'f str, usize>,
    /// For questions whose check needs no expression, the quick way to check them.
    quick: Vec<Option<Quick>>,
    /// Each question's expressions bound to question indices.
    bound: Vec<Bound>,
    /// Each group's `relevant`, bound.
    group_relevant: Vec<Option<Expression>>,
    /// Each question's and group's `relevant` as a condition on select answers' codes, where it
    /// is one and reads only questions before it (see `CodeCondition`).
    coded_relevant: Vec<Option<CodeCondition>>,
    coded_group_relevant: Vec<Option<CodeCondition>>,
    /// Each top-level question's constraint as a comparison of numbers, where it is one that
    /// reads only top-level answers (see `NumberCondition`).
    number_constraint: Vec<Option<NumberCondition>>,
    /// For the questions the import checks row by row, the lean check where one applies.
    lean: Vec<Option<Lean>>,
    /// For each question, the index of its outermost enclosing repeat.
    repeat_of: Vec<Option<usize>>,
    in_repeat: Vec<bool>,
    /// The questions outside repeats, in form order.
    top_level: Vec<usize>,
    language: String,
    english: bool,
    /// `today()` when fixed; `None` reads the clock whenever an expression asks, so a checker
    /// kept for days (a server's) never goes stale.
    today: Option<i64>,
}

/// One answer of a row being checked: owned text (pages, [`check_answers`]) or text borrowed
/// from a file being imported, so that an import copies none of the answers it keeps as given.
pub trait AnswerSlot: AsRef<str> {
    /// Replaces the answer with itself without surrounding white space.
    fn trim_in_place(&mut self);
    fn clear(&mut self);
    fn set(&mut self, value: String);
}

impl AnswerSlot for String {
    fn trim_in_place(&mut self) {
        *self = self.trim().to_string();
    }
    fn clear(&mut self) {
        String::clear(self);
    }
    fn set(&mut self, value: String) {
        *self = value;
    }
}

impl AnswerSlot for Cow<'_, str> {
    fn trim_in_place(&mut self) {
        match self {
            Cow::Borrowed(s) => *s = trim(s),
            Cow::Owned(s) => *s = trim(s).to_string(),
        }
    }
    fn clear(&mut self) {
        *self = Cow::Borrowed("");
    }
    fn set(&mut self, value: String) {
        *self = Cow::Owned(value);
    }
}

/// What expressions see: a row's answers by index; inside a repeat instance, the instance's
/// answers first, then the enclosing row's.
struct RowEnv<'a, V> {
    index: &'a FnvMap<&'a str, usize>,
    local: &'a [V],
    outer: Option<&'a [V]>,
    scope: Option<&'a [Option<usize>]>,
    current: &'a str,
    today: Option<i64>,
    /// The form and the respondent's language, for choices' labels (`jr:choice-name()`).
    labels: Option<(&'a Form, &'a str)>,
}

impl<V: AsRef<str>> Env for RowEnv<'_, V> {
    fn value(&self, name: &str) -> Option<&str> {
        let &i = self.index.get(name)?;
        Some(self.slot(i))
    }
    fn slot(&self, i: usize) -> &str {
        let values = match (self.outer, self.scope) {
            (Some(outer), Some(scope)) if scope[i].is_none() => outer,
            _ => self.local,
        };
        values.get(i).map_or("", AsRef::as_ref)
    }
    fn current(&self) -> &str {
        self.current
    }
    fn today(&self) -> i64 {
        self.today.unwrap_or_else(dates::today_in_japan)
    }
    fn form_language(&self) -> Option<(&Form, &str)> {
        self.labels
    }
    fn choice_label(&self, question: &str, value: &str) -> Option<String> {
        let (form, language) = self.labels?;
        let q = &form.questions[*self.index.get(question)?];
        let choice = q.choices.iter().find(|c| c.name == value)?;
        Some(form.text(&choice.label, language).unwrap_or(&choice.name).to_string())
    }
}

/// The check of a question that no expression touches (no relevance of its own or of its
/// groups, no constraint, calculation or choice filter, `required` yes or no): the same
/// verdicts as the full visit, without building an expression environment. Most questions of
/// a survey are like this, and a million-row import checks each of them a million times.
enum Quick {
    Choice { required: bool, codes: NameIndex, clean_names: bool },
    Multiple { required: bool, codes: NameIndex },
    Text { required: bool },
}

/// A quick check's verdict; the `u64` is the answer's code (see [`RowChecker::check_coded`]).
enum QuickResult<'r> {
    Keep(u64),
    Clear,
    Trimmed(u64),
    /// A selection rewritten in its normal form (single spaces, no repeats).
    Set(String, u64),
    Required,
    /// This choice name is not in the list.
    NotInList(&'r str),
}

impl Quick {
    fn for_question(form: &Form, q: &Question) -> Option<Quick> {
        let required = match q.required {
            Required::Yes => true,
            Required::No => false,
            Required::When(_) => return None,
        };
        let plain = q.relevant.is_none()
            && q.group_indices.iter().all(|&g| form.groups[g].relevant.is_none())
            && q.constraint.is_none()
            && q.calculation.is_none()
            && q.choice_filter.is_none();
        if !plain {
            return None;
        }
        match q.kind {
            QuestionType::SelectOne => {
                let clean_names = clean_names(q);
                let codes = NameIndex::new(q.choices.iter().map(|c| c.name.as_str()));
                Some(Quick::Choice { required, codes, clean_names })
            }
            QuestionType::SelectMultiple => {
                Some(Quick::Multiple { required, codes: NameIndex::new(q.choices.iter().map(|c| c.name.as_str())) })
            }
            QuestionType::Text => Some(Quick::Text { required }),
            _ => None,
        }
    }

    fn check<'r>(&self, raw: &'r str) -> QuickResult<'r> {
        let trimmed = trim(raw);
        let required = match self {
            Quick::Choice { required, .. } | Quick::Multiple { required, .. } | Quick::Text { required } => *required,
        };
        if trimmed.is_empty() {
            return if required {
                QuickResult::Required
            } else if raw.is_empty() {
                QuickResult::Keep(0)
            } else {
                QuickResult::Clear
            };
        }
        let code = match self {
            Quick::Text { .. } => 0,
            Quick::Choice { codes, .. } => match codes.position(trimmed) {
                Some(k) => k as u64 + 1,
                None => return QuickResult::NotInList(trimmed),
            },
            Quick::Multiple { codes, .. } => {
                let mut bits = 0u64;
                let (mut tokens, mut letters, mut repeated) = (0, 0, false);
                for token in words(trimmed) {
                    let Some(k) = codes.position(token) else { return QuickResult::NotInList(token) };
                    let bit = selection_bit(k);
                    repeated |= bits & bit != 0;
                    bits |= bit;
                    tokens += 1;
                    letters += token.len();
                }
                // Single spaces and no repeats: the answer is already in its normal form.
                if repeated || letters + tokens - 1 != trimmed.len() {
                    return QuickResult::Set(normal_selection(trimmed), bits);
                }
                bits
            }
        };
        if trimmed.len() == raw.len() { QuickResult::Keep(code) } else { QuickResult::Trimmed(code) }
    }
}

/// The test for a question's usual answers, valid as they stand ([`RowChecker::usual`]).
#[derive(Clone, Copy)]
pub enum Usual<'c> {
    /// `clean_names`: every choice name is non-empty without surrounding white space, so an
    /// answer found among them is one.
    Choice {
        codes: &'c NameIndex,
        clean_names: bool,
    },
    Multiple(&'c NameIndex),
    Text,
}

impl<'c> Usual<'c> {
    /// The choice names of a select_one whose usual answers are exactly those names (the code
    /// of one is its position plus one).
    #[inline(always)]
    pub fn plain_choices(self) -> Option<&'c NameIndex> {
        match self {
            Usual::Choice { codes, clean_names: true } => Some(codes),
            _ => None,
        }
    }

    /// The code of `raw` if it is usual (see [`RowChecker::usual_code`]). Always inlined: the
    /// importer's loop over a column is little else.
    #[inline(always)]
    pub fn code(self, raw: &str) -> Option<u64> {
        if let Usual::Choice { codes, clean_names: true } = self {
            return codes.position(raw).map(|k| k as u64 + 1);
        }
        if raw.is_empty() || trim(raw).len() != raw.len() {
            return None;
        }
        match self {
            Usual::Choice { codes, .. } => codes.position(raw).map(|k| k as u64 + 1),
            Usual::Text => Some(0),
            Usual::Multiple(codes) => {
                let mut bits = 0u64;
                // Split as bytes: a space byte is never inside a character.
                for name in raw.as_bytes().split(|&b| b == b' ') {
                    let bit = codes.position_of_bytes(name).map_or(0, selection_bit);
                    if bit == 0 || bits & bit != 0 {
                        return None; // not a name, or a repeat: the general way normalises it
                    }
                    bits |= bit;
                }
                Some(bits)
            }
        }
    }
}

/// A question checked row by row whose check the import can make without the general visit:
/// no calculation or choice filter, `required` yes or no, each relevance condition (its own and
/// its groups') absent or decided by codes, an integer (constraint absent or on numbers), a
/// select_one or text without constraint. Its usual answers — relevant or not by the codes,
/// blank and optional, a choice name, digits in normal form that meet the constraint, text
/// without surrounding space — are judged at once; anything else goes the general way.
struct Lean {
    kind: LeanKind,
    required: bool,
    conditions: Vec<LeanCondition>,
}

enum LeanKind {
    Integer,
    /// A select_one whose choice names are all clean (an answer found among them is one).
    Choice,
    Text,
}

/// A relevance condition of a lean question: a group's or its own, judged by codes.
enum LeanCondition {
    Group(usize),
    Own,
}

enum LeanOutcome {
    /// Valid as it stands, with this code.
    Keep(u64),
    NotRelevant,
}

impl Lean {
    #[allow(clippy::too_many_arguments)]
    fn for_question(
        form: &Form,
        i: usize,
        b: &Bound,
        group_relevant: &[Option<Expression>],
        coded_relevant: &[Option<CodeCondition>],
        coded_group_relevant: &[Option<CodeCondition>],
        number_constraint: &[Option<NumberCondition>],
        in_repeat: bool,
    ) -> Option<Lean> {
        let q = &form.questions[i];
        let required = match b.required {
            Required::Yes => true,
            Required::No => false,
            Required::When(_) => return None,
        };
        if in_repeat || b.calculation.is_some() || b.choice_filter.is_some() {
            return None;
        }
        let kind = match q.kind {
            QuestionType::Integer if b.constraint.is_none() || number_constraint[i].is_some() => LeanKind::Integer,
            QuestionType::SelectOne if b.constraint.is_none() && clean_names(q) => LeanKind::Choice,
            QuestionType::Text if b.constraint.is_none() => LeanKind::Text,
            _ => return None,
        };
        let mut conditions = Vec::new();
        for &g in &q.group_indices {
            if group_relevant[g].is_some() {
                coded_group_relevant[g].as_ref()?;
                conditions.push(LeanCondition::Group(g));
            }
        }
        if b.relevant.is_some() {
            coded_relevant[i].as_ref()?;
            conditions.push(LeanCondition::Own);
        }
        Some(Lean { kind, required, conditions })
    }
}

/// Whether every choice name of `q` is non-empty without surrounding white space, so that an
/// answer found among the names is one exactly, needing no cleaning.
fn clean_names(q: &Question) -> bool {
    q.choices.iter().all(|c| !c.name.is_empty() && c.name.trim() == c.name)
}

/// How a quick check cleans an answer.
enum Cleaned {
    Same,
    Trimmed,
    /// Rewritten (a selection in its normal form).
    Set(String),
    Cleared,
}

/// The bit standing for the choice at `position` in a select_multiple's code; choices past the
/// 64th have none (an import refuses such questions; pages do not use the codes).
fn selection_bit(position: usize) -> u64 {
    if position < 64 { 1 << position } else { 0 }
}

/// The chosen names once each, in the order first given, separated by single spaces.
fn normal_selection(raw: &str) -> String {
    let mut picked: Vec<&str> = Vec::new();
    for token in words(raw) {
        if !picked.contains(&token) {
            picked.push(token);
        }
    }
    picked.join(" ")
}

/// A question's expressions bound to question indices (see `Expression::bind`).
struct Bound {
    /// The choices of a select question, for fast membership tests.
    choices: NameIndex,
    relevant: Option<Expression>,
    constraint: Option<Expression>,
    calculation: Option<Expression>,
    choice_filter: Option<Expression>,
    required: Required,
}

/// What visiting one question decided for its answer.
enum Visit {
    NotRelevant,
    Set(String),
    Clear,
    Keep,
    Invalid(AnswerErrorKind, String),
}

impl<'f> RowChecker<'f> {
    pub fn new(form: &'f Form, language: &str) -> Self {
        let index: FnvMap<&str, usize> = form.questions.iter().enumerate().map(|(i, q)| (q.name.as_str(), i)).collect();
        let repeat_of: Vec<Option<usize>> = form
            .questions
            .iter()
            .map(|q| q.group_indices.iter().copied().find(|&g| form.groups[g].kind == GroupKind::Repeat))
            .collect();
        let in_repeat: Vec<bool> = repeat_of.iter().map(Option::is_some).collect();
        let quick = form
            .questions
            .iter()
            .zip(&in_repeat)
            .map(|(q, &r)| if r { None } else { Quick::for_question(form, q) })
            .collect();
        let slot = |name: &str| index.get(name).copied();
        let bind = |e: &Option<Expression>| e.as_ref().map(|e| e.bind(&slot, true));
        let bound: Vec<Bound> = form
            .questions
            .iter()
            .map(|q| Bound {
                choices: NameIndex::new(q.choices.iter().map(|c| c.name.as_str())),
                relevant: bind(&q.relevant),
                constraint: bind(&q.constraint),
                calculation: bind(&q.calculation),
                choice_filter: q.choice_filter.as_ref().map(|e| e.bind(&slot, false)),
                required: match &q.required {
                    Required::When(e) => Required::When(e.bind(&slot, true)),
                    other => other.clone(),
                },
            })
            .collect();
        let group_relevant: Vec<Option<Expression>> = form.groups.iter().map(|g| bind(&g.relevant)).collect();
        let (coded_relevant, coded_group_relevant) = coded_conditions(form, &bound, &group_relevant, &in_repeat);
        let number_constraint: Vec<Option<NumberCondition>> = bound
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let numeric = b.constraint.as_ref().filter(|_| !in_repeat[i])?.number_condition()?;
                numeric.slots().iter().all(|&slot| slot < in_repeat.len() && !in_repeat[slot]).then_some(numeric)
            })
            .collect();
        let lean = (0..form.questions.len())
            .map(|i| {
                Lean::for_question(
                    form,
                    i,
                    &bound[i],
                    &group_relevant,
                    &coded_relevant,
                    &coded_group_relevant,
                    &number_constraint,
                    in_repeat[i],
                )
            })
            .collect();
        RowChecker {
            form,
            index,
            lean,
            quick,
            bound,
            group_relevant,
            coded_relevant,
            coded_group_relevant,
            number_constraint,
            repeat_of,
            top_level: (0..form.questions.len()).filter(|&i| !in_repeat[i]).collect(),
            in_repeat,
            language: language.to_string(),
            english: is_english(language),
            today: None,
        }
    }

    /// Fixes `today()` (days since 1970-01-01), for reproducible checks.
    pub fn on(mut self, today: i64) -> Self {
        self.today = Some(today);
        self
    }

    /// The question index of `name`.
    pub fn question_index(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Checks and cleans the top-level answers of one row in place: answers to questions that
    /// do not apply are emptied (their indices pushed to `dropped`), calculations filled in,
    /// valid answers normalised. Invalid answers stay as given, with an error each.
    pub fn check(&self, values: &mut [String], errors: &mut Vec<RowError>, dropped: &mut Vec<usize>) {
        let first = errors.len();
        for i in 0..self.form.questions.len() {
            if !self.in_repeat[i] {
                self.step(i, values, None, errors, first, dropped, None);
            }
        }
    }

    /// As [`check`](Self::check), for an import: the answers may borrow from the file, and each
    /// select question's answer comes back as a code in `codes[i]`, so that the importer need
    /// not look the choices up again — for select_one the chosen choice's 1-based position,
    /// for select_multiple a bit per chosen choice (bit k = the (k+1)-th choice, up to 64);
    /// 0 when unanswered and for other questions. Codes of invalid answers are 0.
    pub fn check_coded<V: AnswerSlot>(
        &self,
        values: &mut [V],
        codes: &mut [u64],
        errors: &mut Vec<RowError>,
        dropped: &mut Vec<usize>,
    ) {
        self.check_coded_only(&self.top_level, values, codes, errors, dropped);
    }

    /// As [`check_coded`](Self::check_coded) for the top-level questions `only` (in form
    /// order); the others' answers are left alone. With `only` the questions that are not
    /// [`independent`](Self::independent), the verdicts are those of the whole row's check.
    pub fn check_coded_only<V: AnswerSlot>(
        &self,
        only: &[usize],
        values: &mut [V],
        codes: &mut [u64],
        errors: &mut Vec<RowError>,
        dropped: &mut Vec<usize>,
    ) {
        let first = errors.len();
        for &i in only {
            if let Some(code) = self.usual_code(i, values[i].as_ref()) {
                codes[i] = code;
                continue;
            }
            let lean =
                self.lean[i].as_ref().and_then(|lean| self.lean_step(i, lean, values, codes, errors.len() > first));
            codes[i] = match lean {
                Some(LeanOutcome::Keep(code)) => code,
                Some(LeanOutcome::NotRelevant) => {
                    if !trim(values[i].as_ref()).is_empty() {
                        dropped.push(i);
                    }
                    values[i].clear();
                    0
                }
                None => self.step(i, values, None, errors, first, dropped, Some(&*codes)),
            };
        }
    }

    /// The lean check of question `i` (see [`Lean`]): `None` whenever it cannot tell at once,
    /// and then nothing is changed and the general check decides. `row_has_errors`: an earlier
    /// answer of the row is invalid (a constraint reading it is then not judged).
    fn lean_step<V: AnswerSlot>(
        &self,
        i: usize,
        lean: &Lean,
        values: &[V],
        codes: &[u64],
        row_has_errors: bool,
    ) -> Option<LeanOutcome> {
        for condition in &lean.conditions {
            let coded = match condition {
                LeanCondition::Group(g) => self.coded_group_relevant[*g].as_ref(),
                LeanCondition::Own => self.coded_relevant[i].as_ref(),
            };
            if !coded?.judge(codes, values)? {
                return Some(LeanOutcome::NotRelevant);
            }
        }
        let raw = values[i].as_ref();
        if raw.is_empty() {
            return (!lean.required).then_some(LeanOutcome::Keep(0));
        }
        match &lean.kind {
            LeanKind::Choice => {
                let k = self.bound[i].choices.position(raw)?;
                Some(LeanOutcome::Keep(k as u64 + 1))
            }
            LeanKind::Text => (trim(raw).len() == raw.len()).then_some(LeanOutcome::Keep(0)),
            LeanKind::Integer => {
                // Digits as typed with no leading zero: the integer's normal form already.
                let b = raw.as_bytes();
                let usual = b.len() <= 15 && b.iter().all(u8::is_ascii_digit) && (b[0] != b'0' || b.len() == 1);
                if !usual {
                    return None;
                }
                match &self.number_constraint[i] {
                    None => Some(LeanOutcome::Keep(0)),
                    Some(_) if row_has_errors => None,
                    Some(numeric) => {
                        // Up to 15 digits are exact as a double: the value `text_to_number` reads.
                        let value = b.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')) as f64;
                        numeric.judge(value, values).then_some(LeanOutcome::Keep(0))
                    }
                }
            }
        }
    }

    /// Which top-level questions apply to this row, in form order, judged as the check judges
    /// them (each question sees the answers cleaned before it). Cleans `values` like `check`.
    pub fn relevance(&self, values: &mut [String]) -> Vec<bool> {
        self.relevance_and_errors(values, &mut Vec::new())
    }

    /// [`relevance`](Self::relevance) and the check's errors from the same pass.
    pub fn relevance_and_errors(&self, values: &mut [String], errors: &mut Vec<RowError>) -> Vec<bool> {
        let mut dropped = Vec::new();
        let mut out = vec![false; self.form.questions.len()];
        for (i, applies) in out.iter_mut().enumerate() {
            if self.in_repeat[i] {
                continue;
            }
            let q = &self.form.questions[i];
            *applies = {
                let env = self.top_level_env(values);
                q.group_indices.iter().all(|&g| holds(&self.group_relevant[g], &env))
                    && holds(&self.bound[i].relevant, &env)
            };
            self.step(i, values, None, errors, 0, &mut dropped, None);
        }
        out
    }

    /// Which of question `i`'s choices its `choice_filter` offers, judged on the row's answers
    /// `values` (in form order); `None` when the question has no filter. What the respondent's
    /// page shows: the same judgement as the check's ([`offered`](Self::offered)).
    pub fn offered_choices<V: AsRef<str>>(&self, i: usize, values: &[V]) -> Option<Vec<bool>> {
        let b = &self.bound[i];
        b.choice_filter.as_ref()?;
        let env = self.top_level_env(values);
        Some(self.form.questions[i].choices.iter().map(|c| self.offered(b, c, &env)).collect())
    }

    fn check_instance(
        &self,
        repeat: usize,
        local: &mut [String],
        outer: &[String],
        errors: &mut Vec<RowError>,
        dropped: &mut Vec<usize>,
    ) {
        let first = errors.len();
        for i in 0..self.form.questions.len() {
            if self.repeat_of[i] == Some(repeat) {
                self.step(i, local, Some(outer), errors, first, dropped, None);
            }
        }
    }

    /// Checks question `i` of the row, cleaning its answer in place; returns the answer's code
    /// (see [`check_coded`](Self::check_coded)).
    /// `codes`: this row's codes so far, when kept (see `check_coded`).
    #[allow(clippy::too_many_arguments)]
    fn step<V: AnswerSlot>(
        &self,
        i: usize,
        values: &mut [V],
        outer: Option<&[V]>,
        errors: &mut Vec<RowError>,
        first_error: usize,
        dropped: &mut Vec<usize>,
        codes: Option<&[u64]>,
    ) -> u64 {
        if let Some(quick) = &self.quick[i] {
            return match self.quick_outcome(i, quick, values[i].as_ref()) {
                Ok((Cleaned::Same, code)) => code,
                Ok((Cleaned::Trimmed, code)) => {
                    values[i].trim_in_place();
                    code
                }
                Ok((Cleaned::Set(value), code)) => {
                    values[i].set(value);
                    code
                }
                Ok((Cleaned::Cleared, _)) => {
                    values[i].clear();
                    0
                }
                Err(error) => {
                    errors.push(error);
                    0
                }
            };
        }
        let invalid = &errors[first_error..];
        let mut code = 0;
        let visit = {
            let env = RowEnv {
                index: &self.index,
                local: &*values,
                outer,
                scope: outer.map(|_| self.repeat_of.as_slice()),
                current: "",
                today: self.today,
                labels: Some((self.form, &self.language)),
            };
            self.visit(i, values[i].as_ref(), &env, invalid, codes, &mut code)
        };
        match visit {
            Visit::NotRelevant => {
                if !trim(values[i].as_ref()).is_empty() {
                    dropped.push(i);
                }
                values[i].clear();
                0
            }
            Visit::Set(value) => {
                // A calculation's result: its code, if it names choices, is looked up here.
                let code = if self.form.questions[i].kind.is_select() { self.code_of(i, &value) } else { code };
                values[i].set(value);
                code
            }
            Visit::Clear => {
                values[i].clear();
                0
            }
            Visit::Keep => code,
            // The answer stays as typed, so a page can show it again next to the error.
            Visit::Invalid(kind, message) => {
                errors.push(RowError { question: i, kind, message });
                0
            }
        }
    }

    /// A quick question's verdict on `raw`: how the answer is cleaned and its code, or why it
    /// is wrong.
    fn quick_outcome(&self, i: usize, quick: &Quick, raw: &str) -> Result<(Cleaned, u64), RowError> {
        match quick.check(raw) {
            QuickResult::Keep(code) => Ok((Cleaned::Same, code)),
            QuickResult::Trimmed(code) => Ok((Cleaned::Trimmed, code)),
            QuickResult::Set(value, code) => Ok((Cleaned::Set(value), code)),
            QuickResult::Clear => Ok((Cleaned::Cleared, 0)),
            QuickResult::Required => Err(RowError {
                question: i,
                kind: AnswerErrorKind::Required,
                message: self.message(
                    &self.form.questions[i].required_message,
                    "この質問は回答必須です。",
                    "This question requires an answer.",
                ),
            }),
            QuickResult::NotInList(name) => {
                Err(RowError { question: i, kind: AnswerErrorKind::NotInList, message: self.not_in_list(name) })
            }
        }
    }

    /// The top-level questions whose check reads no other answer and whose answer no
    /// expression reads. Each can be checked down its column with
    /// [`check_alone`](Self::check_alone), apart from the rest of its row, with the verdicts
    /// [`check_coded`](Self::check_coded) gives; the rest of the row is checked with
    /// [`check_coded_only`](Self::check_coded_only).
    pub fn independent(&self) -> Vec<bool> {
        let mut read = vec![false; self.form.questions.len()];
        let mut mark = |e: &Expression| {
            for (name, _) in e.references().iter().chain(e.path_references()) {
                if let Some(&i) = self.index.get(name.as_str()) {
                    read[i] = true;
                }
            }
        };
        for q in &self.form.questions {
            for e in [&q.relevant, &q.constraint, &q.calculation, &q.choice_filter].into_iter().flatten() {
                mark(e);
            }
            if let Required::When(e) = &q.required {
                mark(e);
            }
        }
        for g in &self.form.groups {
            if let Some(e) = &g.relevant {
                mark(e);
            }
        }
        (0..self.form.questions.len()).map(|i| self.quick[i].is_some() && !read[i]).collect()
    }

    /// The code of `raw` if it is a usual answer to question `i`, one needing no cleaning and no
    /// expression: for a question without conditions, a choice name exactly, names once each one
    /// space apart, or text without surrounding space. Such an answer is valid as it stands;
    /// `None` means "check it the general way". Most answers in a file are usual, and a
    /// million-row import asks for each cell (hence inlined into the importer's loops).
    #[inline]
    pub fn usual_code(&self, i: usize, raw: &str) -> Option<u64> {
        self.usual(i)?.code(raw)
    }

    /// Question `i`'s test for usual answers (see [`usual_code`](Self::usual_code)), to be
    /// taken once for a whole column; `None` for questions with conditions.
    #[inline]
    pub fn usual(&self, i: usize) -> Option<Usual<'_>> {
        Some(match self.quick[i].as_ref()? {
            Quick::Choice { codes, clean_names, .. } => Usual::Choice { codes, clean_names: *clean_names },
            Quick::Multiple { codes, .. } => Usual::Multiple(codes),
            Quick::Text { .. } => Usual::Text,
        })
    }

    /// Checks the answer `raw` to question `i`, one of the [`independent`](Self::independent)
    /// ones: the cleaned answer and its code, as `check_coded` would leave them, or the error.
    pub fn check_alone<'r>(&self, i: usize, raw: &'r str) -> Result<(Cow<'r, str>, u64), RowError> {
        let Some(quick) = &self.quick[i] else {
            panic!("question {i} is not independent: check it with its row");
        };
        if let Some(code) = self.usual_code(i, raw) {
            return Ok((Cow::Borrowed(raw), code));
        }
        Ok(match self.quick_outcome(i, quick, raw)? {
            (Cleaned::Same, code) => (Cow::Borrowed(raw), code),
            (Cleaned::Trimmed, code) => (Cow::Borrowed(trim(raw)), code),
            (Cleaned::Set(value), code) => (Cow::Owned(value), code),
            (Cleaned::Cleared, _) => (Cow::Borrowed(""), 0),
        })
    }

    /// The code of a select question's answer given as text (names not in the list count for
    /// nothing).
    fn code_of(&self, i: usize, value: &str) -> u64 {
        let choices = &self.bound[i].choices;
        match self.form.questions[i].kind {
            QuestionType::SelectOne => choices.position(trim(value)).map_or(0, |k| k as u64 + 1),
            _ => words(value).filter_map(|t| choices.position(t)).fold(0, |bits, k| bits | selection_bit(k)),
        }
    }

    fn not_in_list(&self, name: &str) -> String {
        if self.english {
            format!("'{name}' is not one of the choices.")
        } else {
            format!("「{name}」は選択肢にありません。")
        }
    }

    /// What expressions see of a response's answers outside any repeat.
    fn top_level_env<'a, V: AsRef<str>>(&'a self, values: &'a [V]) -> RowEnv<'a, V> {
        RowEnv {
            index: &self.index,
            local: values,
            outer: None,
            scope: None,
            current: "",
            today: self.today,
            labels: Some((self.form, &self.language)),
        }
    }

    fn group_relevant(&self, group: usize, values: &[String]) -> bool {
        let env = self.top_level_env(values);
        let g = &self.form.groups[group];
        // The groups enclosing the repeat are those whose own path, with their name, starts its path.
        let encloses = |o: &&crate::model::Group| {
            g.path.len() > o.path.len() && g.path.starts_with(&o.path) && g.path[o.path.len()] == o.name
        };
        let bound = |o: &crate::model::Group| {
            let k = self.form.groups.iter().position(|x| std::ptr::eq(x, o)).unwrap_or(group);
            holds(&self.group_relevant[k], &env)
        };
        self.form.groups.iter().filter(encloses).chain(std::iter::once(g)).all(bound)
    }

    fn to_map(&self, values: &[String], repeat: Option<usize>) -> BTreeMap<String, String> {
        values
            .iter()
            .enumerate()
            .filter(|(i, v)| !v.is_empty() && self.repeat_of[*i] == repeat)
            .map(|(i, v)| (self.form.questions[i].name.clone(), v.clone()))
            .collect()
    }

    fn message(&self, form_texts: &Translated, japanese: &str, english: &str) -> String {
        self.form
            .text(form_texts, &self.language)
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

    /// `invalid`: this row's errors so far; a constraint reading an invalid answer is not
    /// judged, so one wrong number does not also fail every check that compares with it.
    /// `code` receives the code of a select question's valid answer.
    fn visit<V: AsRef<str>>(
        &self,
        i: usize,
        raw: &str,
        env: &RowEnv<V>,
        invalid: &[RowError],
        codes: Option<&[u64]>,
        code: &mut u64,
    ) -> Visit {
        let (q, b) = (&self.form.questions[i], &self.bound[i]);
        // From the codes where they decide, else by evaluating the condition.
        let holds_here = |condition: &Option<Expression>, coded: &Option<CodeCondition>| {
            match (coded, codes) {
                (Some(coded), Some(codes)) => coded.judge(codes, env.local),
                _ => None,
            }
            .unwrap_or_else(|| holds(condition, env))
        };
        let relevant =
            q.group_indices.iter().all(|&g| holds_here(&self.group_relevant[g], &self.coded_group_relevant[g]))
                && holds_here(&b.relevant, &self.coded_relevant[i]);
        if !relevant {
            return Visit::NotRelevant;
        }
        if let Some(calculation) = &b.calculation {
            // `.` in a calculation is its own value so far, which `once()` keeps.
            let own = RowEnv { current: env.slot(i), ..*env };
            return Visit::Set(calculation.eval(&own).map(|v| v.to_text()).unwrap_or_default());
        }
        if q.kind == QuestionType::Note {
            return Visit::Clear;
        }
        if !q.kind.is_asked() {
            return Visit::Keep;
        }
        let trimmed = trim(raw);
        if trimmed.is_empty() {
            let required = match &b.required {
                Required::No => false,
                Required::Yes => true,
                Required::When(e) => e.eval_bool(env).unwrap_or(false),
            };
            if required {
                let message =
                    self.message(&q.required_message, "この質問は回答必須です。", "This question requires an answer.");
                return Visit::Invalid(AnswerErrorKind::Required, message);
            }
            return if raw.is_empty() { Visit::Keep } else { Visit::Clear };
        }
        let value = match self.typed(q, b, trimmed, env, code) {
            Ok(v) => v,
            Err((kind, message)) => return Visit::Invalid(kind, message),
        };
        let reads_invalid = |e: &Expression| {
            !invalid.is_empty()
                && e.references().iter().chain(e.path_references()).any(|(name, _)| {
                    self.index.get(name.as_str()).is_some_and(|&i| invalid.iter().any(|err| err.question == i))
                })
        };
        if let Some(constraint) = b.constraint.as_ref().filter(|c| !reads_invalid(c)) {
            let allowed = match &self.number_constraint[i] {
                Some(numeric) if env.outer.is_none() => numeric.judge(text_to_number(&value), env.local),
                _ => constraint.eval_bool(&RowEnv { current: &value, ..*env }).unwrap_or(true),
            };
            if !allowed {
                let message = self.message(
                    &q.constraint_message,
                    "回答が条件を満たしていません。",
                    "This answer is not allowed.",
                );
                return Visit::Invalid(AnswerErrorKind::Constraint, message);
            }
        }
        // Borrowed with the same length means the very same text: no copy, no comparison.
        let same = matches!(&value, Cow::Borrowed(v) if v.len() == raw.len()) || value == raw;
        if same { Visit::Keep } else { Visit::Set(value.into_owned()) }
    }

    /// The answer in its normal form, or why it does not fit the question's type or list.
    fn typed<'v>(
        &self,
        q: &Question,
        b: &Bound,
        raw: &'v str,
        env: &dyn Env,
        code: &mut u64,
    ) -> Result<Cow<'v, str>, (AnswerErrorKind, String)> {
        let type_error =
            |ja: &str, en: &str| Err((AnswerErrorKind::Type, if self.english { en } else { ja }.to_string()));
        match q.kind {
            QuestionType::Integer => {
                let v = ascii_digits(raw);
                let body = v.strip_prefix('-').unwrap_or(&v);
                // Up to 18 digits always fit an i64: no need to parse them to know.
                let digits = !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit());
                if !digits || (body.len() > 18 && v.parse::<i64>().is_err()) {
                    return type_error("整数を半角数字で入力してください。", "Enter a whole number.");
                }
                // Already canonical (no '+', no leading zeros, not "-0"): keep it without a copy.
                let canonical = !body.starts_with('0') || body == "0";
                if canonical && v != "-0" {
                    return Ok(v);
                }
                Ok(Cow::Owned(v.parse::<i64>().map(|n| n.to_string()).unwrap_or_else(|_| v.into_owned())))
            }
            QuestionType::Decimal => {
                let v = ascii_digits(raw);
                let body = v.strip_prefix('-').unwrap_or(&v);
                let valid = !body.is_empty()
                    && body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                    && body.bytes().filter(|&b| b == b'.').count() <= 1
                    && body != ".";
                if !valid {
                    return type_error("数値を半角数字で入力してください。", "Enter a number.");
                }
                Ok(v)
            }
            QuestionType::Range => {
                let v = ascii_digits(raw);
                let Some(spec) = &q.range else { return Ok(v) };
                match v.parse::<f64>() {
                    Ok(n) if spec.on_scale(n) => Ok(Cow::Owned(spec.format(n))),
                    _ => {
                        let (from, to, step) =
                            (spec.format(spec.start), spec.format(spec.end), spec.format(spec.step.abs()));
                        Err((
                            AnswerErrorKind::Type,
                            if self.english {
                                format!("Choose a point of the scale: {from} to {to} in steps of {step}.")
                            } else {
                                format!("{from}から{to}までの、{step}刻みの値を選んでください。")
                            },
                        ))
                    }
                }
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
                    Ok(Cow::Borrowed("OK"))
                } else {
                    type_error("確認した場合は OK としてください。", "Acknowledge with OK.")
                }
            }
            QuestionType::SelectOne => {
                *code = self.choice(q, b, raw, env)? as u64 + 1;
                Ok(Cow::Borrowed(raw))
            }
            QuestionType::SelectMultiple => {
                let mut picked: Vec<&str> = Vec::new();
                let mut bits = 0;
                for token in words(raw) {
                    bits |= selection_bit(self.choice(q, b, token, env)?);
                    if !picked.contains(&token) {
                        picked.push(token);
                    }
                }
                *code = bits;
                // Single spaces and no repeats: the answer is already in its normal form.
                let normal_len = picked.iter().map(|p| p.len()).sum::<usize>() + picked.len().saturating_sub(1);
                if normal_len == raw.len() {
                    return Ok(Cow::Borrowed(raw));
                }
                Ok(Cow::Owned(picked.join(" ")))
            }
            QuestionType::Rank => {
                // Every offered choice once, most important first, as ODK stores a ranking.
                let mut order: Vec<&str> = Vec::new();
                for token in words(raw) {
                    let k = self.choice(q, b, token, env)?;
                    if order.contains(&token) {
                        // Named as the respondent reads it.
                        let shown = self.form.text(&q.choices[k].label, &self.language).unwrap_or(token);
                        return type_error(
                            &format!("「{shown}」に順位が2回つけられています。選択肢ごとに違う順位をつけてください。"),
                            &format!("'{shown}' is ranked twice: give each choice its own place."),
                        );
                    }
                    order.push(token);
                }
                let offered = q.choices.iter().filter(|c| self.offered(b, c, env)).count();
                if order.len() < offered {
                    return type_error(
                        &format!(
                            "すべての選択肢に順位をつけてください（{offered}件中{}件に順位があります）。",
                            order.len()
                        ),
                        &format!("Rank every choice ({} of {offered} have a place).", order.len()),
                    );
                }
                if order.join(" ").len() == raw.len() {
                    return Ok(Cow::Borrowed(raw));
                }
                Ok(Cow::Owned(order.join(" ")))
            }
            _ => Ok(Cow::Borrowed(raw)),
        }
    }

    /// Whether `choice` is offered (its question's `choice_filter` lets it through).
    fn offered(&self, b: &Bound, choice: &crate::model::Choice, env: &dyn Env) -> bool {
        b.choice_filter.as_ref().is_none_or(|filter| {
            let scope = crate::expr::Item { answers: env, choice, labels: env.form_language() };
            filter.eval_bool(&scope).unwrap_or(true)
        })
    }

    /// The position of choice `name` in the question's list, if it is there and offered.
    fn choice(&self, q: &Question, b: &Bound, name: &str, env: &dyn Env) -> Result<usize, (AnswerErrorKind, String)> {
        let Some(position) = b.choices.position(name) else {
            return Err((AnswerErrorKind::NotInList, self.not_in_list(name)));
        };
        if !self.offered(b, &q.choices[position], env) {
            let message = if self.english {
                format!("'{name}' is not offered for your earlier answers.")
            } else {
                format!("「{name}」はこれまでの回答では選べません。")
            };
            return Err((AnswerErrorKind::FilteredOut, message));
        }
        Ok(position)
    }
}

/// The questions' and groups' `relevant` conditions that the codes of earlier select answers
/// decide. Only answers the checker codes count: select questions outside repeats, not
/// calculated, select_multiple with at most 64 choices; and only answers checked before the
/// condition is judged (a group's: before its first question).
fn coded_conditions(
    form: &Form,
    bound: &[Bound],
    group_relevant: &[Option<Expression>],
    in_repeat: &[bool],
) -> (Vec<Option<CodeCondition>>, Vec<Option<CodeCondition>>) {
    let names: Vec<Vec<&str>> =
        form.questions.iter().map(|q| q.choices.iter().map(|c| c.name.as_str()).collect()).collect();
    let choices = |slot: usize| {
        let q = form.questions.get(slot)?;
        if in_repeat[slot] || q.calculation.is_some() {
            return None;
        }
        match q.kind {
            QuestionType::SelectOne => Some(SlotChoices::One(&names[slot])),
            QuestionType::SelectMultiple if q.choices.len() <= 64 => Some(SlotChoices::Multiple(&names[slot])),
            _ => None,
        }
    };
    let before = |condition: &Option<Expression>, first: usize| {
        condition
            .as_ref()
            .and_then(|e| e.code_condition(&choices))
            .filter(|c| c.slots().iter().all(|&slot| slot < first))
    };
    let questions = bound.iter().enumerate().map(|(i, b)| before(&b.relevant, i)).collect();
    let groups = group_relevant
        .iter()
        .enumerate()
        .map(|(g, condition)| {
            let first = form.questions.iter().position(|q| q.group_indices.contains(&g)).unwrap_or(0);
            before(condition, first)
        })
        .collect();
    (questions, groups)
}

/// A condition that is absent holds; one Mamori cannot evaluate (a warning when the form was
/// checked) holds too, so it never hides a question.
fn holds(condition: &Option<Expression>, env: &dyn Env) -> bool {
    condition.as_ref().is_none_or(|e| e.eval_bool(env).unwrap_or(true))
}

/// Japanese keyboards often type full-width digits (１２３) and signs; they mean the same.
fn ascii_digits(raw: &str) -> Cow<'_, str> {
    let raw = trim(raw);
    if raw.is_ascii() {
        return Cow::Borrowed(raw);
    }
    Cow::Owned(
        raw.chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                '－' | 'ー' | '−' => '-',
                '．' => '.',
                '：' => ':',
                _ => c,
            })
            .collect(),
    )
}
