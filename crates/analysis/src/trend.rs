//! This wave against the previous one (issue 14), item by item as `mamori_form::diff` maps
//! them: each wave's counts and shares on the new version's choices (old codes merged as the
//! mapping says), the change in percentage points with Newcombe's interval, a test of change,
//! and the panel — organisations that answered both waves, matched by `_id`.
//!
//! Overlapping samples: the two waves share respondents, so a test comparing all of wave 1
//! with all of wave 2 would treat paired answers as independent. The test of change therefore
//! uses the **independent parts** only (respondents in one wave but not the other: chi-square
//! homogeneity, Fisher where an expected count is below 5) and the **panel** is tested
//! separately with paired tests (McNemar, Stuart–Maxwell); the shares and the change shown are
//! those of each whole wave. Holm's correction runs across every test of change.
//!
//! Numbers (integer and decimal items) and the readiness score (each respondent's mean credit
//! over the scored items, by each wave's own form) compare the same way with rank tests:
//! Mann–Whitney on the independent parts, Wilcoxon's signed rank on the panel.
//!
//! Covered so far: select_one, select_multiple (each choice as chosen/not chosen), numbers,
//! the score. Indicators, segments, disclosure control and the findings in words are still to
//! come.

use crate::change::{mann_whitney, mcnemar_exact, newcombe, stuart_maxwell, wilcoxon_signed_rank};
use crate::items::independence;
use crate::stats::{Table, holm};
use mamori_dataset::{Column, Responses};
use mamori_form::diff::FormDiff;
use mamori_form::{Form, QuestionType};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    pub items: Vec<ItemTrend>,
    /// Mapped integer and decimal items.
    pub numbers: Vec<NumberTrend>,
    /// The readiness score (mean credit over scored items), when both forms score items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<NumberTrend>,
    /// Mapped items that cannot be compared (a split, or `comparability: no…`).
    pub not_comparable: Vec<String>,
    /// Items in one wave only.
    pub only_in: OnlyIn,
    /// Organisations (by `_id`) that answered both waves.
    pub panel_n: usize,
    /// The significant changes in words ([`in_words`]; empty until the caller fills it).
    pub findings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OnlyIn {
    pub previous: Vec<String>,
    pub current: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WaveCounts {
    pub n: u64,
    pub counts: BTreeMap<String, u64>,
    pub percent: BTreeMap<String, f64>,
}

/// The same figures for each wave.
#[derive(Debug, Clone, Serialize)]
pub struct Waves<T> {
    pub previous: T,
    pub current: T,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// Percentage points, current − previous.
    pub points: f64,
    pub ci95: [f64; 2],
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeTest {
    pub method: String,
    pub statistic: f64,
    pub p: f64,
    pub p_holm: f64,
    /// Respondents in one wave only, on which the test runs.
    pub n_independent: [u64; 2],
}

#[derive(Debug, Clone, Serialize)]
pub struct Panel {
    pub n: u64,
    pub method: String,
    pub p: f64,
    /// With scored choices (完了 1, 準備中 0.5, …): organisations whose answer scores higher,
    /// the same, lower than in the previous wave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub improved: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unchanged: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worse: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemTrend {
    /// The item's name, `question/choice` for a choice of a select_multiple.
    pub name: String,
    pub previous_name: String,
    pub comparable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub waves: Waves<WaveCounts>,
    pub change: BTreeMap<String, Change>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<ChangeTest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub panel: Option<Panel>,
    /// The same within each segment (segment question → its choice → figures); a respondent
    /// belongs to the segment it gave in that wave, a panel member to its current one.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub by: BTreeMap<String, BTreeMap<String, ItemTrend>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub n: u64,
    pub mean: f64,
    pub median: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct NumberTrend {
    pub name: String,
    pub previous_name: String,
    pub waves: Waves<Summary>,
    /// current − previous.
    pub change_mean: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<ChangeTest>,
    /// `improved` / `worse`: organisations whose value rose / fell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub panel: Option<Panel>,
}

/// One wave: its form and checked responses (with `_id` for the panel).
pub struct Wave<'a> {
    pub form: &'a Form,
    pub responses: &'a Responses,
}

/// Each response's category on the new version's choices, `None` for no answer (or an old
/// answer the mapping drops).
fn categories(w: &Wave, q: usize, to_new: &[Option<usize>]) -> Vec<Option<usize>> {
    match &w.responses.columns[q] {
        Column::Choice(codes) => codes.iter().map(|&c| if c == 0 { None } else { to_new[c as usize - 1] }).collect(),
        _ => vec![None; w.responses.len()],
    }
}

/// A segment question of both waves: its name, its (new) choices, each response's segment.
struct Segmentation {
    name: String,
    values: Vec<String>,
    old: Vec<Option<usize>>,
    new: Vec<Option<usize>>,
    /// The panel's pairs by their current segment.
    panel: Vec<Vec<(usize, usize)>>,
}

/// One wave's categories for an item, all rows or those of one segment (a view: a million
/// rows are not copied per segment).
#[derive(Clone, Copy)]
struct Rows<'a> {
    cats: &'a [Option<usize>],
    segment: Option<(&'a [Option<usize>], usize)>,
}

impl<'a> Rows<'a> {
    fn all(cats: &'a [Option<usize>]) -> Self {
        Rows { cats, segment: None }
    }

    fn get(&self, i: usize) -> Option<usize> {
        match self.segment {
            Some((seg, v)) if seg[i] != Some(v) => None,
            _ => self.cats[i],
        }
    }

    fn iter(&self) -> impl Iterator<Item = Option<usize>> + '_ {
        (0..self.cats.len()).map(|i| self.get(i))
    }
}

/// The default segments: the `segment` rows of the current form's report sheet.
pub fn default_segments(form: &Form) -> Vec<String> {
    form.report
        .iter()
        .filter(|r| r.kind == mamori_form::model::ReportKind::Segment)
        .filter_map(|r| r.question.clone())
        .collect()
}

/// Compares two waves along `diff` (from `mamori_form::diff::diff(previous.form, current.form)`),
/// overall and within the segments of the select_one questions named in `by` (current names;
/// a segment question must be mapped and comparable, others are skipped).
pub fn trend(previous: &Wave, current: &Wave, diff: &FormDiff, by: &[String], monte_carlo_samples: u32) -> Trend {
    let index = |f: &Form, name: &str| f.questions.iter().position(|q| q.name == name);
    let (old_ids, new_ids) = (id_index(previous), id_index(current));
    // The panel: (previous row, current row) for every `_id` in both waves, in current order.
    let mut panel: Vec<(usize, usize)> =
        new_ids.iter().filter_map(|(id, &j)| old_ids.get(id).map(|&i| (i, j))).collect();
    panel.sort_by_key(|&(_, j)| j);
    let in_panel_old: Vec<bool> = flags(previous.responses.len(), panel.iter().map(|p| p.0));
    let in_panel_new: Vec<bool> = flags(current.responses.len(), panel.iter().map(|p| p.1));

    let to_new_of = |m: &mamori_form::diff::MappedItem, old_q: &mamori_form::Question| -> Vec<Option<usize>> {
        old_q.choices.iter().map(|oc| m.choices.iter().position(|(_, olds)| olds.contains(&oc.name))).collect()
    };
    let segmentations: Vec<Segmentation> = by
        .iter()
        .filter_map(|name| {
            let m = diff.mapped.iter().find(|m| &m.name == name && m.comparable)?;
            let (qn, qo) = (index(current.form, &m.name)?, index(previous.form, &m.previous_name)?);
            let new_q = &current.form.questions[qn];
            if new_q.kind != QuestionType::SelectOne {
                return None;
            }
            let values: Vec<String> = new_q.choices.iter().map(|c| c.name.clone()).collect();
            let identity: Vec<Option<usize>> = (0..values.len()).map(Some).collect();
            let new = categories(current, qn, &identity);
            let mut by_value = vec![Vec::new(); values.len()];
            for &(i, j) in &panel {
                if let Some(v) = new[j] {
                    by_value[v].push((i, j));
                }
            }
            Some(Segmentation {
                name: name.clone(),
                old: categories(previous, qo, &to_new_of(m, &previous.form.questions[qo])),
                new,
                values,
                panel: by_value,
            })
        })
        .collect();
    let mut items = Vec::new();
    let mut not_comparable = Vec::new();
    for m in &diff.mapped {
        if !m.comparable {
            not_comparable.push(m.name.clone());
            continue;
        }
        let (Some(qn), Some(qo)) = (index(current.form, &m.name), index(previous.form, &m.previous_name)) else {
            continue;
        };
        let (new_q, old_q) = (&current.form.questions[qn], &previous.form.questions[qo]);
        let choice_names: Vec<String> = new_q.choices.iter().map(|c| c.name.clone()).collect();
        // Old choice position → new choice position, as the mapping says.
        let to_new = to_new_of(m, old_q);
        match new_q.kind {
            QuestionType::SelectOne => {
                let old_cat = categories(previous, qo, &to_new);
                let new_cat = categories(current, qn, &(0..choice_names.len()).map(Some).collect::<Vec<_>>());
                let scores: Option<Vec<f64>> = new_q.choices.iter().map(|c| c.score).collect();
                let figures = |old_rows: Rows, new_rows: Rows, panel: &[(usize, usize)], key: String| {
                    item_trend(
                        m,
                        key,
                        &choice_names,
                        (old_rows, new_rows),
                        (&in_panel_old, &in_panel_new),
                        panel,
                        scores.as_deref(),
                        monte_carlo_samples,
                    )
                };
                let mut it = figures(Rows::all(&old_cat), Rows::all(&new_cat), &panel, m.name.clone());
                for s in segmentations.iter().filter(|s| s.name != m.name) {
                    let mut within = BTreeMap::new();
                    for (v, value) in s.values.iter().enumerate() {
                        let mut seg = figures(
                            Rows { cats: &old_cat, segment: Some((&s.old, v)) },
                            Rows { cats: &new_cat, segment: Some((&s.new, v)) },
                            &s.panel[v],
                            format!("{}×{}={value}", m.name, s.name),
                        );
                        seg.name = m.name.clone();
                        within.insert(value.clone(), seg);
                    }
                    it.by.insert(s.name.clone(), within);
                }
                items.push(it);
            }
            QuestionType::SelectMultiple => {
                // Each new choice as its own item: chosen or not, among those who answered.
                let (Column::Multi(old_bits), Column::Multi(new_bits)) =
                    (&previous.responses.columns[qo], &current.responses.columns[qn])
                else {
                    continue;
                };
                for (k, (choice, olds)) in m.choices.iter().enumerate() {
                    if olds.is_empty() {
                        continue; // a new choice: nothing to compare with
                    }
                    let old_mask: u64 = old_q
                        .choices
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| olds.contains(&c.name))
                        .fold(0, |mask, (b, _)| mask | (1 << b));
                    let old_cat: Vec<Option<usize>> =
                        old_bits.iter().map(|&b| (b != 0).then_some(usize::from(b & old_mask != 0))).collect();
                    let new_cat: Vec<Option<usize>> =
                        new_bits.iter().map(|&b| (b != 0).then_some(usize::from(b & (1 << k) != 0))).collect();
                    let labels = ["not_chosen".to_string(), "chosen".to_string()];
                    let mut it = item_trend(
                        m,
                        format!("{}/{choice}", m.name),
                        &labels,
                        (Rows::all(&old_cat), Rows::all(&new_cat)),
                        (&in_panel_old, &in_panel_new),
                        &panel,
                        Some(&[0.0, 1.0]),
                        monte_carlo_samples,
                    );
                    it.previous_name = format!("{}/{}", m.previous_name, olds.join("+"));
                    items.push(it);
                }
            }
            _ => {}
        }
    }
    let mut numbers = Vec::new();
    for m in diff.mapped.iter().filter(|m| m.comparable) {
        let (Some(qn), Some(qo)) = (index(current.form, &m.name), index(previous.form, &m.previous_name)) else {
            continue;
        };
        if let (Column::Number(old_v), Column::Number(new_v)) =
            (&previous.responses.columns[qo], &current.responses.columns[qn])
        {
            let values = |v: &[f64]| v.iter().map(|x| (!x.is_nan()).then_some(*x)).collect::<Vec<_>>();
            numbers.push(number_trend(
                &m.name,
                &m.previous_name,
                (&values(old_v), &values(new_v)),
                (&in_panel_old, &in_panel_new),
                &panel,
            ));
        }
    }
    let mut score = match (scores(previous), scores(current)) {
        (Some(old_s), Some(new_s)) => {
            Some(number_trend("score", "score", (&old_s, &new_s), (&in_panel_old, &in_panel_new), &panel))
        }
        _ => None,
    };
    // Holm across every test of change in the report.
    let tests = items
        .iter_mut()
        .flat_map(|i| {
            let segment_tests = i.by.values_mut().flat_map(|v| v.values_mut()).filter_map(|s| s.test.as_mut());
            i.test.as_mut().into_iter().chain(segment_tests)
        })
        .chain(numbers.iter_mut().filter_map(|n| n.test.as_mut()))
        .chain(score.iter_mut().filter_map(|s| s.test.as_mut()));
    let tests: Vec<&mut ChangeTest> = tests.collect();
    let adjusted = holm(&tests.iter().map(|t| t.p).collect::<Vec<_>>());
    for (t, p) in tests.into_iter().zip(adjusted) {
        t.p_holm = p;
    }
    Trend {
        items,
        numbers,
        score,
        not_comparable,
        only_in: OnlyIn { previous: diff.dropped.clone(), current: diff.added.clone() },
        panel_n: panel.len(),
        findings: Vec::new(),
    }
}

