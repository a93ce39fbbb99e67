//! Two synthetic waves with known effects: 60 organisations each, 40 in both (two thirds), an
//! item renamed, one dropped, one added, one declared not comparable, a select_multiple
//! recoded. Every count, the panel matching and the tests are checked against values worked
//! out by hand here (the statistics themselves are checked against SciPy and statsmodels in
//! `change::tests`).

use super::{Wave, trend};
use mamori_dataset::{ReadOptions, read_responses};
use mamori_form::diff::diff;
use mamori_form::model::Form;

fn form(survey: &[[&str; 5]], choices: &[[&str; 4]]) -> Form {
    let mut md = String::from("| survey |\n| | type | name | label | previous_name | comparability |\n");
    for r in survey {
        md.push_str(&format!("| | {} |\n", r.join(" | ")));
    }
    md.push_str("| choices |\n| | list_name | name | label | score |\n");
    for r in choices {
        md.push_str(&format!("| | {} |\n", r.join(" | ")));
    }
    md.push_str("| settings |\n| | form_id | version |\n| | wave | 1 |\n");
    let outcome = mamori_form::read_bytes("wave.md", md.as_bytes());
    assert!(!outcome.has_errors(), "{:?}", outcome.diagnostics);
    outcome.form.unwrap()
}

const CHOICES: [[&str; 4]; 8] = [
    ["size", "big", "Big", ""],
    ["size", "small", "Small", ""],
    ["status", "done", "Done", "1"],
    ["status", "prep", "In preparation", "0.5"],
    ["status", "none", "Not started", "0"],
    ["tools", "a", "Tool A", ""],
    ["tools", "b", "Tool B", ""],
    ["tools", "c", "Tool C", ""],
];

fn responses(form: &Form, header: &str, rows: impl Iterator<Item = String>) -> mamori_dataset::Responses {
    let mut csv = format!("{header}\n");
    rows.for_each(|r| csv.push_str(&(r + "\n")));
    read_responses(form, "wave.csv", csv.as_bytes(), &ReadOptions::default()).unwrap().responses
}

