//! Answer checking on the 2024 questionnaire that Mamori ships.

use mamori_form::{AnswerErrorKind, Answers, Form, check_answers, read_file};
use std::path::Path;

const JA: &str = "Japanese (ja)";
const EN: &str = "English (en)";

fn form() -> Form {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../questionnaires/mdcs-manufacturer-2024.xlsx");
    let outcome = read_file(&path);
    assert!(!outcome.has_errors(), "{:#?}", outcome.diagnostics);
    outcome.form.unwrap()
}

/// A complete, valid response of a first-class licence holder.
fn complete() -> Vec<(&'static str, &'static str)> {
    vec![
        ("org_name", "テスト医療機器株式会社"),
        ("license_type", "mah1"),
        ("supply_origin", "import"),
        ("products_total", "10"),
        ("products_done", "5"),
        ("proc_docs", "done"),
        ("info_eval", "prep"),
        ("competence", "none"),
        ("process_check", "done"),
        ("sbom_current", "done"),
        ("sbom_legacy", "na"),
        ("pm_process", "done"),
        ("vuln_intake", "done"),
        ("wide_vuln_info", "yes"),
        ("incident_info", "no"),
        ("defect_report", "prep"),
        ("policy", "done"),
        ("policy_disclosure", "prep"),
        ("psirt", "none"),
        ("advisory", "none"),
        ("user_inquiry", "no"),
        ("network_diagram", "blocked"),
        ("maint_contract", "no"),
        ("challenges", "experts cost"),
    ]
}

fn with(changes: &[(&'static str, &'static str)]) -> Answers {
    let mut pairs = complete();
    for (name, value) in changes {
        pairs.retain(|(n, _)| n != name);
        pairs.push((name, value));
    }
    Answers::from_pairs(pairs)
}

#[track_caller]
fn errors(language: &str, answers: &Answers) -> Vec<(String, AnswerErrorKind, String)> {
    check_answers(&form(), language, answers).errors.into_iter().map(|e| (e.question, e.kind, e.message)).collect()
}

#[track_caller]
fn one_error(
    language: &str,
    changes: &[(&'static str, &'static str)],
    question: &str,
    kind: AnswerErrorKind,
    message: &str,
) {
    assert_eq!(errors(language, &with(changes)), vec![(question.to_string(), kind, message.to_string())]);
}

#[test]
fn a_complete_response_is_valid_and_kept_as_given() {
    let checked = check_answers(&form(), JA, &with(&[]));
    assert!(checked.is_valid(), "{:?}", checked.errors);
    assert_eq!(checked.answers.values.len(), complete().len());
    assert_eq!(checked.answers.values["challenges"], "experts cost");
    assert!(checked.dropped.is_empty());
}

#[test]
fn required_questions_must_be_answered_in_the_respondents_language() {
    one_error(JA, &[("org_name", "")], "org_name", AnswerErrorKind::Required, "この質問は回答必須です。");
    one_error(EN, &[("org_name", "  ")], "org_name", AnswerErrorKind::Required, "This question requires an answer.");
}

#[test]
fn constraints_use_the_forms_own_message() {
    one_error(
        JA,
        &[("products_done", "11")],
        "products_done",
        AnswerErrorKind::Constraint,
        "対象品目数以下の整数を入力してください。",
    );
    one_error(
        EN,
        &[("products_done", "11")],
        "products_done",
        AnswerErrorKind::Constraint,
        "Enter a whole number no larger than the number of devices above.",
    );
    // "done ≤ total" is not judged against a total that is itself wrong: one error, not two.
    let got = errors(EN, &with(&[("products_total", "-1"), ("products_done", "0")]));
    assert_eq!(
        got,
        vec![(
            "products_total".to_string(),
            AnswerErrorKind::Constraint,
            "Enter a whole number of 0 or more.".to_string()
        )]
    );
}

#[test]
fn integers_must_be_whole_numbers_and_full_width_digits_are_accepted() {
    let got = errors(JA, &with(&[("products_total", "十")]));
    assert_eq!(
        got,
        vec![("products_total".to_string(), AnswerErrorKind::Type, "整数を半角数字で入力してください。".to_string())]
    );
    one_error(
        EN,
        &[("products_total", "2.5"), ("products_done", "2")],
        "products_total",
        AnswerErrorKind::Type,
        "Enter a whole number.",
    );
    let checked = check_answers(&form(), JA, &with(&[("products_total", "１２")]));
    assert!(checked.is_valid(), "{:?}", checked.errors);
    assert_eq!(checked.answers.values["products_total"], "12");
}

