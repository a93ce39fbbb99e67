//! Numbers in both waves — integer and decimal items, each organisation's ratio of a
//! ratio-of-sums indicator, the readiness score — overall and within each segment: each wave's
//! mean and median, Mann–Whitney on the independent parts, Wilcoxon's signed rank on the
//! panel's differences.
//!
//! Every one of those figures rests on the values' distinct counts, and answers take few
//! distinct values (device counts, scores in quarter steps): each wave's values are coded by
//! their distinct values once, and each row then adds one to a counter per segmentation —
//! no list of a million values per group to copy, hash or sort. A number with more distinct
//! values than [`MANY_VALUES`] (free decimals) falls back to lists of values.

use super::{ChangeTest, Groups, NO_ROW, NumberTrend, Pairing, Panel, Segmentation, Summary, Waves};
use crate::change::{mann_whitney_counted, median_counted, value_counts, wilcoxon_signed_rank_counted};
use std::collections::{BTreeMap, HashMap};

type Hasher = foldhash::fast::RandomState;

/// Distinct values, ascending, each with how often it occurs ([`value_counts`]).
type Counts = Vec<(f64, u64)>;

/// Past this many distinct values in a wave, a number is counted from lists of its values.
/// (A code is a `u16`: a million rows' codes are 2 MB.)
const MANY_VALUES: usize = u16::MAX as usize;

/// One group's values of a number as distinct counts: each wave's, those of the respondents of
/// one wave only, and the panel's differences (current − previous).
struct NumberCounts {
    previous: Counts,
    current: Counts,
    previous_independent: Counts,
    current_independent: Counts,
    differences: Counts,
}

/// A wave's values by code: 0 for none, `c` for `values[c - 1]` (distinct values, in any order,
/// at most [`MANY_VALUES`]).
pub(super) struct Coded {
    pub codes: Vec<u16>,
    pub values: Vec<f64>,
}

/// `v` coded by its distinct values (−0 as 0, NaN as none); `None` past [`MANY_VALUES`].
pub(super) fn coded(v: &[f64]) -> Option<Coded> {
    if let Some(coded) = coded_whole(v) {
        return Some(coded);
    }
    let mut code_of: HashMap<u64, u16, Hasher> = HashMap::default();
    let mut values = Vec::new();
    let mut codes = Vec::with_capacity(v.len());
    for &x in v {
        if x.is_nan() {
            codes.push(0);
            continue;
        }
        let x = x + 0.0;
        if values.len() == MANY_VALUES && !code_of.contains_key(&x.to_bits()) {
            return None;
        }
        let code = *code_of.entry(x.to_bits()).or_insert_with(|| {
            values.push(x);
            values.len() as u16
        });
        codes.push(code);
    }
    Some(Coded { codes, values })
}

/// Whole numbers within this many of each other are coded by a table ([`coded_whole`]).
const WHOLE_SPAN: usize = 1 << 16;

/// Where a column's whole numbers are looked up: [`WHOLE_SPAN`] numbers from the first one's
/// less half of it, each a number's distance from `base`.
#[derive(Clone, Copy)]
struct Near {
    base: i64,
}

impl Near {
    /// Around the first number of `v` (any place for a column without numbers).
    fn first_of(v: &[f64]) -> Near {
        let first = v.iter().find(|x| !x.is_nan()).map_or(0, |&x| x as i64);
        Near { base: first.saturating_sub(WHOLE_SPAN as i64 / 2) }
    }

    /// `x`'s place, when it is a whole number within the span.
    #[inline(always)]
    fn place(self, x: f64) -> Option<usize> {
        // Whole when it survives the trip through an integer (`trunc` is a call into libm on
        // the x86-64 baseline); infinities and huge values do not.
        let i = x as i64;
        let at = i.wrapping_sub(self.base) as u64;
        (i as f64 == x && at < WHOLE_SPAN as u64).then_some(at as usize)
    }
}