#[test]
fn two_waves_with_a_two_thirds_panel() {
    let old_form = form(
        &[
            ["select_one size", "size", "Size", "", ""],
            ["select_one status", "sbom", "SBOM", "", ""],
            ["select_multiple tools", "tools", "Tools", "", ""],
            ["select_one status", "policy", "Policy", "", ""],
            ["text", "dropped_later", "Dropped", "", ""],
        ],
        &CHOICES,
    );
    let new_form = form(
        &[
            ["select_one size", "size", "Size", "", ""],
            ["select_one status", "sbom_products", "SBOM for products", "sbom", ""],
            ["select_multiple tools", "tools", "Tools", "", ""],
            ["select_one status", "policy", "Policy", "", "no: the question now asks about a written policy"],
            ["text", "brand_new", "New", "", ""],
        ],
        &CHOICES,
    );
    // Wave 1: o1–o60. SBOM: o1–o20 done, o21–o40 prep, o41–o60 none. Everyone uses tool A.
    // Size: o1–o30 big, the rest small.
    let old = responses(
        &old_form,
        "_id,size,sbom,tools,policy,dropped_later",
        (1..=60).map(|i| {
            let size = if i <= 30 { "big" } else { "small" };
            let sbom = if i <= 20 {
                "done"
            } else if i <= 40 {
                "prep"
            } else {
                "none"
            };
            format!("o{i},{size},{sbom},a,none,x")
        }),
    );
    // Wave 2: o1–o40 again (all done now; tools A and B), and n1–n20 (half done, half none;
    // tool B only).
    // Size as before for o1–o40; n1–n20 small.
    let new = responses(
        &new_form,
        "_id,size,sbom_products,tools,policy,brand_new",
        (1..=40).map(|i| format!("o{i},{},done,a b,done,y", if i <= 30 { "big" } else { "small" })).chain(
            (1..=20).map(|i| {
                let sbom = if i <= 10 { "done" } else { "none" };
                format!("n{i},small,{sbom},b,done,y")
            }),
        ),
    );
    let d = diff(&old_form, &new_form, "wave.md");
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    let t = trend(
        &Wave { form: &old_form, responses: &old },
        &Wave { form: &new_form, responses: &new },
        &d,
        &["size".to_string()],
        2000,
    )
    .unwrap();
    assert_eq!(t.panel_n, 40, "o1–o40 matched by _id");
    assert_eq!(t.not_comparable, ["policy"]);
    assert_eq!(
        (t.only_in.previous.as_slice(), t.only_in.current.as_slice()),
        (&["dropped_later".to_string()][..], &["brand_new".to_string()][..])
    );

    let sbom = t.items.iter().find(|i| i.name == "sbom_products").unwrap();
    assert_eq!(sbom.previous_name, "sbom");
    assert_eq!(
        (
            sbom.waves.previous.n,
            sbom.waves.previous.counts["done"],
            sbom.waves.previous.counts["prep"],
            sbom.waves.previous.counts["none"]
        ),
        (60, 20, 20, 20)
    );
    assert_eq!(
        (
            sbom.waves.current.n,
            sbom.waves.current.counts["done"],
            sbom.waves.current.counts["prep"],
            sbom.waves.current.counts["none"]
        ),
        (60, 50, 0, 10)
    );
    assert!((sbom.change["done"].points - 50.0).abs() < 1e-9);
    assert!(sbom.change["done"].ci95[0] > 0.0, "a clear rise: {:?}", sbom.change["done"]);
    // The test of change runs on the independent parts only: wave 1's o41–o60 (none ×20)
    // against wave 2's n1–n20 (done 10, none 10): X² = 5 + 5/3 + 5 + 5/3 = 13.33 on 1 dof.
    let test = sbom.test.as_ref().unwrap();
    assert_eq!(test.n_independent, [20, 20]);
    assert_eq!(test.method, "chi_square");
    assert!((test.statistic - 13.3333).abs() < 1e-3, "{test:?}");
    assert!((test.p - 0.000_260_8).abs() < 1e-6, "{test:?}");
    // The panel: 20 moved prep → done, 20 stayed done; nobody got worse.
    let panel = sbom.panel.as_ref().unwrap();
    assert_eq!((panel.n, panel.improved, panel.unchanged, panel.worse), (40, Some(20), Some(20), Some(0)));
    assert_eq!(panel.method, "mcnemar_exact", "only done and prep occur in the panel");
    assert!((panel.p - 2.0 * 0.5f64.powi(20)).abs() < 1e-15);

    // By size. Big: wave 1 o1–o30 (done 20, prep 10), wave 2 o1–o30 (done 30); the panel's
    // ten prep → done. Small: wave 1 o31–o60 (prep 10, none 20), wave 2 o31–o40 and n1–n20
    // (done 20, none 10).
    let big = &sbom.by["size"]["big"];
    assert_eq!(
        (big.waves.previous.n, big.waves.previous.counts["done"], big.waves.previous.counts["prep"]),
        (30, 20, 10)
    );
    assert_eq!((big.waves.current.n, big.waves.current.counts["done"]), (30, 30));
    let bp = big.panel.as_ref().unwrap();
    assert_eq!((bp.n, bp.improved, bp.unchanged), (30, Some(10), Some(20)));
    assert!(big.test.is_none(), "no big organisation answered one wave only");
    let small = &sbom.by["size"]["small"];
    assert_eq!((small.waves.previous.counts["prep"], small.waves.previous.counts["none"]), (10, 20));
    assert_eq!((small.waves.current.counts["done"], small.waves.current.counts["none"]), (20, 10));
    assert_eq!(small.panel.as_ref().unwrap().improved, Some(10));
    assert_eq!(small.test.as_ref().unwrap().n_independent, [20, 20]);
    assert!(!t.items.iter().find(|i| i.name == "size").unwrap().by.contains_key("size"), "not by itself");
    // Each choice of the select_multiple: A from 60/60 to 40/60, B from 0/60 to 60/60.
    let a = t.items.iter().find(|i| i.name == "tools/a").unwrap();
    assert_eq!((a.waves.previous.counts["chosen"], a.waves.current.counts["chosen"]), (60, 40));
    assert_eq!(a.panel.as_ref().unwrap().method, "no_change", "the panel kept tool A");
    // By size too: big o1–o30 kept tool A in both waves.
    let a_big = &a.by["size"]["big"];
    assert_eq!((a_big.waves.previous.counts["chosen"], a_big.waves.current.counts["chosen"]), (30, 30));
    assert_eq!(a_big.name, "tools/a");
    let b = t.items.iter().find(|i| i.name == "tools/b").unwrap();
    assert_eq!((b.waves.previous.counts["chosen"], b.waves.current.counts["chosen"]), (0, 60));
    let bp = b.panel.as_ref().unwrap();
    assert_eq!((bp.improved, bp.worse), (Some(40), Some(0)));
    assert!((bp.p - 2.0 * 0.5f64.powi(40)).abs() < 1e-20);
    // The readiness score: wave 1 has sbom and policy scored (policy none = 0): o1–o20 0.5,
    // o21–o40 0.25, o41–o60 0; wave 2: o1–o40 1.0, n1–n10 1.0, n11–n20 0.5.
    let score = t.score.as_ref().unwrap();
    assert_eq!((score.waves.previous.n, score.waves.current.n), (60, 60));
    assert!(
        (score.waves.previous.mean - 0.25).abs() < 1e-12
            && (score.waves.current.mean - (50.0 + 5.0) / 60.0).abs() < 1e-12
    );
    let sp = score.panel.as_ref().unwrap();
    assert_eq!((sp.n, sp.improved, sp.unchanged, sp.worse), (40, Some(40), Some(0), Some(0)));
    assert_eq!(sp.method, "wilcoxon_signed_rank");
    // By size: big o1–o30 scored (20 × 0.5 + 10 × 0.25) / 30 then 1.0 each; all 30 improved.
    let big = &score.by["size"]["big"];
    assert!((big.waves.previous.mean - 12.5 / 30.0).abs() < 1e-12 && (big.waves.current.mean - 1.0).abs() < 1e-12);
    assert_eq!(big.panel.as_ref().map(|p| (p.n, p.improved)), Some((30, Some(30))));
    // Small: o31–o60 then o31–o40 and n1–n20; the panel's o31–o40 (0.25 → 1.0) only.
    let small_score = &score.by["size"]["small"];
    assert_eq!((small_score.waves.previous.n, small_score.waves.current.n), (30, 30));
    assert_eq!(small_score.panel.as_ref().map(|p| p.n), Some(10));
    let st = score.test.as_ref().unwrap();
    assert_eq!((st.method.as_str(), st.n_independent), ("mann_whitney", [20, 20]));
    // In words: SBOM (done + prep) from 40/60 to 50/60, significant both ways; policy is not
    // comparable and tools is no select_one, so one sentence.
    let words = super::in_words(&t, &new_form, "default", true);
    assert_eq!(
        words,
        [
            "SBOM for products（Done＋In preparation）は前回66.7%から83.3%に増加（+16.7ポイント、Holm補正後 p < 0.001、両年度回答の40社で改善20・悪化0、p < 0.001）"
        ]
    );
    let english = super::in_words(&t, &new_form, "default", false);
    assert!(english[0].starts_with("SBOM for products (Done + In preparation) rose from 66.7% to 83.3% (+16.7 points; Holm-adjusted p < 0.001; panel of 40: 20 improved, 0 worse, p < 0.001)"), "{english:?}");
    // Holm across the report's tests: never below the raw p.
    assert!(t.items.iter().filter_map(|i| i.test.as_ref()).all(|t| t.p_holm >= t.p));
}

