//! The ODK XPath subset used in `relevant`, `constraint`, `calculation`, `required` and
//! `choice_filter`: parsed once into a tree, evaluated against answers.

mod ast;
mod eval;
pub(crate) use eval::Item;
mod lexer;
mod odk;
mod parser;

pub use eval::{number_to_text, text_to_number};
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

/// A parsed expression and the source text it came from.
#[derive(Debug, Clone)]
pub struct Expression {
    source: String,
    root: ast::Expr,
    refs: Vec<(String, usize)>,
    paths: Vec<(String, usize)>,
    unsupported: Vec<(String, usize)>,
    unsupported_syntax: Vec<(String, usize)>,
    /// Choice lists read by `instance('list')` lookups, with 0-based positions.
    lists: Vec<(String, usize)>,
}

/// A syntax error at a 0-based character position of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    pub position: usize,
    pub message: String,
}

impl ExprError {
    pub(crate) fn new(position: usize, message: impl Into<String>) -> Self {
        ExprError { position, message: message.into() }
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.position + 1, self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// The expression calls a function outside the subset (reported as a warning when the form
    /// was checked).
    Unsupported(String),
    /// `regex()` with a pattern computed at run time that does not compile.
    BadRegex(String),
    /// A value a function cannot take, e.g. `date('x')` or `count()` of something that is not a
    /// question; ODK stops the form with an error there too.
    Type(String),
}

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// Text, borrowed from the answers or the expression where possible.
    Str(Cow<'a, str>),
    Num(f64),
    Bool(bool),
    /// Days since 1970-01-01, from `today()`.
    Date(i64),
}

/// What an expression can see: answers by question name, the answer being checked (`.`) and
/// today's date.
pub trait Env {
    /// The answer to `name`, `None` (treated as "") when unanswered or unknown.
    fn value(&self, name: &str) -> Option<&str>;
    /// A name reached by a location path: the same question, except for choice filters.
    fn path_value(&self, name: &str) -> Option<&str> {
        self.value(name)
    }
    /// The answer in slot `i` of a bound expression (see [`Expression::bind`]).
    fn slot(&self, _i: usize) -> &str {
        ""
    }
    fn current(&self) -> &str {
        ""
    }
    fn today(&self) -> i64 {
        crate::dates::today_in_japan()
    }
    /// The label, in the respondent's language, of choice `value` of the question `question`
    /// (`jr:choice-name()`); `None` when there is no such question or choice.
    fn choice_label(&self, _question: &str, _value: &str) -> Option<String> {
        None
    }
    /// The form and the respondent's language, for lookups in its choice lists
    /// (`instance('list')/root/item[…]`); `None` where no form is at hand.
    fn form_language(&self) -> Option<(&crate::model::Form, &str)> {
        None
    }
    /// Now, in milliseconds since 1970-01-01T00:00Z (`now()`).
    fn now_ms(&self) -> i64 {
        crate::dates::now_ms()
    }
}

impl Expression {
    /// `selected(${key}, 'other')` for the "specify other" question the reader makes after a
    /// select with `or_other`, built directly: the select's key may be a path (`g/a`), which
    /// no `${}` a form writes can hold.
    pub(crate) fn other_chosen(key: &str) -> Expression {
        Expression {
            source: format!("selected(${{{key}}}, 'other')"),
            root: ast::Expr::Call(
                ast::Func::Selected,
                vec![ast::Expr::Ref(key.to_string()), ast::Expr::Str("other".into())],
            ),
            refs: vec![(key.to_string(), 9)],
            paths: Vec::new(),
            unsupported: Vec::new(),
            unsupported_syntax: Vec::new(),
            lists: Vec::new(),
        }
    }

