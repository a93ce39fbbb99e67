//! The statistics the report needs, hand-written (a few dozen lines each) rather than taking
//! a numerics crate for four functions: log-gamma, the chi-square tail, Fisher's exact test
//! (2×2 exact; larger tables by Monte Carlo with fixed margins, as R's `fisher.test(simulate.
//! p.value = TRUE)`), Holm's correction, Wilson intervals and quantiles.

/// ln Γ(x) for x > 0 (Lanczos approximation, g = 7, n = 9; relative error below 1e-14).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// ln(k!) for k = 0..=n, computed once per table size.
pub fn ln_factorials(n: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(n + 1);
    let mut acc = 0.0;
    out.push(0.0);
    for k in 1..=n {
        acc += (k as f64).ln();
        out.push(acc);
    }
    out
}

/// The regularised upper incomplete gamma function Q(a, x) (series for x < a + 1, continued
/// fraction otherwise, as in Numerical Recipes §6.2).
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let ln_prefix = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        let mut sum = 1.0 / a;
        let mut term = sum;
        let mut ap = a;
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        1.0 - sum * ln_prefix.exp()
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        ln_prefix.exp() * h
    }
}

/// P(X² ≥ x) for the chi-square distribution with `dof` degrees of freedom.
pub fn chi_square_sf(x: f64, dof: f64) -> f64 {
    gamma_q(dof / 2.0, x / 2.0).clamp(0.0, 1.0)
}

/// A contingency table, rows × columns of counts.
pub type Table = Vec<Vec<u64>>;

/// Drops all-zero rows and columns, which carry no information and would give zero expected
/// counts.
pub fn trim(table: &Table) -> Table {
    let cols = table.first().map_or(0, Vec::len);
    let keep_cols: Vec<usize> = (0..cols).filter(|&j| table.iter().any(|r| r[j] > 0)).collect();
    table.iter().filter(|r| r.iter().any(|&v| v > 0)).map(|r| keep_cols.iter().map(|&j| r[j]).collect()).collect()
}

fn margins(table: &Table) -> (Vec<u64>, Vec<u64>, u64) {
    let rows: Vec<u64> = table.iter().map(|r| r.iter().sum()).collect();
    let cols: Vec<u64> = (0..table[0].len()).map(|j| table.iter().map(|r| r[j]).sum()).collect();
    let n = rows.iter().sum();
    (rows, cols, n)
}

/// Pearson's chi-square statistic, degrees of freedom and the smallest expected count.
pub fn chi_square(table: &Table) -> (f64, f64, f64) {
    let (rows, cols, n) = margins(table);
    let n = n as f64;
    let mut stat = 0.0;
    let mut min_expected = f64::INFINITY;
    for (i, r) in table.iter().enumerate() {
        for (j, &observed) in r.iter().enumerate() {
            let expected = rows[i] as f64 * cols[j] as f64 / n;
            min_expected = min_expected.min(expected);
            stat += (observed as f64 - expected).powi(2) / expected;
        }
    }
    let dof = ((rows.len() - 1) * (cols.len() - 1)) as f64;
    (stat, dof, min_expected)
}

/// Hypergeometric probability of a 2×2 table with top-left cell `a`, given its margins.
fn hypergeometric(lf: &[f64], a: u64, row1: u64, col1: u64, n: u64) -> f64 {
    let (b, c) = (row1 - a, col1 - a);
    let d = n + a - row1 - col1;
    (lf[row1 as usize] + lf[(n - row1) as usize] + lf[col1 as usize] + lf[(n - col1) as usize]
        - lf[n as usize]
        - lf[a as usize]
        - lf[b as usize]
        - lf[c as usize]
        - lf[d as usize])
        .exp()
}

/// One-sided Fisher exact test for `[[a, b], [c, d]]`: P(top-left ≤ a), i.e. the evidence that
/// the first row has a smaller share of the first column than the second row.
pub fn fisher_less(a: u64, b: u64, c: u64, d: u64) -> f64 {
    fisher_less_with(&ln_factorials((a + b + c + d) as usize), a, b, c, d)
}

/// As [`fisher_less`], with ln(k!) precomputed for k up to at least the table's total (one
/// table serves every test of a report). Sums outward from the observed cell and stops when
/// the terms no longer change the sum, so a test on a million respondents takes microseconds.
pub fn fisher_less_with(lf: &[f64], a: u64, b: u64, c: u64, d: u64) -> f64 {
    let (row1, col1, n) = (a + b, a + c, a + b + c + d);
    let low = (row1 + col1).saturating_sub(n);
    let high = row1.min(col1);
    let p = |x: u64| hypergeometric(lf, x, row1, col1, n);
    // The mode of the hypergeometric distribution.
    let mode = (((row1 + 1) as f64 * (col1 + 1) as f64) / (n + 2) as f64).floor() as u64;
    if a <= mode { tail_sum((low..=a).rev().map(p)) } else { (1.0 - tail_sum((a + 1..=high).map(p))).max(0.0) }
}

/// Sum of terms that fall monotonically after the first, stopped when they stop counting —
/// or at the first term too small for a double (all after it are smaller still: a table far in
/// the tail of a million respondents would otherwise walk its whole range adding zeros).
fn tail_sum(terms: impl Iterator<Item = f64>) -> f64 {
    let mut sum = 0.0;
    for t in terms {
        sum += t;
        if t < sum * 1e-17 || t == 0.0 {
            break;
        }
    }
    sum.min(1.0)
}

