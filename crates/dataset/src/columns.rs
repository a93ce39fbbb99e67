//! Responses held by column, one per question of the form: compact codes for choices, bit sets
//! for multiple choices, floats for numbers, one string buffer for text. A million responses of
//! the 2024 questionnaire fit in about 100 MB and are counted in milliseconds.

use mamori_form::{Form, Question, QuestionType};
use std::borrow::Cow;

/// Text values in one buffer: value `i` is `data[ends[i-1]..ends[i]]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextColumn {
    data: String,
    ends: Ends,
}

/// The end of each value in the buffer: 4 bytes each while the buffer is under 4 GiB (a
/// million answers then cost 4 MB less per text column), 8 bytes each beyond.
#[derive(Debug, Clone)]
enum Ends {
    Narrow(Vec<u32>),
    Wide(Vec<usize>),
}

impl Default for Ends {
    fn default() -> Self {
        Ends::Narrow(Vec::new())
    }
}

impl PartialEq for Ends {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && (0..self.len()).all(|i| self.get(i) == other.get(i))
    }
}

impl Ends {
    fn len(&self) -> usize {
        match self {
            Ends::Narrow(v) => v.len(),
            Ends::Wide(v) => v.len(),
        }
    }

    fn get(&self, i: usize) -> usize {
        match self {
            Ends::Narrow(v) => v[i] as usize,
            Ends::Wide(v) => v[i],
        }
    }

    fn push(&mut self, end: usize) {
        match self {
            Ends::Narrow(v) => match u32::try_from(end) {
                Ok(e) => v.push(e),
                Err(_) => {
                    let mut wide: Vec<usize> = v.iter().map(|&e| e as usize).collect();
                    wide.push(end);
                    *self = Ends::Wide(wide);
                }
            },
            Ends::Wide(v) => v.push(end),
        }
    }

    fn truncate(&mut self, len: usize) {
        match self {
            Ends::Narrow(v) => v.truncate(len),
            Ends::Wide(v) => v.truncate(len),
        }
    }

    fn reserve(&mut self, n: usize) {
        match self {
            Ends::Narrow(v) => v.reserve(n),
            Ends::Wide(v) => v.reserve(n),
        }
    }
}

