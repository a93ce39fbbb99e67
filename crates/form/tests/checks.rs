//! One broken form per kind of problem, and the located message each must give.
//! Forms are written as pyxform Markdown tables, so line N of the text is row N.

use mamori_form::read_bytes;

#[track_caller]
fn check(form: &str, expected: &[&str]) {
    let outcome = read_bytes("f.md", form.as_bytes());
    let got: Vec<String> = outcome.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(got, expected, "\nform:\n{form}");
}

const OK_CHOICES: &str = "| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n| | yn | no | No |\n";

#[test]
fn a_clean_form_has_no_diagnostics() {
    check(&format!("| survey |\n| | type | name | label |\n| | select_one yn | q1 | Q1 |\n{OK_CHOICES}"), &[]);
}

#[test]
fn duplicate_names_in_one_group_are_errors_and_meta_is_reserved() {
    check(
        "| survey |\n| | type | name | label |\n| | text | q1 | A |\n| | text | q1 | B |\n",
        &[
            "f.md:survey:4:C: error: name 'q1' is already used at row 3 outside any group; every question and group of a group needs its own name",
        ],
    );
    check(
        "| survey |\n| | type | name | label |\n| | begin group | g | G |\n| | text | q1 | A |\n| | text | Q1 | B |\n| | end group | | |\n",
        &[
            "f.md:survey:5:C: warning: name 'Q1' differs only in case from 'q1' at row 4 in group 'g'; some analysis tools do not tell them apart",
        ],
    );
    check(
        "| survey |\n| | type | name | label |\n| | begin group | g | G |\n| | begin group | meta | M |\n| | text | q1 | A |\n| | end group | | |\n| | end group | | |\n",
        &[
            "f.md:survey:4:C: error: the name 'meta' is reserved for the form's metadata (pyxform and ODK refuse it); rename this question or group",
        ],
    );
    check(
        "| survey |\n| | type | name | label |\n| | begin repeat | r | R |\n| | text | q1 | A |\n| | end repeat | | |\n| | begin group | g | G |\n| | begin repeat | r | R2 |\n| | text | q2 | B |\n| | end repeat | | |\n| | end group | | |\n",
        &[
            "f.md:survey:7:C: error: repeat name 'r' is already used at row 3; a repeat's name must be unique in the whole survey (pyxform, ODK)",
        ],
    );
}

/// pyxform and ODK accept the same name in different groups (`g/a` next to `h/a`); each such
/// question is then known by its path, and only a `${a}` reference to it is an error.
#[test]
fn the_same_name_in_different_groups_is_known_by_its_path() {
    let form = "| survey |\n| | type | name | label | relevant |\n| | text | q1 | A | |\n| | begin group | g | G | |\n| | text | q1 | B | |\n| | text | q2 | C | ${q2} = '' |\n| | end group | | | |\n| | begin group | h | H | |\n| | begin group | g | G2 | |\n| | integer | q1 | D | |\n| | end group | | | |\n| | end group | | | |\n";
    check(form, &[]);
    let read = read_bytes("f.md", form.as_bytes()).form.unwrap();
    let keys: Vec<(&str, &str, String)> =
        read.questions.iter().map(|q| (q.name.as_str(), q.written_name.as_str(), q.path.join("/"))).collect();
    assert_eq!(
        keys,
        [
            ("q1", "q1", "".to_string()),
            ("g/q1", "q1", "g".into()),
            ("q2", "q2", "g".into()),
            ("h/g/q1", "q1", "h/g".into())
        ]
    );
    assert_eq!(read.question("h/g/q1").unwrap().label.values().next().unwrap(), "D");
}

#[test]
fn a_reference_to_a_name_used_twice_is_an_error_naming_both_rows() {
    check(
        "| survey |\n| | type | name | label | relevant |\n| | text | q1 | A | |\n| | begin group | g | G | |\n| | text | q1 | B | |\n| | text | q2 | C | ${q1} = 'x' |\n| | end group | | | |\n",
        &[
            "f.md:survey:6:E: error: relevant refers to ${q1} at character 1, but rows 3 and 5 are both named 'q1' (in different groups); pyxform and ODK cannot tell which is meant: rename one of them",
        ],
    );
}