/// [`coded`] for whole numbers around the first one (counts of products, of staff…): a
/// number's code found in a table by its place, not by hashing it — the same codes in the
/// same order. `None` for any other column.
fn coded_whole(v: &[f64]) -> Option<Coded> {
    let near = Near::first_of(v);
    let mut code_of = vec![0u16; WHOLE_SPAN];
    let mut values = Vec::new();
    let mut codes = Vec::with_capacity(v.len());
    for &x in v {
        if x.is_nan() {
            codes.push(0);
            continue;
        }
        let code = &mut code_of[near.place(x)?];
        if *code == 0 {
            if values.len() == MANY_VALUES {
                return None;
            }
            values.push(x + 0.0);
            *code = values.len() as u16;
        }
        codes.push(*code);
    }
    Some(Coded { codes, values })
}

/// The most pairs of codes a ratio is coded through ([`coded_ratio`]): 2 MB of table.
const RATIO_CELLS: usize = 1 << 20;

/// A ratio-of-sums indicator's sums in a wave: over the respondents who gave both numbers.
pub(super) struct Sums {
    pub n: u64,
    pub x: f64,
    pub y: f64,
}

/// Each organisation's ratio `x / y` coded by its distinct values (none where either is
/// missing or `y` is not above 0), from the codes of `x` and `y` ([`coded`]): a ratio's code
/// is found in a table by its pair of codes, not worked out and hashed a row — equal ratios of
/// different pairs (1/2, 2/4) share a code. With the sums of both over the rows that gave
/// both, in the same pass. `None` when the pairs of codes are too many ([`RATIO_CELLS`]).
pub(super) fn coded_ratio(x: &Coded, y: &Coded) -> Option<(Coded, Sums)> {
    let ky = y.values.len() + 1;
    let cells = (x.values.len() + 1).checked_mul(ky).filter(|&c| c <= RATIO_CELLS)?;
    // Each code's value, code 0 (none) too, read without a branch.
    let value = |c: &Coded| std::iter::once(0.0).chain(c.values.iter().copied()).collect::<Vec<f64>>();
    let (vx, vy) = (value(x), value(y));
    // Pair → code (0: not met yet).
    let mut code_of = vec![0u16; cells];
    let mut code_of_value: HashMap<u64, u16, Hasher> = HashMap::default();
    let mut values = Vec::new();
    let mut codes = Vec::with_capacity(x.codes.len());
    let mut sums = Sums { n: 0, x: 0.0, y: 0.0 };
    for (&a, &b) in x.codes.iter().zip(&y.codes) {
        let (a, b) = (usize::from(a), usize::from(b));
        if a == 0 || b == 0 {
            codes.push(0);
            continue;
        }
        sums.n += 1;
        sums.x += vx[a];
        sums.y += vy[b];
        if vy[b] <= 0.0 {
            codes.push(0);
            continue;
        }
        let code = &mut code_of[a * ky + b];
        if *code == 0 {
            let value = vx[a] / vy[b] + 0.0;
            if values.len() == MANY_VALUES && !code_of_value.contains_key(&value.to_bits()) {
                return None;
            }
            *code = *code_of_value.entry(value.to_bits()).or_insert_with(|| {
                values.push(value);
                values.len() as u16
            });
        }
        codes.push(*code);
    }
    Some((Coded { codes, values }, sums))
}

/// The panel's (previous code, current code) pairs: a square of counters when it is at most
/// [`SQUARE_CELLS`] (a ratio of two counts takes a few hundred values: a square of 250,000
/// counters added to at random still beats a hash map of its pairs threefold), else a hash map.
enum Pairs {
    Square(Vec<u32>),
    Sparse(HashMap<u64, u64, Hasher>),
}

const SQUARE_CELLS: usize = 1 << 18;

impl Pairs {
    fn new(cells: usize) -> Self {
        if cells <= SQUARE_CELLS { Pairs::Square(vec![0; cells]) } else { Pairs::Sparse(HashMap::default()) }
    }
}