impl TextColumn {
    pub fn push(&mut self, value: &str) {
        self.data.push_str(value);
        self.ends.push(self.data.len());
    }

    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends.get(i - 1) };
        &self.data[start..self.ends.get(i)]
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The values in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.get(i))
    }

    pub fn is_empty(&self) -> bool {
        self.ends.len() == 0
    }

    /// Keeps the first `len` values.
    pub fn truncate(&mut self, len: usize) {
        self.ends.truncate(len);
        let end = if len == 0 || self.ends.len() == 0 { 0 } else { self.ends.get(self.ends.len() - 1) };
        self.data.truncate(end);
    }

    fn reserve(&mut self, values: usize, bytes: usize) {
        self.ends.reserve(values);
        self.data.reserve(bytes);
    }

    fn append(&mut self, other: TextColumn) {
        let offset = self.data.len();
        self.data.push_str(&other.data);
        self.ends.reserve(other.len());
        for i in 0..other.len() {
            self.ends.push(other.ends.get(i) + offset);
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// select_one: 0 = no answer, k = the k-th choice of the question's list (1-based).
    Choice(Vec<u16>),
    /// select_multiple: bit k set = the (k+1)-th choice chosen; 0 = no answer.
    Multi(Vec<u64>),
    /// integer and decimal: NaN = no answer.
    Number(Vec<f64>),
    /// Everything else, as text ("" = no answer).
    Text(TextColumn),
    /// A text question whose answers were read and checked but not kept, only whether each was
    /// given (asked for with [`ReadOptions::presence_only`](crate::ReadOptions::presence_only)).
    Answered(Vec<bool>),
}

/// The most choices a select_multiple may have, one bit each.
pub const MAX_MULTI_CHOICES: usize = 64;

impl Column {
    pub fn for_question(q: &Question) -> Column {
        match q.kind {
            QuestionType::SelectOne => Column::Choice(Vec::new()),
            QuestionType::SelectMultiple if q.choices.len() <= MAX_MULTI_CHOICES => Column::Multi(Vec::new()),
            QuestionType::Integer | QuestionType::Decimal | QuestionType::Range => Column::Number(Vec::new()),
            _ => Column::Text(TextColumn::default()),
        }
    }

    /// Appends an answer checked by [`RowChecker::check_coded`](mamori_form::answers::RowChecker::check_coded):
    /// select questions by the code it gave, the others by their cleaned text ("" = none).
    pub fn push_checked(&mut self, value: &str, code: u64) {
        match self {
            // A select_one's code is a position in its list, which the form reader keeps far
            // below 65,536 choices.
            Column::Choice(out) => out.push(u16::try_from(code).unwrap_or(0)),
            Column::Multi(bits) => bits.push(code),
            Column::Number(numbers) => numbers.push(number(value)),
            Column::Text(text) => text.push(value),
            Column::Answered(given) => given.push(!value.is_empty()),
        }
    }

    /// Appends the checked answers `answer(r)` for each `r` of `records`, as
    /// [`push_checked`](Self::push_checked) does, deciding the column's kind once for all.
    pub fn extend_answers<'v>(&mut self, records: &[usize], mut answer: impl FnMut(usize) -> (Cow<'v, str>, u64)) {
        match self {
            Column::Choice(out) => out.extend(records.iter().map(|&r| u16::try_from(answer(r).1).unwrap_or(0))),
            Column::Multi(bits) => bits.extend(records.iter().map(|&r| answer(r).1)),
            Column::Number(numbers) => numbers.extend(records.iter().map(|&r| number(&answer(r).0))),
            Column::Text(text) => {
                for &r in records {
                    text.push(&answer(r).0);
                }
            }
            Column::Answered(given) => given.extend(records.iter().map(|&r| !answer(r).0.is_empty())),
        }
    }

    /// Keeps the first `len` answers.
    pub fn truncate(&mut self, len: usize) {
        match self {
            Column::Choice(v) => v.truncate(len),
            Column::Multi(v) => v.truncate(len),
            Column::Number(v) => v.truncate(len),
            Column::Text(t) => t.truncate(len),
            Column::Answered(v) => v.truncate(len),
        }
    }

    fn append(&mut self, other: Column) {
        match (self, other) {
            (Column::Choice(a), Column::Choice(b)) => a.extend(b),
            (Column::Multi(a), Column::Multi(b)) => a.extend(b),
            (Column::Number(a), Column::Number(b)) => a.extend(b),
            (Column::Text(a), Column::Text(b)) => a.append(b),
            (Column::Answered(a), Column::Answered(b)) => a.extend(b),
            _ => unreachable!("columns of one question have one kind"),
        }
    }
}

/// A checked number's value; NaN for no answer. Whole numbers of up to 15 digits, the usual
/// answer, are read digit by digit (exactly: below 2^53), others by the standard parser.
fn number(value: &str) -> f64 {
    let (negative, digits) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    if !digits.is_empty() && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let whole = digits.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0')) as f64;
        return if negative { -whole } else { whole };
    }
    if value.is_empty() { f64::NAN } else { value.parse().unwrap_or(f64::NAN) }
}

/// Checked responses to one form, by column.
#[derive(Debug, Clone, PartialEq)]
pub struct Responses {
    /// One per question of the form, in form order.
    pub columns: Vec<Column>,
    /// The row each response came from (1 = the header row), for messages.
    pub rows: Vec<usize>,
    /// The `_id` column where the file has one.
    pub ids: Option<TextColumn>,
    /// Metadata columns kept on request (`_submitted_at`, `_status`), by name, in file order.
    pub meta: Vec<(String, TextColumn)>,
}

impl Responses {
    pub fn new(form: &Form, with_ids: bool) -> Responses {
        Responses::for_import(form, with_ids, &[])
    }