#[test]
fn a_select_without_its_choice_list_is_an_error() {
    check(
        &format!("| survey |\n| | type | name | label |\n| | select_one colours | q1 | Q1 |\n{OK_CHOICES}"),
        &[
            "f.md:survey:3:B: error: choice list 'colours' is not in the choices sheet; add its choices there with list_name 'colours', or correct the name",
        ],
    );
}

#[test]
fn duplicate_choice_names_in_a_list_are_errors() {
    check(
        "| survey |\n| | type | name | label |\n| | select_one yn | q1 | Q1 |\n| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n| | yn | yes | Oui |\n",
        &[
            "f.md:choices:7:C: error: choice 'yes' appears twice in list 'yn' (first at row 6); give each choice of a list its own name",
        ],
    );
}

#[test]
fn a_reference_to_an_unknown_question_is_an_error() {
    check(
        "| survey |\n| | type | name | label | relevant |\n| | text | q1 | Q1 | |\n| | text | q2 | Q2 | ${q3} = 'x' |\n",
        &[
            "f.md:survey:4:E: error: relevant refers to ${q3} at character 1, but no question is named 'q3'; correct the name or add the question",
        ],
    );
}

#[test]
fn labels_referring_to_unknown_questions_are_errors() {
    check(
        "| survey |\n| | type | name | label |\n| | note | n1 | Hello ${who} |\n",
        &["f.md:survey:3:D: error: the text refers to ${who}, but no question is named 'who'"],
    );
}

#[test]
fn expression_syntax_errors_give_the_position() {
    check(
        "| survey |\n| | type | name | label | constraint |\n| | integer | q1 | Q1 | . >= 0 and (. < 10 |\n",
        &[
            "f.md:survey:3:E: error: constraint '. >= 0 and (. < 10' is not a valid expression at character 19: expected ')' to close the '(' opened here before",
        ],
    );
    check(
        "| survey |\n| | type | name | label | relevant |\n| | integer | q1 | Q1 | |\n| | text | q2 | Q2 | ${q1} > > 3 |\n",
        &[
            "f.md:survey:4:E: error: relevant '${q1} > > 3' is not a valid expression at character 9: unexpected '>': a value is expected here",
        ],
    );
}

#[test]
fn functions_outside_the_subset_are_warnings() {
    check(
        "| survey |\n| | type | name | label | calculation |\n| | calculate | c | | pulldata('f', 'a', 'b', 'c') |\n",
        &[
            "f.md:survey:3:E: warning: calculation calls pulldata() at character 1, which Mamori cannot evaluate; when answers are checked this calculation is taken as satisfied",
        ],
    );
}

#[test]
fn unsupported_and_unknown_types_are_refused() {
    check(
        "| survey |\n| | type | name | label |\n| | geopoint | where | Where? |\n| | frobnicate | f | F |\n",
        &[
            "f.md:survey:3:B: error: type 'geopoint' is not supported: location questions cannot be answered in a web questionnaire",
            "f.md:survey:4:B: error: unknown type 'frobnicate'; the types Mamori supports are text, integer, decimal, range, select_one LIST, select_multiple LIST, rank LIST, select_one_from_file FILE.csv, select_multiple_from_file FILE.csv, date, time, datetime, note, calculate, acknowledge, hidden, begin/end group, begin/end repeat, and the metadata types (start, end, today, deviceid, username, email, …)",
        ],
    );
}

#[test]
fn unmatched_groups_and_repeats_are_errors() {
    check(
        "| survey |\n| | type | name | label |\n| | end group | | |\n| | begin group | g | G |\n| | text | q | Q |\n",
        &[
            "f.md:survey:3:B: error: 'end group' has no matching 'begin group' above it; remove it or add the begin row",
            "f.md:survey:4:B: error: 'begin group g' is never closed; add an 'end group' row after its last question",
        ],
    );
    check(
        "| survey |\n| | type | name | label |\n| | begin group | g | G |\n| | text | q | Q |\n| | end repeat | | |\n",
        &["f.md:survey:5:B: error: 'end repeat' closes 'begin group g' (row 3); write 'end group' here"],
    );
}