/// Each respondent's readiness score: the mean credit of its answers to the scored select_one
/// items (those whose every choice has a score); `None` for one who answered none of them, and
/// for a form without scored items.
fn scores(w: &Wave) -> Option<Vec<Option<f64>>> {
    let scored: Vec<(usize, Vec<f64>)> = w
        .form
        .questions
        .iter()
        .enumerate()
        .filter(|(_, q)| q.kind == QuestionType::SelectOne && !q.choices.is_empty())
        .filter_map(|(i, q)| Some((i, q.choices.iter().map(|c| c.score).collect::<Option<Vec<f64>>>()?)))
        .collect();
    if scored.is_empty() {
        return None;
    }
    Some(
        (0..w.responses.len())
            .map(|r| {
                let credits: Vec<f64> = scored
                    .iter()
                    .filter_map(|(q, s)| match &w.responses.columns[*q] {
                        Column::Choice(c) if c[r] > 0 => Some(s[c[r] as usize - 1]),
                        _ => None,
                    })
                    .collect();
                (!credits.is_empty()).then(|| credits.iter().sum::<f64>() / credits.len() as f64)
            })
            .collect(),
    )
}

fn summary(values: impl Iterator<Item = f64>) -> Summary {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let mean = if n == 0 { f64::NAN } else { v.iter().sum::<f64>() / n as f64 };
    Summary { n: n as u64, mean, median: crate::stats::quantile(&v, 0.5) }
}

