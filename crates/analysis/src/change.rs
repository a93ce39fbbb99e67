//! Statistics of change between two survey waves (issue 14): the difference of two
//! proportions with Newcombe's interval, and the tests for the panel — the same organisations
//! answering both waves — McNemar (two categories), Stuart–Maxwell (marginal homogeneity) and
//! Bowker (symmetry) for more, Wilcoxon's signed-rank test for scores, and for the
//! respondents of one wave only Mann–Whitney's U.
//!
//! Each follows the reference implementation named on it, whose values the tests reproduce
//! (`tools/readers/change_reference.py` prints them with SciPy and statsmodels).

use crate::stats::{chi_square_sf, ln_gamma, wilson};

/// The difference `p2 − p1` of two proportions (`k1` of `n1` before, `k2` of `n2` after) with
/// Newcombe's hybrid score interval at 95% (his method 10, from the Wilson intervals) —
/// statsmodels' `confint_proportions_2indep(k2, n2, k1, n1, method="newcomb")`.
pub fn newcombe(k1: u64, n1: u64, k2: u64, n2: u64) -> (f64, f64, f64) {
    let (p1, p2) = (k1 as f64 / n1 as f64, k2 as f64 / n2 as f64);
    let (l1, u1) = wilson(k1, n1);
    let (l2, u2) = wilson(k2, n2);
    let d = p2 - p1;
    let lower = d - ((p2 - l2).powi(2) + (u1 - p1).powi(2)).sqrt();
    let upper = d + ((u2 - p2).powi(2) + (p1 - l1).powi(2)).sqrt();
    (d, lower, upper)
}

/// McNemar's exact test for a 2×2 panel table: `b` changed one way, `c` the other. Two-sided
/// binomial p-value — statsmodels' `mcnemar([[a, b], [c, d]], exact=True)`.
pub fn mcnemar_exact(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    // P(X ≤ k) for X ~ Binomial(n, ½), summed from k down (below the mode each term is the one
    // above times i / (n − i + 1)) until the terms no longer count: a panel of a million with
    // 300,000 changes needs a few thousand terms, not a table of 300,000 logarithms.
    let k = b.min(c);
    let nf = n as f64;
    let ln_choose = ln_gamma(nf + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0);
    let mut term = (ln_choose - nf * std::f64::consts::LN_2).exp();
    let mut i = k;
    let mut tail = 0.0;
    loop {
        tail += term;
        if i == 0 || term <= tail * 1e-17 {
            break;
        }
        term *= i as f64 / (n - i + 1) as f64;
        i -= 1;
    }
    (2.0 * tail).min(1.0)
}

/// A test's statistic, degrees of freedom and p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Test {
    pub statistic: f64,
    pub dof: f64,
    pub p: f64,
}

/// Stuart–Maxwell test of marginal homogeneity for a k×k panel table (`table[i][j]`: before
/// `i`, after `j`) — statsmodels' `SquareTable(table).homogeneity("stuart_maxwell")`.
/// `None` when the covariance is singular (e.g. no one changed).
pub fn stuart_maxwell(table: &[Vec<u64>]) -> Option<Test> {
    let k = table.len();
    if k < 2 {
        return None;
    }
    let n = |i: usize, j: usize| table[i][j] as f64;
    let row = |i: usize| (0..k).map(|j| n(i, j)).sum::<f64>();
    let col = |j: usize| (0..k).map(|i| n(i, j)).sum::<f64>();
    // The first k − 1 categories: the last is implied.
    let m = k - 1;
    let d: Vec<f64> = (0..m).map(|i| row(i) - col(i)).collect();
    let s: Vec<Vec<f64>> = (0..m)
        .map(|i| (0..m).map(|j| if i == j { row(i) + col(i) - 2.0 * n(i, i) } else { -(n(i, j) + n(j, i)) }).collect())
        .collect();
    let x = solve(s, d.clone())?;
    let statistic: f64 = d.iter().zip(&x).map(|(a, b)| a * b).sum();
    let dof = m as f64;
    Some(Test { statistic, dof, p: chi_square_sf(statistic, dof) })
}

