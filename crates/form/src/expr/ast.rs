//! The parsed form of an expression: built once when the form is read, evaluated many times.

use regress::Regex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

/// The functions of the supported subset. Anything else parses as [`Expr::Unsupported`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Selected,
    CountSelected,
    StringLength,
    Regex,
    If,
    Coalesce,
    Concat,
    Number,
    Int,
    Round,
    Today,
    Not,
    True,
    False,
    String,
    Boolean,
    Contains,
    StartsWith,
    EndsWith,
    Substr,
    // XPath 1.0 and ODK text functions.
    Substring,
    SubstringBefore,
    SubstringAfter,
    Translate,
    NormalizeSpace,
    BooleanFromString,
    Join,
    SelectedAt,
    Checklist,
    WeightedChecklist,
    // Node-sets: outside repeats a question reference is a node-set of one node.
    Count,
    CountNonEmpty,
    Sum,
    Max,
    Min,
    // Numbers (XPath 3.0 as ODK has them).
    Pow,
    Log,
    Log10,
    Abs,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Atan2,
    Sqrt,
    Exp,
    Exp10,
    Pi,
    Floor,
    Ceiling,
    // Dates and times (Japan Standard Time, where the surveys run).
    Date,
    DateTime,
    DecimalDateTime,
    DecimalTime,
    FormatDate,
    Now,
    /// `jr:choice-name(value, '${question}')`: the label of a choice.
    ChoiceName,
    // Values made once or at random.
    Once,
    Uuid,
    Random,
}