fn number_trend(
    name: &str,
    previous_name: &str,
    (old_v, new_v): (&[Option<f64>], &[Option<f64>]),
    (in_panel_old, in_panel_new): (&[bool], &[bool]),
    panel: &[(usize, usize)],
) -> NumberTrend {
    let previous = summary(old_v.iter().flatten().copied());
    let current = summary(new_v.iter().flatten().copied());
    let independent = |v: &[Option<f64>], in_panel: &[bool]| -> Vec<f64> {
        v.iter().zip(in_panel).filter(|(_, p)| !**p).filter_map(|(x, _)| *x).collect()
    };
    let (x, y) = (independent(old_v, in_panel_old), independent(new_v, in_panel_new));
    let test = mann_whitney(&x, &y).map(|t| ChangeTest {
        method: "mann_whitney".into(),
        statistic: t.statistic,
        p: t.p,
        p_holm: t.p,
        n_independent: [x.len() as u64, y.len() as u64],
    });
    let differences: Vec<f64> = panel.iter().filter_map(|&(i, j)| Some(new_v[j]? - old_v[i]?)).collect();
    let panel = (!differences.is_empty()).then(|| {
        let count = |f: fn(&f64) -> bool| differences.iter().filter(|d| f(d)).count() as u64;
        let (method, p) = match wilcoxon_signed_rank(&differences) {
            Some(t) => ("wilcoxon_signed_rank".to_string(), t.p),
            None => ("no_change".to_string(), 1.0),
        };
        Panel {
            n: differences.len() as u64,
            method,
            p,
            improved: Some(count(|d| *d > 0.0)),
            unchanged: Some(count(|d| *d == 0.0)),
            worse: Some(count(|d| *d < 0.0)),
        }
    });
    NumberTrend {
        name: name.to_string(),
        previous_name: previous_name.to_string(),
        change_mean: current.mean - previous.mean,
        waves: Waves { previous, current },
        test,
        panel,
    }
}

