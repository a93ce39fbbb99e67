//! Disclosure control against an attacker (issue 12, class 5). Random small data sets are
//! analysed with `publish`; the attacker takes every published figure — overall and segment
//! counts, segment sizes, the share indicator's numerators and denominators, the lagging
//! groups' 2×2 tables and their "rest", the number summaries' counts — enumerates every table
//! of (segment × answer) counts consistent with them, and looks for a withheld small count
//! (1 to min_cell − 1) that has the same value in all of them: that would be a company given
//! away. Sums and means: what the shown segments leave of the overall answered count must not
//! be a few companies.

use mamori_analysis::{Analysis, Options, analyse};
use mamori_dataset::{ReadOptions, read_responses};
use proptest::prelude::*;

const K: u64 = 3;

const FORM: &str = "\
| survey |
|   | type           | name | label |
|   | select_one seg | seg  | Segment |
|   | select_one yn  | q    | Question |
|   | integer        | num  | Number |
| choices |
|   | list_name | name | label | score |
|   | seg       | a    | A     |       |
|   | seg       | b    | B     |       |
|   | yn        | x    | X     | 1     |
|   | yn        | y    | Y     | 0     |
| settings |
|   | form_title | form_id |
|   | attack     | attack  |
| report |
|   | kind    | name   | question | choices | label |
|   | segment | by_seg | seg      |         | By segment |
|   | share   | q_x    | q        | x       | X share |
";

/// Rows: segment a, b, none; columns: x, y, unanswered.
type Table = [[u64; 3]; 3];

fn analysis(rows: &[(usize, usize, Option<u32>)]) -> Analysis {
    let form = mamori_form::read_bytes("attack.md", FORM.as_bytes()).form.expect("the test form reads");
    let mut csv = String::from("seg,q,num\n");
    for (s, q, num) in rows {
        let s = ["a", "b", ""][*s];
        let q = ["x", "y", ""][*q];
        csv.push_str(&format!("{s},{q},{}\n", num.map(|n| n.to_string()).unwrap_or_default()));
    }
    let options = ReadOptions { language: form.default_language.clone(), ..ReadOptions::default() };
    let responses = read_responses(&form, "attack.csv", csv.as_bytes(), &options).expect("valid rows").responses;
    let mut options = Options::for_form(&form);
    options.publish = true;
    options.min_cell = K;
    options.monte_carlo_samples = 100;
    analyse(&form, &responses, &options).expect("analysed")
}

/// Every published fact about the (segment × answer) table, as a test of a candidate table.
fn consistent(a: &Analysis, t: &Table) -> bool {
    let segs = ["a", "b"];
    let size = |s: usize| t[s].iter().sum::<u64>();
    // Segment sizes.
    for (s, name) in segs.iter().enumerate() {
        if let Some(Some(n)) = a.segments.get("seg").and_then(|m| m.get(name))
            && *n != size(s)
        {
            return false;
        }
    }
    let item = a.items.iter().find(|i| i.name == "q").unwrap();
    let col = |c: usize| t.iter().map(|r| r[c]).sum::<u64>();
    let answered = |s: usize| t[s][0] + t[s][1];
    if item.n.is_some_and(|n| n != col(0) + col(1)) {
        return false;
    }
    for (c, choice) in ["x", "y"].iter().enumerate() {
        match item.counts.get(choice) {
            Some(Some(v)) if *v != col(c) => return false,
            // Zeros are always shown, so a withheld count is at least 1.
            Some(None) if col(c) == 0 => return false,
            _ => {}
        }
    }
    if let Some(by) = item.by.get("seg") {
        for (s, name) in segs.iter().enumerate() {
            let Some(cell) = by.get(name) else { continue };
            if cell.n.is_some_and(|n| n != answered(s)) {
                return false;
            }
            for (c, choice) in ["x", "y"].iter().enumerate() {
                match cell.counts.get(choice) {
                    Some(Some(v)) if *v != t[s][c] => return false,
                    Some(None) if cell.n.is_some() && t[s][c] == 0 => return false,
                    _ => {}
                }
            }
        }
    }
    let share = a.indicators.iter().find(|i| i.name == "q_x").unwrap();
    let fits = |num: Option<f64>, den: Option<f64>, x: u64, n: u64| {
        num.is_none_or(|v| v as u64 == x) && den.is_none_or(|v| v as u64 == n)
    };
    if !fits(share.numerator, share.denominator, col(0), col(0) + col(1)) {
        return false;
    }
    if let Some(by) = share.by.get("seg") {
        for (s, name) in segs.iter().enumerate() {
            if let Some(cell) = by.get(name)
                && !fits(cell.numerator, cell.denominator, t[s][0], answered(s))
            {
                return false;
            }
        }
    }
    for lag in a.lagging.iter().filter(|l| l.item == "q") {
        let s = segs.iter().position(|n| *n == lag.segment).unwrap();
        let other = 1 - s;
        let top = (lag.share * lag.n as f64 / 100.0).round() as u64;
        let top_rest = (lag.share_rest * lag.n_rest as f64 / 100.0).round() as u64;
        if lag.n != answered(s) || lag.n_rest != answered(other) || top != t[s][0] || top_rest != t[other][0] {
            return false;
        }
    }
    true
}

