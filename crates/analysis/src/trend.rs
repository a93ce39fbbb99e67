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
//! Covered: select_one (overall and by segment), select_multiple (each choice as chosen/not
//! chosen), numbers, the score, findings in words, and disclosure control over both waves and
//! the change ([`publish`]).

use crate::change::{mcnemar_exact, newcombe, stuart_maxwell};
use crate::items::independence;
use crate::stats::{Table, holm};
use mamori_dataset::{Column, Responses};
use mamori_form::diff::FormDiff;
use mamori_form::{Form, QuestionType};
pub use panel::RepeatedId;
use panel::{NO_ROW, Pairing, match_ids};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    pub items: Vec<ItemTrend>,
    /// The share indicators of the current form's report sheet (`name` the indicator's; the
    /// counts `chosen` / `not_chosen` among those who answered its question).
    pub indicators: Vec<ItemTrend>,
    /// Mapped integer and decimal items.
    pub numbers: Vec<NumberTrend>,
    /// The ratio-of-sums indicators of the current form's report sheet (e.g. the share of
    /// devices whose measures are in place: Σ done ÷ Σ total).
    pub ratios: Vec<RatioTrend>,
    /// The readiness score (mean credit over scored items), when both forms score items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<NumberTrend>,
    /// Mapped items that cannot be compared (a split, or `comparability: no…`).
    pub not_comparable: Vec<String>,
    /// Items in one wave only.
    pub only_in: OnlyIn,
    /// Organisations (by `_id`) that answered both waves.
    pub panel_n: usize,
    /// Published ([`publish`]): items, numbers or the score withheld whole, a wave of them
    /// counting fewer than `min_cell` respondents.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<String>,
    /// True when disclosure control has run ([`publish`]); `min_cell` is then its threshold.
    pub published: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_cell: Option<u64>,
    /// Names for documents ([`labels`]); not part of the JSON, which names by code.
    #[serde(skip)]
    pub labels: Labels,
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
    /// Published: the choices whose count and share are withheld ([`publish`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<String>,
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
    /// Published: segments left out of `by` (`question=value`), too small in a wave or
    /// withheld so that they cannot be worked out from the others ([`publish`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub withheld_segments: Vec<String>,
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
    /// The same within each segment (segment question → its choice → figures), as for items.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub by: BTreeMap<String, BTreeMap<String, NumberTrend>>,
    /// Published: segments left out of `by` ([`publish`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub withheld_segments: Vec<String>,
}

/// A ratio-of-sums indicator in both waves. The ratio of sums has no textbook test of its own;
/// the tests (`per_organisation`) are on each organisation's own ratio, with the rank tests
/// numbers get.
#[derive(Debug, Clone, Serialize)]
pub struct RatioTrend {
    pub name: String,
    pub waves: Waves<RatioWave>,
    /// current − previous ratio.
    pub change: f64,
    pub per_organisation: NumberTrend,
}

#[derive(Debug, Clone, Serialize)]
pub struct RatioWave {
    /// Respondents with both numbers.
    pub n: u64,
    pub numerator: f64,
    pub denominator: f64,
    /// numerator ÷ denominator (NaN, written null, when the denominator is 0).
    pub ratio: f64,
}

/// One wave: its form and checked responses (with `_id` for the panel).
pub struct Wave<'a> {
    pub form: &'a Form,
    pub responses: &'a Responses,
}

/// Each response's segment on the new version's choices, 1-based (a u16 a row: a million rows
/// stay in the cache), 0 for no answer (or an old answer the mapping drops).
fn segment_codes(w: &Wave, q: usize, to_new: &[Option<usize>]) -> Vec<u16> {
    match &w.responses.columns[q] {
        Column::Choice(codes) => {
            codes.iter().map(|&c| if c == 0 { 0 } else { to_new[c as usize - 1].map_or(0, |v| v as u16 + 1) }).collect()
        }
        _ => vec![0; w.responses.len()],
    }
}

/// A segment question of both waves: its name, its (new) choices, each response's segment.
struct Segmentation {
    name: String,
    values: Vec<String>,
    /// 1-based segment of each row, 0 for none ([`segment_codes`]).
    old: Vec<u16>,
    new: Vec<u16>,
    /// Each current row's previous row's segment (0 for a row not in the panel).
    old_of_new: Vec<u16>,
}

/// The tables an item's figures rest on, for all rows or for one segment: each wave's counts
/// by (new) choice, the same for the respondents of one wave only, and the panel's previous ×
/// current square with its moves up, level and down when the choices are scored.
#[derive(Clone)]
struct Tables {
    old: Vec<u64>,
    new: Vec<u64>,
    old_independent: Vec<u64>,
    new_independent: Vec<u64>,
    square: Vec<Vec<u64>>,
    moves: [u64; 3],
}

impl Tables {
    fn new(k: usize) -> Self {
        Tables {
            old: vec![0; k],
            new: vec![0; k],
            old_independent: vec![0; k],
            new_independent: vec![0; k],
            square: vec![vec![0; k]; k],
            moves: [0; 3],
        }
    }
}

/// Where each row's counts go: one group per segment value of each segmentation, plus one for
/// rows outside it (code 0), so that a row is counted once per segmentation and the totals are
/// the sums over the first one's groups; without segmentations a single group of everyone.
struct Groups<'s> {
    segmentations: &'s [&'s Segmentation],
    /// The first group of each segmentation.
    offsets: Vec<usize>,
    len: usize,
}