    pub fn parse(source: &str) -> Result<Expression, ExprError> {
        let parsed = parser::parse(source)?;
        Ok(Expression {
            source: source.to_string(),
            root: parsed.root,
            refs: parsed.refs,
            paths: parsed.paths,
            unsupported: parsed.unsupported,
            unsupported_syntax: parsed.unsupported_syntax,
            lists: parsed.lists,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Question names this expression reads, with 0-based character positions.
    pub fn references(&self) -> &[(String, usize)] {
        &self.refs
    }

    /// Names read through location paths (`name`, `../name`), with 0-based positions.
    pub fn path_references(&self) -> &[(String, usize)] {
        &self.paths
    }

    /// Functions outside the supported subset, with 0-based character positions.
    pub fn unsupported_functions(&self) -> &[(String, usize)] {
        &self.unsupported
    }

    /// XPath beyond the subset (predicates, a path naming no question, a path after a
    /// function's result, `|`), described, with its 0-based position: the form loads, and such
    /// a part cannot be evaluated.
    pub fn unsupported_syntax(&self) -> &[(String, usize)] {
        &self.unsupported_syntax
    }

    /// Choice lists this expression looks up (`instance('list')/root/item[…]`), with 0-based
    /// character positions.
    pub fn lists_read(&self) -> &[(String, usize)] {
        &self.lists
    }

    /// A copy for fast evaluation against answers held by index: each `${name}` that `slot`
    /// resolves (and each path name too, when `paths`) reads `Env::slot` instead of looking the
    /// name up. Choice filters keep their bare names, which are choice columns.
    pub fn bind(&self, slot: &dyn Fn(&str) -> Option<usize>, paths: bool) -> Expression {
        Expression { root: self.root.bind(slot, paths), ..self.clone() }
    }

    pub fn eval<'a>(&'a self, env: &'a dyn Env) -> Result<Value<'a>, EvalError> {
        eval::eval(&self.root, env)
    }

    /// The expression as a condition (XPath `boolean()`).
    pub fn eval_bool(&self, env: &dyn Env) -> Result<bool, EvalError> {
        if let Some(verdict) = eval::condition(&self.root, env) {
            return Ok(verdict);
        }
        self.eval(env).map(|v| v.to_bool())
    }
}

/// A condition on answers to select questions that their codes decide (see
/// `RowChecker::check_coded`): `${q} = 'name'`, `${q} != 'name'`, `selected(${q}, 'name')`,
/// joined by `and`/`or`. Judged from the codes, it needs no text comparison.
#[derive(Debug, Clone)]
pub enum CodeCondition {
    /// The select_one answer in `slot` has this code (0 = unanswered; `u64::MAX` = never).
    Is {
        slot: usize,
        code: u64,
    },
    IsNot {
        slot: usize,
        code: u64,
    },
    /// The select_multiple answer in `slot` has this bit (0 = never).
    Has {
        slot: usize,
        bit: u64,
    },
    Or(Box<CodeCondition>, Box<CodeCondition>),
    And(Box<CodeCondition>, Box<CodeCondition>),
}

/// What [`Expression::code_condition`] needs to know of a slot.
pub enum SlotChoices<'a> {
    /// A select_one question's choice names.
    One(&'a [&'a str]),
    /// A select_multiple question's choice names (at most 64).
    Multiple(&'a [&'a str]),
}

impl CodeCondition {
    /// The verdict from this row's `codes`, or `None` when an answer it reads is not coded
    /// (given but invalid: then only the text decides).
    pub fn judge<V: AsRef<str>>(&self, codes: &[u64], values: &[V]) -> Option<bool> {
        let code = |slot: usize| {
            let c = codes[slot];
            (c != 0 || values[slot].as_ref().is_empty()).then_some(c)
        };
        Some(match self {
            CodeCondition::Is { slot, code: want } => code(*slot)? == *want,
            CodeCondition::IsNot { slot, code: want } => code(*slot)? != *want,
            CodeCondition::Has { slot, bit } => code(*slot)? & bit != 0,
            CodeCondition::Or(a, b) => a.judge(codes, values)? || b.judge(codes, values)?,
            CodeCondition::And(a, b) => a.judge(codes, values)? && b.judge(codes, values)?,
        })
    }

