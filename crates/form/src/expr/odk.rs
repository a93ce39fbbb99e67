//! The functions ODK adds to XPath 1.0 beyond Mamori's first subset (text, node-sets of one
//! question, numbers, dates and times, values made once or at random), with JavaRosa's
//! semantics — ODK Collect's — and Enketo's where JavaRosa has none. The cases, and where the
//! two engines differ which one Mamori follows and why, are in
//! `crates/form/tests/data/enketo-expressions.json`.

use super::ast::last_step;
use super::ast::{Expr, Func};
use super::eval::{eval, text_to_number};
use super::{Env, EvalError, Value};
use crate::dates::{self, DAY_MS, JAPAN_MS};
use std::borrow::Cow;

/// The answers an argument stands for when it is a node-set: a question's answer is one node
/// (outside repeats), a path that names no question none; `None` for any other expression.
fn nodes<'a>(expr: &'a Expr, env: &'a dyn Env) -> Option<Vec<&'a str>> {
    Some(match expr {
        Expr::Ref(name) => vec![env.value(name).unwrap_or("")],
        Expr::Slot(i) => vec![env.slot(*i)],
        Expr::Current => vec![env.current()],
        // A path `bind` did not turn into a slot names no question: the empty node-set.
        Expr::Path(name) => super::eval::path_value(env, name).into_iter().collect(),
        // Items of a choice list: every one the predicates keep (an error reads as none).
        Expr::Lookup(lookup) => super::eval::looked_up(lookup, env).unwrap_or_default(),
        _ => return None,
    })
}

fn not_nodes(func: &str) -> EvalError {
    EvalError::Type(format!("{func}() counts the answers of questions: give it a question, such as ${{name}}"))
}

/// The moment a value stands for, as `format-date` and `decimal-date-time` take it: a number
/// counts days (with their fraction) since 1970-01-01T00:00Z, a date is its midnight in Japan,
/// text is read as ODK's date or dateTime. `Ok(None)` for no answer.
fn moment(v: &Value, func: &str) -> Result<Option<i64>, EvalError> {
    match v {
        Value::Num(n) if n.is_nan() => Ok(None),
        Value::Num(n) if n.is_finite() && n.abs() < 1e9 => Ok(Some((n * DAY_MS as f64).round() as i64)),
        Value::Date(d) => Ok(Some(d * DAY_MS - JAPAN_MS)),
        Value::Str(s) if crate::text::trim(s).is_empty() => Ok(None),
        Value::Str(s) => dates::parse_moment(s)
            .map(Some)
            .ok_or_else(|| EvalError::Type(format!("{func}(): '{s}' is not a date (write YYYY-MM-DD)"))),
        other => Err(EvalError::Type(format!("{func}(): {} is not a date", other.to_text()))),
    }
}

/// The day (in Japan) of a moment.
fn day_of(ms: i64) -> i64 {
    (ms + JAPAN_MS).div_euclid(DAY_MS)
}

