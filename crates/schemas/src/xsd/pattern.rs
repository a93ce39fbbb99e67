//! XML Schema regular expressions (`xs:pattern`) translated to the `regex` crate's dialect.
//! XSD patterns are implicitly anchored, treat `^` and `$` as ordinary characters, and add
//! the name classes `\i` and `\c`. Character-class subtraction (`[a-z-[aeiou]]`) and Unicode
//! block names (`\p{IsBasicLatin}`) have no equivalent here: such a pattern is not compiled and
//! the caller counts it as unchecked rather than guessing.

use regex::Regex;

const NAME_START: &str = r"_:A-Za-z\p{L}";
const NAME_CHAR: &str = r"\-._:A-Za-z0-9\p{L}\p{N}";

pub fn compile(xsd: &str) -> Option<Regex> {
    let mut out = String::from("^(?:");
    let mut in_class = false;
    let mut chars = xsd.chars().peekable();
    let mut class_start = false;
    while let Some(c) = chars.next() {
        let at_class_start = std::mem::take(&mut class_start);
        match c {
            '\\' => {
                let e = chars.next()?;
                match (e, in_class) {
                    ('i', false) => out.push_str(&format!("[{NAME_START}]")),
                    ('I', false) => out.push_str(&format!("[^{NAME_START}]")),
                    ('c', false) => out.push_str(&format!("[{NAME_CHAR}]")),
                    ('C', false) => out.push_str(&format!("[^{NAME_CHAR}]")),
                    ('i', true) => out.push_str(NAME_START),
                    ('c', true) => out.push_str(NAME_CHAR),
                    ('I' | 'C', true) => return None,
                    _ => {
                        out.push('\\');
                        out.push(e);
                    }
                }
            }
            '[' if in_class => return None,
            '[' => {
                in_class = true;
                class_start = true;
                out.push('[');
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '-' if in_class && chars.peek() == Some(&'[') => return None,
            '^' if in_class && at_class_start => out.push('^'),
            // Literal in XSD; special in the regex crate (sets: `&&`, `--`, `~~`; anchors).
            '^' | '$' | '&' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '-' if in_class && chars.peek() == Some(&'-') => {
                out.push_str("\\-");
            }
            _ => out.push(c),
        }
    }
    if in_class {
        return None;
    }
    out.push_str(")$");
    Regex::new(&out).ok()
}

#[cfg(test)]
mod tests {
    use super::compile;

    #[test]
    fn xsd_patterns_are_anchored_and_literal_where_xsd_says() {
        let serial = compile("urn:uuid:[0-9a-f]{8}").unwrap();
        assert!(serial.is_match("urn:uuid:0123abcd"));
        assert!(!serial.is_match("xurn:uuid:0123abcd"), "implicitly anchored");
        assert!(!serial.is_match("urn:uuid:0123abcdX"));
        let dollar = compile("a$b").unwrap();
        assert!(dollar.is_match("a$b"));
        let class = compile(r"[\\&$%]+").unwrap();
        assert!(class.is_match(r"&$\%"));
        let names = compile(r"\i\c*").unwrap();
        assert!(names.is_match("bom-ref_1") && !names.is_match("1abc"));
        let tz = compile("[+-][0-9][0-9]:[0-9][0-9]").unwrap();
        assert!(tz.is_match("+09:00") && !tz.is_match("09:00"));
    }

    #[test]
    fn what_cannot_be_translated_is_refused_not_guessed() {
        assert!(compile("[a-z-[aeiou]]").is_none());
        assert!(compile(r"\p{IsBasicLatin}+").is_none());
        assert!(compile("[abc").is_none());
    }
}