#[test]
fn choices_must_be_in_the_list() {
    one_error(
        JA,
        &[("proc_docs", "finished")],
        "proc_docs",
        AnswerErrorKind::NotInList,
        "「finished」は選択肢にありません。",
    );
    one_error(
        EN,
        &[("challenges", "experts money")],
        "challenges",
        AnswerErrorKind::NotInList,
        "'money' is not one of the choices.",
    );
    // `na` exists in status_na (SBOM questions) but not in status.
    one_error(EN, &[("psirt", "na")], "psirt", AnswerErrorKind::NotInList, "'na' is not one of the choices.");
}

#[test]
fn repeated_selections_are_kept_once() {
    let checked = check_answers(&form(), JA, &with(&[("challenges", "cost experts cost")]));
    assert!(checked.is_valid());
    assert_eq!(checked.answers.values["challenges"], "cost experts");
}

#[test]
fn answers_to_questions_that_do_not_apply_are_dropped() {
    // A registered manufacturer without a licence is not asked where its devices come from,
    // and "other licence" applies only to license_type = other.
    let checked = check_answers(&form(), JA, &with(&[("license_type", "mfr"), ("license_other", "卸売")]));
    assert!(checked.is_valid(), "{:?}", checked.errors);
    assert_eq!(checked.dropped, vec!["license_other", "supply_origin"]);
    assert!(!checked.answers.values.contains_key("supply_origin"));
}

#[test]
fn skip_logic_makes_follow_up_questions_required() {
    one_error(JA, &[("license_type", "other")], "license_other", AnswerErrorKind::Required, "この質問は回答必須です。");
    // "other" licence holders are not asked supply_origin, so only license_other is missing.
    one_error(
        JA,
        &[("challenges", "experts other")],
        "challenges_other",
        AnswerErrorKind::Required,
        "この質問は回答必須です。",
    );
    let checked =
        check_answers(&form(), JA, &with(&[("challenges", "experts other"), ("challenges_other", "人材不足")]));
    assert!(checked.is_valid(), "{:?}", checked.errors);
}

#[test]
fn unknown_questions_are_reported() {
    one_error(
        EN,
        &[("favourite_colour", "blue")],
        "favourite_colour",
        AnswerErrorKind::UnknownQuestion,
        "There is no question named 'favourite_colour' in this form.",
    );
}

#[test]
fn every_problem_of_a_response_is_reported() {
    let answers = with(&[("org_name", ""), ("products_done", "99"), ("policy", "maybe")]);
    let kinds: Vec<AnswerErrorKind> = errors(JA, &answers).into_iter().map(|(_, k, _)| k).collect();
    assert_eq!(kinds, vec![AnswerErrorKind::Required, AnswerErrorKind::Constraint, AnswerErrorKind::NotInList]);
}

#[test]
fn repeat_instances_are_checked_each_with_the_outer_answers_in_view() {
    let md = "| survey |\n| | type | name | label | required | constraint | relevant |\n| | integer | n | N | yes | | |\n| | begin repeat | member | Member | | | ${n} > 0 |\n| | text | who | Who | yes | | |\n| | integer | age | Age | | . <= ${n} * 100 | |\n| | end repeat | | | | | |\n";
    let outcome = mamori_form::read_bytes("r.md", md.as_bytes());
    assert!(!outcome.has_errors(), "{:?}", outcome.diagnostics);
    let form = outcome.form.unwrap();
    let mut answers = Answers::from_pairs([("n", "1")]);
    answers.repeats.insert(
        "member".into(),
        vec![Answers::from_pairs([("who", "A"), ("age", "30")]), Answers::from_pairs([("who", ""), ("age", "300")])],
    );
    let checked = check_answers(&form, EN, &answers);
    let got: Vec<_> = checked.errors.iter().map(|e| (e.question.as_str(), e.instance.clone(), e.kind)).collect();
    assert_eq!(
        got,
        vec![
            ("who", Some(("member".to_string(), 2)), AnswerErrorKind::Required),
            ("age", Some(("member".to_string(), 2)), AnswerErrorKind::Constraint),
        ]
    );
    assert_eq!(checked.answers.repeats["member"][0].values["who"], "A");
    // With n = 0 the repeat does not apply and its instances are dropped.
    answers.values.insert("n".into(), "0".into());
    let checked = check_answers(&form, EN, &answers);
    assert!(checked.is_valid(), "{:?}", checked.errors);
    assert_eq!(checked.dropped, vec!["member"]);
}