/// Two-sided Fisher exact test for a 2×2 table: the probability of tables no more likely
/// than the observed one.
pub fn fisher_2x2(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let (row1, col1, n) = (a + b, a + c, a + b + c + d);
    let lf = ln_factorials(n as usize);
    let observed = hypergeometric(&lf, a, row1, col1, n);
    let low = (row1 + col1).saturating_sub(n);
    let high = row1.min(col1);
    (low..=high)
        .map(|x| hypergeometric(&lf, x, row1, col1, n))
        .filter(|&p| p <= observed * (1.0 + 1e-7))
        .sum::<f64>()
        .min(1.0)
}

/// A small, fast, seedable generator (SplitMix64): Monte Carlo p-values must be reproducible
/// run after run, so the seed is fixed per test.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n (Lemire's multiply-shift; the bias is below 2⁻³² for our n).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() >> 32) * n) >> 32
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Fisher–Freeman–Halton exact test for an r×c table by Monte Carlo: `samples` random tables
/// with the observed margins (a shuffle of the column labels over the respondents); the p-value
/// is (1 + tables at most as probable as the observed) / (samples + 1), as R computes it.
pub fn fisher_monte_carlo(table: &Table, samples: u32, seed: u64) -> f64 {
    let (rows, cols, n) = margins(table);
    let lf = ln_factorials(n as usize);
    // A table's probability falls as Σ ln(cell!) rises; the margins' terms are common to all.
    let weight = |t: &mut dyn Iterator<Item = u64>| t.map(|x| lf[x as usize]).sum::<f64>();
    let observed = weight(&mut table.iter().flatten().copied());
    let mut labels: Vec<u16> =
        cols.iter().enumerate().flat_map(|(j, &c)| std::iter::repeat_n(j as u16, c as usize)).collect();
    let mut rng = SplitMix64::new(seed);
    let mut counts = vec![0u64; rows.len() * cols.len()];
    let mut extreme = 0u32;
    for _ in 0..samples {
        // Fisher–Yates shuffle, then the first rows[0] labels form row 0, and so on.
        for i in (1..labels.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            labels.swap(i, j);
        }
        counts.fill(0);
        let mut start = 0;
        for (i, &r) in rows.iter().enumerate() {
            for &label in &labels[start..start + r as usize] {
                counts[i * cols.len() + label as usize] += 1;
            }
            start += r as usize;
        }
        if weight(&mut counts.iter().copied()) >= observed - 1e-7 {
            extreme += 1;
        }
    }
    (1.0 + f64::from(extreme)) / (f64::from(samples) + 1.0)
}

/// Holm's step-down adjustment of p-values (family-wise error rate), in input order.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut adjusted = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (k, &i) in order.iter().enumerate() {
        running = running.max((m - k) as f64 * p[i]);
        adjusted[i] = running.min(1.0);
    }
    adjusted
}

/// Wilson score interval at 95% for `k` successes out of `n`.
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let z = 1.959_963_984_540_054;
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let denominator = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denominator;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Quantile of sorted data with linear interpolation between order statistics (Hyndman & Fan
/// type 7: the default of R, numpy and pandas).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// How often each pair of codes occurs: `counts[a * (b_max + 1) + b]` for the pairs
/// `(a[i], b[i])`, codes from 0 (none) to `a_max` and `b_max`. Four tables are filled in turn
/// and added at the end: consecutive respondents often fall in the same cell, and one table
/// would make each count wait for the one before.
pub fn pair_counts(a: &[u16], a_max: usize, b: &[u16], b_max: usize) -> Vec<u64> {
    let width = b_max + 1;
    let cells = (a_max + 1) * width;
    let mut tables = vec![0u64; 4 * cells];
    let (split_a, split_b) = (a.chunks_exact(4), b.chunks_exact(4));
    let (rest_a, rest_b) = (split_a.remainder(), split_b.remainder());
    for (x, y) in split_a.zip(split_b) {
        for k in 0..4 {
            tables[k * cells + x[k] as usize * width + y[k] as usize] += 1;
        }
    }
    for (&x, &y) in rest_a.iter().zip(rest_b) {
        tables[x as usize * width + y as usize] += 1;
    }
    let (first, others) = tables.split_at_mut(cells);
    for other in others.chunks_exact(cells) {
        for (t, o) in first.iter_mut().zip(other) {
            *t += o;
        }
    }
    tables.truncate(cells);
    tables
}

/// How often each code from 0 to `max` occurs, four tables at once as in [`pair_counts`].
pub fn code_counts(codes: &[u16], max: usize) -> Vec<u64> {
    let mut tables = vec![[0u64; 4]; max + 1];
    let split = codes.chunks_exact(4);
    let rest = split.remainder();
    for c in split {
        for k in 0..4 {
            tables[c[k] as usize][k] += 1;
        }
    }
    for &c in rest {
        tables[c as usize][0] += 1;
    }
    tables.iter().map(|t| t.iter().sum()).collect()
}

#[cfg(test)]
mod pair_tests {
    proptest::proptest! {
        #[test]
        fn pair_counts_count_every_pair(pairs in proptest::collection::vec((0u16..4, 0u16..6), 0..50)) {
            let (a, b): (Vec<u16>, Vec<u16>) = pairs.iter().copied().unzip();
            let counts = super::pair_counts(&a, 3, &b, 5);
            let singles = super::code_counts(&b, 5);
            for y in 0..6u16 {
                proptest::prop_assert_eq!(singles[y as usize], b.iter().filter(|c| **c == y).count() as u64);
            }
            for x in 0..4u16 {
                for y in 0..6u16 {
                    let expected = pairs.iter().filter(|p| **p == (x, y)).count() as u64;
                    proptest::prop_assert_eq!(counts[x as usize * 6 + y as usize], expected);
                }
            }
        }
    }
}
