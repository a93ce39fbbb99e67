//! Evaluation with ODK (XPath 1.0 / JavaRosa) semantics: an unanswered question is the empty
//! string; `=` compares as numbers when either side is a number, as booleans when either is a
//! boolean, else as text; `<` and friends compare as numbers, and a date counts as days since
//! 1970-01-01.

use super::ast::{BinOp, Expr, Func};
use super::{Env, EvalError, Value};
use crate::dates;
use std::borrow::Cow;

pub fn eval<'a>(expr: &'a Expr, env: &'a dyn Env) -> Result<Value<'a>, EvalError> {
    Ok(match expr {
        Expr::Num(n) => Value::Num(*n),
        Expr::Str(s) => Value::Str(Cow::Borrowed(s)),
        Expr::Ref(name) => Value::Str(Cow::Borrowed(env.value(name).unwrap_or(""))),
        Expr::Path(name) => Value::Str(Cow::Borrowed(path_value(env, name).unwrap_or(""))),
        Expr::Slot(i) => Value::Str(Cow::Borrowed(env.slot(*i))),
        Expr::Current => Value::Str(Cow::Borrowed(env.current())),
        Expr::Neg(inner) => Value::Num(-eval(inner, env)?.to_num()),
        Expr::Bin(op, left, right) => binary(*op, left, right, env)?,
        Expr::Call(func, args) => call(*func, args, env)?,
        Expr::RegexLiteral(value, regex) => Value::Bool(regex.find(&eval(value, env)?.text()).is_some()),
        Expr::Lookup(lookup) => Value::Str(Cow::Borrowed(looked_up(lookup, env)?.first().copied().unwrap_or(""))),
        Expr::Unsupported(name) => return Err(EvalError::Unsupported(name.clone())),
    })
}

/// The values `instance('list')/root/item[…]/column` reaches, in the list's order (see
/// [`super::ast::Lookup`]); an unknown list is the empty node-set, as in JavaRosa.
pub(super) fn looked_up<'a>(lookup: &super::ast::Lookup, env: &'a dyn Env) -> Result<Vec<&'a str>, EvalError> {
    let Some((form, language)) = env.form_language() else {
        return Err(EvalError::Unsupported("instance".into()));
    };
    let Some(list) = form.choice_lists.get(&lookup.list) else { return Ok(Vec::new()) };
    let mut items: Vec<&crate::model::Choice> = list.iter().collect();
    for predicate in &lookup.predicates {
        let mut kept = Vec::with_capacity(items.len());
        for (position, &choice) in items.iter().enumerate() {
            let scope = Item { answers: env, choice, labels: Some((form, language)) };
            let keep = match eval(predicate, &scope)? {
                // `[2]`: the second of those left.
                Value::Num(n) => n == (position + 1) as f64,
                v => v.to_bool(),
            };
            if keep {
                kept.push(choice);
            }
        }
        items = kept;
    }
    Ok(items.into_iter().map(|c| item_column(c, lookup.column.as_deref().unwrap_or("name"), form, language)).collect())
}

/// A column of a choice list's item: `name`, `label` (in `language`, else the default), or
/// another column of the choices sheet ("" when it has none).
fn item_column<'a>(
    choice: &'a crate::model::Choice,
    column: &str,
    form: &'a crate::model::Form,
    language: &str,
) -> &'a str {
    match column {
        "label" => form.text(&choice.label, language).unwrap_or(&choice.name),
        other => item_plain_column(choice, other),
    }
}

/// `name`, or a column of the choices sheet other than the label.
fn item_plain_column<'a>(choice: &'a crate::model::Choice, column: &str) -> &'a str {
    match column {
        "name" => &choice.name,
        other => choice.extra.get(&other.to_lowercase()).map_or("", String::as_str),
    }
}

/// What a lookup's predicate and a `choice_filter` see: bare names are the item's columns
/// (`label` too when a form is at hand), `${}` the answers.
pub(crate) struct Item<'a> {
    pub answers: &'a dyn Env,
    pub choice: &'a crate::model::Choice,
    pub labels: Option<(&'a crate::model::Form, &'a str)>,
}

