//! Values of simple types: the XSD built-ins the bundled schemas use, restrictions with their
//! facets, lists and unions.

use super::model::{Components, Facets, SimpleRef, SimpleType, XS};
use regex::Regex;
use std::sync::LazyLock;

static DATE_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-4]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$",
    )
    .expect("valid")
});
static DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(Z|[+-]\d\d:\d\d)?$").expect("valid"));
static DECIMAL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[+-]?(\d+(\.\d*)?|\.\d+)$").expect("valid"));

/// Why a value is not of its type, or `Ok`.
pub fn check(set: &Components, ty: &SimpleRef, value: &str) -> Result<(), String> {
    check_depth(set, ty, value, 0)
}

fn check_depth(set: &Components, ty: &SimpleRef, value: &str, depth: usize) -> Result<(), String> {
    if depth > 32 {
        return Ok(()); // a derivation loop in the schema: not the document's fault
    }
    match ty {
        SimpleRef::Named(name) if name.0 == XS => builtin(&name.1, value),
        SimpleRef::Named(name) => match set.simple.get(name) {
            Some(t) => check_type(set, t, value, depth),
            // A complex type with simple content used as a base, or an unknown name: not checked.
            None => Ok(()),
        },
        SimpleRef::Anonymous(t) => check_type(set, t, value, depth),
    }
}

fn check_type(set: &Components, t: &SimpleType, value: &str, depth: usize) -> Result<(), String> {
    match t {
        SimpleType::Restriction { base, facets } => {
            check_depth(set, base, value, depth + 1)?;
            let collapsed = if is_string_like(set, base, 0) { value.to_string() } else { collapse(value) };
            check_facets(facets, &collapsed)
        }
        SimpleType::List(item) => {
            for part in value.split_whitespace() {
                check_depth(set, item, part, depth + 1)?;
            }
            Ok(())
        }
        SimpleType::Union(members) => {
            if members.is_empty() || members.iter().any(|m| check_depth(set, m, value, depth + 1).is_ok()) {
                Ok(())
            } else {
                Err(format!("{value:?} is none of the types the schema allows here"))
            }
        }
    }
}

/// Whether a type keeps its whitespace (derives from `xs:string` or `xs:normalizedString`).
fn is_string_like(set: &Components, ty: &SimpleRef, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match ty {
        SimpleRef::Named(name) if name.0 == XS => {
            matches!(name.1.as_str(), "string" | "normalizedString" | "anySimpleType")
        }
        SimpleRef::Named(name) => match set.simple.get(name).map(|t| t.as_ref()) {
            Some(SimpleType::Restriction { base, .. }) => is_string_like(set, base, depth + 1),
            _ => false,
        },
        SimpleRef::Anonymous(t) => match t.as_ref() {
            SimpleType::Restriction { base, .. } => is_string_like(set, base, depth + 1),
            _ => false,
        },
    }
}