    /// Empty responses to `form` whose text questions marked in `presence_only` (by index)
    /// keep only whether each answer was given.
    pub fn for_import(form: &Form, with_ids: bool, presence_only: &[bool]) -> Responses {
        let column = |(q, question): (usize, &Question)| match presence_only.get(q) {
            Some(true) => Column::Answered(Vec::new()),
            _ => Column::for_question(question),
        };
        Responses {
            columns: form.questions.iter().enumerate().map(column).collect(),
            rows: Vec::new(),
            ids: with_ids.then(TextColumn::default),
            meta: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// No responses, in columns of the same kinds, with `_id` and metadata columns if these have them.
    pub fn empty_like(&self) -> Responses {
        let column = |c: &Column| match c {
            Column::Choice(_) => Column::Choice(Vec::new()),
            Column::Multi(_) => Column::Multi(Vec::new()),
            Column::Number(_) => Column::Number(Vec::new()),
            Column::Text(_) => Column::Text(TextColumn::default()),
            Column::Answered(_) => Column::Answered(Vec::new()),
        };
        Responses {
            columns: self.columns.iter().map(column).collect(),
            rows: Vec::new(),
            ids: self.ids.as_ref().map(|_| TextColumn::default()),
            meta: self.meta.iter().map(|(name, _)| (name.clone(), TextColumn::default())).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Makes room for `factor` times the responses held now, in every column and text buffer.
    pub fn reserve_scaled(&mut self, factor: f64) {
        let more = |len: usize| ((len as f64) * (factor - 1.0)).max(0.0) as usize;
        let rows = more(self.rows.len());
        for column in self.columns.iter_mut() {
            match column {
                Column::Choice(v) => v.reserve(rows),
                Column::Multi(v) => v.reserve(rows),
                Column::Number(v) => v.reserve(rows),
                Column::Text(t) => t.reserve(rows, more(t.data.len())),
                Column::Answered(v) => v.reserve(rows),
            }
        }
        self.rows.reserve(rows);
        if let Some(ids) = &mut self.ids {
            ids.reserve(rows, more(ids.data.len()));
        }
        for (_, column) in &mut self.meta {
            column.reserve(rows, more(column.data.len()));
        }
    }

    /// Keeps the first `len` responses.
    pub fn truncate(&mut self, len: usize) {
        for column in self.columns.iter_mut() {
            column.truncate(len);
        }
        self.rows.truncate(len);
        if let Some(ids) = &mut self.ids {
            ids.truncate(len);
        }
        for (_, column) in &mut self.meta {
            column.truncate(len);
        }
    }

    /// Appends `other`, read from later rows of the same file.
    pub fn append(&mut self, other: Responses) {
        for (a, b) in self.columns.iter_mut().zip(other.columns) {
            a.append(b);
        }
        self.rows.extend(other.rows);
        if let (Some(a), Some(b)) = (&mut self.ids, other.ids) {
            a.append(b);
        }
        for ((_, a), (_, b)) in self.meta.iter_mut().zip(other.meta) {
            a.append(b);
        }
    }

    /// The answer of response `i` to question `q` as text, as it would be exported.
    pub fn answer<'a>(&'a self, form: &'a Form, q: usize, i: usize) -> Cow<'a, str> {
        let question = &form.questions[q];
        match &self.columns[q] {
            Column::Choice(codes) => match codes[i] {
                0 => Cow::Borrowed(""),
                k => Cow::Borrowed(question.choices[k as usize - 1].name.as_str()),
            },
            Column::Multi(bits) => {
                let set = bits[i];
                let names: Vec<&str> = question
                    .choices
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| set & (1 << k) != 0)
                    .map(|(_, c)| c.name.as_str())
                    .collect();
                Cow::Owned(names.join(" "))
            }
            Column::Number(numbers) => {
                let n = numbers[i];
                if n.is_nan() { Cow::Borrowed("") } else { Cow::Owned(mamori_form::expr::number_to_text(n)) }
            }
            Column::Text(text) => Cow::Borrowed(text.get(i)),
            // The text itself was not kept: only that there was one.
            Column::Answered(given) => Cow::Borrowed(if given[i] { "(answered)" } else { "" }),
        }
    }
}

#[cfg(test)]
mod ends_tests {
    use super::Ends;

    #[test]
    fn ends_widen_past_four_gibibytes_and_keep_every_value() {
        let mut ends = Ends::default();
        ends.push(10);
        ends.push(u32::MAX as usize);
        assert!(matches!(ends, Ends::Narrow(_)));
        ends.push(5_000_000_000);
        assert!(matches!(ends, Ends::Wide(_)));
        assert_eq!((0..3).map(|i| ends.get(i)).collect::<Vec<_>>(), [10, u32::MAX as usize, 5_000_000_000]);
        let mut narrow = Ends::default();
        for e in [10, u32::MAX as usize, 5_000_000_000] {
            narrow.push(e);
        }
        assert_eq!(narrow, ends, "equal whatever the width");
        ends.truncate(1);
        assert_eq!(ends.len(), 1);
    }
}