/// A number overall and within each segment: a respondent in the segment it gave that wave,
/// a panel pair in its current one (its previous value wherever it was then). Values are the
/// columns as read (NaN for no answer), so a number's column is not copied.
pub(super) fn segmented_number(
    names: (&str, &str),
    (old_v, new_v): (&[f64], &[f64]),
    pairing: &Pairing,
    segmentations: &[Segmentation],
) -> NumberTrend {
    match (coded(old_v), coded(new_v)) {
        (Some(old), Some(new)) => segmented_coded(names, (&old, &new), pairing, segmentations),
        _ => segmented_values(names, (old_v, new_v), pairing, segmentations),
    }
}

/// [`segmented_number`] of values already coded ([`coded`], or the score's own coding).
pub(super) fn segmented_coded(
    (name, previous_name): (&str, &str),
    (old, new): (&Coded, &Coded),
    pairing: &Pairing,
    segmentations: &[Segmentation],
) -> NumberTrend {
    let segs: Vec<&Segmentation> = segmentations.iter().collect();
    let groups = Groups::new(&segs);
    figures((name, previous_name), by_codes(old, new, pairing, &groups), &groups)
}

/// [`segmented_number`] of values too many to code: lists of values per group.
pub(super) fn segmented_values(
    (name, previous_name): (&str, &str),
    values: (&[f64], &[f64]),
    pairing: &Pairing,
    segmentations: &[Segmentation],
) -> NumberTrend {
    let segs: Vec<&Segmentation> = segmentations.iter().collect();
    let groups = Groups::new(&segs);
    figures((name, previous_name), by_values(values, pairing, &groups), &groups)
}

/// The figures overall and by segment from a group's counts (`counts` of a range of groups).
fn figures(
    (name, previous_name): (&str, &str),
    counts: Box<dyn Fn(std::ops::Range<usize>) -> NumberCounts + '_>,
    groups: &Groups,
) -> NumberTrend {
    let segs = groups.segmentations;
    let mut overall = number_trend(name, previous_name, counts(groups.everyone()));
    for (s, &off) in segs.iter().zip(&groups.offsets) {
        let within = s
            .values
            .iter()
            .enumerate()
            .map(|(v, value)| (value.clone(), number_trend(name, previous_name, counts(off + v + 1..off + v + 2))));
        overall.by.insert(s.name.clone(), within.collect());
    }
    overall
}

/// Counters by code: in the previous wave [group][in panel][code], in the current one
/// [group][in panel][code], and the panel's pairs of codes per group. (Counting a panel
/// member's previous value in the current rows' pass, as the items do, measured slower here:
/// the square's additions share that loop.)
fn by_codes(
    old: &Coded,
    new: &Coded,
    pairing: &Pairing,
    groups: &Groups,
) -> Box<dyn Fn(std::ops::Range<usize>) -> NumberCounts> {
    let (ko, kn) = (old.values.len() + 1, new.values.len() + 1);
    let mut old_counts = vec![0u64; groups.len * 2 * ko];
    for (i, (&c, &paired)) in old.codes.iter().zip(&pairing.in_panel_old).enumerate() {
        groups.each(i, false, |g| old_counts[(g * 2 + usize::from(paired)) * ko + usize::from(c)] += 1);
    }
    let mut new_counts = vec![0u64; groups.len * 2 * kn];
    let mut pairs: Vec<Pairs> = (0..groups.len).map(|_| Pairs::new(ko * kn)).collect();
    for (j, (&b, &i)) in new.codes.iter().zip(&pairing.previous_of).enumerate() {
        let paired = i != NO_ROW;
        let (a, b) = (if paired && b != 0 { usize::from(old.codes[i as usize]) } else { 0 }, usize::from(b));
        groups.each(j, true, |g| {
            new_counts[(g * 2 + usize::from(paired)) * kn + b] += 1;
            if a != 0 {
                match &mut pairs[g] {
                    Pairs::Square(cells) => cells[a * kn + b] += 1,
                    Pairs::Sparse(map) => *map.entry(((a as u64) << 32) | b as u64).or_insert(0) += 1,
                }
            }
        });
    }
    // Distinct values with counts, from counts by code (code 0, none, left out).
    let sorted = |values: &[f64], by_code: &[u64]| -> Counts {
        let mut out: Counts =
            values.iter().zip(&by_code[1..]).filter(|(_, c)| **c > 0).map(|(&v, &c)| (v, c)).collect();
        out.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        out
    };
    // Each group's differences are worked out once, and several groups' (everyone's) merged
    // from theirs.
    let (old, new) = (old.values.clone(), new.values.clone());
    let differences_of: Vec<std::cell::OnceCell<Counts>> = (0..groups.len).map(|_| Default::default()).collect();
    Box::new(move |gs: std::ops::Range<usize>| {
        let (old, new) = (&old, &new);
        let (mut previous, mut previous_independent) = (vec![0u64; ko], vec![0u64; ko]);
        let (mut current, mut current_independent) = (vec![0u64; kn], vec![0u64; kn]);
        let mut all_differences = Counts::new();
        for g in gs {
            let of_group = differences_of[g].get_or_init(|| differences(&pairs[g], kn, (old, new)));
            all_differences = merge_counts(&all_differences, of_group);
            for c in 0..ko {
                let (independent, paired) = (old_counts[g * 2 * ko + c], old_counts[(g * 2 + 1) * ko + c]);
                previous[c] += independent + paired;
                previous_independent[c] += independent;
            }
            for c in 0..kn {
                let (independent, paired) = (new_counts[g * 2 * kn + c], new_counts[(g * 2 + 1) * kn + c]);
                current[c] += independent + paired;
                current_independent[c] += independent;
            }
        }
        NumberCounts {
            previous: sorted(old, &previous),
            current: sorted(new, &current),
            previous_independent: sorted(old, &previous_independent),
            current_independent: sorted(new, &current_independent),
            differences: all_differences,
        }
    })
}

