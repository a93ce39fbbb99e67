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

/// An answer as an import might meet it: a choice name with stray spaces, a repeated or unknown
/// choice, a number (leading zeros, too long for the quick path), or text.
fn messy_answer() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let token = prop::sample::select(vec![
        "mah1",
        "mah3",
        "other",
        "done",
        "prep",
        "na",
        "yes",
        "no",
        "known",
        "experts",
        "cost",
        "other",
        "nope",
        "7",
        "-3",
        "１２",
        "0",
        "07",
        "00",
        "12",
        "5",
        "1234567890123456",
    ]);
    let messy = (
        prop::collection::vec(token.clone(), 0..4),
        prop::sample::select(vec!["", " ", "  ", "\u{3000}"]),
        any::<bool>(),
    )
        .prop_map(|(tokens, pad, double)| {
            let joined = tokens.join(if double { "  " } else { " " });
            format!("{pad}{joined}{pad}")
        });
    // Single tokens as they stand too, as most answers come: the import's quick paths take them.
    prop_oneof![1 => token.prop_map(String::from), 1 => messy]
}

proptest::proptest! {
    /// The import's coded check cleans answers, finds errors and drops answers exactly as the
    /// pages' check does, and its codes are the positions of the cleaned answers' choices.
    #[test]
    fn coded_check_agrees_with_the_plain_check(answers in proptest::collection::vec(messy_answer(), 26)) {
        use mamori_form::answers::RowChecker;
        use mamori_form::QuestionType;
        use std::borrow::Cow;
        let form = form();
        let checker = RowChecker::new(&form, EN).on(20_000);
        let given: Vec<String> = form.questions.iter().enumerate().map(|(i, _)| answers[i % answers.len()].clone()).collect();
        let mut plain = given.clone();
        let (mut plain_errors, mut plain_dropped) = (Vec::new(), Vec::new());
        checker.check(&mut plain, &mut plain_errors, &mut plain_dropped);
        let mut borrowed: Vec<Cow<str>> = given.iter().map(|v| Cow::Borrowed(v.as_str())).collect();
        let mut codes = vec![u64::MAX; form.questions.len()];
        let (mut errors, mut dropped) = (Vec::new(), Vec::new());
        checker.check_coded(&mut borrowed, &mut codes, &mut errors, &mut dropped);
        proptest::prop_assert_eq!(&plain_errors, &errors);
        proptest::prop_assert_eq!(&plain_dropped, &dropped);
        for (i, q) in form.questions.iter().enumerate() {
            proptest::prop_assert_eq!(plain[i].as_str(), borrowed[i].as_ref(), "question {}", q.name);
            if errors.iter().any(|e| e.question == i) {
                continue;
            }
            let position = |name: &str| q.choices.iter().position(|c| c.name == name).unwrap() as u64;
            let expected = match q.kind {
                QuestionType::SelectOne if !plain[i].is_empty() => position(&plain[i]) + 1,
                QuestionType::SelectMultiple => plain[i].split(' ').filter(|t| !t.is_empty()).fold(0, |b, t| b | 1 << position(t)),
                _ => 0,
            };
            proptest::prop_assert_eq!(codes[i], expected, "question {} answer {:?}", q.name, plain[i]);
        }
        // Split as an import splits it: independent questions checked alone, down their
        // column; the rest of the row together. The same answers, codes and errors.
        let independent = checker.independent();
        let rest: Vec<usize> = (0..form.questions.len()).filter(|&i| !independent[i]).collect();
        let mut split: Vec<Cow<str>> = given.iter().map(|v| Cow::Borrowed(v.as_str())).collect();
        let mut split_codes = vec![u64::MAX; form.questions.len()];
        let (mut split_errors, mut split_dropped) = (Vec::new(), Vec::new());
        checker.check_coded_only(&rest, &mut split, &mut split_codes, &mut split_errors, &mut split_dropped);
        for i in (0..form.questions.len()).filter(|&i| independent[i]) {
            match checker.check_alone(i, &given[i]) {
                Ok((value, code)) => {
                    split[i] = value;
                    split_codes[i] = code;
                }
                Err(e) => {
                    split_errors.push(e);
                    split_codes[i] = 0;
                }
            }
        }
        split_errors.sort_by_key(|e| e.question);
        proptest::prop_assert_eq!(&errors, &split_errors);
        proptest::prop_assert_eq!(&dropped, &split_dropped);
        proptest::prop_assert_eq!(&codes, &split_codes);
        for i in 0..form.questions.len() {
            if !errors.iter().any(|e| e.question == i) {
                proptest::prop_assert_eq!(borrowed[i].as_ref(), split[i].as_ref(), "question {}", form.questions[i].name);
            }
        }
    }
}

