//! Recursive descent over the XPath 1.0 precedence levels, for the subset ODK forms use.

use super::ExprError;
use super::ast::{BinOp, Expr, Func};
use super::lexer::{Tok, Token, tokenize};

pub struct Parsed {
    pub root: Expr,
    /// Question names referenced, with their position in the source.
    pub refs: Vec<(String, usize)>,
    /// Names from location paths (`name`, `../name`), with their position.
    pub paths: Vec<(String, usize)>,
    /// Functions outside the subset, with their position.
    pub unsupported: Vec<(String, usize)>,
    /// XPath beyond the subset (predicates, `..` alone, paths after a function, `|`), described
    /// for a warning, with their position.
    pub unsupported_syntax: Vec<(String, usize)>,
    /// Choice lists read by `instance('list')/root/item` lookups, with their position.
    pub lists: Vec<(String, usize)>,
}

pub fn parse(source: &str) -> Result<Parsed, ExprError> {
    let tokens = tokenize(source)?;
    let end = source.chars().count();
    let mut parser = Parser {
        tokens,
        at: 0,
        end,
        refs: Vec::new(),
        paths: Vec::new(),
        unsupported: Vec::new(),
        unsupported_syntax: Vec::new(),
        lists: Vec::new(),
        depth: 0,
    };
    if parser.tokens.is_empty() {
        return Err(ExprError::new(0, "the expression is empty"));
    }
    let root = parser.expr()?;
    if let Some(token) = parser.peek_token() {
        return Err(ExprError::new(
            token.pos,
            format!("unexpected {}: expected an operator such as 'and', 'or', '=' or the end", describe(&token.tok)),
        ));
    }
    Ok(Parsed {
        root,
        refs: parser.refs,
        paths: parser.paths,
        unsupported: parser.unsupported,
        unsupported_syntax: parser.unsupported_syntax,
        lists: parser.lists,
    })
}