fn collapse(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check_facets(f: &Facets, value: &str) -> Result<(), String> {
    if !f.enumeration.is_empty() && !f.enumeration.iter().any(|e| e == value) {
        let shown: Vec<&str> = f.enumeration.iter().take(12).map(String::as_str).collect();
        let more = if f.enumeration.len() > shown.len() { ", …" } else { "" };
        return Err(format!("{value:?} is not one of {}{more}", shown.join(", ")));
    }
    // XSD: several patterns in one step are alternatives.
    if !f.patterns.is_empty() && f.unchecked_patterns == 0 && !f.patterns.iter().any(|p| p.is_match(value)) {
        return Err(format!("{value:?} does not have the form the schema requires ({})", pattern_text(&f.patterns[0])));
    }
    let length = value.chars().count();
    if f.min_length.is_some_and(|m| length < m) {
        return Err(format!("{value:?} is shorter than {} characters", f.min_length.unwrap_or(0)));
    }
    if f.max_length.is_some_and(|m| length > m) {
        return Err(format!("{value:?} is longer than {} characters", f.max_length.unwrap_or(0)));
    }
    let bounds = [f.min_inclusive, f.max_inclusive, f.min_exclusive, f.max_exclusive];
    if bounds.iter().any(Option::is_some) {
        let Ok(n) = value.trim().parse::<f64>() else { return Err(format!("{value:?} is not a number")) };
        let ok = f.min_inclusive.is_none_or(|m| n >= m)
            && f.max_inclusive.is_none_or(|m| n <= m)
            && f.min_exclusive.is_none_or(|m| n > m)
            && f.max_exclusive.is_none_or(|m| n < m);
        if !ok {
            return Err(format!("{value} is out of the range the schema allows"));
        }
    }
    Ok(())
}

fn pattern_text(r: &Regex) -> String {
    let s = r.as_str();
    let inner = s.strip_prefix("^(?:").and_then(|s| s.strip_suffix(")$")).unwrap_or(s);
    if inner.chars().count() > 60 {
        format!("{}…", inner.chars().take(60).collect::<String>())
    } else {
        inner.to_string()
    }
}

fn integer_in(value: &str, min: i128, max: i128) -> Result<(), String> {
    match value.trim().trim_start_matches('+').parse::<i128>() {
        Ok(n) if n >= min && n <= max => Ok(()),
        Ok(_) => Err(format!("{value} is out of range")),
        Err(_) => Err(format!("{value:?} is not an integer")),
    }
}

/// The built-in types; those whose lexical space is any string (names, URIs, languages) are
/// accepted as they are.
fn builtin(name: &str, value: &str) -> Result<(), String> {
    let v = value.trim();
    match name {
        "boolean" => match v {
            "true" | "false" | "1" | "0" => Ok(()),
            _ => Err(format!("{value:?} is not a boolean (true, false, 1 or 0)")),
        },
        "decimal" => DECIMAL.is_match(v).then_some(()).ok_or_else(|| format!("{value:?} is not a decimal number")),
        "float" | "double" => match v {
            "INF" | "-INF" | "NaN" => Ok(()),
            _ => v.parse::<f64>().map(|_| ()).map_err(|_| format!("{value:?} is not a number")),
        },
        "integer" => integer_in(v, i128::MIN, i128::MAX),
        "long" => integer_in(v, i64::MIN.into(), i64::MAX.into()),
        "int" => integer_in(v, i32::MIN.into(), i32::MAX.into()),
        "short" => integer_in(v, i16::MIN.into(), i16::MAX.into()),
        "byte" => integer_in(v, i8::MIN.into(), i8::MAX.into()),
        "nonNegativeInteger" | "unsignedLong" => integer_in(v, 0, i128::MAX),
        "unsignedInt" => integer_in(v, 0, u32::MAX.into()),
        "unsignedShort" => integer_in(v, 0, u16::MAX.into()),
        "unsignedByte" => integer_in(v, 0, u8::MAX.into()),
        "positiveInteger" => integer_in(v, 1, i128::MAX),
        "nonPositiveInteger" => integer_in(v, i128::MIN, 0),
        "negativeInteger" => integer_in(v, i128::MIN, -1),
        "dateTime" => DATE_TIME
            .is_match(v)
            .then_some(())
            .ok_or_else(|| format!("{value:?} is not a date and time (YYYY-MM-DDThh:mm:ss)")),
        "date" => DATE.is_match(v).then_some(()).ok_or_else(|| format!("{value:?} is not a date (YYYY-MM-DD)")),
        "hexBinary" => (v.len().is_multiple_of(2) && v.chars().all(|c| c.is_ascii_hexdigit()))
            .then_some(())
            .ok_or_else(|| format!("{value:?} is not hexadecimal")),
        "base64Binary" => v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=') || c.is_whitespace())
            .then_some(())
            .ok_or_else(|| format!("{value:?} is not base64")),
        "NCName" | "ID" | "IDREF" | "Name" | "NMTOKEN" if v.is_empty() => Err("an empty name".into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_take_their_lexical_space_only() {
        assert!(builtin("dateTime", "2024-01-31T10:00:00Z").is_ok());
        assert!(builtin("dateTime", "2024-01-31 10:00").is_err());
        assert!(builtin("date", "2024-13-01").is_err());
        assert!(builtin("positiveInteger", "0").is_err());
        assert!(builtin("nonNegativeInteger", "0").is_ok());
        assert!(builtin("boolean", "yes").is_err());
        assert!(builtin("decimal", "9.8").is_ok() && builtin("decimal", "9,8").is_err());
        assert!(builtin("string", "  anything at all ").is_ok());
    }
}