/// Two waves of 40 organisations, all in both; three are small. SBOM: wave 1 done 20, prep 20;
/// wave 2 o1 done → none (worse), o2–o38 done, o39–o40 prep.
fn small_segment_waves() -> (Form, Form, mamori_dataset::Responses, mamori_dataset::Responses) {
    let survey = [
        ["select_one size", "size", "Size", "", ""],
        ["select_one status", "sbom", "SBOM", "", ""],
        ["select_one status", "policy", "Policy", "", ""],
    ];
    let (old_form, new_form) = (form(&survey, &CHOICES), form(&survey, &CHOICES));
    let size = |i: u32| if i <= 37 { "big" } else { "small" };
    let old = responses(
        &old_form,
        "_id,size,sbom,policy",
        (1..=40).map(|i| format!("o{i},{},{},done", size(i), if i <= 20 { "done" } else { "prep" })),
    );
    let new = responses(
        &new_form,
        "_id,size,sbom,policy",
        (1..=40).map(|i| {
            let sbom = match i {
                1 => "none",
                2..=38 => "done",
                _ => "prep",
            };
            format!("o{i},{},{sbom},done", size(i))
        }),
    );
    (old_form, new_form, old, new)
}

#[test]
fn publishing_withholds_small_counts_moves_and_segments_in_both_waves() {
    let (old_form, new_form, old, new) = small_segment_waves();
    let d = diff(&old_form, &new_form, "wave.md");
    let run = || {
        trend(
            &Wave { form: &old_form, responses: &old },
            &Wave { form: &new_form, responses: &new },
            &d,
            &["size".to_string()],
            2000,
        )
        .unwrap()
    };
    let rules = crate::disclosure::Rules { publish: true, min_cell: 5 };
    // Unpublished (the analyst's view), everything is there.
    let mut analyst = run();
    super::publish(&mut analyst, crate::disclosure::Rules { publish: false, min_cell: 5 });
    let sbom = analyst.items.iter().find(|i| i.name == "sbom").unwrap();
    assert_eq!(sbom.waves.current.counts["none"], 1);
    assert_eq!(sbom.by["size"].len(), 2);
    assert_eq!(sbom.panel.as_ref().unwrap().worse, Some(1));

    let mut published = run();
    super::publish(&mut published, rules);
    let sbom = published.items.iter().find(|i| i.name == "sbom").unwrap();
    // Wave 2's prep 2 and none 1 are withheld, with their shares and changes; done 37 stays.
    assert_eq!(sbom.waves.current.counts.keys().collect::<Vec<_>>(), ["done"]);
    assert_eq!(sbom.waves.current.withheld, ["none", "prep"]);
    assert!(!sbom.waves.current.percent.contains_key("prep"));
    assert_eq!(sbom.change.keys().collect::<Vec<_>>(), ["done"]);
    // Wave 1 (done 20, prep 20) is shown whole.
    assert!(sbom.waves.previous.withheld.is_empty());
    // One company got worse: the moves are withheld, the panel's size and test stay.
    let panel = sbom.panel.as_ref().unwrap();
    assert_eq!((panel.n, panel.improved, panel.unchanged, panel.worse), (40, None, None, None));
    // Small (3 companies) is withheld, and big too: overall less big would be small.
    assert!(!sbom.by.contains_key("size"));
    assert_eq!(sbom.withheld_segments, ["size=big", "size=small"]);
    // The score's segments likewise.
    let score = published.score.as_ref().unwrap();
    assert!(score.by.is_empty());
    assert_eq!(score.withheld_segments, ["size=big", "size=small"]);
    // No sentence rests on a withheld count.
    let words = super::in_words(&published, &new_form, "default", true);
    assert!(words.iter().all(|w| !w.starts_with("SBOM")), "{words:?}");
    // Nothing withheld is left anywhere in the published JSON.
    let json = serde_json::to_string(&published).unwrap();
    assert!(!json.contains("\"worse\":1"), "{json}");
}