impl Env for Item<'_> {
    fn value(&self, name: &str) -> Option<&str> {
        self.answers.value(name)
    }
    fn slot(&self, i: usize) -> &str {
        self.answers.slot(i)
    }
    fn path_value(&self, name: &str) -> Option<&str> {
        Some(match self.labels {
            Some((form, language)) => item_column(self.choice, name, form, language),
            None => item_plain_column(self.choice, name),
        })
    }
    fn current(&self) -> &str {
        self.answers.current()
    }
    fn today(&self) -> i64 {
        self.answers.today()
    }
    fn choice_label(&self, question: &str, value: &str) -> Option<String> {
        self.answers.choice_label(question, value)
    }
    fn form_language(&self) -> Option<(&crate::model::Form, &str)> {
        self.labels
    }
    fn now_ms(&self) -> i64 {
        self.answers.now_ms()
    }
}

/// The answer a path not bound to a question reaches: by its key (`g/a`, an absolute path
/// without its root), else by its last name.
pub(super) fn path_value<'a>(env: &'a dyn Env, name: &str) -> Option<&'a str> {
    env.path_value(name).or_else(|| env.path_value(super::ast::last_step(name)))
}

/// The common shapes of a relevance or constraint condition — an answer compared with a
/// literal or another answer, `selected()`, joined by `and`/`or` — judged without building
/// values; `None` for anything else, which [`eval`] then judges. The verdicts are the ones
/// `eval(..).to_bool()` gives (the same comparisons), only quicker: a million-row import judges
/// each condition a million times.
pub fn condition(expr: &Expr, env: &dyn Env) -> Option<bool> {
    match expr {
        Expr::Bin(BinOp::Or, left, right) => match condition(left, env)? {
            true => Some(true),
            false => condition(right, env),
        },
        Expr::Bin(BinOp::And, left, right) => match condition(left, env)? {
            false => Some(false),
            true => condition(right, env),
        },
        Expr::Bin(op, left, right) => {
            let (l, r) = (operand(left, env)?, operand(right, env)?);
            // As `equal` and `to_num` judge text and numbers (the only values here).
            let number = |o: &Operand| match *o {
                Operand::Text(t) => text_to_number(t),
                Operand::Num(n) => n,
            };
            Some(match op {
                BinOp::Eq | BinOp::Ne => {
                    let same = match (&l, &r) {
                        (Operand::Text(a), Operand::Text(b)) => a == b,
                        _ => number(&l) == number(&r),
                    };
                    same == (*op == BinOp::Eq)
                }
                BinOp::Lt => number(&l) < number(&r),
                BinOp::Le => number(&l) <= number(&r),
                BinOp::Gt => number(&l) > number(&r),
                BinOp::Ge => number(&l) >= number(&r),
                _ => return None,
            })
        }
        Expr::Call(Func::Selected, args) if args.len() == 2 => {
            let (Operand::Text(list), Operand::Text(item)) = (operand(&args[0], env)?, operand(&args[1], env)?) else {
                return None;
            };
            let item = crate::text::trim(item);
            Some(super::words(list).any(|s| s == item))
        }
        _ => None,
    }
}

/// An answer or a literal, read without evaluation.
enum Operand<'a> {
    Text(&'a str),
    Num(f64),
}

/// `None` for anything but an answer or a literal.
fn operand<'a>(expr: &'a Expr, env: &'a dyn Env) -> Option<Operand<'a>> {
    Some(match expr {
        Expr::Slot(i) => Operand::Text(env.slot(*i)),
        Expr::Current => Operand::Text(env.current()),
        Expr::Str(s) => Operand::Text(s),
        Expr::Num(n) => Operand::Num(*n),
        _ => return None,
    })
}

