//! Statistics of change between two survey waves (issue 14): the difference of two
//! proportions with Newcombe's interval, and the tests for the panel — the same organisations
//! answering both waves — McNemar (two categories), Stuart–Maxwell (marginal homogeneity) and
//! Bowker (symmetry) for more, Wilcoxon's signed-rank test for scores, and for the
//! respondents of one wave only Mann–Whitney's U.
//!
//! Each follows the reference implementation named on it, whose values the tests reproduce
//! (`tools/readers/change_reference.py` prints them with SciPy and statsmodels).

use crate::stats::{chi_square_sf, ln_factorials, wilson};

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
    let lf = ln_factorials(n as usize);
    let k = b.min(c);
    let tail: f64 = (0..=k)
        .map(|i| (lf[n as usize] - lf[i as usize] - lf[(n - i) as usize] - n as f64 * std::f64::consts::LN_2).exp())
        .sum();
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
    let mut d: Vec<f64> = differences.iter().copied().filter(|x| *x != 0.0 && x.is_finite()).collect();
    let n = d.len();
    if n == 0 {
        return None;
    }
    d.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    // Average ranks over runs of equal magnitude; the tie term for the variance.
    let mut ranks = vec![0.0; n];
    let mut ties = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && d[j + 1].abs() == d[i].abs() {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        ranks[i..=j].iter_mut().for_each(|r| *r = rank);
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        i = j + 1;
    }
    let plus: f64 = d.iter().zip(&ranks).filter(|(x, _)| **x > 0.0).map(|(_, r)| r).sum();
    let minus: f64 = d.iter().zip(&ranks).filter(|(x, _)| **x < 0.0).map(|(_, r)| r).sum();
    let statistic = plus.min(minus);
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
    let (n1, n2) = (x.len(), y.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let mut all: Vec<(f64, bool)> = x.iter().map(|&v| (v, true)).chain(y.iter().map(|&v| (v, false))).collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = all.len();
    let (mut rank_sum_x, mut ties) = (0.0, 0.0);
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_x += rank * all[i..=j].iter().filter(|(_, from_x)| *from_x).count() as f64;
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        i = j + 1;
    }
    let (a, b, nf) = (n1 as f64, n2 as f64, n as f64);
    let u = rank_sum_x - a * (a + 1.0) / 2.0;
    let variance = a * b / 12.0 * ((nf + 1.0) - ties / (nf * (nf - 1.0)));
    if variance <= 0.0 {
        return None;
    }
    let z = (u - a * b / 2.0) / variance.sqrt();
    Some(Test { statistic: u, dof: f64::NAN, p: chi_square_sf(z * z, 1.0) })
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