#[test]
fn a_wave_of_fewer_than_min_cell_is_withheld_whole() {
    let (old_form, new_form, old, _) = small_segment_waves();
    let few = responses(&new_form, "_id,size,sbom,policy", (1..=3).map(|i| format!("o{i},big,done,done")));
    let d = diff(&old_form, &new_form, "wave.md");
    let mut t =
        trend(&Wave { form: &old_form, responses: &old }, &Wave { form: &new_form, responses: &few }, &d, &[], 100)
            .unwrap();
    super::publish(&mut t, crate::disclosure::Rules { publish: true, min_cell: 5 });
    assert!(t.items.is_empty(), "{:?}", t.items.iter().map(|i| &i.name).collect::<Vec<_>>());
    assert!(t.score.is_none());
    assert_eq!(t.withheld, ["size", "sbom", "policy", "score"]);
}

#[test]
fn ids_repeated_or_empty_are_never_paired() {
    let (old_form, new_form, _, _) = small_segment_waves();
    let header = "_id,size,sbom,policy";
    let repeated = responses(
        &new_form,
        header,
        ["a,big,done,done", "b,big,done,done", "a,small,none,done"].map(String::from).into_iter(),
    );
    // Rows without an id in both waves: not a panel of two, and not repeats.
    let old = responses(
        &old_form,
        header,
        [",big,done,done", "x,big,done,done", ",small,done,done"].map(String::from).into_iter(),
    );
    let new = responses(&new_form, header, [",big,none,done", "y,big,done,done"].map(String::from).into_iter());
    let d = diff(&old_form, &new_form, "wave.md");
    let waves = |old, new| {
        trend(&Wave { form: &old_form, responses: old }, &Wave { form: &new_form, responses: new }, &d, &[], 100)
    };
    let err = waves(&old, &repeated).unwrap_err();
    assert_eq!(err, super::RepeatedId { previous_wave: false, id: "a".into(), rows: (0, 2) });
    let err = waves(&repeated, &new).unwrap_err();
    assert!(err.previous_wave);
    let t = waves(&old, &new).unwrap();
    assert_eq!(t.panel_n, 0);
    // An empty wave gives counts of zero, no change and no test, and does not panic.
    let empty = responses(&new_form, header, std::iter::empty());
    let t = trend(
        &Wave { form: &old_form, responses: &old },
        &Wave { form: &new_form, responses: &empty },
        &d,
        &["size".into()],
        100,
    )
    .unwrap();
    let sbom = t.items.iter().find(|i| i.name == "sbom").unwrap();
    assert_eq!((sbom.waves.current.n, sbom.change.len()), (0, 0));
    assert!(sbom.panel.is_none());
}