#[test]
fn independent_questions_are_those_no_expression_reads() {
    let form = form();
    let checker = mamori_form::answers::RowChecker::new(&form, EN);
    let independent: Vec<&str> =
        checker.independent().iter().zip(&form.questions).filter(|(i, _)| **i).map(|(_, q)| q.name.as_str()).collect();
    // license_type and challenges are read by relevance conditions; license_other,
    // supply_origin, the numbers and challenges_other have conditions of their own.
    for name in [
        "license_type",
        "license_other",
        "supply_origin",
        "products_total",
        "products_done",
        "challenges",
        "challenges_other",
    ] {
        assert!(!independent.contains(&name), "{name}");
    }
    for name in ["org_name", "proc_docs", "sbom_legacy", "network_diagram", "challenges_text"] {
        assert!(independent.contains(&name), "{name}");
    }
}

/// ODK functions in calculations, as the respondent's answers are checked: `once()` keeps the
/// value a calculation already has (a saved response's id stays when it is saved again), and
/// dates are computed in Japan.
#[test]
fn calculations_evaluate_odk_functions_and_once_keeps_its_value() {
    let md = "| survey |\n| | type | name | label | calculation |\n| | text | q1 | Q1 | |\n| | date | d | D | |\n\
              | | calculate | tag | | once(concat('id-', ${q1})) |\n| | calculate | due | | format-date(${d} + 30, '%Y年%n月%e日') |\n\
              | | calculate | n | | count-selected(join(' ', ${q1}, 'x')) + sum(${q1}) |\n";
    let outcome = mamori_form::read_bytes("f.md", md.as_bytes());
    assert!(!outcome.has_errors(), "{:#?}", outcome.diagnostics);
    let form = outcome.form.unwrap();
    let first = check_answers(&form, "default", &Answers::from_pairs([("q1", "7"), ("d", "2024-10-07")]));
    assert_eq!(first.answers.values.get("tag").map(String::as_str), Some("id-7"));
    assert_eq!(first.answers.values.get("due").map(String::as_str), Some("2024年11月6日"));
    assert_eq!(first.answers.values.get("n").map(String::as_str), Some("9"));
    // Saved again with another answer: the tag stays what it was.
    let again =
        check_answers(&form, "default", &Answers::from_pairs([("q1", "8"), ("d", "2024-10-07"), ("tag", "id-7")]));
    assert_eq!(again.answers.values.get("tag").map(String::as_str), Some("id-7"));
}