impl<'s> Groups<'s> {
    fn new(segmentations: &'s [&'s Segmentation]) -> Self {
        let mut offsets = Vec::with_capacity(segmentations.len());
        let mut len = 0;
        for s in segmentations {
            offsets.push(len);
            len += s.values.len() + 1;
        }
        Groups { segmentations, offsets, len: len.max(1) }
    }

    /// `f` of each group previous row `i` (or current row `j`, `current`) belongs to.
    #[inline(always)]
    fn each(&self, row: usize, current: bool, mut f: impl FnMut(usize)) {
        if self.segmentations.is_empty() {
            return f(0);
        }
        for (s, &off) in self.segmentations.iter().zip(&self.offsets) {
            f(off + usize::from(if current { s.new[row] } else { s.old[row] }));
        }
    }

    /// The groups whose sum is everyone: the first segmentation's (or the only group).
    fn everyone(&self) -> std::ops::Range<usize> {
        self.segmentations.first().map_or(0..1, |s| 0..s.values.len() + 1)
    }
}

/// How an item's answers are counted: each row's raw code in each wave (0 for no answer, as the
/// columns hold them) and what each code means on the new version's categories.
struct Coding<'c> {
    /// Raw codes in each wave: `0..old_codes`, `0..new_codes`.
    old_codes: usize,
    new_codes: usize,
    /// The category of a raw code; `None` for no answer (and an old code the mapping drops).
    old_category: &'c dyn Fn(usize) -> Option<usize>,
    new_category: &'c dyn Fn(usize) -> Option<usize>,
}

/// All of an item's tables in one pass over each wave, for `dims` items at once (the choices
/// of a select_multiple share the pass). `old(i, d)` and `new(j, d)` give a row's raw code for
/// item `d` ([`Coding`]). Each row adds one to one counter per segmentation and wave: in the
/// previous wave by (group, in the panel or not, code), in the current one by (group, the
/// previous code or "not in the panel", code); each wave's counts on the new categories, the
/// independent parts, the panel's square and its moves are sums of these, made afterwards (a
/// pass per segment value, and then the mapping and four counters a row, made the items cost
/// more than reading the files). A respondent counts in the segment it gave in its wave; a
/// panel pair in the segment of its current answer.
fn tally(
    (k, dims): (usize, usize),
    (old, new): (impl Fn(usize, usize) -> usize, impl Fn(usize, usize) -> usize),
    coding: &Coding,
    pairing: &Pairing,
    segmentations: &[&Segmentation],
    scores: Option<&[f64]>,
) -> Vec<(Tables, Vec<Vec<Tables>>)> {
    let (in_panel_old, previous_of) = (&pairing.in_panel_old, &pairing.previous_of);
    let groups = Groups::new(segmentations);
    let (old_k, new_k) = (coding.old_codes, coding.new_codes);
    let shape = Shape { dims, old_k, new_k, groups: groups.len };
    let (old_at, new_at) = (|d, g, paired, c| shape.old_at(d, g, paired, c), |d, g, a, b| shape.new_at(d, g, a, b));
    let mut old_counts = vec![0u64; shape.old_len()];
    let mut new_counts = vec![0u64; shape.new_len()];
    if segmentations.len() <= 1 {
        // None or one segmentation (the usual cases): a row's group is its segment code (0
        // for all without one), read in step with the rows — a third faster than the general
        // walk below; for the segment question's own item, compared without a segmentation,
        // 4 ms → 1.8 ms at a million rows.
        let counters = (&mut old_counts[..], &mut new_counts[..]);
        match segmentations {
            [s] => {
                let rows = previous_of.iter().zip(&s.new).zip(&s.old_of_new).enumerate();
                count_in_one_segmentation(shape, (&old, &new), pairing, |i| usize::from(s.old[i]), rows, counters);
            }
            _ => {
                let (none, rows) = (std::iter::repeat(&0u16), previous_of.iter());
                let rows = rows.zip(none.clone()).zip(none).enumerate();
                count_in_one_segmentation(shape, (&old, &new), pairing, |_| 0, rows, counters);
            }
        }
    } else {
        for (i, &paired) in in_panel_old.iter().enumerate() {
            for d in 0..dims {
                let c = old(i, d);
                groups.each(i, false, |g| old_counts[old_at(d, g, usize::from(paired), c)] += 1);
            }
        }
        for (j, &i) in previous_of.iter().enumerate() {
            for d in 0..dims {
                let b = new(j, d);
                let a = if i == NO_ROW { old_k } else { old(i as usize, d) };
                groups.each(j, true, |g| new_counts[new_at(d, g, a, b)] += 1);
            }
        }
    }
    // A group's (or several groups' summed) tables from the counters.
    let tables = |d: usize, gs: std::ops::Range<usize>| {
        let mut t = Tables::new(k);
        for g in gs {
            for c in 0..old_k {
                let Some(x) = (coding.old_category)(c) else { continue };
                let (independent, paired) = (old_counts[old_at(d, g, 0, c)], old_counts[old_at(d, g, 1, c)]);
                t.old[x] += independent + paired;
                t.old_independent[x] += independent;
            }
            for b in 0..new_k {
                let Some(y) = (coding.new_category)(b) else { continue };
                for a in 0..=old_k {
                    let n = new_counts[new_at(d, g, a, b)];
                    t.new[y] += n;
                    if a == old_k {
                        t.new_independent[y] += n;
                    } else if let Some(x) = (coding.old_category)(a) {
                        t.square[x][y] += n;
                    }
                }
            }
        }
        if let Some(s) = scores {
            for (a, row) in t.square.iter().enumerate() {
                for (b, &x) in row.iter().enumerate() {
                    let m = match s[b].total_cmp(&s[a]) {
                        std::cmp::Ordering::Greater => 0,
                        std::cmp::Ordering::Equal => 1,
                        std::cmp::Ordering::Less => 2,
                    };
                    t.moves[m] += x;
                }
            }
        }
        t
    };
    (0..dims)
        .map(|d| {
            let by = segmentations
                .iter()
                .zip(&groups.offsets)
                .map(|(s, &off)| (0..s.values.len()).map(|v| tables(d, off + v + 1..off + v + 2)).collect())
                .collect();
            (tables(d, groups.everyone()), by)
        })
        .collect()
}