#[test]
fn report_rows_must_name_known_questions_and_choices() {
    let form = format!(
        "| survey |\n| | type | name | label |\n| | select_one yn | q1 | Q1 |\n| | integer | n | N |\n{OK_CHOICES}| report |\n| | kind | name | question | choices | numerator | denominator |\n| | segment | by_x | q9 | | | |\n| | share | s1 | q1 | yes maybe | | |\n| | ratio_of_sums | r1 | | | n | q1 |\n| | pie | p | q1 | | | |\n"
    );
    check(
        &form,
        &[
            "f.md:report:11:D: error: question 'q9' is not a question of the survey sheet",
            "f.md:report:12:E: error: choice 'maybe' is not in list 'yn' of question 'q1'",
            "f.md:report:13:G: error: denominator 'q1' must be an integer or decimal question",
            "f.md:report:14:B: error: report kind 'pie' is unknown: write segment, share or ratio_of_sums",
        ],
    );
}

#[test]
fn codebook_rows_must_name_text_questions() {
    check(
        "| survey |\n| | type | name | label |\n| | text | t | T |\n| | integer | n | N |\n| codebook |\n| | question | category | keywords |\n| | nope | c1 | a b |\n| | n | c2 | a |\n",
        &[
            "f.md:codebook:7:B: error: codebook question 'nope' is not a question of the survey sheet",
            "f.md:codebook:8:B: error: codebook question 'n' is integer; only text questions are coded",
        ],
    );
}

#[test]
fn scores_must_be_numbers() {
    check(
        "| survey |\n| | type | name | label |\n| | select_one s | q | Q |\n| choices |\n| | list_name | name | label | score |\n| | s | done | Done | 1 |\n| | s | none | None | zero |\n",
        &[
            "f.md:choices:7:E: error: score 'zero' is not a number: write a number such as 1, 0.5 or 0, or leave it empty for an unscored choice",
        ],
    );
}

#[test]
fn missing_translations_are_warnings_not_errors() {
    check(
        "| survey |\n| | type | name | label::Japanese (ja) | label::English (en) |\n| | text | q | 会社名 | |\n",
        &[
            "f.md:survey:3:D: warning: '会社名' has no translation in English (en); respondents using that language see another language",
        ],
    );
}

#[test]
fn two_headers_for_one_column_are_an_error() {
    check(
        "| survey |\n| | type | name | label | relevant | relevance |\n| | text | q | Q | | |\n",
        &[
            "f.md:survey:2:F: error: header 'relevance' means the same column as 'relevant' (column E); rename or remove one of them",
        ],
    );
}

#[test]
fn invalid_and_missing_names_are_errors() {
    check(
        "| survey |\n| | type | name | label |\n| | text | company name | Q |\n| | integer | | N |\n| | | orphan | O |\n",
        &[
            "f.md:survey:3:C: error: name 'company name' is not valid: use letters, digits, '_', '-' or '.', starting with a letter or '_' (no spaces)",
            "f.md:survey:4:C: error: this question has no name: every question needs a unique name",
            "f.md:survey:5:B: error: 'orphan' has no type: write its type, e.g. text, integer or select_one LIST",
        ],
    );
}