fn binary<'a>(op: BinOp, left: &'a Expr, right: &'a Expr, env: &'a dyn Env) -> Result<Value<'a>, EvalError> {
    // `and`/`or` short-circuit, so `${n} > 0 and 10 div ${n} > 1` never divides by zero.
    match op {
        BinOp::Or => {
            return Ok(Value::Bool(eval(left, env)?.to_bool() || eval(right, env)?.to_bool()));
        }
        BinOp::And => {
            return Ok(Value::Bool(eval(left, env)?.to_bool() && eval(right, env)?.to_bool()));
        }
        _ => {}
    }
    let l = eval(left, env)?;
    let r = eval(right, env)?;
    Ok(match op {
        BinOp::Eq => Value::Bool(equal(&l, &r)),
        BinOp::Ne => Value::Bool(!equal(&l, &r)),
        BinOp::Lt => Value::Bool(l.to_num() < r.to_num()),
        BinOp::Le => Value::Bool(l.to_num() <= r.to_num()),
        BinOp::Gt => Value::Bool(l.to_num() > r.to_num()),
        BinOp::Ge => Value::Bool(l.to_num() >= r.to_num()),
        BinOp::Add => Value::Num(l.to_num() + r.to_num()),
        BinOp::Sub => Value::Num(l.to_num() - r.to_num()),
        BinOp::Mul => Value::Num(l.to_num() * r.to_num()),
        BinOp::Div => Value::Num(l.to_num() / r.to_num()),
        BinOp::Mod => Value::Num(l.to_num() % r.to_num()),
        BinOp::Or | BinOp::And => unreachable!("handled above"),
    })
}

fn equal(l: &Value, r: &Value) -> bool {
    match (l, r) {
        (Value::Bool(_), _) | (_, Value::Bool(_)) => l.to_bool() == r.to_bool(),
        (Value::Num(_), _) | (_, Value::Num(_)) | (Value::Date(_), _) | (_, Value::Date(_)) => l.to_num() == r.to_num(),
        (Value::Str(a), Value::Str(b)) => a == b,
    }
}

fn call<'a>(func: Func, args: &'a [Expr], env: &'a dyn Env) -> Result<Value<'a>, EvalError> {
    let arg = |i: usize| eval(&args[i], env);
    let text_or_current = |i: usize| -> Result<String, EvalError> {
        Ok(match args.get(i) {
            Some(e) => eval(e, env)?.to_text(),
            None => env.current().to_string(),
        })
    };
    Ok(match func {
        Func::Selected => {
            let (list, item) = (arg(0)?, arg(1)?);
            let (list, item) = (list.text(), item.text());
            let item = item.trim();
            Value::Bool(super::words(&list).any(|s| s == item))
        }
        Func::CountSelected => Value::Num(super::words(&arg(0)?.text()).count() as f64),
        // In UTF-16 code units, as Java's and JavaScript's strings count (ODK Collect and Enketo
        // alike): a character outside the Basic Multilingual Plane, such as an emoji, counts 2.
        Func::StringLength => Value::Num(text_or_current(0)?.encode_utf16().count() as f64),
        Func::Regex => {
            let value = arg(0)?.to_text();
            let pattern = arg(1)?.to_text();
            let regex = regress::Regex::new(&pattern).map_err(|e| EvalError::BadRegex(e.to_string()))?;
            Value::Bool(regex.find(&value).is_some())
        }
        Func::If => {
            if arg(0)?.to_bool() {
                arg(1)?
            } else {
                arg(2)?
            }
        }
        Func::Coalesce => {
            let first = arg(0)?;
            if first.text().is_empty() { arg(1)? } else { first }
        }
        Func::Concat => {
            let mut out = String::new();
            for a in args {
                out.push_str(&eval(a, env)?.text());
            }
            Value::Str(Cow::Owned(out))
        }
        Func::Number => match args.first() {
            Some(e) => Value::Num(eval(e, env)?.to_num()),
            None => Value::Num(text_to_number(env.current())),
        },
        Func::Int => Value::Num(arg(0)?.to_num().trunc()),
        Func::Round => {
            let x = arg(0)?.to_num();
            let digits = if args.len() > 1 { arg(1)?.to_num() } else { 0.0 };
            Value::Num(round(x, digits))
        }
        Func::Today => Value::Date(env.today()),
        Func::Not => Value::Bool(!arg(0)?.to_bool()),
        Func::True => Value::Bool(true),
        Func::False => Value::Bool(false),
        Func::String => Value::Str(Cow::Owned(text_or_current(0)?)),
        Func::Boolean => Value::Bool(arg(0)?.to_bool()),
        Func::Contains => Value::Bool(arg(0)?.text().contains(&*arg(1)?.text())),
        Func::StartsWith => Value::Bool(arg(0)?.text().starts_with(&*arg(1)?.text())),
        Func::EndsWith => Value::Bool(arg(0)?.text().ends_with(&*arg(1)?.text())),
        Func::Substr => {
            // ODK's substr is 0-based with an exclusive end, like Java's substring; a negative
            // position counts from the end (JavaRosa).
            let text: Vec<char> = arg(0)?.to_text().chars().collect();
            let len = text.len() as f64;
            let (start, end) = (arg(1)?.to_num().trunc(), if args.len() > 2 { arg(2)?.to_num().trunc() } else { len });
            if start.is_nan() || end.is_nan() {
                return Ok(Value::Str(Cow::Borrowed("")));
            }
            let from_end = |p: f64| if p < 0.0 { len + p } else { p }.clamp(0.0, len);
            let (start, end) = (from_end(start), from_end(end));
            Value::Str(Cow::Owned(if start <= end {
                text[start as usize..end as usize].iter().collect()
            } else {
                String::new()
            }))
        }
        _ => return super::odk::call(func, args, env),
    })
}

