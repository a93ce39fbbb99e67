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