/// Responses of a form without questions holding only these ids (a row each).
fn ids_only(ids: &[String]) -> mamori_dataset::Responses {
    let mut column = mamori_dataset::TextColumn::default();
    ids.iter().for_each(|id| column.push(id));
    mamori_dataset::Responses {
        columns: Vec::new(),
        rows: (2..ids.len() + 2).collect(),
        ids: Some(column),
        meta: Vec::new(),
    }
}

proptest::proptest! {
    /// The panel matched through keyed hashes is exactly the join of the two id lists done the
    /// slow, obvious way (ids drawn from a small alphabet, so that waves share many, rows
    /// lack some, and some repeat), in one part or in up to 16 (a repeat may then be found in
    /// any part: the one reported is still the one whose second row comes first).
    #[test]
    fn the_panel_is_the_join_of_the_ids(
        old in proptest::collection::vec("[ab]{0,3}", 0..30),
        new in proptest::collection::vec("[ab]{0,3}", 0..30),
        bits in 0u32..5,
    ) {
        use std::collections::BTreeMap;
        let first_repeat = |ids: &[String]| {
            let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
            for (i, id) in ids.iter().enumerate().filter(|(_, id)| !id.is_empty()) {
                if let Some(&first) = seen.get(id.as_str()) {
                    return Some((first, i));
                }
                seen.insert(id, i);
            }
            None
        };
        let got = super::panel::match_ids_in(&ids_only(&old), &ids_only(&new), bits);
        match (first_repeat(&old), first_repeat(&new)) {
            (Some(rows), _) => proptest::prop_assert_eq!(got.unwrap_err().rows, rows),
            (None, Some(rows)) => {
                let e = got.unwrap_err();
                proptest::prop_assert!(!e.previous_wave);
                proptest::prop_assert_eq!(e.rows, rows);
                proptest::prop_assert_eq!(&e.id, &new[rows.0]);
            }
            (None, None) => {
                let old_rows: BTreeMap<&str, usize> =
                    old.iter().enumerate().filter(|(_, id)| !id.is_empty()).map(|(i, id)| (id.as_str(), i)).collect();
                let expected: Vec<u32> = new
                    .iter()
                    .map(|id| old_rows.get(id.as_str()).filter(|_| !id.is_empty()).map_or(super::NO_ROW, |&i| i as u32))
                    .collect();
                proptest::prop_assert_eq!(got.unwrap(), expected);
            }
        }
    }
}

