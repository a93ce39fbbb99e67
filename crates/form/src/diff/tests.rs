//! `diff` on small questionnaires: what maps, what changed, what is new or dropped, and one
//! broken mapping per error kind with its located message.

use super::diff;
use crate::model::Form;

/// A questionnaire in pyxform's Markdown layout: survey rows (type, name, label, relevant,
/// previous_name, comparability) and choice rows (list, name, label, previous).
fn form(survey: &[[&str; 6]], choices: &[[&str; 4]]) -> Form {
    let mut md = String::from("| survey |\n| | type | name | label | relevant | previous_name | comparability |\n");
    for r in survey {
        md.push_str(&format!("| | {} |\n", r.join(" | ")));
    }
    md.push_str("| choices |\n| | list_name | name | label | previous |\n");
    for r in choices {
        md.push_str(&format!("| | {} |\n", r.join(" | ")));
    }
    md.push_str("| settings |\n| | form_id | version |\n| | wave | 1 |\n");
    let outcome = crate::read_bytes("new.md", md.as_bytes());
    assert!(!outcome.has_errors(), "{:?}", outcome.diagnostics);
    outcome.form.unwrap()
}

fn old() -> Form {
    form(
        &[
            ["select_one status", "sbom", "SBOM", "", "", ""],
            ["select_one yesno", "psirt", "PSIRT", "", "", ""],
            ["integer", "products", "Products", "", "", ""],
            ["text", "comment", "Comment", "${psirt} = 'yes'", "", ""],
            ["text", "old_only", "Dropped later", "", "", ""],
        ],
        &[
            ["status", "done", "Done", ""],
            ["status", "prep", "In preparation", ""],
            ["status", "none", "Not started", ""],
            ["yesno", "yes", "Yes", ""],
            ["yesno", "no", "No", ""],
        ],
    )
}

#[test]
fn the_same_form_maps_every_item_to_itself_with_no_change() {
    let d = diff(&old(), &old(), "new.md");
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(d.mapped.len(), 5);
    assert!(d.mapped.iter().all(|m| m.name == m.previous_name && m.comparable && m.changes.is_empty()));
    assert!(d.added.is_empty() && d.dropped.is_empty());
}

#[test]
fn renames_merges_new_and_dropped_items_are_reported() {
    let new = form(
        &[
            ["select_one status2", "sbom_current", "SBOM (current products)", "", "sbom", "準備中と完了を合わせて比較"],
            ["select_one yesno", "psirt", "PSIRT", "", "", ""],
            ["decimal", "products", "Products", "", "", ""],
            ["text", "comment", "Comment", "${psirt} = 'yes' and ${products} > 0", "", ""],
            ["text", "brand_new", "New item", "", "", ""],
        ],
        &[
            ["status2", "started", "Started or done", "done prep"],
            ["status2", "none", "Not started", ""],
            ["status2", "na", "No such product", ""],
            ["yesno", "yes", "Yes", ""],
            ["yesno", "no", "No", ""],
        ],
    );
    let d = diff(&old(), &new, "new.md");
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    let sbom = &d.mapped[0];
    assert_eq!((sbom.name.as_str(), sbom.previous_name.as_str(), sbom.comparable), ("sbom_current", "sbom", true));
    assert_eq!(sbom.note.as_deref(), Some("準備中と完了を合わせて比較"));
    assert_eq!(
        sbom.choices,
        [
            ("started".to_string(), vec!["done".to_string(), "prep".to_string()]),
            ("none".into(), vec!["none".into()]),
            ("na".into(), vec![])
        ]
    );
    assert!(sbom.changes.contains(&"'started' merges done, prep".to_string()), "{:?}", sbom.changes);
    assert!(sbom.changes.contains(&"new choice 'na'".to_string()));
    assert!(sbom.changes.iter().any(|c| c.starts_with("label")));
    let products = d.mapped.iter().find(|m| m.name == "products").unwrap();
    assert_eq!(products.changes, ["type integer → decimal"], "a whole number and a decimal compare");
    let comment = d.mapped.iter().find(|m| m.name == "comment").unwrap();
    assert!(comment.changes[0].starts_with("relevant: '${psirt} = 'yes'' →"), "{:?}", comment.changes);
    assert_eq!(d.added, ["brand_new"]);
    assert_eq!(d.dropped, ["old_only"]);
}

/// One broken mapping per kind, each with its cell and message (a Markdown form's rows are its
/// lines: the first choice of a one-item form is line 6).
#[test]
fn mappings_that_cannot_hold_are_located() {
    let cases: Vec<(Form, &str, &str)> = vec![
        (
            form(&[["select_one status", "sbom_now", "SBOM", "", "sbom_typo", ""]], &[["status", "done", "Done", ""]]),
            "new.md:survey:3:F",
            "previous_name 'sbom_typo' is not a question of the previous version",
        ),
        (
            form(&[["text", "sbom", "SBOM as text", "", "", ""]], &[]),
            "new.md:survey:3",
            "'sbom' was select_one and is now text: the answers cannot be compared",
        ),
        (
            form(
                &[
                    ["select_one yesno", "psirt", "PSIRT", "", "", ""],
                    ["select_one yesno", "psirt_team", "PSIRT", "", "psirt", ""],
                ],
                &[["yesno", "yes", "Yes", ""], ["yesno", "no", "No", ""]],
            ),
            "new.md:survey:4:F",
            "'psirt' of the previous version is already mapped to 'psirt'",
        ),
        (
            form(&[["select_one status", "sbom", "SBOM", "", "", ""]], &[["status", "done", "Done", "finished"]]),
            "new.md:choices:6:E",
            "previous code 'finished' is not a choice of 'sbom' in the previous version (its choices: done, none, prep)",
        ),
        (
            form(
                &[["select_one status", "sbom", "SBOM", "", "", ""]],
                &[["status", "done_all", "Done for all", "done"], ["status", "done_some", "Done for some", "done"]],
            ),
            "new.md:choices:7:E",
            "previous code 'done' of 'sbom' is mapped twice, to 'done_all' and 'done_some': a split cannot be compared",
        ),
        (
            form(&[["select_one status", "sbom", "SBOM", "", "", ""]], &[["status", "done", "Done", "done done"]]),
            "new.md:choices:6:E",
            "previous code 'done' is listed twice for 'done'",
        ),
    ];
    for (new, at, message) in cases {
        let d = diff(&old(), &new, "new.md");
        assert_eq!(d.errors.len(), 1, "{message}: {:?}", d.errors);
        assert_eq!(d.errors[0].location.to_string(), at, "{message}");
        assert!(d.errors[0].message.starts_with(message), "{}", d.errors[0].message);
    }
}

#[test]
fn a_split_declared_not_comparable_is_no_error_and_not_comparable() {
    let new = form(
        &[["select_one status", "sbom", "SBOM", "", "", "no: 完了を製品の一部と全部に分けたため"]],
        &[["status", "done_all", "Done for all", "done"], ["status", "done_some", "Done for some", "done"]],
    );
    let d = diff(&old(), &new, "new.md");
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert!(!d.mapped[0].comparable);
}