/// The differences (current − previous) of a group's pairs of codes with their counts,
/// ascending (`kn`: the current wave's codes, none included). Each pair's difference becomes a
/// key that sorts as the number does; the keys are sorted and equal ones summed (a ratio's pairs
/// take a hundred thousand distinct differences: sorting them beat a hash map of them by a
/// fifth).
fn differences(pairs: &Pairs, kn: usize, (old, new): (&[f64], &[f64])) -> Counts {
    let key = |a: usize, b: usize| sortable(new[b - 1] - old[a - 1] + 0.0);
    let mut keyed: Vec<(i64, u64)> = match pairs {
        Pairs::Square(cells) => cells
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(at, &n)| (key(at / kn, at % kn), u64::from(n)))
            .collect(),
        Pairs::Sparse(map) => {
            map.iter().map(|(&ab, &n)| (key((ab >> 32) as usize, (ab & 0xffff_ffff) as usize), n)).collect()
        }
    };
    keyed.sort_unstable_by_key(|&(k, _)| k);
    let mut out: Counts = Vec::with_capacity(keyed.len());
    for (k, n) in keyed {
        let d = unsortable(k);
        match out.last_mut() {
            Some((last, m)) if last.to_bits() == d.to_bits() => *m += n,
            _ => out.push((d, n)),
        }
    }
    out
}