#[test]
fn feedback_shows_the_own_score_change_beside_the_peers() {
    // Scores (SBOM and policy scored; size not): wave 1 o1–o20 1.0, o21–o40 0.75; wave 2 o1
    // 0.5, o2–o38 1.0, o39–o40 0.75. o1 (big) fell by 0.5; its big peers o2–o37: 19 unchanged,
    // 17 up by 0.25.
    let (old_form, new_form, old, new) = small_segment_waves();
    let previous_of: Vec<Option<usize>> = (0..new.len()).map(Some).collect();
    let options = crate::FeedbackOptions { by: Some("size".into()), min_peers: 10, language: "default".into() };
    let c = crate::feedback::score_change((&new_form, &new), (&old_form, &old), &previous_of, 0, &options).unwrap();
    assert_eq!((c.previous_score, c.change), (1.0, -0.5));
    assert_eq!((c.peers.basis.as_str(), c.peers.peer_n), ("segment", 36));
    assert_eq!((c.peers.median, c.peers.q3), (Some(0.0), Some(0.25)));
    assert_eq!(c.peers.improved_percent, Some(47.2));
    // Small (o38–o40) has two peers: below min_peers, so all 39 others are the basis.
    let c = crate::feedback::score_change((&new_form, &new), (&old_form, &old), &previous_of, 39, &options).unwrap();
    assert_eq!((c.peers.basis.as_str(), c.peers.peer_n), ("all", 39));
    // Withheld when even all peers are fewer than min_peers.
    let few = crate::FeedbackOptions { min_peers: 50, ..options.clone() };
    let c = crate::feedback::score_change((&new_form, &new), (&old_form, &old), &previous_of, 0, &few).unwrap();
    assert!(c.peers.median.is_none() && c.peers.withheld.is_some());
    // Not in the previous wave: no change to show.
    let mut not_before = previous_of.clone();
    not_before[0] = None;
    assert!(crate::feedback::score_change((&new_form, &new), (&old_form, &old), &not_before, 0, &options).is_none());
}

#[test]
fn a_ratio_of_sums_compares_its_sums_and_each_organisations_ratio() {
    let md = "| survey |\n| | type | name | label |\n| | integer | total | Total |\n| | integer | done | Done |\n\
              | report |\n| | kind | name | numerator | denominator | label |\n| | ratio_of_sums | done_share | done | total | Done share |\n\
              | settings |\n| | form_id | version |\n| | ratio | 1 |\n";
    let form = mamori_form::read_bytes("ratio.md", md.as_bytes()).form.unwrap();
    let rows = |done: [u32; 4]| (0..4).map(move |i| format!("o{i},10,{}", done[i])).collect::<Vec<_>>();
    let old = responses(&form, "_id,total,done", rows([5, 5, 2, 2]).into_iter());
    let new = responses(&form, "_id,total,done", rows([8, 8, 2, 2]).into_iter());
    let d = diff(&form, &form, "ratio.md");
    let t =
        trend(&Wave { form: &form, responses: &old }, &Wave { form: &form, responses: &new }, &d, &[], 100).unwrap();
    let r = &t.ratios[0];
    assert_eq!((r.waves.previous.numerator, r.waves.previous.denominator), (14.0, 40.0));
    assert!((r.waves.previous.ratio - 0.35).abs() < 1e-12 && (r.waves.current.ratio - 0.5).abs() < 1e-12);
    assert!((r.change - 0.15).abs() < 1e-12);
    let panel = r.per_organisation.panel.as_ref().unwrap();
    assert_eq!((panel.improved, panel.unchanged, panel.worse), (Some(2), Some(2), Some(0)));
}

#[test]
fn one_segmentation_counts_as_several_do() {
    // With one segmentation the items are counted by a shorter path than with several; the
    // figures within `size` must not depend on which one ran. Random answers, a panel of
    // about two thirds, rows in no segment, answers left out.
    let f = form(
        &[
            ["select_one size", "size", "Size", "", ""],
            ["select_one size", "region", "Region", "", ""],
            ["select_one status", "sbom", "SBOM", "", ""],
            ["select_multiple tools", "tools", "Tools", "", ""],
            ["integer", "devices", "Devices", "", ""],
        ],
        &CHOICES,
    );
    let mut below = below_from(11);
    let mut wave = |ids: std::ops::Range<u32>| {
        let rows: Vec<String> = ids
            .map(|i| {
                let pick = |below: &mut dyn FnMut(u64) -> u64, options: &[&str]| {
                    options[below(options.len() as u64) as usize].to_string()
                };
                format!(
                    "o{i},{},{},{},{},{}",
                    pick(&mut below, &["big", "small", ""]),
                    pick(&mut below, &["big", "small", ""]),
                    pick(&mut below, &["done", "prep", "none", ""]),
                    pick(&mut below, &["a", "a b", "c", "b c", ""]),
                    below(30),
                )
            })
            .collect();
        responses(&f, "_id,size,region,sbom,tools,devices", rows.into_iter())
    };
    let (old, new) = (wave(0..300), wave(100..400));
    let run = |by: &[&str]| by_segments(&f, (&old, &new), by);
    let (one, two) = (run(&["size"]), run(&["size", "region"]));
    assert_eq!(one.panel_n, 200);
    // Holm's correction runs over more tests with two segmentations: left out of the comparison.
    let items = |t: &super::Trend| -> serde_json::Value {
        let mut v: serde_json::Value = t
            .items
            .iter()
            .filter(|i| i.name != "region")
            .map(|i| serde_json::json!([i.name, i.waves, i.change, i.test, i.panel, i.by.get("size")]))
            .collect();
        strip_holm(&mut v);
        v
    };
    assert!(items(&one) == items(&two), "items within size differ between one and two segmentations");
    let sbom = one.items.iter().find(|i| i.name == "sbom").unwrap();
    assert!(sbom.by["size"]["big"].waves.current.n > 50, "the segment tables were filled");
    let numbers = |t: &super::Trend| {
        let mut v = serde_json::to_value(&t.numbers[0]).unwrap()["by"]["size"].clone();
        strip_holm(&mut v);
        v
    };
    assert!(numbers(&one) == numbers(&two), "numbers within size differ");
}