/// JavaRosa's `round(x, digits)` (Excel's): on the number's shortest decimal text, halves away
/// from zero for positive numbers and towards zero for negative ones (so `round(1.005, 2)` is
/// 1.01, as the decimal reads, and `round(-2.5)` is −2); negative `digits` round to tens,
/// hundreds…
fn round(x: f64, digits: f64) -> f64 {
    if !x.is_finite() || digits.is_nan() {
        return if digits.is_nan() { f64::NAN } else { x };
    }
    let digits = digits.trunc();
    if !(-30.0..=30.0).contains(&digits) {
        return f64::NAN;
    }
    if digits < 0.0 {
        let scale = 10f64.powi(-digits as i32);
        return ((x / scale + 0.5) as i64) as f64 * scale;
    }
    let digits = digits as usize;
    let shown = format!("{}", x.abs());
    let (whole, fraction) = shown.split_once('.').unwrap_or((&shown, ""));
    if fraction.len() <= digits || x.abs() >= 1e15 {
        return x;
    }
    let (kept, dropped) = fraction.split_at(digits);
    let Ok(mut mantissa) = format!("{whole}{kept}").parse::<u128>() else { return x };
    let half = dropped.as_bytes()[0] >= b'5';
    let over_half = dropped.as_bytes()[0] > b'5' || dropped[1..].bytes().any(|b| b != b'0');
    if (x > 0.0 && half) || (x < 0.0 && over_half) {
        mantissa += 1;
    }
    let magnitude: f64 = format!("{mantissa}e-{digits}").parse().unwrap_or(f64::NAN);
    if x < 0.0 { -magnitude } else { magnitude }
}

impl Value<'_> {
    pub fn to_bool(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            Value::Date(_) => true,
        }
    }

    /// XPath `number()`: decimal text is a number; a date (as ODK stores one) counts its days
    /// since 1970-01-01; anything else is NaN.
    pub fn to_num(&self) -> f64 {
        match self {
            Value::Num(n) => *n,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Date(d) => *d as f64,
            Value::Str(s) => text_to_number(s),
        }
    }

    /// XPath `string()`, borrowed when the value is text already.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Value::Str(s) => Cow::Borrowed(s),
            other => Cow::Owned(other.to_text()),
        }
    }

    /// XPath `string()`.
    pub fn to_text(&self) -> String {
        match self {
            Value::Str(s) => s.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Date(d) => dates::format_date(*d),
            Value::Num(n) => number_to_text(*n),
        }
    }
}

pub fn text_to_number(s: &str) -> f64 {
    // Most numbers in answers are small whole numbers: read them without the general parser.
    let b = s.as_bytes();
    if !b.is_empty() && b.len() <= 15 && b.iter().all(u8::is_ascii_digit) {
        return b.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')) as f64;
    }
    let t = crate::text::trim(s);
    let body = t.strip_prefix('-').unwrap_or(t);
    let valid = !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == '.')
        && body.chars().filter(|&c| c == '.').count() <= 1
        && body != ".";
    if valid {
        return t.parse().unwrap_or(f64::NAN);
    }
    let date_part = t.get(..10).unwrap_or(t);
    match dates::parse_date(date_part) {
        Some(days) if t.len() == 10 || dates::parse_datetime(t).is_some() => days as f64,
        _ => f64::NAN,
    }
}

pub fn number_to_text(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}
