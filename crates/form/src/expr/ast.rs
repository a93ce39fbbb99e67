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
    /// A function outside the subset, e.g. `pulldata()`: kept so the form still loads; it cannot
    /// be evaluated here.
    Unsupported(String),
}

impl Expr {
    /// A copy with `${name}` (and, when `paths`, path names) replaced by slots where `slot`
    /// knows the name.
    pub fn bind(&self, slot: &dyn Fn(&str) -> Option<usize>, paths: bool) -> Expr {
        let bind = |e: &Expr| Box::new(e.bind(slot, paths));
        match self {
            Expr::Ref(name) => slot(name).map_or_else(|| self.clone(), Expr::Slot),
            Expr::Path(name) if paths => slot(name).map_or_else(|| self.clone(), Expr::Slot),
            Expr::Neg(e) => Expr::Neg(bind(e)),
            Expr::Bin(op, l, r) => Expr::Bin(*op, bind(l), bind(r)),
            Expr::Call(f, args) => Expr::Call(*f, args.iter().map(|a| a.bind(slot, paths)).collect()),
            Expr::RegexLiteral(e, re) => Expr::RegexLiteral(bind(e), re.clone()),
            other => other.clone(),
        }
    }
}
