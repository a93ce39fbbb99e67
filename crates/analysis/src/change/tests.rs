//! Each statistic against the reference implementation named in `change.rs`, with the values
//! `tools/readers/change_reference.py` printed (SciPy 1.10.1, statsmodels 0.13.5, Debian 12).

use super::*;

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{what}: {a} against the reference {b}");
}

#[test]
fn newcombe_matches_statsmodels() {
    // (k1, n1, k2, n2, p2 − p1, lower, upper): statsmodels confint_proportions_2indep(..., method="newcomb").
    let cases = [
        (150, 200, 180, 200, 0.15000000000000002, 0.07612878661974519, 0.22292653977454496),
        (331, 441, 397, 441, 0.1496598639455783, 0.10020950485209781, 0.1987095961093202),
        (3, 20, 9, 22, 0.25909090909090915, -0.0155723564665885, 0.48485384734436476),
        (0, 15, 4, 15, 0.26666666666666666, 0.00891638173842324, 0.5195043405598057),
        (10, 10, 7, 12, -0.41666666666666663, -0.6804886874504503, -0.0603874874209106),
    ];
    for (k1, n1, k2, n2, d, lo, hi) in cases {
        let (gd, glo, ghi) = newcombe(k1, n1, k2, n2);
        let at = format!("{k1}/{n1} → {k2}/{n2}");
        close(gd, d, &at);
        close(glo, lo, &at);
        close(ghi, hi, &at);
    }
}

#[test]
fn mcnemar_matches_statsmodels_exact() {
    // (b, c, p): statsmodels mcnemar([[40, b], [c, 60]], exact=True).pvalue.
    for (b, c, p) in
        [(5, 15, 0.04138946533203125), (0, 7, 0.015625), (12, 12, 1.0), (30, 55, 0.008836205876094518), (1, 0, 1.0)]
    {
        close(mcnemar_exact(b, c), p, &format!("b={b} c={c}"));
    }
    // Panels of hundreds of thousands (the binomial tail summed from the observed count down
    // until the terms stop counting): statsmodels 0.15.0 on SciPy 1.17.1, same call.
    for (b, c, p) in [
        (150000, 151000, 0.0686243394539422),
        (149000, 151000, 0.0002625769434114095),
        (250000, 249000, 0.15729892975750515),
        (3000, 3300, 0.00016475607669748363),
        (0, 400000, 0.0),
        (10, 100000, 0.0),
    ] {
        close(mcnemar_exact(b, c), p, &format!("b={b} c={c}"));
    }
}

#[test]
fn stuart_maxwell_and_bowker_match_statsmodels() {
    // statsmodels SquareTable(t, shift_zeros=False).homogeneity("stuart_maxwell") and .symmetry("bowker").
    type Reference = (f64, f64, f64);
    let cases: [(Vec<Vec<u64>>, Reference, Reference); 3] = [
        (
            vec![vec![20, 10, 5], vec![3, 30, 7], vec![2, 4, 19]],
            (5.401929260450161, 2.0, 0.06714071552856771),
            (5.873126873126873, 3.0, 0.11794870494200868),
        ),
        (
            vec![vec![50, 12, 3, 1], vec![4, 40, 10, 2], vec![1, 6, 35, 9], vec![0, 1, 5, 20]],
            (8.246205733558165, 3.0, 0.04118820488562236),
            (8.476190476190476, 6.0, 0.20524954688477504),
        ),
        (
            vec![vec![10, 3], vec![8, 12]],
            (2.272727272727273, 1.0, 0.13166801602281453),
            (2.272727272727273, 1.0, 0.13166801602281455),
        ),
    ];
    for (table, (hs, hd, hp), (ss, sd, sp)) in cases {
        let h = stuart_maxwell(&table).unwrap();
        close(h.statistic, hs, "Stuart–Maxwell statistic");
        close(h.dof, hd, "Stuart–Maxwell dof");
        close(h.p, hp, "Stuart–Maxwell p");
        let s = bowker(&table);
        close(s.statistic, ss, "Bowker statistic");
        close(s.dof, sd, "Bowker dof");
        close(s.p, sp, "Bowker p");
    }
    // Nobody changed: the covariance is singular and there is no test, not a division by zero.
    assert_eq!(stuart_maxwell(&[vec![5, 0], vec![0, 7]]), None);
}