/// Where [`tally`]'s counters are: `dims` items, `old_k` and `new_k` raw codes, `groups` groups.
#[derive(Clone, Copy)]
struct Shape {
    dims: usize,
    old_k: usize,
    new_k: usize,
    groups: usize,
}

impl Shape {
    /// The previous wave's counter: [item][group][in the panel][code].
    #[inline(always)]
    fn old_at(self, d: usize, g: usize, paired: usize, c: usize) -> usize {
        ((d * self.groups + g) * 2 + paired) * self.old_k + c
    }

    /// The current wave's counter: [item][group][previous code, or `old_k`: not in the
    /// panel][code].
    #[inline(always)]
    fn new_at(self, d: usize, g: usize, a: usize, b: usize) -> usize {
        ((d * self.groups + g) * (self.old_k + 1) + a) * self.new_k + b
    }

    fn old_len(self) -> usize {
        self.dims * self.groups * 2 * self.old_k
    }

    fn new_len(self) -> usize {
        self.dims * self.groups * (self.old_k + 1) * self.new_k
    }
}

/// [`tally`]'s counting with at most one segmentation: `old_group` gives a previous row's
/// group, `rows` each current row's (number, ((previous row, group), previous group)) —
/// all groups 0 without a segmentation.
fn count_in_one_segmentation<'r>(
    shape: Shape,
    (old, new): (&impl Fn(usize, usize) -> usize, &impl Fn(usize, usize) -> usize),
    pairing: &Pairing,
    old_group: impl Fn(usize) -> usize,
    rows: impl Iterator<Item = (usize, ((&'r u32, &'r u16), &'r u16))> + Clone,
    (old_counts, new_counts): (&mut [u64], &mut [u64]),
) {
    let Shape { dims, old_k, new_k, groups: g_len } = shape;
    let (old_at, new_at) = (|d, g, paired, c| shape.old_at(d, g, paired, c), |d, g, a, b| shape.new_at(d, g, a, b));
    // A panel member's previous answer is counted with its current one, from the code that
    // pass reads anyway: the pass over the previous wave needs only the rows not in the panel.
    for &i in &pairing.old_only {
        let (i, g) = (i as usize, old_group(i as usize));
        for d in 0..dims {
            old_counts[old_at(d, g, 0, old(i, d))] += 1;
        }
    }
    // A pair is one addition to a counter by (current group, previous group, previous code,
    // current code) when those are few (the usual case: a handful of segments), from which
    // both waves' counters are summed; else two additions, one to each wave's counters.
    let (codes, per_dim) = (old_k * new_k, g_len * g_len * old_k * new_k);
    let pair_at =
        |d: usize, g: usize, was: usize, a: usize, b: usize| d * per_dim + (g * g_len + was) * codes + a * new_k + b;
    // A fixed number of counters, found through a mask (below `PAIR_CELLS` by
    // construction), and each pair of groups' first counter looked up: no bounds check and
    // no product a row — with one item a pass, a quarter off each item (2.0 → 1.5 ms).
    let mut pairs: Option<Box<[u32; PAIR_CELLS]>> = (dims * per_dim <= PAIR_CELLS)
        .then(|| vec![0; PAIR_CELLS].into_boxed_slice().try_into().expect("PAIR_CELLS counters"));
    // Each (current group, previous group)'s first counter.
    let first: Vec<usize> = (0..g_len * g_len).map(|both| both * codes).collect();
    if let Some(pairs) = &mut pairs
        && dims == 1
    {
        // One item a pass, the usual case: the same as below with no loop over items.
        for (j, ((&i, &g), &was)) in rows.clone() {
            if i == NO_ROW {
                new_counts[new_at(0, usize::from(g), old_k, new(j, 0))] += 1;
            } else {
                let first = first.get(usize::from(g) * g_len + usize::from(was)).copied().unwrap_or(0);
                pairs[(first + old(i as usize, 0) * new_k + new(j, 0)) & (PAIR_CELLS - 1)] += 1;
            }
        }
    } else if let Some(pairs) = &mut pairs {
        for (j, ((&i, &g), &was)) in rows.clone() {
            if i == NO_ROW {
                for d in 0..dims {
                    new_counts[new_at(d, usize::from(g), old_k, new(j, d))] += 1;
                }
            } else {
                let first = first.get(usize::from(g) * g_len + usize::from(was)).copied().unwrap_or(0);
                for d in 0..dims {
                    let at = d * per_dim + first + old(i as usize, d) * new_k + new(j, d);
                    pairs[at & (PAIR_CELLS - 1)] += 1;
                }
            }
        }
    } else {
        for (j, ((&i, &g), &was)) in rows.clone() {
            let (g, was) = (usize::from(g), usize::from(was));
            for d in 0..dims {
                if i == NO_ROW {
                    new_counts[new_at(d, g, old_k, new(j, d))] += 1;
                } else {
                    let a = old(i as usize, d);
                    old_counts[old_at(d, was, 1, a)] += 1;
                    new_counts[new_at(d, g, a, new(j, d))] += 1;
                }
            }
        }
    }
    if let Some(pairs) = &pairs {
        for d in 0..dims {
            for (g, was, a, b) in (0..g_len).flat_map(|g| {
                (0..g_len).flat_map(move |was| (0..old_k).flat_map(move |a| (0..new_k).map(move |b| (g, was, a, b))))
            }) {
                let n = u64::from(pairs[pair_at(d, g, was, a, b)]);
                new_counts[new_at(d, g, a, b)] += n;
                old_counts[old_at(d, was, 1, a)] += n;
            }
        }
    }
}

/// The most counters of a pass counted by pair (4 K × 4 bytes: within a core's first-level
/// cache; a count is below 2³² as rows are numbered in 32 bits).
const PAIR_CELLS: usize = 1 << 12;

/// A chosen-or-not item's coding: raw code 0 no answer, 1 not chosen, 2 chosen.
const CHOSEN_OR_NOT: Coding<'static> =
    Coding { old_codes: 3, new_codes: 3, old_category: &|c| c.checked_sub(1), new_category: &|c| c.checked_sub(1) };

/// The raw code of a select_multiple answer for a chosen-or-not item ([`CHOSEN_OR_NOT`]).
fn chosen_or_not(bits: u64, mask: u64) -> usize {
    if bits == 0 { 0 } else { 1 + usize::from(bits & mask != 0) }
}

/// `f` of each job, on every core, in the jobs' order. Each thread takes the next job not yet
/// taken (jobs differ in cost tenfold; dealing them out in turn left one core idle).
fn in_parallel<J: Sync, R: Send>(jobs: &[J], f: impl Fn(&J) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, jobs.len().max(1));
    let next = AtomicUsize::new(0);
    let mut out: Vec<Option<R>> = (0..jobs.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let (f, next) = (&f, &next);
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break done };
                        done.push((i, f(job)));
                    }
                })
            })
            .collect();
        for h in handles {
            for (i, r) in h.join().expect("a trend thread panicked") {
                out[i] = Some(r);
            }
        }
    });
    out.into_iter().map(|r| r.expect("every job done")).collect()
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
pub fn trend(
    previous: &Wave,
    current: &Wave,
    diff: &FormDiff,
    by: &[String],
    monte_carlo_samples: u32,
) -> Result<Trend, RepeatedId> {
    let index = |f: &Form, name: &str| f.questions.iter().position(|q| q.name == name);
    // Each current row's previous row (NO_ROW for none).
    let previous_of = match_ids(previous.responses, current.responses)?;
    let to_new_of = |m: &mamori_form::diff::MappedItem, old_q: &mamori_form::Question| -> Vec<Option<usize>> {
        old_q.choices.iter().map(|oc| m.choices.iter().position(|(_, olds)| olds.contains(&oc.name))).collect()
    };
    // Each segment question's values and both waves' segment codes, on this core while the
    // other works out the panel's flags; then each current row's previous segment.
    let segment_codes = || -> Vec<Segmentation> {
        by.iter()
            .filter_map(|name| {
                let m = diff.mapped.iter().find(|m| &m.name == name && m.comparable)?;
                let (qn, qo) = (index(current.form, &m.name)?, index(previous.form, &m.previous_name)?);
                let new_q = &current.form.questions[qn];
                if new_q.kind != QuestionType::SelectOne {
                    return None;
                }
                let values: Vec<String> = new_q.choices.iter().map(|c| c.name.clone()).collect();
                let identity: Vec<Option<usize>> = (0..values.len()).map(Some).collect();
                Some(Segmentation {
                    name: name.clone(),
                    old: segment_codes(previous, qo, &to_new_of(m, &previous.form.questions[qo])),
                    new: segment_codes(current, qn, &identity),
                    old_of_new: Vec::new(),
                    values,
                })
            })
            .collect()
    };
    let (pairing, mut segmentations) = std::thread::scope(|s| {
        let pairing = s.spawn(|| Pairing::new(previous_of, previous.responses.len()));
        let segmentations = segment_codes();
        (pairing.join().expect("the panel's flags"), segmentations)
    });
    for s in &mut segmentations {
        s.old_of_new = pairing.previous_values(&s.old, 0);
    }
    let panel_n = pairing.previous_of.iter().filter(|&&i| i != NO_ROW).count();
    let not_comparable: Vec<String> = diff.mapped.iter().filter(|m| !m.comparable).map(|m| m.name.clone()).collect();
    // Each mapped item's comparison (a select_multiple gives one per choice).
    let one = |m: &mamori_form::diff::MappedItem| -> Vec<ItemTrend> {
        let mut out = Vec::new();
        let (Some(qn), Some(qo)) = (index(current.form, &m.name), index(previous.form, &m.previous_name)) else {
            return out;
        };
        let (new_q, old_q) = (&current.form.questions[qn], &previous.form.questions[qo]);
        let choice_names: Vec<String> = new_q.choices.iter().map(|c| c.name.clone()).collect();
        // Old choice position → new choice position, as the mapping says.
        let to_new = to_new_of(m, old_q);
        match new_q.kind {
            QuestionType::SelectOne => {
                let (Column::Choice(old_codes), Column::Choice(new_codes)) =
                    (&previous.responses.columns[qo], &current.responses.columns[qn])
                else {
                    return out;
                };
                let scores: Option<Vec<f64>> = new_q.choices.iter().map(|c| c.score).collect();
                let segs: Vec<&Segmentation> = segmentations.iter().filter(|s| s.name != m.name).collect();
                let coding = Coding {
                    old_codes: old_q.choices.len() + 1,
                    new_codes: choice_names.len() + 1,
                    old_category: &|c| c.checked_sub(1).and_then(|c| to_new[c]),
                    new_category: &|c| c.checked_sub(1),
                };
                let (all, by) = tally(
                    (choice_names.len(), 1),
                    (|i, _| usize::from(old_codes[i]), |j, _| usize::from(new_codes[j])),
                    &coding,
                    &pairing,
                    &segs,
                    scores.as_deref(),
                )
                .pop()
                .expect("one item tallied");
                let tallied = (&all, &by[..], &segs[..]);
                out.push(segmented(m, &m.name, &choice_names, tallied, scores.is_some(), monte_carlo_samples));
            }
            QuestionType::SelectMultiple => {
                // Each new choice as its own item: chosen or not, among those who answered.
                let (Column::Multi(old_bits), Column::Multi(new_bits)) =
                    (&previous.responses.columns[qo], &current.responses.columns[qn])
                else {
                    return out;
                };
                // The choices compared (a new choice has nothing to compare with), each as its
                // own item, all in one pass: its position among the new choices and the old
                // choices' bits that map to it.
                let compared: Vec<(usize, u64)> = m
                    .choices
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, olds))| !olds.is_empty())
                    .map(|(k, (_, olds))| {
                        let old_mask = old_q
                            .choices
                            .iter()
                            .enumerate()
                            .filter(|(_, c)| olds.contains(&c.name))
                            .fold(0u64, |mask, (b, _)| mask | (1 << b));
                        (k, old_mask)
                    })
                    .collect();
                let labels = ["not_chosen".to_string(), "chosen".to_string()];
                let segs: Vec<&Segmentation> = segmentations.iter().collect();
                let tallied = tally(
                    (2, compared.len()),
                    (
                        |i, d| chosen_or_not(old_bits[i], compared[d].1),
                        |j, d| chosen_or_not(new_bits[j], 1 << compared[d].0),
                    ),
                    &CHOSEN_OR_NOT,
                    &pairing,
                    &segs,
                    Some(&[0.0, 1.0]),
                );
                for (&(k, _), (all, by)) in compared.iter().zip(tallied) {
                    let (choice, olds) = &m.choices[k];
                    let name = format!("{}/{choice}", m.name);
                    let mut it = segmented(m, &name, &labels, (&all, &by[..], &segs[..]), true, monte_carlo_samples);
                    it.previous_name = format!("{}/{}", m.previous_name, olds.join("+"));
                    out.push(it);
                }
            }
            _ => {}
        }
        out
    };
    let segmented_number = |names: (&str, &str), values: (&[f64], &[f64])| {
        numbers::segmented_number(names, values, &pairing, &segmentations)
    };
    let (old_numbers, new_numbers) = (NumberCodes::new(previous), NumberCodes::new(current));
    let number = |m: &mamori_form::diff::MappedItem| -> Option<NumberTrend> {
        let (qn, qo) = (index(current.form, &m.name)?, index(previous.form, &m.previous_name)?);
        let (Column::Number(old_v), Column::Number(new_v)) =
            (&previous.responses.columns[qo], &current.responses.columns[qn])
        else {
            return None;
        };
        let names = (&m.name[..], &m.previous_name[..]);
        Some(match (old_numbers.get(qo), new_numbers.get(qn)) {
            (Some(old), Some(new)) => numbers::segmented_coded(names, (old, new), &pairing, &segmentations),
            _ => numbers::segmented_values(names, (old_v, new_v), &pairing, &segmentations),
        })
    };
    let score = || match (score::coded(previous), score::coded(current)) {
        (Some(old_s), Some(new_s)) => {
            Some(numbers::segmented_coded(("score", "score"), (&old_s, &new_s), &pairing, &segmentations))
        }
        _ => match (score::values(previous), score::values(current)) {
            (Some(old_s), Some(new_s)) => Some(segmented_number(("score", "score"), (&old_s, &new_s))),
            _ => None,
        },
    };
    // Every comparison is independent of the others: they are worked out on every core and
    // put back in the form's order (the costliest first: see below).
    // A share indicator of the current form's report sheet (the share of respondents choosing
    // any of some choices): chosen or not, among those who answered, on both waves.
    let indicator = |row: &mamori_form::model::ReportRow| -> Option<ItemTrend> {
        let question = row.question.as_deref()?;
        let m = diff.mapped.iter().find(|m| m.name == question && m.comparable)?;
        let (qn, qo) = (index(current.form, &m.name)?, index(previous.form, &m.previous_name)?);
        let (new_q, old_q) = (&current.form.questions[qn], &previous.form.questions[qo]);
        let new_set: Vec<bool> = new_q.choices.iter().map(|c| row.choices.contains(&c.name)).collect();
        let old_set: Vec<bool> = to_new_of(m, old_q).iter().map(|k| k.is_some_and(|k| new_set[k])).collect();
        let mask = |set: &[bool]| set.iter().enumerate().filter(|(_, s)| **s).fold(0u64, |m, (b, _)| m | (1 << b));
        let (old_mask, new_mask) = (mask(&old_set), mask(&new_set));
        let segs: Vec<&Segmentation> = segmentations.iter().filter(|s| s.name != m.name).collect();
        let labels = ["not_chosen".to_string(), "chosen".to_string()];
        let (all, by) = match (&previous.responses.columns[qo], &current.responses.columns[qn]) {
            (Column::Choice(old_codes), Column::Choice(new_codes)) => tally(
                (2, 1),
                (|i, _| usize::from(old_codes[i]), |j, _| usize::from(new_codes[j])),
                &Coding {
                    old_codes: old_set.len() + 1,
                    new_codes: new_set.len() + 1,
                    old_category: &|c| c.checked_sub(1).map(|c| usize::from(old_set[c])),
                    new_category: &|c| c.checked_sub(1).map(|c| usize::from(new_set[c])),
                },
                &pairing,
                &segs,
                Some(&[0.0, 1.0]),
            ),
            (Column::Multi(old_bits), Column::Multi(new_bits)) => tally(
                (2, 1),
                (|i, _| chosen_or_not(old_bits[i], old_mask), |j, _| chosen_or_not(new_bits[j], new_mask)),
                &CHOSEN_OR_NOT,
                &pairing,
                &segs,
                Some(&[0.0, 1.0]),
            ),
            _ => return None,
        }
        .pop()?;
        Some(segmented(m, &row.name, &labels, (&all, &by[..], &segs[..]), true, monte_carlo_samples))
    };
    // A ratio-of-sums indicator: numerator and denominator questions mapped to the previous
    // wave, summed over the respondents who gave both.
    let ratio = |row: &mamori_form::model::ReportRow| -> Option<RatioTrend> {
        let (num, den) = (row.numerator.as_deref()?, row.denominator.as_deref()?);
        let mapped =
            |name: &str| diff.mapped.iter().find(|m| m.name == name && m.comparable).map(|m| m.previous_name.clone());
        let (old_num, old_den) = (mapped(num)?, mapped(den)?);
        let names = (&row.name[..], &row.name[..]);
        // Each organisation's ratio coded from its numbers' codes (shared with the numbers'
        // own comparisons), with the sums in the same pass.
        let coded = |codes: &NumberCodes, (x, y): (&str, &str)| {
            let form = codes.wave.form;
            numbers::coded_ratio(codes.get(index(form, x)?)?, codes.get(index(form, y)?)?)
        };
        let (old_wave, new_wave, per_organisation) =
            match (coded(&old_numbers, (&old_num, &old_den)), coded(&new_numbers, (num, den))) {
                (Some((old, old_sums)), Some((new, new_sums))) => (
                    RatioWave::of(old_sums),
                    RatioWave::of(new_sums),
                    numbers::segmented_coded(names, (&old, &new), &pairing, &segmentations),
                ),
                _ => {
                    let (old_wave, (old_x, old_y)) = ratio_wave(previous, &old_num, &old_den)?;
                    let (new_wave, (new_x, new_y)) = ratio_wave(current, num, den)?;
                    // Each organisation's ratio, none where either is missing or the
                    // denominator is not above 0.
                    let own = |x: &[f64], y: &[f64]| -> Vec<f64> {
                        x.iter()
                            .zip(y)
                            .map(|(&x, &y)| if x.is_nan() || y.is_nan() || y <= 0.0 { f64::NAN } else { x / y })
                            .collect()
                    };
                    (old_wave, new_wave, segmented_number(names, (&own(old_x, old_y), &own(new_x, new_y))))
                }
            };
        Some(RatioTrend {
            name: row.name.clone(),
            change: new_wave.ratio - old_wave.ratio,
            waves: Waves { previous: old_wave, current: new_wave },
            per_organisation,
        })
    };
    enum Job<'m> {
        Ratio(&'m mamori_form::model::ReportRow),
        Score,
        Number(&'m mamori_form::diff::MappedItem),
        Item(&'m mamori_form::diff::MappedItem),
        Indicator(&'m mamori_form::model::ReportRow),
    }
    enum Done {
        Score(Option<NumberTrend>),
        Number(Option<NumberTrend>),
        Items(Vec<ItemTrend>),
        Indicator(Option<ItemTrend>),
        Ratio(Option<RatioTrend>),
    }
    let comparable = || diff.mapped.iter().filter(|m| m.comparable);
    let shares = current.form.report.iter().filter(|r| r.kind == mamori_form::model::ReportKind::Share);
    let ratio_rows = current.form.report.iter().filter(|r| r.kind == mamori_form::model::ReportKind::RatioOfSums);
    let jobs: Vec<Job> = std::iter::once(Job::Score)
        .chain(comparable().map(Job::Number))
        .chain(ratio_rows.map(Job::Ratio))
        .chain(comparable().map(Job::Item))
        .chain(shares.map(Job::Indicator))
        .collect();
    // The costly jobs first (the score, numbers and ratios, a select_multiple's choices), so
    // that the cheap ones even out the threads' loads at the end (a select_multiple last kept
    // one core busy for 12 ms after the other had finished); the results go back in the jobs'
    // order.
    let costly = |job: &Job| match job {
        Job::Score | Job::Number(_) | Job::Ratio(_) => true,
        Job::Item(m) => {
            index(current.form, &m.name).is_some_and(|q| current.form.questions[q].kind == QuestionType::SelectMultiple)
        }
        Job::Indicator(_) => false,
    };
    let mut run_order: Vec<usize> = (0..jobs.len()).collect();
    run_order.sort_by_key(|&j| !costly(&jobs[j]));
    let ran = in_parallel(&run_order, |&j| match jobs[j] {
        Job::Score => Done::Score(score()),
        Job::Number(m) => Done::Number(number(m)),
        Job::Item(m) => Done::Items(one(m)),
        Job::Indicator(row) => Done::Indicator(indicator(row)),
        Job::Ratio(row) => Done::Ratio(ratio(row)),
    });
    let mut done: Vec<Option<Done>> = (0..jobs.len()).map(|_| None).collect();
    for (&j, d) in run_order.iter().zip(ran) {
        done[j] = Some(d);
    }
    let (mut items, mut numbers, mut score, mut indicators) = (Vec::new(), Vec::new(), None, Vec::new());
    let mut ratios = Vec::new();
    for d in done.into_iter().flatten() {
        match d {
            Done::Score(s) => score = s,
            Done::Number(n) => numbers.extend(n),
            Done::Items(i) => items.extend(i),
            Done::Indicator(i) => indicators.extend(i),
            Done::Ratio(r) => ratios.extend(r),
        }
    }
    // Holm across every test of change in the report.
    let tests = items
        .iter_mut()
        .chain(indicators.iter_mut())
        .flat_map(|i| {
            let segment_tests = i.by.values_mut().flat_map(|v| v.values_mut()).filter_map(|s| s.test.as_mut());
            i.test.as_mut().into_iter().chain(segment_tests)
        })
        .chain(
            numbers
                .iter_mut()
                .chain(score.iter_mut())
                .chain(ratios.iter_mut().map(|r| &mut r.per_organisation))
                .flat_map(|n| {
                    let segment_tests = n.by.values_mut().flat_map(|v| v.values_mut()).filter_map(|s| s.test.as_mut());
                    n.test.as_mut().into_iter().chain(segment_tests)
                }),
        );
    let tests: Vec<&mut ChangeTest> = tests.collect();
    let adjusted = holm(&tests.iter().map(|t| t.p).collect::<Vec<_>>());
    for (t, p) in tests.into_iter().zip(adjusted) {
        t.p_holm = p;
    }
    Ok(Trend {
        items,
        indicators,
        numbers,
        ratios,
        score,
        not_comparable,
        only_in: OnlyIn { previous: diff.dropped.clone(), current: diff.added.clone() },
        panel_n,
        findings: Vec::new(),
        withheld: Vec::new(),
        published: false,
        min_cell: None,
        labels: Labels::default(),
    })
}

/// Two number columns of a wave.
type Pair<'w> = (&'w [f64], &'w [f64]);

/// A ratio-of-sums indicator's sums in a wave (over the respondents who gave both), with the
/// numerator's and the denominator's columns.
fn ratio_wave<'w>(w: &Wave<'w>, num: &str, den: &str) -> Option<(RatioWave, Pair<'w>)> {
    let column = |name: &str| w.form.questions.iter().position(|q| q.name == name).map(|q| &w.responses.columns[q]);
    let (Column::Number(x), Column::Number(y)) = (column(num)?, column(den)?) else {
        return None;
    };
    let mut sums = numbers::Sums { n: 0, x: 0.0, y: 0.0 };
    for (&x, &y) in x.iter().zip(y).filter(|(x, y)| !x.is_nan() && !y.is_nan()) {
        sums.n += 1;
        sums.x += x;
        sums.y += y;
    }
    Some((RatioWave::of(sums), (x, y)))
}

impl RatioWave {
    fn of(sums: numbers::Sums) -> RatioWave {
        let ratio = if sums.y > 0.0 { sums.x / sums.y } else { f64::NAN };
        RatioWave { n: sums.n, numerator: sums.x, denominator: sums.y, ratio }
    }
}

/// Each number question's codes in a wave ([`numbers::coded`]), worked out once by whichever
/// job asks first: a number's own comparison, or a ratio of two numbers.
struct NumberCodes<'w> {
    wave: &'w Wave<'w>,
    cells: Vec<std::sync::OnceLock<Option<numbers::Coded>>>,
}