impl Func {
    /// Name as written in forms, and the allowed argument counts.
    pub fn lookup(name: &str) -> Option<(Func, usize, usize)> {
        Some(match name {
            "selected" => (Func::Selected, 2, 2),
            "count-selected" => (Func::CountSelected, 1, 1),
            "string-length" => (Func::StringLength, 0, 1),
            "regex" => (Func::Regex, 2, 2),
            "if" => (Func::If, 3, 3),
            "coalesce" => (Func::Coalesce, 2, 2),
            "concat" => (Func::Concat, 0, usize::MAX),
            "number" => (Func::Number, 0, 1),
            "int" => (Func::Int, 1, 1),
            "round" => (Func::Round, 1, 2),
            "today" => (Func::Today, 0, 0),
            "not" => (Func::Not, 1, 1),
            "true" => (Func::True, 0, 0),
            "false" => (Func::False, 0, 0),
            "string" => (Func::String, 0, 1),
            "boolean" => (Func::Boolean, 1, 1),
            "contains" => (Func::Contains, 2, 2),
            "starts-with" => (Func::StartsWith, 2, 2),
            "ends-with" => (Func::EndsWith, 2, 2),
            "substr" => (Func::Substr, 2, 3),
            "substring" => (Func::Substring, 2, 3),
            "substring-before" => (Func::SubstringBefore, 2, 2),
            "substring-after" => (Func::SubstringAfter, 2, 2),
            "translate" => (Func::Translate, 3, 3),
            "normalize-space" => (Func::NormalizeSpace, 0, 1),
            "boolean-from-string" => (Func::BooleanFromString, 1, 1),
            "join" => (Func::Join, 1, usize::MAX),
            "selected-at" => (Func::SelectedAt, 2, 2),
            "checklist" => (Func::Checklist, 2, usize::MAX),
            "weighted-checklist" => (Func::WeightedChecklist, 2, usize::MAX),
            "count" => (Func::Count, 1, 1),
            "count-non-empty" => (Func::CountNonEmpty, 1, 1),
            "sum" => (Func::Sum, 1, 1),
            "max" => (Func::Max, 1, usize::MAX),
            "min" => (Func::Min, 1, usize::MAX),
            "pow" => (Func::Pow, 2, 2),
            "log" => (Func::Log, 1, 1),
            "log10" => (Func::Log10, 1, 1),
            "abs" => (Func::Abs, 1, 1),
            "sin" => (Func::Sin, 1, 1),
            "cos" => (Func::Cos, 1, 1),
            "tan" => (Func::Tan, 1, 1),
            "asin" => (Func::Asin, 1, 1),
            "acos" => (Func::Acos, 1, 1),
            "atan" => (Func::Atan, 1, 1),
            "atan2" => (Func::Atan2, 2, 2),
            "sqrt" => (Func::Sqrt, 1, 1),
            "exp" => (Func::Exp, 1, 1),
            "exp10" => (Func::Exp10, 1, 1),
            "pi" => (Func::Pi, 0, 0),
            "floor" => (Func::Floor, 1, 1),
            "ceiling" => (Func::Ceiling, 1, 1),
            "date" => (Func::Date, 1, 1),
            "date-time" => (Func::DateTime, 1, 1),
            "decimal-date-time" => (Func::DecimalDateTime, 1, 1),
            "decimal-time" => (Func::DecimalTime, 1, 1),
            "format-date" | "format-date-time" => (Func::FormatDate, 2, 2),
            "now" => (Func::Now, 0, 0),
            "once" => (Func::Once, 1, 1),
            "jr:choice-name" => (Func::ChoiceName, 2, 2),
            "uuid" => (Func::Uuid, 0, 1),
            "random" => (Func::Random, 0, 0),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub enum Expr {
    Num(f64),
    Str(String),
    /// A question's answer, from `${name}`.
    Ref(String),
    /// A path such as `../name` or `/data/group/name`: a question's answer, except in a
    /// `choice_filter`, where a bare name is a column of the choices sheet.
    Path(String),
    /// A question's answer by its index, once the expression is bound to a form's questions
    /// (`Expression::bind`): no name lookup on each evaluation.
    Slot(usize),
    /// `.`, the answer being checked (in constraints).
    Current,
    Neg(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
    /// `regex(value, 'literal')`, compiled once at parse time — an ECMAScript pattern, as Enketo
    /// reads it (`new RegExp(pattern).test(value)`).
    RegexLiteral(Box<Expr>, Box<Regex>),
    /// `instance('list')/root/item[…]…/column`: the items of a choice list that pass every
    /// predicate in turn (a number is a position among those left), read at `column`
    /// (`name`, `label` in the respondent's language, or another column of the choices sheet).
    /// A node-set: `count()`, `sum()` and the like take all of it, anything else its first.
    Lookup(Box<Lookup>),
    /// A function outside the subset, e.g. `pulldata()`: kept so the form still loads; it cannot
    /// be evaluated here.
    Unsupported(String),
}

#[derive(Debug, Clone)]
pub struct Lookup {
    pub list: String,
    /// Inside a predicate a bare name is a column of the item (as in a `choice_filter`), `${}`
    /// an answer.
    pub predicates: Vec<Expr>,
    /// The step after `item`; `None` reads the item itself (its `name`).
    pub column: Option<String>,
}

impl Expr {
    /// A copy with `${name}` (and, when `paths`, path names) replaced by slots where `slot`
    /// knows the name.
    pub fn bind(&self, slot: &dyn Fn(&str) -> Option<usize>, paths: bool) -> Expr {
        let bind = |e: &Expr| Box::new(e.bind(slot, paths));
        match self {
            Expr::Ref(name) => slot(name).map_or_else(|| self.clone(), Expr::Slot),
            Expr::Path(name) if paths => {
                slot(name).or_else(|| slot(last_step(name))).map_or_else(|| self.clone(), Expr::Slot)
            }
            Expr::Neg(e) => Expr::Neg(bind(e)),
            Expr::Bin(op, l, r) => Expr::Bin(*op, bind(l), bind(r)),
            Expr::Call(f, args) => Expr::Call(*f, args.iter().map(|a| a.bind(slot, paths)).collect()),
            Expr::RegexLiteral(e, re) => Expr::RegexLiteral(bind(e), re.clone()),
            // Bare names in predicates are the item's columns: only `${}` answers are bound.
            Expr::Lookup(l) => Expr::Lookup(Box::new(Lookup {
                list: l.list.clone(),
                predicates: l.predicates.iter().map(|p| p.bind(slot, false)).collect(),
                column: l.column.clone(),
            })),
            other => other.clone(),
        }
    }
}

/// The last step of a path kept as `group/name` (the question's own name).
pub fn last_step(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