#[test]
fn wilcoxon_matches_scipy() {
    // scipy.stats.wilcoxon(d, zero_method="wilcox", correction=False, method="approx").
    let cases: [(Vec<f64>, f64, f64); 3] = [
        (vec![0.5, 0.25, 0.0, 0.5, -0.25, 0.75, 0.5, 0.0, 0.25, 0.5, -0.5, 0.25, 1.0, 0.5], 10.0, 0.02059248005054561),
        (vec![1., 2., 3., -1., 2., 2., 4., -3., 1., 1., 5., 2., -2., 3., 1., 0., 2.], 24.5, 0.023096025120286894),
        (vec![-0.1, -0.2, 0.05, -0.3, -0.15, -0.25, 0.1, -0.05, -0.2, -0.1], 5.5, 0.024370603757179417),
    ];
    for (d, statistic, p) in cases {
        let w = wilcoxon_signed_rank(&d).unwrap();
        close(w.statistic, statistic, "signed-rank statistic");
        close(w.p, p, "signed-rank p");
    }
    assert_eq!(wilcoxon_signed_rank(&[0.0, 0.0]), None, "no change at all");
}

#[test]
fn mann_whitney_matches_scipy() {
    // scipy.stats.mannwhitneyu(x, y, use_continuity=False, alternative="two-sided", method="asymptotic").
    let cases: [(Vec<f64>, Vec<f64>, f64, f64); 3] = [
        (
            vec![0.5, 0.75, 0.25, 1.0, 0.5, 0.5, 0.0, 0.75],
            vec![0.75, 1.0, 1.0, 0.5, 0.75, 1.0, 0.25],
            16.5,
            0.17090352023079747,
        ),
        (
            vec![3., 5., 1., 8., 2., 2., 9., 4., 4., 6.],
            vec![7., 8., 12., 5., 9., 10., 6., 11., 4.],
            15.0,
            0.013924065545598925,
        ),
        (vec![1., 1., 1., 2., 2., 3.], vec![1., 2., 2., 3., 3., 3., 3.], 10.5, 0.11185764773256178),
    ];
    for (x, y, u, p) in cases {
        let t = mann_whitney(&x, &y).unwrap();
        close(t.statistic, u, "U");
        close(t.p, p, "Mann–Whitney p");
    }
    assert_eq!(mann_whitney(&[1.0], &[]), None);
    assert_eq!(mann_whitney(&[2.0, 2.0], &[2.0]), None, "all equal");
}

/// The rank tests as they were written before they worked from distinct counts: every value
/// sorted, average ranks over runs of ties. The counted versions must agree with these.
fn reference_mann_whitney(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let (n1, n2) = (x.len() as f64, y.len() as f64);
    if x.is_empty() || y.is_empty() {
        return None;
    }
    let mut all: Vec<(f64, bool)> = x.iter().map(|&v| (v, true)).chain(y.iter().map(|&v| (v, false))).collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut rank_sum_x, mut ties, mut i) = (0.0, 0.0, 0);
    while i < all.len() {
        let j = i + all[i..].iter().take_while(|v| v.0 == all[i].0).count() - 1;
        let rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_x += rank * all[i..=j].iter().filter(|v| v.1).count() as f64;
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        i = j + 1;
    }
    let n = n1 + n2;
    let u = rank_sum_x - n1 * (n1 + 1.0) / 2.0;
    let variance = n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    (variance > 0.0).then(|| (u, chi_square_sf(((u - n1 * n2 / 2.0) / variance.sqrt()).powi(2), 1.0)))
}