impl<'w> NumberCodes<'w> {
    fn new(wave: &'w Wave<'w>) -> Self {
        NumberCodes { wave, cells: (0..wave.form.questions.len()).map(|_| Default::default()).collect() }
    }

    /// Question `q`'s codes; `None` for a question that is not a number, or takes too many
    /// distinct values to code.
    fn get(&self, q: usize) -> Option<&numbers::Coded> {
        let Column::Number(v) = self.wave.responses.columns.get(q)? else { return None };
        self.cells[q].get_or_init(|| numbers::coded(v)).as_ref()
    }
}

/// The current form's names for a document about a trend, in one language.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    pub title: String,
    /// `ja` or `en`: the language of the document's own words.
    pub lang: String,
    /// Question name → label.
    pub questions: BTreeMap<String, String>,
    /// Question name → its choices (code, label) in the form's order.
    pub choices: BTreeMap<String, Vec<(String, String)>>,
    /// Share indicator name → label.
    pub indicators: BTreeMap<String, String>,
}

impl Labels {
    pub fn question<'a>(&'a self, name: &'a str) -> &'a str {
        self.questions.get(name).map_or(name, String::as_str)
    }

    pub fn choice<'a>(&'a self, question: &str, code: &'a str) -> &'a str {
        self.choices.get(question).and_then(|c| c.iter().find(|(k, _)| k == code)).map_or(code, |(_, l)| l.as_str())
    }
}