    /// The slots it reads.
    pub fn slots(&self) -> Vec<usize> {
        match self {
            CodeCondition::Is { slot, .. } | CodeCondition::IsNot { slot, .. } | CodeCondition::Has { slot, .. } => {
                vec![*slot]
            }
            CodeCondition::Or(a, b) | CodeCondition::And(a, b) => [a.slots(), b.slots()].concat(),
        }
    }
}

/// A constraint on numbers that `eval::condition` would judge by comparing numbers only: `.`,
/// answers and number literals compared with `<`, `<=`, `>`, `>=`, or with `=`/`!=` against a
/// number literal, joined by `and`/`or` (e.g. `. >= 0 and . <= ${products_total}`). Judged on
/// the numbers directly, without an expression environment; the verdicts are that function's.
#[derive(Debug, Clone)]
pub enum NumberCondition {
    Compare(NumberComparison, NumberOperand, NumberOperand),
    Or(Box<NumberCondition>, Box<NumberCondition>),
    And(Box<NumberCondition>, Box<NumberCondition>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NumberComparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy)]
pub enum NumberOperand {
    /// The answer being checked (`.`).
    Current,
    /// An answer of the row, as a number the way `text_to_number` reads it.
    Slot(usize),
    Literal(f64),
}

impl NumberCondition {
    /// The verdict for the answer `current` (already a number) in a row of `values`.
    pub fn judge<V: AsRef<str>>(&self, current: f64, values: &[V]) -> bool {
        let number = |o: NumberOperand| match o {
            NumberOperand::Current => current,
            NumberOperand::Slot(i) => text_to_number(values.get(i).map_or("", AsRef::as_ref)),
            NumberOperand::Literal(n) => n,
        };
        match self {
            NumberCondition::Compare(op, a, b) => {
                let (a, b) = (number(*a), number(*b));
                match op {
                    NumberComparison::Eq => a == b,
                    NumberComparison::Ne => a != b,
                    NumberComparison::Lt => a < b,
                    NumberComparison::Le => a <= b,
                    NumberComparison::Gt => a > b,
                    NumberComparison::Ge => a >= b,
                }
            }
            NumberCondition::Or(a, b) => a.judge(current, values) || b.judge(current, values),
            NumberCondition::And(a, b) => a.judge(current, values) && b.judge(current, values),
        }
    }

    /// The slots it reads.
    pub fn slots(&self) -> Vec<usize> {
        match self {
            NumberCondition::Compare(_, a, b) => [a, b]
                .into_iter()
                .filter_map(|o| match o {
                    NumberOperand::Slot(i) => Some(*i),
                    _ => None,
                })
                .collect(),
            NumberCondition::Or(a, b) | NumberCondition::And(a, b) => [a.slots(), b.slots()].concat(),
        }
    }
}

fn number_condition(expr: &ast::Expr) -> Option<NumberCondition> {
    use ast::{BinOp, Expr};
    let operand = |e: &Expr| match e {
        Expr::Current => Some(NumberOperand::Current),
        Expr::Slot(i) => Some(NumberOperand::Slot(*i)),
        Expr::Num(n) => Some(NumberOperand::Literal(*n)),
        _ => None,
    };
    let both = |a: &Expr, b: &Expr| Some((number_condition(a)?, number_condition(b)?));
    Some(match expr {
        Expr::Bin(BinOp::Or, a, b) => {
            let (a, b) = both(a, b)?;
            NumberCondition::Or(Box::new(a), Box::new(b))
        }
        Expr::Bin(BinOp::And, a, b) => {
            let (a, b) = both(a, b)?;
            NumberCondition::And(Box::new(a), Box::new(b))
        }
        Expr::Bin(op, a, b) => {
            let (l, r) = (operand(a)?, operand(b)?);
            let op = match op {
                // Two answers are compared as text by `=`: only a number literal makes it numeric.
                BinOp::Eq | BinOp::Ne
                    if !matches!(l, NumberOperand::Literal(_)) && !matches!(r, NumberOperand::Literal(_)) =>
                {
                    return None;
                }
                BinOp::Eq => NumberComparison::Eq,
                BinOp::Ne => NumberComparison::Ne,
                BinOp::Lt => NumberComparison::Lt,
                BinOp::Le => NumberComparison::Le,
                BinOp::Gt => NumberComparison::Gt,
                BinOp::Ge => NumberComparison::Ge,
                _ => return None,
            };
            NumberCondition::Compare(op, l, r)
        }
        _ => return None,
    })
}

impl Expression {
    /// This bound expression as a [`NumberCondition`], if it is one.
    pub fn number_condition(&self) -> Option<NumberCondition> {
        number_condition(&self.root)
    }