/// A number's bits as an integer in the number's order (`f64::total_cmp`'s): negative
/// numbers' bits other than the sign turned over.
fn sortable(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// [`sortable`] undone.
fn unsortable(k: i64) -> f64 {
    f64::from_bits((k ^ (((k >> 63) as u64) >> 1) as i64) as u64)
}

/// Two lists of distinct values with counts, ascending, as one.
fn merge_counts(a: &[(f64, u64)], b: &[(f64, u64)]) -> Counts {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.total_cmp(&b[j].0) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push((a[i].0, a[i].1 + b[j].1));
                (i, j) = (i + 1, j + 1);
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Lists of values per group (for numbers with too many distinct values to code), counted
/// when a group's figures are asked for.
fn by_values<'a>(
    (old_v, new_v): (&[f64], &[f64]),
    pairing: &Pairing,
    groups: &Groups,
) -> Box<dyn Fn(std::ops::Range<usize>) -> NumberCounts + 'a> {
    #[derive(Default)]
    struct Values {
        previous: Vec<f64>,
        current: Vec<f64>,
        previous_independent: Vec<f64>,
        current_independent: Vec<f64>,
        differences: Vec<f64>,
    }
    let mut lists: Vec<Values> = (0..groups.len).map(|_| Values::default()).collect();
    let (in_panel_old, previous_of) = (&pairing.in_panel_old, &pairing.previous_of);
    for (i, (&x, &paired)) in old_v.iter().zip(in_panel_old).enumerate() {
        if x.is_nan() {
            continue;
        }
        groups.each(i, false, |g| {
            lists[g].previous.push(x);
            if !paired {
                lists[g].previous_independent.push(x);
            }
        });
    }
    for (j, (&y, &i)) in new_v.iter().zip(previous_of).enumerate() {
        if y.is_nan() {
            continue;
        }
        let difference = (i != NO_ROW).then(|| y - old_v[i as usize]).filter(|d| !d.is_nan());
        groups.each(j, true, |g| {
            lists[g].current.push(y);
            if i == NO_ROW {
                lists[g].current_independent.push(y);
            }
            if let Some(d) = difference {
                lists[g].differences.push(d);
            }
        });
    }
    Box::new(move |gs: std::ops::Range<usize>| {
        let all = |f: fn(&Values) -> &Vec<f64>| -> Counts {
            let joined: Vec<f64> = lists[gs.clone()].iter().flat_map(|l| f(l).iter().copied()).collect();
            value_counts(&joined)
        };
        NumberCounts {
            previous: all(|l| &l.previous),
            current: all(|l| &l.current),
            previous_independent: all(|l| &l.previous_independent),
            current_independent: all(|l| &l.current_independent),
            differences: all(|l| &l.differences),
        }
    })
}

fn summary(counts: &Counts) -> Summary {
    let n: u64 = counts.iter().map(|(_, c)| c).sum();
    let mean = if n == 0 { f64::NAN } else { counts.iter().map(|&(v, c)| v * c as f64).sum::<f64>() / n as f64 };
    Summary { n, mean, median: median_counted(counts) }
}