fn reference_wilcoxon(d: &[f64]) -> Option<(f64, f64)> {
    let mut d: Vec<f64> = d.iter().copied().filter(|x| *x != 0.0).collect();
    if d.is_empty() {
        return None;
    }
    d.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    let (mut plus, mut minus, mut ties, mut i) = (0.0, 0.0, 0.0, 0);
    while i < d.len() {
        let j = i + d[i..].iter().take_while(|v| v.abs() == d[i].abs()).count() - 1;
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for v in &d[i..=j] {
            if *v > 0.0 { plus += rank } else { minus += rank }
        }
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        i = j + 1;
    }
    let n = d.len() as f64;
    let statistic = f64::min(plus, minus);
    let variance = n * (n + 1.0) * (2.0 * n + 1.0) / 24.0 - ties / 48.0;
    let z = (statistic - n * (n + 1.0) / 4.0) / variance.sqrt();
    (variance > 0.0).then(|| (statistic, chi_square_sf(z * z, 1.0)))
}

fn sorted_median(v: &[f64]) -> f64 {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        v[n / 2 - 1] + 0.5 * (v[n / 2] - v[n / 2 - 1])
    }
}

/// Values with many ties (quarter steps, as scores take), signed zeros and the odd NaN.
fn tied_values() -> impl proptest::strategy::Strategy<Value = Vec<f64>> {
    use proptest::prelude::*;
    proptest::collection::vec(
        prop_oneof![8 => (-8i32..8).prop_map(|q| f64::from(q) / 4.0), 1 => Just(-0.0), 1 => Just(f64::NAN)],
        0..60,
    )
}

proptest::proptest! {
    #[test]
    fn counted_rank_tests_agree_with_sorting_every_value(x in tied_values(), y in tied_values()) {
        let clean = |v: &[f64]| v.iter().copied().filter(|x| !x.is_nan()).collect::<Vec<_>>();
        let (x, y) = (clean(&x), clean(&y));
        let got = mann_whitney(&x, &y).map(|t| (t.statistic, t.p));
        match (got, reference_mann_whitney(&x, &y)) {
            (Some(g), Some(r)) => {
                close(g.0, r.0, "U");
                close(g.1, r.1, "Mann–Whitney p");
            }
            (g, r) => proptest::prop_assert_eq!(g, r),
        }
        match (wilcoxon_signed_rank(&x).map(|t| (t.statistic, t.p)), reference_wilcoxon(&x)) {
            (Some(g), Some(r)) => {
                close(g.0, r.0, "signed-rank statistic");
                close(g.1, r.1, "signed-rank p");
            }
            (g, r) => proptest::prop_assert_eq!(g, r),
        }
        let m = median_counted(&value_counts(&x));
        let r = sorted_median(&x);
        proptest::prop_assert!(m == r || (m.is_nan() && r.is_nan()), "median {m} against {r}");
    }
}

#[test]
fn value_counts_hashed_or_sorted_are_the_same_list() {
    // Few distinct values are counted in a hash map, more than MANY_VALUES sorted: both must
    // give each value once, ascending, −0 as 0, NaN left out.
    let mut seed = 7u64;
    let mut next = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as f64
    };
    for distinct in [10.0, (MANY_VALUES * 3) as f64] {
        let mut v: Vec<f64> = (0..60_000).map(|_| (next() % distinct) - distinct / 2.0).collect();
        v.extend([-0.0, 0.0, f64::NAN]);
        let got = value_counts(&v);
        // Counted independently: an ordered map keyed by each value's total order.
        let mut expected: std::collections::BTreeMap<i64, (f64, u64)> = std::collections::BTreeMap::new();
        for &x in v.iter().filter(|x| !x.is_nan()) {
            let x = x + 0.0;
            let bits = x.to_bits() as i64;
            let key = bits ^ (((bits >> 63) as u64) >> 1) as i64; // f64::total_cmp's order
            expected.entry(key).or_insert((x, 0)).1 += 1;
        }
        assert_eq!(got, expected.into_values().collect::<Vec<_>>());
        assert_eq!(got.iter().map(|(_, c)| c).sum::<u64>(), 60_002, "every value but NaN");
        assert!(got.windows(2).all(|w| w[0].0 < w[1].0), "ascending, each once");
        assert!(got.iter().all(|(x, _)| x.to_bits() != (-0.0f64).to_bits()), "−0 counted as 0");
    }
}
