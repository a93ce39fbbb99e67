//! Variable names legal for each package, made unique deterministically: the first variable
//! keeps its name, a later one that collides (ignoring case, as SPSS does) gets `_2`, `_3`, …
//! cut to fit. The codebook keeps the mapping from each question to its variable.

use super::Target;
use std::collections::HashSet;

/// SPSS's reserved words, which cannot name a variable.
const SPSS_RESERVED: [&str; 13] = ["ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"];
/// Stata's reserved names.
const STATA_RESERVED: [&str; 24] = [
    "aggregate",
    "array",
    "boolean",
    "break",
    "byte",
    "case",
    "catch",
    "class",
    "colvector",
    "complex",
    "const",
    "continue",
    "default",
    "delegate",
    "delete",
    "do",
    "double",
    "else",
    "eltypedef",
    "end",
    "enum",
    "explicit",
    "export",
    "external",
];
const STATA_RESERVED_MORE: [&str; 37] = [
    "float",
    "for",
    "friend",
    "function",
    "global",
    "goto",
    "if",
    "inline",
    "int",
    "local",
    "long",
    "mata",
    "matrix",
    "namespace",
    "new",
    "numeric",
    "NULL",
    "operator",
    "orgtype",
    "pointer",
    "polymorphic",
    "pragma",
    "private",
    "protected",
    "public",
    "quad",
    "real",
    "return",
    "rowvector",
    "scalar",
    "short",
    "signed",
    "static",
    "str",
    "strL",
    "string",
    "struct",
];
const STATA_RESERVED_REST: [&str; 16] = [
    "super",
    "switch",
    "template",
    "this",
    "throw",
    "transmorphic",
    "try",
    "typedef",
    "typename",
    "union",
    "unsigned",
    "using",
    "vector",
    "version",
    "virtual",
    "void",
];

/// The longest name: SPSS 64 bytes, Stata 32 characters.
fn fits(name: &str, target: Target) -> bool {
    match target {
        Target::Spss | Target::R => name.len() <= 64,
        Target::Stata => name.chars().count() <= 32,
    }
}

fn cut(name: &str, target: Target) -> String {
    let mut out = String::new();
    for c in name.chars() {
        out.push(c);
        if !fits(&out, target) {
            out.pop();
            break;
        }
    }
    out
}

fn reserved(name: &str, target: Target) -> bool {
    match target {
        Target::Spss | Target::R => SPSS_RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name)),
        Target::Stata => {
            STATA_RESERVED.iter().chain(&STATA_RESERVED_MORE).chain(&STATA_RESERVED_REST).any(|r| *r == name)
                || (name.starts_with("str") && name[3..].chars().all(|c| c.is_ascii_digit()) && name.len() > 3)
        }
    }
}

/// A name legal for the target: letters, digits and `_` (other characters become `_`),
/// beginning with a letter (a leading `_` is dropped, as in `_id` → `id`; a digit gets `v`
/// before it), not a reserved word, within the length limit.
pub fn legal(name: &str, target: Target) -> String {
    let cleaned: String = name.chars().map(|c| if c.is_alphanumeric() || c == '_' { c } else { '_' }).collect();
    let trimmed = cleaned.trim_start_matches('_');
    let mut out = match trimmed.chars().next() {
        Some(c) if c.is_alphabetic() => trimmed.to_string(),
        Some(_) => format!("v{trimmed}"),
        None => "v".to_string(),
    };
    // SPSS: a name may not end with a period (none are left) or be a reserved word.
    if reserved(&out, target) {
        out.push('_');
    }
    cut(&out, target)
}

/// Legal, unique names for `names`, in order.
pub fn unique<'a>(names: impl Iterator<Item = &'a str>, target: Target) -> Vec<String> {
    let mut taken: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for name in names {
        let base = legal(name, target);
        let mut candidate = base.clone();
        let mut n = 2;
        while taken.contains(&candidate.to_lowercase()) {
            let suffix = format!("_{n}");
            let room = cut(&format!("{base}{suffix}"), target);
            // Cut the base, not the suffix, when the whole does not fit.
            candidate = if room.ends_with(&suffix) {
                room
            } else {
                let mut b = base.clone();
                while !fits(&format!("{b}{suffix}"), target) {
                    b.pop();
                }
                format!("{b}{suffix}")
            };
            n += 1;
        }
        taken.insert(candidate.to_lowercase());
        out.push(candidate);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_each_packages_rules() {
        assert_eq!(legal("_id", Target::Spss), "id");
        assert_eq!(legal("_submitted_at", Target::Stata), "submitted_at");
        assert_eq!(legal("1st-answer.x", Target::Spss), "v1st_answer_x");
        assert_eq!(legal("with", Target::Spss), "with_");
        assert_eq!(legal("long", Target::Stata), "long_");
        assert_eq!(legal("str80", Target::Stata), "str80_");
        assert_eq!(legal("製品数", Target::Spss), "製品数");
        let long = "a".repeat(40);
        assert_eq!(legal(&long, Target::Stata).chars().count(), 32);
        // 30 Japanese characters are 90 bytes: SPSS keeps 21 (63 bytes), whole characters only.
        let japanese = "質".repeat(30);
        let spss = legal(&japanese, Target::Spss);
        assert_eq!((spss.len(), spss.chars().count()), (63, 21));
    }

    #[test]
    fn collisions_are_resolved_in_order_and_ignoring_case() {
        let names = ["q-1", "q_1", "Q_1", "id", "_id"];
        assert_eq!(unique(names.into_iter(), Target::Spss), ["q_1", "q_1_2", "Q_1_3", "id", "id_2"]);
        let long = format!("{}x", "a".repeat(31));
        let long2 = format!("{}y", "a".repeat(31));
        let out = unique([long.as_str(), long2.as_str()].into_iter(), Target::Stata);
        assert_eq!(out[0], format!("{}x", "a".repeat(31)));
        assert_eq!(out[1], format!("{}y", "a".repeat(31)), "distinct after the cut are kept");
        let out = unique(
            [format!("{}1", "b".repeat(32)).as_str(), format!("{}2", "b".repeat(32)).as_str()].into_iter(),
            Target::Stata,
        );
        assert_eq!(out, ["b".repeat(32), format!("{}_2", "b".repeat(30))]);
    }
}