/// A number's figures for one group: each wave's summary, the test of change on the
/// independent parts, the panel's signed-rank test.
fn number_trend(name: &str, previous_name: &str, counts: NumberCounts) -> NumberTrend {
    let NumberCounts { previous, current, previous_independent: x, current_independent: y, differences } = counts;
    let total = |c: &Counts| c.iter().map(|(_, n)| n).sum::<u64>();
    let test = mann_whitney_counted(&x, &y).map(|t| ChangeTest {
        method: "mann_whitney".into(),
        statistic: t.statistic,
        p: t.p,
        p_holm: t.p,
        n_independent: [total(&x), total(&y)],
    });
    let panel = (!differences.is_empty()).then(|| {
        let count = |f: fn(&f64) -> bool| differences.iter().filter(|(d, _)| f(d)).map(|(_, c)| c).sum::<u64>();
        let (method, p) = match wilcoxon_signed_rank_counted(&differences) {
            Some(t) => ("wilcoxon_signed_rank".to_string(), t.p),
            None => ("no_change".to_string(), 1.0),
        };
        Panel {
            n: total(&differences),
            method,
            p,
            improved: Some(count(|d| *d > 0.0)),
            unchanged: Some(count(|d| *d == 0.0)),
            worse: Some(count(|d| *d < 0.0)),
        }
    });
    let (previous, current) = (summary(&previous), summary(&current));
    NumberTrend {
        name: name.to_string(),
        previous_name: previous_name.to_string(),
        change_mean: current.mean - previous.mean,
        waves: Waves { previous, current },
        test,
        panel,
        by: BTreeMap::new(),
        withheld_segments: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    //! The counted numbers against a naive computation from lists of each group's values, on
    //! each of the three ways numbers are counted: a square of code pairs, a hash map of them,
    //! and lists (too many distinct values to code).
    use super::*;
    use crate::change::{mann_whitney, wilcoxon_signed_rank};

    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    /// Two waves of `n` rows: values from `value` (a tenth missing), two thirds of the current
    /// rows paired with a previous row (shuffled), one segmentation of three values (and none).
    #[allow(clippy::type_complexity)]
    fn waves(
        n: usize,
        value: impl Fn(&mut Lcg) -> f64,
    ) -> (Vec<Option<f64>>, Vec<Option<f64>>, Vec<bool>, Vec<u32>, Segmentation) {
        let mut rng = Lcg(n as u64);
        let draw = |rng: &mut Lcg| (rng.below(10) > 0).then(|| value(rng));
        let old_v: Vec<Option<f64>> = (0..n).map(|_| draw(&mut rng)).collect();
        let new_v: Vec<Option<f64>> = (0..n).map(|_| draw(&mut rng)).collect();
        let mut old_rows: Vec<u32> = (0..n as u32).collect();
        for i in (1..n).rev() {
            old_rows.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let previous_of: Vec<u32> = (0..n).map(|j| if rng.below(3) < 2 { old_rows[j] } else { NO_ROW }).collect();
        let mut in_panel_old = vec![false; n];
        previous_of.iter().filter(|&&i| i != NO_ROW).for_each(|&i| in_panel_old[i as usize] = true);
        let old: Vec<u16> = (0..n).map(|_| rng.below(4) as u16).collect();
        let segment = Segmentation {
            name: "size".into(),
            values: vec!["a".into(), "b".into(), "c".into()],
            old_of_new: previous_of.iter().map(|&i| if i == NO_ROW { 0 } else { old[i as usize] }).collect(),
            old,
            new: (0..n).map(|_| rng.below(4) as u16).collect(),
        };
        (old_v, new_v, in_panel_old, previous_of, segment)
    }

    fn close(a: f64, b: f64, what: &str) {
        assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0) || (a.is_nan() && b.is_nan()), "{what}: {a} against {b}");
    }

    /// A group's figures worked out from lists of its values (`in_old(i)`, `in_new(j)`: whether
    /// a row is in the group).
    fn check(
        got: &NumberTrend,
        (old_v, new_v): (&[Option<f64>], &[Option<f64>]),
        (in_panel_old, previous_of): (&[bool], &[u32]),
        (in_old, in_new): (&dyn Fn(usize) -> bool, &dyn Fn(usize) -> bool),
    ) {
        let previous: Vec<f64> = (0..old_v.len()).filter(|&i| in_old(i)).filter_map(|i| old_v[i]).collect();
        let previous_independent: Vec<f64> =
            (0..old_v.len()).filter(|&i| in_old(i) && !in_panel_old[i]).filter_map(|i| old_v[i]).collect();
        let current: Vec<f64> = (0..new_v.len()).filter(|&j| in_new(j)).filter_map(|j| new_v[j]).collect();
        let current_independent: Vec<f64> =
            (0..new_v.len()).filter(|&j| in_new(j) && previous_of[j] == NO_ROW).filter_map(|j| new_v[j]).collect();
        let differences: Vec<f64> = (0..new_v.len())
            .filter(|&j| in_new(j) && previous_of[j] != NO_ROW)
            .filter_map(|j| Some(new_v[j]? - old_v[previous_of[j] as usize]?))
            .collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let median = |v: &[f64]| median_counted(&value_counts(v));
        assert_eq!(got.waves.previous.n, previous.len() as u64);
        assert_eq!(got.waves.current.n, current.len() as u64);
        close(got.waves.previous.mean, mean(&previous), "previous mean");
        close(got.waves.current.mean, mean(&current), "current mean");
        let mut sorted = previous.clone();
        sorted.sort_by(f64::total_cmp);
        let m = sorted.len();
        let expected_median =
            if m % 2 == 1 { sorted[m / 2] } else { sorted[m / 2 - 1] + 0.5 * (sorted[m / 2] - sorted[m / 2 - 1]) };
        close(got.waves.previous.median, expected_median, "previous median (sorted)");
        close(got.waves.current.median, median(&current), "current median");
        let test = got.test.as_ref().expect("both waves have independent parts");
        let expected = mann_whitney(&previous_independent, &current_independent).unwrap();
        assert_eq!(test.n_independent, [previous_independent.len() as u64, current_independent.len() as u64]);
        close(test.statistic, expected.statistic, "U");
        close(test.p, expected.p, "Mann–Whitney p");
        let panel = got.panel.as_ref().expect("a panel");
        assert_eq!(panel.n, differences.len() as u64);
        close(panel.p, wilcoxon_signed_rank(&differences).unwrap().p, "signed-rank p");
        let count = |f: fn(f64) -> bool| Some(differences.iter().filter(|&&d| f(d)).count() as u64);
        assert_eq!(
            (panel.improved, panel.unchanged, panel.worse),
            (count(|d| d > 0.0), count(|d| d == 0.0), count(|d| d < 0.0))
        );
    }

    fn each_way(n: usize, value: impl Fn(&mut Lcg) -> f64, expect_coded: bool, expect_square: bool) {
        let (old_v, new_v, in_panel_old, previous_of, segment) = waves(n, value);
        let coded_old = coded(&old_v.iter().map(|x| x.unwrap_or(f64::NAN)).collect::<Vec<_>>());
        assert_eq!(coded_old.is_some(), expect_coded, "the way this case is meant to take");
        if let Some(c) = &coded_old {
            let new_read: Vec<f64> = new_v.iter().map(|x| x.unwrap_or(f64::NAN)).collect();
            let cells = (c.values.len() + 1) * (coded(&new_read).unwrap().values.len() + 1);
            assert_eq!(matches!(Pairs::new(cells), Pairs::Square(_)), expect_square);
        }
        let panel = (&in_panel_old[..], &previous_of[..]);
        let values = (&old_v[..], &new_v[..]);
        let segments = [segment];
        let as_read = |v: &[Option<f64>]| v.iter().map(|x| x.unwrap_or(f64::NAN)).collect::<Vec<f64>>();
        let (old_read, new_read) = (as_read(&old_v), as_read(&new_v));
        let pairing = Pairing::new(previous_of.clone(), old_v.len());
        let got = segmented_number(("x", "x"), (&old_read, &new_read), &pairing, &segments);
        check(&got, values, panel, (&|_| true, &|_| true));
        let s = &segments[0];
        for (v, value) in s.values.iter().enumerate() {
            let code = v as u16 + 1;
            check(&got.by["size"][value], values, panel, (&|i| s.old[i] == code, &|j| s.new[j] == code));
        }
        // Without segmentation: the overall figures alone, the same.
        let alone = segmented_number(("x", "x"), (&old_read, &new_read), &pairing, &[]);
        assert!(alone.by.is_empty());
        check(&alone, values, panel, (&|_| true, &|_| true));
    }

    #[test]
    fn few_values_counted_in_a_square() {
        each_way(3000, |r| r.below(21) as f64, true, true);
    }

    #[test]
    fn hundreds_of_values_counted_in_a_hash_map_of_pairs() {
        each_way(4000, |r| r.below(3000) as f64 / 4.0, true, false);
    }

    #[test]
    fn too_many_values_to_code_counted_from_lists() {
        each_way(2 * MANY_VALUES + 20_000, |r| r.below(1 << 30) as f64 / 7.0, false, false);
    }

    /// The hash map's coding, for comparison with the table's.
    fn coded_by_hash(v: &[f64]) -> Coded {
        let mut code_of: HashMap<u64, u16> = HashMap::new();
        let mut values = Vec::new();
        let codes = v
            .iter()
            .map(|&x| {
                if x.is_nan() {
                    return 0;
                }
                *code_of.entry((x + 0.0).to_bits()).or_insert_with(|| {
                    values.push(x + 0.0);
                    values.len() as u16
                })
            })
            .collect();
        Coded { codes, values }
    }

    #[test]
    fn whole_numbers_are_coded_by_table_as_by_hash() {
        let mut rng = Lcg(7);
        let v: Vec<f64> =
            (0..5000).map(|_| if rng.below(10) == 0 { f64::NAN } else { rng.below(300) as f64 - 150.0 }).collect();
        let (table, hash) = (coded_whole(&v).expect("whole and close"), coded_by_hash(&v));
        assert_eq!((table.codes, table.values), (hash.codes, hash.values));
        // −0 is 0; no number at all codes every row as none.
        let zeros = coded_whole(&[-0.0, 0.0, f64::NAN]).unwrap();
        assert_eq!((zeros.codes, zeros.values), (vec![1, 1, 0], vec![0.0]));
        assert_eq!(coded_whole(&[f64::NAN; 3]).unwrap().codes, vec![0; 3]);
        // Not whole, too far apart, infinite, huge: left to the hash map.
        for v in [&[1.0, 2.5][..], &[0.0, 40_000.0], &[0.0, -40_000.0], &[1.0, f64::INFINITY], &[1e300]] {
            assert!(coded_whole(v).is_none(), "{v:?}");
            let hashed = coded(v).expect("few values");
            assert_eq!(hashed.codes, coded_by_hash(v).codes);
        }
    }

    #[test]
    fn a_ratio_is_coded_by_its_pair_as_by_its_value() {
        let mut rng = Lcg(11);
        let y: Vec<f64> = (0..5000).map(|_| if rng.below(20) == 0 { f64::NAN } else { rng.below(40) as f64 }).collect();
        let x: Vec<f64> =
            y.iter().map(|&y| if rng.below(20) == 0 { f64::NAN } else { (rng.below(41) as f64).min(y) }).collect();
        let own: Vec<f64> = x
            .iter()
            .zip(&y)
            .map(|(&x, &y)| if x.is_nan() || y.is_nan() || y <= 0.0 { f64::NAN } else { x / y })
            .collect();
        let (x_codes, y_codes) = (coded(&x).expect("few values"), coded(&y).expect("few values"));
        let ((pairs, sums), hash) = (coded_ratio(&x_codes, &y_codes).expect("few pairs"), coded_by_hash(&own));
        assert_eq!((pairs.codes, pairs.values), (hash.codes, hash.values), "1/2 and 2/4 share a code");
        // The sums over the rows that gave both, a denominator of 0 included.
        let both: Vec<(f64, f64)> =
            x.iter().zip(&y).filter(|(x, y)| !x.is_nan() && !y.is_nan()).map(|(&x, &y)| (x, y)).collect();
        assert!(both.iter().any(|&(_, y)| y == 0.0));
        assert_eq!(sums.n, both.len() as u64);
        assert_eq!((sums.x, sums.y), (both.iter().map(|p| p.0).sum::<f64>(), both.iter().map(|p| p.1).sum::<f64>()));
        // Decimals are coded the same way; more pairs of codes than the table holds are not.
        let (half, one) = (coded(&[0.5, -0.0]).unwrap(), coded(&[1.0, 4.0]).unwrap());
        let (c, _) = coded_ratio(&half, &one).unwrap();
        assert_eq!((c.codes, c.values), (vec![1, 2], vec![0.5, 0.0]));
        let many = coded(&(0..2000).map(f64::from).collect::<Vec<_>>()).unwrap();
        assert!(coded_ratio(&many, &many).is_none());
    }

    #[test]
    fn numbers_sort_by_their_keys_as_they_do_by_value() {
        let mut rng = Lcg(13);
        let mut v: Vec<f64> = (0..2000).map(|_| (rng.below(2001) as f64 - 1000.0) / 7.0).collect();
        v.extend([0.0, -0.0, f64::MIN_POSITIVE, -f64::MIN_POSITIVE, 1e300, -1e300, f64::INFINITY, f64::NEG_INFINITY]);
        for &x in &v {
            assert_eq!(unsortable(sortable(x)).to_bits(), x.to_bits(), "{x}");
        }
        let mut by_key = v.clone();
        by_key.sort_by_key(|&x| sortable(x));
        v.sort_by(f64::total_cmp);
        assert_eq!(
            by_key.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }
}