    /// This bound expression as a [`CodeCondition`], if it is one: `choices(slot)` gives the
    /// choices of the select questions whose codes may decide (others: `None`).
    pub fn code_condition<'a>(&self, choices: &dyn Fn(usize) -> Option<SlotChoices<'a>>) -> Option<CodeCondition> {
        code_condition(&self.root, choices)
    }
}

fn code_condition<'a>(expr: &ast::Expr, choices: &dyn Fn(usize) -> Option<SlotChoices<'a>>) -> Option<CodeCondition> {
    use ast::{BinOp, Expr, Func};
    // A choice name decides by its code only if it has no white space (words are split at it).
    let position =
        |names: &[&str], name: &str| names.iter().position(|n| *n == name && !n.contains(char::is_whitespace));
    match expr {
        Expr::Bin(BinOp::Or, a, b) => {
            Some(CodeCondition::Or(Box::new(code_condition(a, choices)?), Box::new(code_condition(b, choices)?)))
        }
        Expr::Bin(BinOp::And, a, b) => {
            Some(CodeCondition::And(Box::new(code_condition(a, choices)?), Box::new(code_condition(b, choices)?)))
        }
        Expr::Bin(op @ (BinOp::Eq | BinOp::Ne), a, b) => {
            let (slot, text) = match (&**a, &**b) {
                (Expr::Slot(slot), Expr::Str(text)) | (Expr::Str(text), Expr::Slot(slot)) => (*slot, text),
                _ => return None,
            };
            let Some(SlotChoices::One(names)) = choices(slot) else { return None };
            // Text equality: "" is the unanswered code, a name its own, anything else never.
            let code = if text.is_empty() { 0 } else { position(names, text).map_or(u64::MAX, |k| k as u64 + 1) };
            Some(if *op == BinOp::Eq { CodeCondition::Is { slot, code } } else { CodeCondition::IsNot { slot, code } })
        }
        Expr::Call(Func::Selected, args) if args.len() == 2 => {
            let (Expr::Slot(slot), Expr::Str(text)) = (&args[0], &args[1]) else { return None };
            let Some(SlotChoices::Multiple(names)) = choices(*slot) else { return None };
            let bit = position(names, text.trim()).map_or(0, |k| 1u64 << k);
            Some(CodeCondition::Has { slot: *slot, bit })
        }
        _ => None,
    }
}

/// The white-space separated words of `s`, as `str::split_whitespace` finds them; ASCII text
/// without a vertical tab (which `char::is_whitespace` counts and `u8::is_ascii_whitespace`
/// does not), the usual selection, is split without decoding characters.
pub fn words(s: &str) -> Words<'_> {
    if s.is_ascii() && !s.as_bytes().contains(&0x0b) {
        Words::Ascii(s.split_ascii_whitespace())
    } else {
        Words::Unicode(s.split_whitespace())
    }
}

pub enum Words<'a> {
    Ascii(std::str::SplitAsciiWhitespace<'a>),
    Unicode(std::str::SplitWhitespace<'a>),
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        match self {
            Words::Ascii(w) => w.next(),
            Words::Unicode(w) => w.next(),
        }
    }
}

impl Serialize for Expression {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl PartialEq for Expression {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// Answers in a map, for tests and simple callers.
impl Env for std::collections::BTreeMap<String, String> {
    fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}