/// The score counted in whole units is the score worked out in floats, row by row, for
/// credits in halves, thirds and tenths; a credit of no small unit takes the float way.
#[test]
fn the_score_in_whole_units_is_the_score_in_floats() {
    let survey = [
        ["select_one half", "a", "A", "", ""],
        ["select_one third", "b", "B", "", ""],
        ["select_one tenth", "c", "C", "", ""],
    ];
    let choices = [
        ["half", "x", "X", "0"],
        ["half", "y", "Y", "0.5"],
        ["half", "z", "Z", "1"],
        ["third", "x", "X", "0.3333333333333333"],
        ["third", "y", "Y", "0.6666666666666666"],
        ["third", "z", "Z", "2"],
        ["tenth", "x", "X", "0.1"],
        ["tenth", "y", "Y", "0.7"],
        ["tenth", "z", "Z", "3"],
    ];
    let f = form(&survey, &choices);
    // Every combination of the three answers, blanks included.
    let answers = ["", "x", "y", "z"];
    let rows = (0..64).map(|k| {
        let pick = |shift: usize| answers[(k >> shift) & 3];
        format!("o{k},{},{},{}", pick(0), pick(2), pick(4))
    });
    let r = responses(&f, "_id,a,b,c", rows);
    let w = Wave { form: &f, responses: &r };
    let floats = super::score::values(&w).unwrap();
    // Thirds written to 16 places are not whole numbers of any unit: the float way.
    assert!(super::score::coded(&w).is_none());
    let rounded = [["third", "x", "X", "0.25"], ["third", "y", "Y", "0.75"], ["third", "z", "Z", "2"]];
    let choices: Vec<[&str; 4]> = choices.iter().filter(|c| c[0] != "third").chain(&rounded).copied().collect();
    let f = form(&survey, &choices);
    let r = responses(
        &f,
        "_id,a,b,c",
        (0..64).map(|k| {
            let pick = |shift: usize| answers[(k >> shift) & 3];
            format!("o{k},{},{},{}", pick(0), pick(2), pick(4))
        }),
    );
    let w = Wave { form: &f, responses: &r };
    let (floats_now, coded) = (super::score::values(&w).unwrap(), super::score::coded(&w).expect("tenths"));
    assert_eq!(floats.len(), floats_now.len());
    let mut distinct: Vec<u64> = coded.values.iter().map(|v| v.to_bits()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), coded.values.len(), "each value has one code");
    for (row, (&code, &expected)) in coded.codes.iter().zip(&floats_now).enumerate() {
        if expected.is_nan() {
            assert_eq!(code, 0, "row {row} answered nothing scored");
        } else {
            let got = coded.values[code as usize - 1];
            assert!((got - expected).abs() <= 1e-12 * expected.abs().max(1.0), "row {row}: {got} against {expected}");
        }
    }
    assert!(coded.codes.iter().filter(|&&c| c == 0).count() == 1, "one row of 64 answered none");
}

