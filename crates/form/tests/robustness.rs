//! Arbitrary input never panics or hangs: bytes as an XLSForm file of every format, strings
//! as expressions (parsed and evaluated).

use mamori_form::expr::Expression;
use mamori_form::read_bytes;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn real_xlsx() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../questionnaires/mdcs-manufacturer-2024.xlsx")).unwrap()
}

/// Pieces of real expressions, so generated strings reach deep into the parser.
fn expression_soup() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "${a}",
        "${b}",
        ".",
        "..",
        "/",
        "(",
        ")",
        "[",
        "]",
        ",",
        "=",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "+",
        "-",
        "*",
        " div ",
        " mod ",
        " and ",
        " or ",
        "'x'",
        "\"y\"",
        "0",
        "1.5",
        "selected(",
        "count-selected(",
        "regex(",
        "'[a-z]+'",
        "if(",
        "coalesce(",
        "concat(",
        "int(",
        "number(",
        "today()",
        "not(",
        "pulldata(",
        "string-length(",
        "substr(",
        // ODK's other functions, and values at their edges.
        "substring(",
        "substring-before(",
        "translate(",
        "normalize-space(",
        "selected-at(",
        "join(",
        "checklist(",
        "weighted-checklist(",
        "count(",
        "sum(",
        "max(",
        "min(",
        "round(",
        "pow(",
        "log(",
        "date(",
        "date-time(",
        "decimal-date-time(",
        "decimal-time(",
        "format-date(",
        "'%Y%q%'",
        "'2024-02-29T23:59:59.999-12:00'",
        "'25:61Z'",
        "now()",
        "once(",
        "uuid(",
        "random()",
        "1e308",
        "99999999999999999999",
        "-0.5",
        "0 div 0",
        "name",
        "${",
        "}",
        "'",
        "|",
        "@",
        "!",
        " ",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

fn evaluate(source: &str) {
    if let Ok(expr) = Expression::parse(source) {
        let answers: BTreeMap<String, String> =
            [("a", "1"), ("b", "x y")].into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let _ = expr.eval(&answers);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_in_any_format(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        for name in ["f.xlsx", "f.xls", "f.csv", "f.md"] {
            let outcome = read_bytes(name, &bytes);
            // Whatever was read, a failure must come with at least one located error.
            if outcome.form.is_none() {
                prop_assert!(outcome.has_errors());
            }
        }
    }

    #[test]
    fn a_damaged_real_workbook_gives_an_error_not_a_panic(cut in 0usize..14_000, flip in any::<u8>(), at in 0usize..14_000) {
        let mut bytes = real_xlsx();
        let at = at % bytes.len();
        bytes[at] ^= flip;
        bytes.truncate(cut.max(1));
        let outcome = read_bytes("f.xlsx", &bytes);
        if outcome.form.is_none() {
            prop_assert!(outcome.has_errors());
        }
    }

    #[test]
    fn arbitrary_text_as_markdown_or_csv_never_panics(text in ".{0,400}") {
        let _ = read_bytes("f.md", text.as_bytes());
        let _ = read_bytes("f.csv", text.as_bytes());
    }

    #[test]
    fn arbitrary_strings_as_expressions_never_panic(source in ".{0,200}") {
        evaluate(&source);
    }

    #[test]
    fn expression_like_strings_never_panic(source in expression_soup()) {
        evaluate(&source);
    }
}

proptest! {
    #[test]
    fn arbitrary_answers_never_panic(value in ".{0,40}", index in 0usize..64) {
        let outcome = read_bytes("f.md", TYPES_FORM.as_bytes());
        let form = outcome.form.unwrap();
        let question = &form.questions[index % form.questions.len()];
        let answers = mamori_form::Answers::from_pairs([(question.name.as_str(), value.as_str())]);
        let _ = mamori_form::check_answers(&form, "default", &answers);
        let _ = mamori_form::dates::parse_time(&value);
        let _ = mamori_form::dates::parse_datetime(&value);
        let _ = mamori_form::dates::parse_date(&value);
        if let Some(ms) = mamori_form::dates::parse_moment(&value) {
            let _ = mamori_form::dates::format_moment(ms, &value);
        }
        let _ = mamori_form::dates::parse_clock(&value);
    }

    #[test]
    fn arbitrary_bytes_as_a_zip_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let outcome = read_bytes("upload.zip", &bytes);
        if outcome.form.is_none() {
            prop_assert!(outcome.has_errors());
        }
    }
}

/// A question of every type, with constraints, for the answer fuzzing above.
const TYPES_FORM: &str = "| survey |
| | type | name | label | constraint | relevant |
| | text | t | T | regex(., '^[a-z]*$') | |
| | integer | i | I | . > 0 | |
| | decimal | d | D | . < 10.5 | ${i} > 1 |
| | date | da | Da | . <= today() | |
| | time | ti | Ti | | |
| | datetime | dt | Dt | | |
| | select_one yn | s1 | S1 | | |
| | select_multiple yn | sm | Sm | count-selected(.) < 2 | |
| | rank yn | r | R | | |
| | acknowledge | ack | Ack | | |
| | note | n | N | | |
| | calculate | c | | | |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
";

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for source in ["(".repeat(100_000), "-".repeat(100_000), "not(".repeat(50_000)] {
        assert!(Expression::parse(&source).is_err());
    }
}

/// Answers by slot, for expressions bound to the names `a`, `b`, `c`.
struct Slots {
    values: Vec<String>,
    current: String,
}