/// `p < 0.001`, or the value to three places.
fn p_text(p: f64) -> String {
    if p < 0.001 { "p < 0.001".into() } else { format!("p = {p:.3}") }
}

/// The changes in words, one sentence per scored select_one item whose change is significant
/// after Holm's correction (the test of change) or in the panel (its paired test, p < 0.05):
/// the share of the credited answers (score above 0, e.g. 完了＋準備中) before and after, e.g.
/// 「製造販売中の製品に関するSBOMの作成（完了＋準備中）は前回75.0%から90.0%に増加（+15.0ポイント、
/// Holm補正後 p < 0.001）」. `language` is a form language (for labels); `japanese` picks the
/// sentence's language.
pub fn in_words(result: &Trend, form: &Form, language: &str, japanese: bool) -> Vec<String> {
    let mut out = Vec::new();
    for item in &result.items {
        let Some(q) = form.questions.iter().find(|q| q.name == item.name && q.kind == QuestionType::SelectOne) else {
            continue;
        };
        let credited: Vec<&mamori_form::model::Choice> =
            q.choices.iter().filter(|c| c.score.is_some_and(|s| s > 0.0)).collect();
        if credited.is_empty() || credited.len() == q.choices.len() {
            continue;
        }
        let share = |w: &WaveCounts| {
            let k: u64 = credited.iter().map(|c| w.counts.get(&c.name).copied().unwrap_or(0)).sum();
            (k, if w.n == 0 { f64::NAN } else { 100.0 * k as f64 / w.n as f64 })
        };
        let ((_, before), (_, after)) = (share(&item.waves.previous), share(&item.waves.current));
        let significant_test = item.test.as_ref().filter(|t| t.p_holm < 0.05);
        let significant_panel = item.panel.as_ref().filter(|p| p.p < 0.05);
        if significant_test.is_none() && significant_panel.is_none() || !before.is_finite() || !after.is_finite() {
            continue;
        }
        let label = form.text(&q.label, language).unwrap_or(&q.name);
        let names: Vec<&str> = credited.iter().map(|c| form.text(&c.label, language).unwrap_or(&c.name)).collect();
        let points = after - before;
        let mut evidence = Vec::new();
        if let Some(t) = significant_test {
            evidence.push(if japanese {
                format!("Holm補正後 {}", p_text(t.p_holm))
            } else {
                format!("Holm-adjusted {}", p_text(t.p_holm))
            });
        }
        if let Some(p) = significant_panel {
            evidence.push(match (japanese, p.improved, p.worse) {
                (true, Some(up), Some(down)) => format!("両年度回答の{}社で改善{up}・悪化{down}、{}", p.n, p_text(p.p)),
                (true, _, _) => format!("両年度回答の{}社、{}", p.n, p_text(p.p)),
                (false, Some(up), Some(down)) => {
                    format!("panel of {}: {up} improved, {down} worse, {}", p.n, p_text(p.p))
                }
                (false, _, _) => format!("panel of {}, {}", p.n, p_text(p.p)),
            });
        }
        out.push(if japanese {
            let direction = if points > 0.0 { "増加" } else { "減少" };
            format!(
                "{label}（{}）は前回{before:.1}%から{after:.1}%に{direction}（{points:+.1}ポイント、{}）",
                names.join("＋"),
                evidence.join("、")
            )
        } else {
            let direction = if points > 0.0 { "rose" } else { "fell" };
            format!(
                "{label} ({}) {direction} from {before:.1}% to {after:.1}% ({points:+.1} points; {})",
                names.join(" + "),
                evidence.join("; ")
            )
        });
    }
    out
}