/// Bowker's test of symmetry for a k×k panel table — statsmodels'
/// `SquareTable(table).symmetry("bowker")`: pairs that nobody moved between add nothing, and
/// the degrees of freedom are k(k−1)/2 regardless.
pub fn bowker(table: &[Vec<u64>]) -> Test {
    let k = table.len();
    let statistic: f64 = (0..k)
        .flat_map(|i| (i + 1..k).map(move |j| (table[i][j] as f64, table[j][i] as f64)))
        .filter(|(a, b)| a + b > 0.0)
        .map(|(a, b)| (a - b).powi(2) / (a + b))
        .sum();
    let dof = (k * (k - 1) / 2) as f64;
    Test { statistic, dof, p: chi_square_sf(statistic, dof) }
}

/// Wilcoxon's signed-rank test on paired differences (after − before): zero differences
/// dropped, average ranks for ties, the normal approximation with the tie correction and no
/// continuity correction — SciPy's `wilcoxon(d, zero_method="wilcox", correction=False,
/// method="approx")`. The statistic is the smaller of the two rank sums, as SciPy's. `None`
/// when no difference is non-zero.
pub fn wilcoxon_signed_rank(differences: &[f64]) -> Option<Test> {
    wilcoxon_signed_rank_counted(&value_counts(differences))
}

/// [`wilcoxon_signed_rank`] of differences given as [`value_counts`].
pub fn wilcoxon_signed_rank_counted(differences: &[(f64, u64)]) -> Option<Test> {
    // Each magnitude with how many differences are positive and negative: the negative values
    // (ascending) read backwards merged with the positive ones.
    let negative: Vec<(f64, u64)> =
        differences.iter().rev().filter(|(x, _)| *x < 0.0 && x.is_finite()).map(|&(x, c)| (-x, c)).collect();
    let positive = differences.iter().filter(|(x, _)| *x > 0.0 && x.is_finite()).copied();
    let mut magnitudes: Vec<(f64, u64, u64)> = Vec::with_capacity(differences.len());
    let mut negative = negative.into_iter().peekable();
    for (x, c) in positive {
        while let Some(&(m, k)) = negative.peek().filter(|(m, _)| *m < x) {
            magnitudes.push((m, 0, k));
            negative.next();
        }
        match negative.peek() {
            Some(&(m, k)) if m == x => {
                magnitudes.push((x, c, k));
                negative.next();
            }
            _ => magnitudes.push((x, c, 0)),
        }
    }
    magnitudes.extend(negative.map(|(m, k)| (m, 0, k)));
    let n: u64 = magnitudes.iter().map(|(_, p, m)| p + m).sum();
    if n == 0 {
        return None;
    }
    // Average ranks over runs of equal magnitude; the tie term for the variance.
    let (mut below, mut plus, mut minus, mut ties) = (0u64, 0.0, 0.0, 0.0);
    for &(_, p, m) in &magnitudes {
        let t = (p + m) as f64;
        let rank = below as f64 + (t + 1.0) / 2.0;
        plus += rank * p as f64;
        minus += rank * m as f64;
        ties += t * t * t - t;
        below += p + m;
    }
    let statistic = f64::min(plus, minus);
    let nf = n as f64;
    let mean = nf * (nf + 1.0) / 4.0;
    let variance = nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - ties / 48.0;
    if variance <= 0.0 {
        return None;
    }
    let z = (statistic - mean) / variance.sqrt();
    Some(Test { statistic, dof: f64::NAN, p: chi_square_sf(z * z, 1.0) })
}

/// The Mann–Whitney U test of two independent samples: average ranks for ties, the normal
/// approximation with the tie correction and no continuity correction — SciPy's
/// `mannwhitneyu(x, y, use_continuity=False, alternative="two-sided", method="asymptotic")`.
/// The statistic is U of `x`, as SciPy's. `None` for an empty sample or all values equal.
pub fn mann_whitney(x: &[f64], y: &[f64]) -> Option<Test> {
    mann_whitney_counted(&value_counts(x), &value_counts(y))
}

