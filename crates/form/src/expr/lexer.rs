//! Tokens of the ODK XPath subset. Positions are 0-based character offsets into the source,
//! so errors can point at the character a survey office sees in its Excel cell.

use super::ExprError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Num(f64),
    Str(String),
    /// `${name}`
    Ref(String),
    /// An XPath name: a function name, a path step, or one of `and or div mod`.
    Name(String),
    Dot,
    DotDot,
    Slash,
    DoubleSlash,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Pipe,
    At,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub pos: usize,
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}

pub fn tokenize(source: &str) -> Result<Vec<Token>, ExprError> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let next = chars.get(i + 1).copied();
        let tok = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '$' => {
                if next != Some('{') {
                    return Err(ExprError::new(start, "'$' must start a reference like ${question_name}"));
                }
                let close = chars[i + 2..]
                    .iter()
                    .position(|&c| c == '}')
                    .ok_or_else(|| ExprError::new(start, "reference is not closed: add '}' after the question name"))?;
                let name: String = chars[i + 2..i + 2 + close].iter().collect();
                let name = name.trim().to_string();
                if name.is_empty() || !name.starts_with(is_name_start) || !name.chars().all(is_name_char) {
                    return Err(ExprError::new(
                        start,
                        format!(
                            "'${{{name}}}' is not a question name (letters, digits, '_', '-', '.'; starting with a letter or '_')"
                        ),
                    ));
                }
                i += close + 3;
                tokens.push(Token { tok: Tok::Ref(name), pos: start });
                continue;
            }
            '\'' | '"' => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|&q| q == c)
                    .ok_or_else(|| ExprError::new(start, format!("text is not closed: add the closing {c}")))?;
                let text: String = chars[i + 1..i + 1 + close].iter().collect();
                i += close + 2;
                tokens.push(Token { tok: Tok::Str(text), pos: start });
                continue;
            }
            c if c.is_ascii_digit() || (c == '.' && next.is_some_and(|n| n.is_ascii_digit())) => {
                let mut j = i;
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
                if j < chars.len() && chars[j] == '.' {
                    j += 1;
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        j += 1;
                    }
                }
                let text: String = chars[i..j].iter().collect();
                let value = text.parse().map_err(|_| ExprError::new(start, format!("'{text}' is not a number")))?;
                i = j;
                tokens.push(Token { tok: Tok::Num(value), pos: start });
                continue;
            }
            c if is_name_start(c) => {
                let mut j = i + 1;
                while j < chars.len() {
                    let cj = chars[j];
                    // A prefix such as jr: in jr:choice-name belongs to the name.
                    let prefix = cj == ':' && chars.get(j + 1).is_some_and(|&n| is_name_start(n));
                    if is_name_char(cj) || prefix {
                        j += 1;
                    } else {
                        break;
                    }
                }
                let name: String = chars[i..j].iter().collect();
                i = j;
                tokens.push(Token { tok: Tok::Name(name), pos: start });
                continue;
            }
            '.' if next == Some('.') => {
                i += 1;
                Tok::DotDot
            }
            '.' => Tok::Dot,
            '/' if next == Some('/') => {
                i += 1;
                Tok::DoubleSlash
            }
            '/' => Tok::Slash,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            ',' => Tok::Comma,
            '=' => Tok::Eq,
            '!' if next == Some('=') => {
                i += 1;
                Tok::Ne
            }
            '<' if next == Some('=') => {
                i += 1;
                Tok::Le
            }
            '<' => Tok::Lt,
            '>' if next == Some('=') => {
                i += 1;
                Tok::Ge
            }
            '>' => Tok::Gt,
            '+' => Tok::Plus,
            '-' => Tok::Minus,
            '*' => Tok::Star,
            '|' => Tok::Pipe,
            '@' => Tok::At,
            '!' => {
                return Err(ExprError::new(start, "'!' is not an operator: use != or not(…)"));
            }
            other => {
                return Err(ExprError::new(start, format!("unexpected character '{other}'")));
            }
        };
        i += 1;
        tokens.push(Token { tok, pos: start });
    }
    Ok(tokens)
}