/// A segment question of many values: a select_multiple's choices are then counted with two
/// additions a pair (too many counters for one a pair), a select_one's with one; both as the
/// general walk over several segmentations counts them.
#[test]
fn a_segmentation_of_many_values_counts_as_several_do() {
    let mut choices: Vec<[String; 4]> = CHOICES.iter().map(|c| c.map(String::from)).collect();
    choices.extend((0..50).map(|v| ["many".into(), format!("v{v}"), format!("V{v}"), String::new()]));
    let choices: Vec<[&str; 4]> = choices.iter().map(|c| [&*c[0], &*c[1], &*c[2], &*c[3]]).collect();
    let f = form(
        &[
            ["select_one many", "many", "Many", "", ""],
            ["select_one size", "size", "Size", "", ""],
            ["select_one status", "sbom", "SBOM", "", ""],
            ["select_multiple tools", "tools", "Tools", "", ""],
        ],
        &choices,
    );
    let mut below = below_from(5);
    let statuses = ["done", "prep", "none", ""];
    let tools = ["a", "a b", "c", "b c", ""];
    let mut wave = |ids: std::ops::Range<u32>| {
        let rows: Vec<String> = ids
            .map(|i| {
                let many = below(52);
                let many = if many == 50 { String::new() } else { format!("v{}", many.min(49)) };
                let size = ["big", "small", ""][below(3) as usize];
                let (sbom, tool) = (statuses[below(4) as usize], tools[below(5) as usize]);
                format!("o{i},{many},{size},{sbom},{tool}")
            })
            .collect();
        responses(&f, "_id,many,size,sbom,tools", rows.into_iter())
    };
    let (old, new) = (wave(0..3000), wave(1000..4000));
    let run = |by: &[&str]| by_segments(&f, (&old, &new), by);
    // Each item's figures within the segments of `by`, the other segment question left out.
    let within = |t: &super::Trend, (by, other): (&str, &str)| -> Vec<String> {
        t.items
            .iter()
            .filter(|i| i.name != other)
            .map(|i| {
                let mut v = serde_json::json!([i.name, i.waves, i.change, i.panel, i.by.get(by)]);
                strip_holm(&mut v);
                v.to_string()
            })
            .collect()
    };
    // Fifty segments alone: two additions a pair; beside a second segmentation: the walk for
    // several.
    let (one, two) = (run(&["many"]), run(&["many", "size"]));
    assert_eq!(within(&one, ("many", "size")), within(&two, ("many", "size")));
    assert!(one.items.iter().any(|i| i.name.starts_with("tools/")), "the select_multiple was compared");
    // Two segments alone: a pair is one addition (one item a pass, and the select_multiple's
    // choices in one pass).
    let (alone, beside) = (run(&["size"]), run(&["size", "many"]));
    assert_eq!(within(&alone, ("size", "many")), within(&beside, ("size", "many")));
    // No segmentation (as for the segment question's own item): every row in one group, counted
    // by pairs — everyone's figures as the general walk for two segmentations sums them.
    let overall = |t: &super::Trend| -> Vec<String> {
        let items = t.items.iter().map(|i| serde_json::json!([i.name, i.waves, i.change, i.panel, i.test]));
        let mut v = serde_json::Value::Array(items.collect());
        strip_holm(&mut v);
        v.as_array().unwrap().iter().map(|x| x.to_string()).collect()
    };
    let (none, two) = (overall(&run(&[])), overall(&run(&["many", "size"])));
    assert!(none.len() > 4, "every item compared: {none:?}");
    assert_eq!(none, two);
}

/// Two waves of one form compared by the segment questions `by`.
fn by_segments(
    f: &Form,
    (old, new): (&mamori_dataset::Responses, &mamori_dataset::Responses),
    by: &[&str],
) -> super::Trend {
    let by: Vec<String> = by.iter().map(|s| s.to_string()).collect();
    trend(&Wave { form: f, responses: old }, &Wave { form: f, responses: new }, &diff(f, f, "wave.md"), &by, 200)
        .unwrap()
}

/// Numbers below `n` from a linear congruential generator seeded with `seed`.
fn below_from(mut seed: u64) -> impl FnMut(u64) -> u64 {
    move |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    }
}

/// A trend's JSON without Holm's p-values (they depend on how many tests the report holds).
fn strip_holm(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.remove("p_holm");
            m.values_mut().for_each(strip_holm);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_holm),
        _ => {}
    }
}