/// A rank answer is every choice once, most important first; anything else is refused with
/// what to change, and spacing is normalised.
#[test]
fn a_ranking_names_every_choice_once() {
    let md = "| survey |\n| | type | name | label |\n| | rank needs | order | What matters most |\n\
              | choices |\n| | list_name | name | label |\n| | needs | sbom | SBOM |\n| | needs | psirt | PSIRT |\n| | needs | training | Training |\n";
    let outcome = mamori_form::read_bytes("f.md", md.as_bytes());
    assert!(!outcome.has_errors(), "{:#?}", outcome.diagnostics);
    let form = outcome.form.unwrap();
    assert_eq!(form.question("order").unwrap().kind, mamori_form::QuestionType::Rank);
    let check = |value: &str| check_answers(&form, "default", &Answers::from_pairs([("order", value)]));
    let ok = check("  psirt   sbom training ");
    assert!(ok.is_valid(), "{:?}", ok.errors);
    assert_eq!(ok.answers.values.get("order").map(String::as_str), Some("psirt sbom training"));
    let messages = |value: &str| {
        check_answers(&form, EN, &Answers::from_pairs([("order", value)]))
            .errors
            .into_iter()
            .map(|e| (e.kind, e.message))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        messages("psirt sbom"),
        [(AnswerErrorKind::Type, "Rank every choice (2 of 3 have a place).".to_string())]
    );
    assert_eq!(
        messages("psirt sbom psirt"),
        [(AnswerErrorKind::Type, "'PSIRT' is ranked twice: give each choice its own place.".to_string())]
    );
    assert_eq!(messages("psirt sbom audit")[0].0, AnswerErrorKind::NotInList);
    // In Japanese, for a Japanese respondent.
    let ja = check_answers(&form, JA, &Answers::from_pairs([("order", "sbom")]));
    assert!(ja.errors[0].message.starts_with("すべての選択肢に順位をつけてください（3件中1件"), "{:?}", ja.errors);
}

/// `jr:choice-name(value, '${question}')` is the chosen choice's label in the respondent's
/// language (ODK's documentation: "Returns the label value, in the active language,
/// associated with the choice_name in the list of choices for a select question"); the path
/// pyxform writes (`/data/q`) names the question too, and an unknown choice gives "".
#[test]
fn choice_name_gives_the_label_in_the_respondents_language() {
    let md = "| survey |\n| | type | name | label::Japanese (ja) | label::English (en) | calculation |\n\
              | | select_one pref | pref | 所在地 | Head office | |\n\
              | | calculate | shown | | | jr:choice-name(${pref}, '${pref}') |\n\
              | | calculate | by_path | | | jr:choice-name(${pref}, '/data/pref') |\n\
              | | calculate | other | | | jr:choice-name('kyoto', '${pref}') |\n\
              | choices |\n| | list_name | name | label::Japanese (ja) | label::English (en) |\n\
              | | pref | tokyo | 東京都 | Tokyo |\n| | pref | osaka | 大阪府 | Osaka |\n";
    let outcome = mamori_form::read_bytes("f.md", md.as_bytes());
    assert!(!outcome.has_errors(), "{:#?}", outcome.diagnostics);
    assert!(outcome.diagnostics.iter().all(|d| !d.to_string().contains("choice-name")), "{:#?}", outcome.diagnostics);
    let form = outcome.form.unwrap();
    let answers = Answers::from_pairs([("pref", "osaka")]);
    let value = |language: &str, name: &str| {
        check_answers(&form, language, &answers).answers.values.get(name).cloned().unwrap_or_default()
    };
    assert_eq!(value(JA, "shown"), "大阪府");
    assert_eq!(value(EN, "shown"), "Osaka");
    assert_eq!(value(JA, "by_path"), "大阪府");
    assert_eq!(value(JA, "other"), "");
}

/// Two `select_one … or_other` questions of one name in different groups: each "specify other"
/// is known by its own path too, and applies when its own select says "other".
#[test]
fn the_other_of_a_select_named_twice_follows_its_own_select() {
    let md = "| survey |\n| | type | name | label |\n| | begin group | g | G |\n| | select_one yn or_other | a | A |\n| | end group | | |\n\
              | | begin group | h | H |\n| | select_one yn or_other | a | A |\n| | end group | | |\n\
              | choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n| | yn | no | No |\n";
    let outcome = mamori_form::read_bytes("f.md", md.as_bytes());
    assert!(!outcome.has_errors(), "{:#?}", outcome.diagnostics);
    let form = outcome.form.unwrap();
    let names: Vec<&str> = form.questions.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names, ["g/a", "g/a_other", "h/a", "h/a_other"]);
    let checked = check_answers(
        &form,
        EN,
        &Answers::from_pairs([("g/a", "other"), ("g/a_other", "our own"), ("h/a", "yes"), ("h/a_other", "dropped")]),
    );
    assert!(checked.is_valid(), "{:?}", checked.errors);
    assert_eq!(checked.answers.values.get("g/a_other").map(String::as_str), Some("our own"));
    assert_eq!(checked.answers.values.get("h/a_other"), None, "h's select did not say other");
}