fn tables(total: u64, mut visit: impl FnMut(&Table)) {
    fn fill(cell: usize, left: u64, t: &mut Table, visit: &mut dyn FnMut(&Table)) {
        if cell == 8 {
            t[2][2] = left;
            visit(t);
            return;
        }
        for v in 0..=left {
            t[cell / 3][cell % 3] = v;
            fill(cell + 1, left - v, t, visit);
        }
    }
    fill(0, total, &mut [[0; 3]; 3], &mut visit);
}

/// The cells published as they are (so not withheld).
fn published(a: &Analysis, s: usize, c: usize) -> bool {
    let item = a.items.iter().find(|i| i.name == "q").unwrap();
    let name = ["a", "b"][s];
    let choice = ["x", "y", ""][c];
    item.by.get("seg").and_then(|b| b.get(name)).and_then(|cell| cell.counts.get(choice)).is_some_and(|v| v.is_some())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_withheld_count_can_be_worked_out(
        rows in proptest::collection::vec((0usize..3, 0usize..3, proptest::option::of(0u32..1000)), 3..13)
    ) {
        attack(&rows)?;
    }
}

/// Everything the attacker tries on one data set; an error says what it found.
fn attack(rows: &[(usize, usize, Option<u32>)]) -> Result<(), TestCaseError> {
    let a = analysis(rows);
    let mut truth: Table = [[0; 3]; 3];
    for (s, q, _) in rows {
        truth[*s][*q] += 1;
    }
    prop_assert!(consistent(&a, &truth), "the true table fits what is published");
    // For each cell: the values it takes across every consistent table.
    let mut seen: [[std::collections::BTreeSet<u64>; 3]; 3] = Default::default();
    tables(rows.len() as u64, |t| {
        if consistent(&a, t) {
            for s in 0..3 {
                for c in 0..3 {
                    seen[s][c].insert(t[s][c]);
                }
            }
        }
    });
    for s in 0..2 {
        for c in 0..2 {
            let v = truth[s][c];
            if v > 0 && v < K && !published(&a, s, c) {
                prop_assert!(
                    seen[s][c].len() > 1,
                    "segment {s}, answer {c}: the withheld {v} is the only value that fits {rows:?}"
                );
            }
        }
    }
    // Sums and means: the answered count the shown segments leave must not be a few.
    let num = a.items.iter().find(|i| i.name == "num").unwrap();
    if let Some(overall) = &num.stats {
        let shown: u64 =
            num.by.get("seg").map_or(0, |b| b.iter().filter_map(|(_, c)| c.stats.as_ref().map(|s| s.n)).sum());
        let rest = overall.n - shown;
        // (With no segment shown, the rest is the overall, which has its own threshold.)
        prop_assert!(
            shown == 0 || rest == 0 || rest >= K,
            "the number answers outside the shown segments are {rest} company(ies)"
        );
    }
    // Segment sizes: everyone less the shown segments.
    let sizes: u64 = a.segments.get("seg").map_or(0, |m| m.iter().filter_map(|(_, n)| *n).sum());
    let rest = a.n - sizes;
    prop_assert!(sizes == 0 || rest == 0 || rest >= K, "respondents outside the shown segments: {rest}");
    Ok(())
}

#[test]
fn a_share_by_segment_does_not_give_away_the_other_segments_withheld_cell() {
    // Found by the property test in CI (2026-12-06): segment a answered x 3, y 1; b y 3. The
    // item table withheld both rows, but the share indicator showed b's 0 of 3, and with the
    // overall 3 x and 4 y that left a's y at 1.
    let rows = [(0, 1, None), (1, 1, None), (0, 0, None), (0, 0, None), (1, 1, None), (1, 1, None), (0, 0, None)];
    attack(&rows).unwrap();
}

#[test]
fn the_reported_attack_gives_nothing_away() {
    // Ten companies in segment a and one in b: overall and a's row used to give b's answer.
    let mut rows: Vec<(usize, usize, Option<u32>)> = (0..10).map(|i| (0, i % 2, Some(10))).collect();
    rows.push((1, 0, Some(777)));
    let a = analysis(&rows);
    let num = a.items.iter().find(|i| i.name == "num").unwrap();
    let shown: Vec<u64> =
        num.by.get("seg").unwrap().iter().filter_map(|(_, c)| c.stats.as_ref().map(|s| s.n)).collect();
    assert!(shown.is_empty(), "no segment's summary may be shown next to the overall one: {shown:?}");
    assert_eq!(a.segments.get("seg").unwrap().get("a"), Some(&None), "a's size would give b's away");
}