/// Each `_id` of a wave and its row (borrowed: a million ids are not copied).
fn id_index<'a>(w: &Wave<'a>) -> HashMap<&'a str, usize> {
    w.responses.ids.as_ref().map(|ids| ids.iter().enumerate().map(|(i, id)| (id, i)).collect()).unwrap_or_default()
}

fn flags(n: usize, set: impl Iterator<Item = usize>) -> Vec<bool> {
    let mut out = vec![false; n];
    set.for_each(|i| out[i] = true);
    out
}

fn wave_counts(names: &[String], cats: impl Iterator<Item = Option<usize>>) -> (WaveCounts, Vec<u64>) {
    let mut counts = vec![0u64; names.len()];
    for c in cats.flatten() {
        counts[c] += 1;
    }
    let n: u64 = counts.iter().sum();
    let percent = names
        .iter()
        .zip(&counts)
        .map(|(name, &c)| (name.clone(), if n == 0 { 0.0 } else { 100.0 * c as f64 / n as f64 }))
        .collect();
    let by_name = names.iter().cloned().zip(counts.iter().copied()).collect();
    (WaveCounts { n, counts: by_name, percent }, counts)
}

#[allow(clippy::too_many_arguments)]
fn item_trend(
    m: &mamori_form::diff::MappedItem,
    name: String,
    names: &[String],
    (old_rows, new_rows): (Rows, Rows),
    (in_panel_old, in_panel_new): (&[bool], &[bool]),
    panel: &[(usize, usize)],
    scores: Option<&[f64]>,
    samples: u32,
) -> ItemTrend {
    let (previous, old_counts) = wave_counts(names, old_rows.iter());
    let (current, new_counts) = wave_counts(names, new_rows.iter());
    let change = names
        .iter()
        .enumerate()
        .filter(|_| previous.n > 0 && current.n > 0)
        .map(|(k, choice)| {
            let (d, lo, hi) = newcombe(old_counts[k], previous.n, new_counts[k], current.n);
            (choice.clone(), Change { points: 100.0 * d, ci95: [100.0 * lo, 100.0 * hi] })
        })
        .collect();
    // The independent parts: respondents of one wave only.
    let independent = |rows: Rows, in_panel: &[bool]| {
        let mut row = vec![0u64; names.len()];
        for (c, &p) in rows.iter().zip(in_panel) {
            if let (Some(c), false) = (c, p) {
                row[c] += 1;
            }
        }
        row
    };
    let table: Table = vec![independent(old_rows, in_panel_old), independent(new_rows, in_panel_new)];
    let n_independent = [table[0].iter().sum(), table[1].iter().sum()];
    let test = independence(&table, &name, samples).map(|t| ChangeTest {
        method: t.method,
        statistic: t.statistic,
        p: t.p,
        p_holm: t.p,
        n_independent,
    });
    // The panel: previous × current categories of those who answered both times.
    let k = names.len();
    let mut square = vec![vec![0u64; k]; k];
    let mut moves = (0u64, 0u64, 0u64);
    for &(i, j) in panel {
        if let (Some(a), Some(b)) = (old_rows.get(i), new_rows.get(j)) {
            square[a][b] += 1;
            if let Some(s) = scores {
                match s[b].total_cmp(&s[a]) {
                    std::cmp::Ordering::Greater => moves.0 += 1,
                    std::cmp::Ordering::Equal => moves.1 += 1,
                    std::cmp::Ordering::Less => moves.2 += 1,
                }
            }
        }
    }
    let n_panel: u64 = square.iter().flatten().sum();
    // Categories nobody in the panel chose in either wave carry nothing (and would make the
    // Stuart–Maxwell covariance singular).
    let used: Vec<usize> = (0..k).filter(|&c| (0..k).any(|o| square[c][o] + square[o][c] > 0)).collect();
    let square: Table = used.iter().map(|&a| used.iter().map(|&b| square[a][b]).collect()).collect();
    let moved = square.iter().enumerate().any(|(a, row)| row.iter().enumerate().any(|(b, &x)| a != b && x > 0));
    let panel = (n_panel > 0).then(|| {
        let (method, p) = if !moved {
            ("no_change".to_string(), 1.0)
        } else if square.len() == 2 {
            ("mcnemar_exact".to_string(), mcnemar_exact(square[0][1], square[1][0]))
        } else {
            match stuart_maxwell(&square) {
                Some(t) => ("stuart_maxwell".to_string(), t.p),
                None => ("stuart_maxwell_singular".to_string(), f64::NAN),
            }
        };
        let scored = scores.is_some();
        Panel {
            n: n_panel,
            method,
            p,
            improved: scored.then_some(moves.0),
            unchanged: scored.then_some(moves.1),
            worse: scored.then_some(moves.2),
        }
    });
    ItemTrend {
        name,
        previous_name: m.previous_name.clone(),
        comparable: m.comparable,
        note: m.note.clone(),
        waves: Waves { previous, current },
        change,
        test,
        panel,
        by: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests;