/// Deeply nested input such as ten thousand '(' must fail cleanly rather than overflow the stack.
const MAX_DEPTH: usize = 200;

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    end: usize,
    refs: Vec<(String, usize)>,
    paths: Vec<(String, usize)>,
    unsupported: Vec<(String, usize)>,
    unsupported_syntax: Vec<(String, usize)>,
    lists: Vec<(String, usize)>,
    depth: usize,
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Num(n) => format!("number {n}"),
        Tok::Str(s) => format!("text '{s}'"),
        Tok::Ref(r) => format!("${{{r}}}"),
        Tok::Name(n) => format!("'{n}'"),
        Tok::Dot => "'.'".into(),
        Tok::DotDot => "'..'".into(),
        Tok::Slash => "'/'".into(),
        Tok::DoubleSlash => "'//'".into(),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::LBracket => "'['".into(),
        Tok::RBracket => "']'".into(),
        Tok::Comma => "','".into(),
        Tok::Eq => "'='".into(),
        Tok::Ne => "'!='".into(),
        Tok::Lt => "'<'".into(),
        Tok::Le => "'<='".into(),
        Tok::Gt => "'>'".into(),
        Tok::Ge => "'>='".into(),
        Tok::Plus => "'+'".into(),
        Tok::Minus => "'-'".into(),
        Tok::Star => "'*'".into(),
        Tok::Pipe => "'|'".into(),
        Tok::At => "'@'".into(),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|t| &t.tok)
    }

    fn peek_token(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn pos(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |t| t.pos)
    }

    fn advance(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == Some(tok) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_name(&mut self, name: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Name(n)) if n == name) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Result<Expr, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError::new(self.pos(), "the expression is nested too deeply"));
        }
        let result = self.or();
        self.depth -= 1;
        result
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.and()?;
        while self.eat_name("or") {
            left = Expr::Bin(BinOp::Or, Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.equality()?;
        while self.eat_name("and") {
            left = Expr::Bin(BinOp::And, Box::new(left), Box::new(self.equality()?));
        }
        Ok(left)
    }

    fn equality(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.relational()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Eq) => BinOp::Eq,
                Some(Tok::Ne) => BinOp::Ne,
                _ => return Ok(left),
            };
            self.at += 1;
            left = Expr::Bin(op, Box::new(left), Box::new(self.relational()?));
        }
    }

    fn relational(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.additive()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Lt) => BinOp::Lt,
                Some(Tok::Le) => BinOp::Le,
                Some(Tok::Gt) => BinOp::Gt,
                Some(Tok::Ge) => BinOp::Ge,
                _ => return Ok(left),
            };
            self.at += 1;
            left = Expr::Bin(op, Box::new(left), Box::new(self.additive()?));
        }
    }

    fn additive(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Plus) => BinOp::Add,
                Some(Tok::Minus) => BinOp::Sub,
                _ => return Ok(left),
            };
            self.at += 1;
            left = Expr::Bin(op, Box::new(left), Box::new(self.multiplicative()?));
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Star) => BinOp::Mul,
                Some(Tok::Name(n)) if n == "div" => BinOp::Div,
                Some(Tok::Name(n)) if n == "mod" => BinOp::Mod,
                _ => return Ok(left),
            };
            self.at += 1;
            left = Expr::Bin(op, Box::new(left), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.eat(&Tok::Minus) {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(ExprError::new(self.pos(), "the expression is nested too deeply"));
            }
            let inner = self.unary();
            self.depth -= 1;
            return Ok(Expr::Neg(Box::new(inner?)));
        }
        let mut operand = self.primary()?;
        while self.peek() == Some(&Tok::Pipe) {
            self.unsupported_syntax.push(("a node-set union '|'".into(), self.pos()));
            self.at += 1;
            self.primary()?;
            operand = Expr::Unsupported("|".into());
        }
        Ok(operand)
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let pos = self.pos();
        let Some(token) = self.advance() else {
            return Err(ExprError::new(pos, "the expression ends too early: a value is missing"));
        };
        match token.tok {
            Tok::Num(n) => Ok(Expr::Num(n)),
            Tok::Str(s) => Ok(Expr::Str(s)),
            Tok::Ref(name) => {
                self.refs.push((name.clone(), pos));
                self.then_path(Expr::Ref(name))
            }
            Tok::LParen => {
                let inner = self.expr()?;
                if !self.eat(&Tok::RParen) {
                    return Err(ExprError::new(self.pos(), "expected ')' to close the '(' opened here before"));
                }
                Ok(inner)
            }
            Tok::Name(name) if name == "instance" && self.lookup_ahead() => self.lookup(),
            Tok::Name(name) if name == "current" && self.peek() == Some(&Tok::LParen) => self.current(pos),
            Tok::Name(name) if self.peek() == Some(&Tok::LParen) => {
                let call = self.call(name, pos)?;
                self.then_path(call)
            }
            Tok::Name(_) | Tok::Dot | Tok::DotDot | Tok::Slash | Tok::DoubleSlash | Tok::Star | Tok::At => {
                self.at -= 1;
                self.path()
            }
            other => Err(ExprError::new(pos, format!("unexpected {}: a value is expected here", describe(&other)))),
        }
    }

    fn call(&mut self, name: String, pos: usize) -> Result<Expr, ExprError> {
        self.at += 1; // '('
        let mut args = Vec::new();
        if !self.eat(&Tok::RParen) {
            loop {
                args.push(self.expr()?);
                if self.eat(&Tok::RParen) {
                    break;
                }
                if !self.eat(&Tok::Comma) {
                    return Err(ExprError::new(
                        self.pos(),
                        format!("expected ',' or ')' in the arguments of {name}()"),
                    ));
                }
            }
        }
        let Some((func, min, max)) = Func::lookup(&name) else {
            self.unsupported.push((name.clone(), pos));
            return Ok(Expr::Unsupported(name));
        };
        if args.len() < min || args.len() > max {
            let wanted = if min == max {
                format!("{min}")
            } else if max == usize::MAX {
                format!("at least {min}")
            } else {
                format!("{min} to {max}")
            };
            return Err(ExprError::new(pos, format!("{name}() takes {wanted} argument(s), not {}", args.len())));
        }
        if func == Func::WeightedChecklist && !args.len().is_multiple_of(2) {
            return Err(ExprError::new(
                pos,
                format!(
                    "{name}() takes a minimum, a maximum, then pairs of a value and its weight: {} argument(s) leave one without its weight",
                    args.len()
                ),
            ));
        }
        if func == Func::Regex
            && let Expr::Str(pattern) = &args[1]
        {
            let regex = regress::Regex::new(pattern)
                .map_err(|e| ExprError::new(pos, format!("regex() pattern is not a valid ECMAScript regular expression (as Enketo and web browsers read it): {e}")))?;
            let value = args.swap_remove(0);
            return Ok(Expr::RegexLiteral(Box::new(value), Box::new(regex)));
        }
        Ok(Expr::Call(func, args))
    }

    /// Whether `('list')/root/item` follows: a lookup in a choice list (ODK's secondary
    /// instances are the form's choice lists).
    fn lookup_ahead(&self) -> bool {
        let name =
            |i: usize, n: &str| matches!(self.tokens.get(self.at + i).map(|t| &t.tok), Some(Tok::Name(x)) if x == n);
        let tok = |i: usize| self.tokens.get(self.at + i).map(|t| &t.tok);
        tok(0) == Some(&Tok::LParen)
            && matches!(tok(1), Some(Tok::Str(_)))
            && tok(2) == Some(&Tok::RParen)
            && tok(3) == Some(&Tok::Slash)
            && name(4, "root")
            && tok(5) == Some(&Tok::Slash)
            && name(6, "item")
    }

    /// `instance('list')/root/item`, its predicates and an optional column step (the tokens
    /// up to `item` are known to be there, see [`lookup_ahead`](Self::lookup_ahead)). Steps
    /// beyond one column load with a warning, as other XPath beyond the subset.
    fn lookup(&mut self) -> Result<Expr, ExprError> {
        let start = self.tokens[self.at - 1].pos;
        self.at += 1; // '('
        let Some(Tok::Str(list)) = self.advance().map(|t| t.tok) else { unreachable!("checked by lookup_ahead") };
        self.lists.push((list.clone(), start));
        self.at += 5; // ')' '/' 'root' '/' 'item'
        let mut predicates = Vec::new();
        while self.eat(&Tok::LBracket) {
            // Names inside are the item's columns, not questions: only `${}` is checked.
            let paths = self.paths.len();
            predicates.push(self.expr()?);
            self.paths.truncate(paths);
            if !self.eat(&Tok::RBracket) {
                return Err(ExprError::new(self.pos(), "expected ']' to close the '[' opened here before"));
            }
        }
        let mut column = None;
        if self.peek() == Some(&Tok::Slash)
            && let Some(Tok::Name(n)) = self.tokens.get(self.at + 1).map(|t| t.tok.clone())
        {
            self.at += 2;
            column = Some(n);
        }
        if matches!(self.peek(), Some(Tok::Slash | Tok::DoubleSlash | Tok::LBracket)) {
            self.unsupported_syntax.push(("a step after an item's column".into(), self.pos()));
            return self.then_path(Expr::Unsupported("path".into()));
        }
        Ok(Expr::Lookup(Box::new(super::ast::Lookup { list, predicates, column })))
    }

    /// `current()`: the question the expression belongs to. Alone, its answer (as `.`);
    /// followed by a relative path (`current()/../name`, common in lookups' predicates), the
    /// question that path names, read like any other relative path (by its last name).
    fn current(&mut self, pos: usize) -> Result<Expr, ExprError> {
        self.at += 1; // '('
        if !self.eat(&Tok::RParen) {
            return Err(ExprError::new(pos, "current() takes no arguments"));
        }
        if !self.eat(&Tok::Slash) {
            return self.then_path(Expr::Current);
        }
        let start = self.pos();
        let (text, last_name, beyond) = self.steps()?;
        match last_name {
            // An answer even inside a lookup's predicate, where bare names are the item's
            // columns: `current()` leaves the predicate's context.
            Some(name) if !beyond => {
                self.paths.push((name.clone(), start));
                Ok(Expr::Ref(name))
            }
            _ => {
                if !beyond {
                    self.unsupported_syntax.push((format!("the path 'current()/{text}' (no question named)"), start));
                }
                Ok(Expr::Unsupported("path".into()))
            }
        }
    }

    /// What may follow a value in XPath — predicates (`${rep}[. > 1]`) and a path
    /// (`instance('list')/root/item`, `current()/../x`) — parsed so the form loads, and warned
    /// about: Mamori evaluates neither.
    fn then_path(&mut self, value: Expr) -> Result<Expr, ExprError> {
        let mut beyond = self.predicates()?;
        if matches!(self.peek(), Some(Tok::Slash | Tok::DoubleSlash)) {
            self.unsupported_syntax.push(("a path after a function's result".into(), self.pos()));
            self.at += 1;
            self.steps()?;
            beyond = true;
        }
        Ok(if beyond { Expr::Unsupported("path".into()) } else { value })
    }

    /// Predicates `[ … ]` at this point, each parsed and warned about; whether there were any.
    fn predicates(&mut self) -> Result<bool, ExprError> {
        let mut any = false;
        while self.peek() == Some(&Tok::LBracket) {
            self.unsupported_syntax.push(("a predicate '[ ]'".into(), self.pos()));
            self.at += 1;
            // Names inside are steps from the node being filtered (a choice's `name`), not
            // questions: only its `${}` references are checked.
            let paths = self.paths.len();
            self.expr()?;
            self.paths.truncate(paths);
            if !self.eat(&Tok::RBracket) {
                return Err(ExprError::new(self.pos(), "expected ']' to close the '[' opened here before"));
            }
            any = true;
        }
        Ok(any)
    }

    /// Location steps separated by `/` or `//`: the text they spell, the last name step, and
    /// whether any step or predicate lies beyond the subset (warned about where it is).
    fn steps(&mut self) -> Result<(String, Option<String>, bool), ExprError> {
        let mut text = String::new();
        let mut last_name: Option<String>;
        let mut beyond = false;
        loop {
            let pos = self.pos();
            match self.advance().map(|t| t.tok) {
                Some(Tok::Dot) => {
                    text.push('.');
                    last_name = None;
                }
                Some(Tok::DotDot) => {
                    text.push_str("..");
                    last_name = None;
                }
                Some(Tok::Name(n)) => {
                    text.push_str(&n);
                    last_name = Some(n);
                }
                Some(Tok::Star) => {
                    self.unsupported_syntax.push(("a '*' step".into(), pos));
                    text.push('*');
                    last_name = None;
                    beyond = true;
                }
                Some(Tok::At) => {
                    self.unsupported_syntax.push(("an attribute step '@'".into(), pos));
                    if let Some(Tok::Name(n)) = self.peek().cloned() {
                        self.at += 1;
                        text.push('@');
                        text.push_str(&n);
                    }
                    last_name = None;
                    beyond = true;
                }
                _ => {
                    return Err(ExprError::new(pos, "a path step (a name, '.' or '..') is expected here"));
                }
            }
            beyond |= self.predicates()?;
            match self.peek() {
                Some(Tok::Slash) => text.push('/'),
                Some(Tok::DoubleSlash) => text.push_str("//"),
                _ => break,
            }
            self.at += 1;
        }
        Ok((text, last_name, beyond))
    }

    /// A location path such as `.`, `../name` or `/data/group/name`. ODK forms written before
    /// `${}` existed use these; the question is the last name step. Paths that name no question
    /// (`..`), or use predicates and other steps beyond the subset, load with a warning.
    fn path(&mut self) -> Result<Expr, ExprError> {
        let start = self.pos();
        let mut text = String::new();
        if self.eat(&Tok::Slash) {
            text.push('/');
        } else if self.eat(&Tok::DoubleSlash) {
            text.push_str("//");
        }
        let (steps, last_name, beyond) = self.steps()?;
        text.push_str(&steps);
        if text == "." {
            return Ok(Expr::Current);
        }
        if beyond {
            return Ok(Expr::Unsupported("path".into()));
        }
        match last_name {
            Some(name) => {
                self.paths.push((name.clone(), start));
                // An absolute path also says which groups: kept without its root (`g/a`, the key
                // of a question whose name is used twice), the last name tried when no
                // question has that key (see `Expr::bind`).
                let key = match text.strip_prefix('/') {
                    Some(rest) if !rest.starts_with('/') => {
                        rest.split_once('/').map_or(name.clone(), |(_, k)| k.to_string())
                    }
                    _ => name,
                };
                Ok(Expr::Path(key))
            }
            None => {
                self.unsupported_syntax.push((format!("the path '{text}' (no question named)"), start));
                Ok(Expr::Unsupported("path".into()))
            }
        }
    }
}