/// An absolute path (`/data/h/a`, as forms written before `${}` refer to questions) names one
/// of two questions called `a` by its groups: it follows that one.
#[test]
fn an_absolute_path_to_a_name_used_twice_follows_its_own_question() {
    let md = "| survey |\n| | type | name | label | relevant |\n| | begin group | g | G | |\n| | text | a | A | |\n| | end group | | | |\n\
              | | begin group | h | H | |\n| | text | a | A | |\n| | end group | | | |\n\
              | | text | b | B | /data/h/a = 'x' |\n";
    let outcome = mamori_form::read_bytes("f.md", md.as_bytes());
    assert!(!outcome.has_errors(), "{:#?}", outcome.diagnostics);
    let form = outcome.form.unwrap();
    let kept = |pairs: &[(&str, &str)]| {
        check_answers(&form, EN, &Answers::from_pairs(pairs.iter().copied())).answers.values.get("b").cloned()
    };
    assert_eq!(kept(&[("g/a", "y"), ("h/a", "x"), ("b", "kept")]), Some("kept".into()));
    assert_eq!(kept(&[("g/a", "x"), ("h/a", "y"), ("b", "dropped")]), None, "g's a is not h's");
}

/// A lookup in a choice list (`instance('list')/root/item[…]/column`, ODK's secondary
/// instances) computes and checks answers: a calculation reads another column of the chosen
/// item, a constraint counts items, in the respondent's language — and the form loads without
/// a warning about them.
#[test]
fn lookups_in_choice_lists_compute_and_check_answers() {
    let md = "| survey |\n\
| | type | name | label::日本語 (ja) | label::English (en) | calculation | constraint |\n\
| | select_one pref | pref | 所在地 | Prefecture | | |\n\
| | calculate | area | | | instance('pref')/root/item[name = ${pref}]/area | |\n\
| | calculate | pref_label | | | instance('pref')/root/item[name = current()/../pref]/label | |\n\
| | integer | sites | 拠点数 | Sites | | . <= count(instance('pref')/root/item[area = ${area}]) |\n\
| choices |\n\
| | list_name | name | label::日本語 (ja) | label::English (en) | area |\n\
| | pref | tokyo | 東京都 | Tokyo | east |\n\
| | pref | osaka | 大阪府 | Osaka | west |\n\
| | pref | fukuoka | 福岡県 | Fukuoka | west |\n";
    let outcome = mamori_form::read_bytes("f.md", md.as_bytes());
    assert!(outcome.diagnostics.is_empty(), "{:#?}", outcome.diagnostics);
    let form = outcome.form.unwrap();
    let check = |language: &str, sites: &str| {
        check_answers(&form, language, &Answers::from_pairs([("pref", "osaka"), ("sites", sites)]))
    };
    let ok = check("日本語 (ja)", "2");
    assert!(ok.is_valid(), "{:?}", ok.errors);
    assert_eq!(ok.answers.values.get("area").map(String::as_str), Some("west"));
    assert_eq!(ok.answers.values.get("pref_label").map(String::as_str), Some("大阪府"));
    let english = check("English (en)", "2");
    assert_eq!(english.answers.values.get("pref_label").map(String::as_str), Some("Osaka"));
    // Two western prefectures in the list: three sites there break the constraint.
    let refused = check("日本語 (ja)", "3");
    assert_eq!(refused.errors.len(), 1, "{:?}", refused.errors);
    assert_eq!(refused.errors[0].question, "sites");
}