impl mamori_form::expr::Env for Slots {
    fn value(&self, name: &str) -> Option<&str> {
        ["a", "b", "c"].iter().position(|n| *n == name).map(|i| self.values[i].as_str())
    }
    fn slot(&self, i: usize) -> &str {
        &self.values[i]
    }
    fn current(&self) -> &str {
        &self.current
    }
    fn today(&self) -> i64 {
        20_000
    }
}

/// Conditions as relevance and constraints write them, over answers that may be numbers,
/// choice names, lists of them, blanks or dates.
fn condition_soup() -> impl Strategy<Value = String> {
    let operand = prop::sample::select(vec![
        "${a}",
        "${b}",
        "${c}",
        ".",
        "'x'",
        "'1'",
        "' y '",
        "0",
        "2",
        "-1.5",
        "'2024-10-07'",
    ]);
    let op = prop::sample::select(vec![" = ", " != ", " < ", " <= ", " > ", " >= "]);
    let comparison = (operand.clone(), op, operand.clone()).prop_map(|(l, o, r)| format!("{l}{o}{r}"));
    let selected = (operand.clone(), operand).prop_map(|(l, r)| format!("selected({l}, {r})"));
    let atom = prop_oneof![comparison, selected];
    prop::collection::vec((atom, prop::sample::select(vec![" and ", " or "])), 1..4).prop_map(|parts| {
        let mut out = String::new();
        for (i, (atom, join)) in parts.iter().enumerate() {
            if i > 0 {
                out.push_str(join);
            }
            out.push_str(atom);
        }
        out
    })
}

proptest! {
    /// The quick judgement of common conditions gives what full evaluation gives.
    #[test]
    fn quick_conditions_agree_with_evaluation(
        source in condition_soup(),
        values in prop::collection::vec(prop::sample::select(vec!["", "x", "1", "2", "01", " 1", "x y", "y x", "2024-10-07", "-1.5", "abc"]), 4),
    ) {
        let expr = Expression::parse(&source).unwrap();
        let bound = expr.bind(&|name| ["a", "b", "c"].iter().position(|n| *n == name), true);
        let env = Slots { values: values[..3].iter().map(|v| v.to_string()).collect(), current: values[3].to_string() };
        let quick = bound.eval_bool(&env).unwrap();
        let full = bound.eval(&env).unwrap().to_bool();
        prop_assert_eq!(quick, full, "{}", source);
        // The unbound expression (read by name, never quick) agrees too.
        prop_assert_eq!(expr.eval_bool(&env).unwrap(), full, "{}", source);
        // Where it is a comparison of numbers, judged on numbers it agrees as well.
        if let Some(numeric) = bound.number_condition() {
            let current = mamori_form::expr::text_to_number(&env.current);
            prop_assert_eq!(numeric.judge(current, &env.values), full, "{}", source);
        }
    }
}

/// Which constraints are judged on numbers: comparisons of `.`, answers and number literals,
/// but not `=` between two answers (text equality) nor anything with text literals.
#[test]
fn number_conditions_are_made_only_where_numbers_decide() {
    let numeric = |source: &str| {
        let bound =
            Expression::parse(source).unwrap().bind(&|name| ["a", "b", "c"].iter().position(|n| *n == name), true);
        bound.number_condition().is_some()
    };
    assert!(numeric(". >= 0 and . <= ${a}"));
    assert!(numeric("${a} > 2 or . = 0"));
    assert!(!numeric("${a} = ${b}"));
    assert!(!numeric(". = ${a}"));
    assert!(!numeric(". > '1'"));
    assert!(!numeric("selected(${a}, 'x')"));
    assert!(!numeric(". > 0 and string-length(.) < 3"));
    let bound = Expression::parse(". >= 0 and . <= ${a}").unwrap().bind(&|name| (name == "a").then_some(0), true);
    let numeric = bound.number_condition().unwrap();
    assert!(numeric.judge(3.0, &["5"]));
    assert!(!numeric.judge(6.0, &["5"]));
    assert!(!numeric.judge(-1.0, &["5"]));
    assert!(!numeric.judge(1.0, &[""]), "a blank answer is no number");
}

/// A workbook that inflates to more cells than Mamori reads (2,100,000 in 64 KB, made by
/// tools/make_hostile_files.py) is refused with the reason, not read into memory whole.
#[test]
fn a_workbook_over_the_cell_cap_is_refused_with_the_reason() {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/hostile/many-cells.xlsx")).unwrap();
    let error = mamori_form::workbook::read_excel_here(&bytes, None).unwrap_err();
    assert!(error.contains(&format!("more than {} cells", mamori_form::workbook::MAX_CELLS)), "says why: {error}");
    let outcome = read_bytes("many-cells.xlsx", &bytes);
    assert!(outcome.form.is_none() && outcome.has_errors());
}

#[test]
fn only_the_sheets_of_an_xlsform_are_read() {
    // A workbook's other sheets are named but not read: a 683 KB data-model workbook (no
    // `survey` sheet) is refused naming its sheets, with none of their rows read, and a form's
    // extra sheets cost nothing.
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/xlsform-real/osmfw--data_models_Impact_Areas_-_Data_Models_V1.1.xlsx"
    ))
    .unwrap();
    let sheets = mamori_form::workbook::read_excel_here(&bytes, Some(mamori_form::workbook::XLSFORM_SHEETS)).unwrap();
    assert!(sheets.len() > 3, "every sheet named");
    assert!(sheets.iter().all(|s| s.rows.is_empty()), "none of them an XLSForm sheet, none read");
    let all = mamori_form::workbook::read_excel_here(&bytes, None).unwrap();
    assert!(all.iter().map(|s| s.rows.len()).sum::<usize>() > 1000, "read whole when asked");
}