/// [`mann_whitney`] of samples given as [`value_counts`].
pub fn mann_whitney_counted(x: &[(f64, u64)], y: &[(f64, u64)]) -> Option<Test> {
    let n1: u64 = x.iter().map(|(_, c)| c).sum();
    let n2: u64 = y.iter().map(|(_, c)| c).sum();
    if n1 == 0 || n2 == 0 {
        return None;
    }
    // Walk both ascending lists at once: each distinct value's run of ranks, shared by both.
    let (mut i, mut j, mut below) = (0, 0, 0u64);
    let (mut rank_sum_x, mut ties) = (0.0, 0.0);
    while i < x.len() || j < y.len() {
        let value = match (x.get(i), y.get(j)) {
            (Some(a), Some(b)) => f64::min(a.0, b.0),
            (Some(a), None) => a.0,
            (None, Some(b)) => b.0,
            (None, None) => unreachable!("the loop runs while either list has values"),
        };
        let from_x = x.get(i).filter(|a| a.0 == value).map_or(0, |a| a.1);
        let from_y = y.get(j).filter(|b| b.0 == value).map_or(0, |b| b.1);
        i += usize::from(from_x > 0);
        j += usize::from(from_y > 0);
        let t = (from_x + from_y) as f64;
        rank_sum_x += (below as f64 + (t + 1.0) / 2.0) * from_x as f64;
        ties += t * t * t - t;
        below += from_x + from_y;
    }
    let (a, b) = (n1 as f64, n2 as f64);
    let nf = a + b;
    let u = rank_sum_x - a * (a + 1.0) / 2.0;
    let variance = a * b / 12.0 * ((nf + 1.0) - ties / (nf * (nf - 1.0)));
    if variance <= 0.0 {
        return None;
    }
    let z = (u - a * b / 2.0) / variance.sqrt();
    Some(Test { statistic: u, dof: f64::NAN, p: chi_square_sf(z * z, 1.0) })
}

/// The distinct values of `v` in ascending order, each with how often it occurs (−0 counted as
/// 0, NaN left out). The rank tests and medians of a million answers need only this: answers
/// take few distinct values (counts of devices, scores in quarter steps), so counting them in
/// a hash map is several times faster than sorting; past [`MANY_VALUES`] distinct values the
/// values are sorted instead.
pub fn value_counts(v: &[f64]) -> Vec<(f64, u64)> {
    let mut counts: std::collections::HashMap<u64, u64, foldhash::fast::RandomState> = Default::default();
    for &x in v {
        if x.is_nan() {
            continue;
        }
        *counts.entry((x + 0.0).to_bits()).or_insert(0) += 1;
        if counts.len() > MANY_VALUES {
            return sorted_counts(v);
        }
    }
    let mut out: Vec<(f64, u64)> = counts.into_iter().map(|(bits, c)| (f64::from_bits(bits), c)).collect();
    out.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// Past this many distinct values a hash map of them no longer fits the cache, and sorting wins.
const MANY_VALUES: usize = 1 << 14;

fn sorted_counts(v: &[f64]) -> Vec<(f64, u64)> {
    let mut sorted: Vec<f64> = v.iter().filter(|x| !x.is_nan()).map(|&x| x + 0.0).collect();
    sorted.sort_unstable_by(f64::total_cmp);
    let mut out: Vec<(f64, u64)> = Vec::new();
    for x in sorted {
        match out.last_mut() {
            Some((last, c)) if *last == x => *c += 1,
            _ => out.push((x, 1)),
        }
    }
    out
}

/// The median of values given as [`value_counts`] (the mean of the two middle values for an
/// even count); NaN for none.
pub fn median_counted(counts: &[(f64, u64)]) -> f64 {
    let n: u64 = counts.iter().map(|(_, c)| c).sum();
    if n == 0 {
        return f64::NAN;
    }
    // The value at 0-based position `k` of the sorted values.
    let at = |k: u64| {
        let mut below = 0;
        for &(x, c) in counts {
            below += c;
            if k < below {
                return x;
            }
        }
        unreachable!("k < n")
    };
    let upper = at(n / 2);
    if n % 2 == 1 {
        return upper;
    }
    let lower = at(n / 2 - 1);
    lower + 0.5 * (upper - lower)
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting; `None` when singular.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (top, rest) = a.split_at_mut(col + 1);
        let pivot_row = &top[col];
        for (r, row) in rest.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            row.iter_mut().zip(pivot_row).skip(col).for_each(|(x, p)| *x -= f * p);
            b[col + 1 + r] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|c| a[r][c] * x[c]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    Some(x)
}

#[cfg(test)]
mod tests;