/// `n` random bytes from the operating system's generator; should it fail, bytes from the
/// time are random enough for a form's `random()` (which decides nothing of consequence) and
/// `uuid()` (a label).
fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    if getrandom::fill(&mut bytes).is_err() {
        let mut x = dates::now_ms() as u64 ^ 0x9e37_79b9_7f4a_7c15;
        for b in &mut bytes {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
    bytes
}

fn random_u64() -> u64 {
    u64::from_le_bytes(random_bytes(8).try_into().expect("eight bytes"))
}

pub(super) fn call<'a>(func: Func, args: &'a [Expr], env: &'a dyn Env) -> Result<Value<'a>, EvalError> {
    let arg = |i: usize| eval(&args[i], env);
    let text = |i: usize| -> Result<String, EvalError> { Ok(arg(i)?.to_text()) };
    let number = |i: usize| -> Result<f64, EvalError> { Ok(arg(i)?.to_num()) };
    let owned = |s: String| Value::Str(Cow::Owned(s));
    Ok(match func {
        Func::Substring => {
            // XPath 1.0 §4.2: 1-based, positions rounded, characters whose position p has
            // round(start) <= p < round(start) + round(length).
            let s = text(0)?;
            let start = xpath_round(number(1)?);
            let end = if args.len() > 2 { start + xpath_round(number(2)?) } else { f64::INFINITY };
            owned(
                s.chars()
                    .enumerate()
                    .filter(|(i, _)| {
                        let p = (*i + 1) as f64;
                        p >= start && p < end
                    })
                    .map(|(_, c)| c)
                    .collect(),
            )
        }
        Func::SubstringBefore | Func::SubstringAfter => {
            let (s, part) = (text(0)?, text(1)?);
            owned(match s.find(&part) {
                Some(at) if func == Func::SubstringBefore => s[..at].to_string(),
                Some(at) => s[at + part.len()..].to_string(),
                None => String::new(),
            })
        }
        Func::Translate => {
            let (s, from, to) = (text(0)?, text(1)?, text(2)?);
            let (from, to): (Vec<char>, Vec<char>) = (from.chars().collect(), to.chars().collect());
            owned(
                s.chars()
                    .filter_map(|c| match from.iter().position(|&f| f == c) {
                        None => Some(c),
                        Some(k) => to.get(k).copied(),
                    })
                    .collect(),
            )
        }
        Func::NormalizeSpace => {
            let s = if args.is_empty() { env.current().to_string() } else { text(0)? };
            owned(s.split_whitespace().collect::<Vec<_>>().join(" "))
        }
        Func::BooleanFromString => {
            let s = text(0)?;
            Value::Bool(s.eq_ignore_ascii_case("true") || s == "1")
        }
        Func::Join => {
            let sep = text(0)?;
            let parts: Vec<String> = match (args.len(), args.get(1).and_then(|a| nodes(a, env))) {
                (2, Some(nodes)) => nodes.into_iter().map(str::to_string).collect(),
                _ => (1..args.len()).map(text).collect::<Result<_, _>>()?,
            };
            owned(parts.join(&sep))
        }
        Func::SelectedAt => {
            let list = text(0)?;
            let at = number(1)?.trunc();
            let picked = (at >= 0.0).then(|| super::words(&list).nth(at as usize)).flatten();
            owned(picked.unwrap_or("").to_string())
        }
        Func::Checklist => {
            let (min, max) = (number(0)?.trunc(), number(1)?.trunc());
            let mut count = 0.0;
            for i in 2..args.len() {
                count += f64::from(u8::from(arg(i)?.to_bool()));
            }
            Value::Bool((min < 0.0 || count >= min) && (max < 0.0 || count <= max))
        }
        Func::WeightedChecklist => {
            // An odd count is refused where the form is checked (parser); pairs from here.
            let (min, max) = (number(0)?, number(1)?);
            let mut sum = 0.0;
            for pair in (2..args.len() - 1).step_by(2) {
                if arg(pair)?.to_bool() {
                    sum += number(pair + 1)?;
                }
            }
            Value::Bool(sum >= min && sum <= max)
        }
        Func::Count => Value::Num(nodes(&args[0], env).ok_or_else(|| not_nodes("count"))?.len() as f64),
        Func::CountNonEmpty => Value::Num(
            nodes(&args[0], env).ok_or_else(|| not_nodes("count-non-empty"))?.iter().filter(|v| !v.is_empty()).count()
                as f64,
        ),
        Func::Sum => {
            // JavaRosa leaves out what is not a number (an unanswered question adds nothing).
            let values = nodes(&args[0], env).ok_or_else(|| not_nodes("sum"))?;
            Value::Num(values.iter().map(|v| text_to_number(v)).filter(|n| !n.is_nan()).sum())
        }
        Func::Max | Func::Min => {
            let values: Vec<f64> = match (args.len(), nodes(&args[0], env)) {
                (1, Some(nodes)) => nodes.iter().map(|v| text_to_number(v)).collect(),
                _ => (0..args.len()).map(number).collect::<Result<_, _>>()?,
            };
            // As JavaRosa: values that are not numbers are left out; none left is NaN.
            let values = values.into_iter().filter(|n| !n.is_nan());
            let pick = if func == Func::Max { values.reduce(f64::max) } else { values.reduce(f64::min) };
            Value::Num(pick.unwrap_or(f64::NAN))
        }
        Func::Pow => Value::Num(number(0)?.powf(number(1)?)),
        Func::Log => Value::Num(number(0)?.ln()),
        Func::Log10 => Value::Num(number(0)?.log10()),
        Func::Abs => Value::Num(number(0)?.abs()),
        Func::Sin => Value::Num(number(0)?.sin()),
        Func::Cos => Value::Num(number(0)?.cos()),
        Func::Tan => Value::Num(number(0)?.tan()),
        Func::Asin => Value::Num(number(0)?.asin()),
        Func::Acos => Value::Num(number(0)?.acos()),
        Func::Atan => Value::Num(number(0)?.atan()),
        Func::Atan2 => Value::Num(number(0)?.atan2(number(1)?)),
        Func::Sqrt => Value::Num(number(0)?.sqrt()),
        Func::Exp => Value::Num(number(0)?.exp()),
        Func::Exp10 => Value::Num(10f64.powf(number(0)?)),
        Func::Pi => Value::Num(std::f64::consts::PI),
        Func::Floor => Value::Num(number(0)?.floor()),
        Func::Ceiling => Value::Num(number(0)?.ceil()),
        Func::Date => match arg(0)? {
            // A number of days: its whole days, as JavaRosa's `date()` drops the time.
            Value::Num(n) if n.is_nan() => Value::Num(n),
            Value::Str(s) if crate::text::trim(&s).is_empty() => Value::Str(Cow::Borrowed("")),
            v => Value::Date(match v {
                Value::Num(n) if n.is_finite() && n.abs() < 1e9 => n.trunc() as i64,
                other => day_of(moment(&other, "date")?.expect("an answer")),
            }),
        },
        Func::DateTime => match moment(&arg(0)?, "date-time")? {
            Some(ms) => owned(dates::format_moment_iso(ms)),
            None => Value::Str(Cow::Borrowed("")),
        },
        Func::DecimalDateTime => match moment(&arg(0)?, "decimal-date-time")? {
            Some(ms) => Value::Num(ms as f64 / DAY_MS as f64),
            None => Value::Str(Cow::Borrowed("")),
        },
        Func::DecimalTime => {
            let v = arg(0)?;
            // A time of day alone (`12:00:00.000+09:00`), else a dateTime: its time in Japan.
            let clock = match &v {
                Value::Num(n) => return Ok(Value::Num(n - n.floor())),
                Value::Str(s) => dates::parse_clock(crate::text::trim(s))
                    .map(|(ms, offset)| ms - offset.unwrap_or(JAPAN_MS) + JAPAN_MS),
                _ => None,
            };
            let ms = match clock {
                Some(ms) => ms,
                None => match moment(&v, "decimal-time")? {
                    Some(ms) => ms + JAPAN_MS,
                    None => return Ok(Value::Str(Cow::Borrowed(""))),
                },
            };
            Value::Num(ms.rem_euclid(DAY_MS) as f64 / DAY_MS as f64)
        }
        Func::FormatDate => {
            let pattern = text(1)?;
            // As Enketo: what is no date formats as nothing (JavaRosa stops the form).
            match moment(&arg(0)?, "format-date") {
                Ok(Some(ms)) => owned(dates::format_moment(ms, &pattern).map_err(EvalError::Type)?),
                Ok(None) | Err(_) => Value::Str(Cow::Borrowed("")),
            }
        }
        Func::Now => owned(dates::format_moment_iso(env.now_ms())),
        Func::ChoiceName => {
            // The question as pyxform writes it in the text: `${name}`, or the path it becomes
            // (`/data/group/name`), whose part after the form's root is the question's key.
            let (value, target) = (text(0)?, text(1)?);
            let target = target.trim();
            let key = match target.strip_prefix("${").and_then(|t| t.strip_suffix('}')) {
                Some(name) => name.to_string(),
                None => target.trim_start_matches('/').split_once('/').map_or(target, |(_, rest)| rest).to_string(),
            };
            let label =
                env.choice_label(&key, value.trim()).or_else(|| env.choice_label(last_step(&key), value.trim()));
            owned(label.unwrap_or_default())
        }
        Func::Once => {
            // The calculation keeps the value it has; only an empty one is computed.
            let current = env.current();
            if current.is_empty() { arg(0)? } else { Value::Str(Cow::Borrowed(current)) }
        }
        Func::Uuid => match args.first() {
            None => {
                let (a, b) = (random_u64(), random_u64());
                let hex = format!("{a:016x}{b:016x}");
                // Version 4, variant 10xx.
                let variant = ['8', '9', 'a', 'b'][(b >> 62) as usize];
                owned(format!(
                    "{}-{}-4{}-{variant}{}-{}",
                    &hex[0..8],
                    &hex[8..12],
                    &hex[13..16],
                    &hex[17..20],
                    &hex[20..32]
                ))
            }
            Some(_) => {
                let len = number(0)?.trunc().clamp(0.0, 10_000.0) as usize;
                const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
                // One draw for the whole text (a byte each; the small bias of % 62 is harmless
                // for a label).
                owned(random_bytes(len).iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect())
            }
        },
        Func::Random => Value::Num((random_u64() >> 11) as f64 / (1u64 << 53) as f64),
        other => unreachable!("{other:?} is evaluated in eval.rs"),
    })
}

/// XPath 1.0's `round()` for `substring()`'s positions: halves go up (towards +∞).
fn xpath_round(x: f64) -> f64 {
    (x + 0.5).floor()
}