/// The labels of `form` in `language` (a form language); `japanese` picks the document's words.
pub fn labels(form: &Form, language: &str, japanese: bool) -> Labels {
    let text =
        |t: &mamori_form::model::Translated, fallback: &str| form.text(t, language).unwrap_or(fallback).to_string();
    Labels {
        title: if form.title.is_empty() { form.form_id.clone() } else { form.title.clone() },
        lang: if japanese { "ja" } else { "en" }.into(),
        questions: form.questions.iter().map(|q| (q.name.clone(), text(&q.label, &q.name))).collect(),
        choices: form
            .questions
            .iter()
            .filter(|q| !q.choices.is_empty())
            .map(|q| (q.name.clone(), q.choices.iter().map(|c| (c.name.clone(), text(&c.label, &c.name))).collect()))
            .collect(),
        indicators: form.report.iter().map(|r| (r.name.clone(), text(&r.label, &r.name))).collect(),
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
    // The report sheet's share indicators first, in their own words (「製造販売中製品のSBOM
    // 作成（完了＋準備中）」); an item whose credited answers an indicator already counts is
    // not said twice.
    let shares: Vec<&mamori_form::model::ReportRow> =
        form.report.iter().filter(|r| r.kind == mamori_form::model::ReportKind::Share).collect();
    for item in &result.indicators {
        let Some(row) = shares.iter().find(|r| r.name == item.name) else { continue };
        let label = form.text(&row.label, language).unwrap_or(&row.name).to_string();
        out.extend(sentence(item, &label, &["chosen"], japanese));
    }
    for item in &result.items {
        let Some(q) = form.questions.iter().find(|q| q.name == item.name && q.kind == QuestionType::SelectOne) else {
            continue;
        };
        let credited: Vec<&mamori_form::model::Choice> =
            q.choices.iter().filter(|c| c.score.is_some_and(|s| s > 0.0)).collect();
        if credited.is_empty() || credited.len() == q.choices.len() {
            continue;
        }
        let said = shares.iter().any(|r| {
            r.question.as_deref() == Some(q.name.as_str())
                && result.indicators.iter().any(|i| i.name == r.name)
                && r.choices.len() == credited.len()
                && credited.iter().all(|c| r.choices.contains(&c.name))
        });
        if said {
            continue;
        }
        let label = form.text(&q.label, language).unwrap_or(&q.name);
        let names: Vec<&str> = credited.iter().map(|c| form.text(&c.label, language).unwrap_or(&c.name)).collect();
        let label = if japanese {
            format!("{label}（{}）", names.join("＋"))
        } else {
            format!("{label} ({})", names.join(" + "))
        };
        let codes: Vec<&str> = credited.iter().map(|c| c.name.as_str()).collect();
        out.extend(sentence(item, &label, &codes, japanese));
    }
    out
}

/// One sentence on the share of the answers `codes` in `item`, when its change is significant
/// (Holm-corrected test of change, or the panel's paired test at p < 0.05) and rests on no
/// withheld count.
fn sentence(item: &ItemTrend, label: &str, codes: &[&str], japanese: bool) -> Option<String> {
    let withheld = |w: &WaveCounts| codes.iter().any(|c| w.withheld.iter().any(|x| x == c));
    if withheld(&item.waves.previous) || withheld(&item.waves.current) {
        return None; // published, and a share rests on a withheld count
    }
    let share = |w: &WaveCounts| {
        let k: u64 = codes.iter().map(|c| w.counts.get(*c).copied().unwrap_or(0)).sum();
        if w.n == 0 { f64::NAN } else { 100.0 * k as f64 / w.n as f64 }
    };
    let (before, after) = (share(&item.waves.previous), share(&item.waves.current));
    let significant_test = item.test.as_ref().filter(|t| t.p_holm < 0.05);
    let significant_panel = item.panel.as_ref().filter(|p| p.p < 0.05);
    if significant_test.is_none() && significant_panel.is_none() || !before.is_finite() || !after.is_finite() {
        return None;
    }
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
    Some(if japanese {
        let direction = if points > 0.0 { "増加" } else { "減少" };
        format!(
            "{label}は前回{before:.1}%から{after:.1}%に{direction}（{points:+.1}ポイント、{}）",
            evidence.join("、")
        )
    } else {
        let direction = if points > 0.0 { "rose" } else { "fell" };
        format!("{label} {direction} from {before:.1}% to {after:.1}% ({points:+.1} points; {})", evidence.join("; "))
    })
}

fn wave_counts(names: &[String], counts: &[u64]) -> WaveCounts {
    let n: u64 = counts.iter().sum();
    let percent = names
        .iter()
        .zip(counts)
        .map(|(name, &c)| (name.clone(), if n == 0 { 0.0 } else { 100.0 * c as f64 / n as f64 }))
        .collect();
    let by_name = names.iter().cloned().zip(counts.iter().copied()).collect();
    WaveCounts { n, counts: by_name, percent, withheld: Vec::new() }
}

/// An item's figures overall and within each segment, from its tables ([`tally`]).
fn segmented(
    m: &mamori_form::diff::MappedItem,
    name: &str,
    names: &[String],
    (all, by, segs): (&Tables, &[Vec<Tables>], &[&Segmentation]),
    scored: bool,
    samples: u32,
) -> ItemTrend {
    let mut it = item_trend(m, name.to_string(), names, all, scored, samples);
    for (s, tables) in segs.iter().zip(by) {
        let within = s
            .values
            .iter()
            .zip(tables)
            .map(|(value, tables)| {
                // The test's name keys its Monte Carlo seed: each segment's its own.
                let key = format!("{name}×{}={value}", s.name);
                let mut seg = item_trend(m, key, names, tables, scored, samples);
                seg.name = name.to_string();
                (value.clone(), seg)
            })
            .collect();
        it.by.insert(s.name.clone(), within);
    }
    it
}

fn item_trend(
    m: &mamori_form::diff::MappedItem,
    name: String,
    names: &[String],
    tables: &Tables,
    scored: bool,
    samples: u32,
) -> ItemTrend {
    let (previous, current) = (wave_counts(names, &tables.old), wave_counts(names, &tables.new));
    let change = names
        .iter()
        .enumerate()
        .filter(|_| previous.n > 0 && current.n > 0)
        .map(|(k, choice)| {
            let (d, lo, hi) = newcombe(tables.old[k], previous.n, tables.new[k], current.n);
            (choice.clone(), Change { points: 100.0 * d, ci95: [100.0 * lo, 100.0 * hi] })
        })
        .collect();
    // The independent parts: respondents of one wave only.
    let table: Table = vec![tables.old_independent.clone(), tables.new_independent.clone()];
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
    let square = &tables.square;
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
        let [up, level, down] = tables.moves;
        Panel {
            n: n_panel,
            method,
            p,
            improved: scored.then_some(up),
            unchanged: scored.then_some(level),
            worse: scored.then_some(down),
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
        withheld_segments: Vec::new(),
    }
}

mod numbers;
mod panel;
mod publish;
mod score;
pub use publish::publish;

#[cfg(test)]
mod tests;