#[test]
fn a_file_without_a_survey_sheet_is_an_error() {
    check(
        "| questions |\n| | type | name |\n| choices |\n| | list_name | name |\n",
        &[
            "f.md: error: has no sheet named 'survey' (sheets found: questions, choices); rename the sheet with the questions to 'survey'",
        ],
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let outcome = read_bytes(
        "f.md",
        b"| survey |\n| | type | name | label | relevant |\n| | text | a | A | ${zz} |\n| | text | a | B | |\n| | select_one nope | c | C | |\n| | photo | p | P | |\n",
    );
    assert_eq!(outcome.diagnostics.iter().filter(|d| d.is_error()).count(), 4, "{:#?}", outcome.diagnostics);
}

#[test]
fn weights_must_be_numbers() {
    check(
        "| survey |\n| | type | name | label | weight |\n| | text | q | Q | heavy |\n",
        &["f.md:survey:3:E: error: weight 'heavy' is not a number: write a number such as 1 or 2, or leave it empty"],
    );
}

#[test]
fn a_bare_name_of_no_question_loads_with_a_warning_saying_how_odk_reads_it() {
    // Forms from ODK projects write `FALSE` or `null` for a constant; ODK Collect runs them
    // (the name is a path to no node: empty, false), so Mamori loads them and says so.
    check(
        "| survey |\n| | type | name | label | relevant | calculation |\n| | text | q1 | Q1 | | |\n| | text | q2 | Q2 | FALSE | |\n| | calculate | c | | | if(${q1} = 'x', 'seen', null) |\n",
        &[
            "f.md:survey:4:E: warning: relevant reads 'FALSE' at character 1, which is no question: ODK takes a path to nothing as empty, so this is always empty (false — TRUE would be false too); write false() or true() for a constant, or ${question_name} to refer to a question",
            "f.md:survey:5:F: warning: calculation reads 'null' at character 25, which is no question: ODK takes a path to nothing as empty, so this is always empty (false — TRUE would be false too); write false() or true() for a constant, or ${question_name} to refer to a question",
        ],
    );
}

#[test]
fn a_type_in_the_wrong_case_is_unknown_as_in_pyxform_and_the_message_says_the_spelling() {
    check(
        "| survey |\n| | type | name | label |\n| | Text | q1 | Q1 |\n| | Select_one YesNo | q2 | Q2 |\n| choices |\n| | list_name | name | label |\n| | YesNo | yes | Yes |\n",
        &[
            "f.md:survey:3:B: error: unknown type 'Text': type names are read exactly as written, as pyxform and ODK read them; write 'text'",
            "f.md:survey:4:B: error: unknown type 'Select_one YesNo': type names are read exactly as written, as pyxform and ODK read them; write 'select_one YesNo'",
        ],
    );
}

#[test]
fn xpath_beyond_the_subset_loads_with_a_warning_naming_what_and_where() {
    // ODK forms use relative paths and XPath that Mamori does not evaluate; they load (as
    // pyxform converts them) with a located warning, never an error.
    check(
        "| survey |\n| | type | name | label | calculation |\n| | text | q1 | Q1 | |\n| | calculate | c1 | | position(..) |\n| | calculate | c2 | | instance('yn')/root/item[name = ${q1}]/label |\n| | calculate | c3 | | instance('yn')/root/item/label/x |\n| | calculate | c4 | | instance('ny')/root/item[name = ${q1}]/label |\n| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n",
        &[
            "f.md:survey:4:E: warning: calculation calls position() at character 1, which Mamori cannot evaluate; when answers are checked this calculation is taken as satisfied",
            "f.md:survey:4:E: warning: calculation uses the path '..' (no question named) at character 10, which Mamori cannot evaluate; when answers are checked this calculation is taken as satisfied",
            // c2, a lookup in a choice list, is evaluated: no warning. Past the column, c3 is not.
            "f.md:survey:6:E: warning: calculation uses a step after an item's column at character 31, which Mamori cannot evaluate; when answers are checked this calculation is taken as satisfied",
            "f.md:survey:6:E: warning: calculation uses a path after a function's result at character 31, which Mamori cannot evaluate; when answers are checked this calculation is taken as satisfied",
            "f.md:survey:7:E: warning: calculation reads the choice list 'ny' at character 1, but the choices sheet has no list of that name, so the lookup is always empty; correct the list_name",
        ],
    );
}

/// A range's `parameters` errors at their cell, with pyxform 4.5.0's verdicts (each case was
/// run through it: a missing tick_labelset list and a zero step are refused there too).
#[test]
fn a_range_with_bad_parameters_is_an_error_at_its_cell() {
    check(
        "| survey |\n| | type | name | label | parameters |\n| | range | r | R | start=1 end=5 tick_labelset=nope |\n| | range | s | S | step=0 |\n",
        &[
            "f.md:survey:3:E: error: tick_labelset 'nope' is not a choice list of the choices sheet (parameters 'start=1 end=5 tick_labelset=nope'); write e.g. start=1 end=5 step=1",
            "f.md:survey:4:E: error: range parameter 'step' must not be 0 (parameters 'step=0'); write e.g. start=1 end=5 step=1",
        ],
    );
}
