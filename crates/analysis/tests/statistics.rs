//! The statistics against values computed independently. Unless stated, expected values come
//! from SciPy 1.x (`scipy.stats.chi2.sf`, `chi2_contingency(correction=False)`,
//! `fisher_exact`, `binomtest(...).proportion_ci(method="wilson")`, `scipy.special.gammaln`)
//! and NumPy's `quantile` (linear, the default), run once and copied here.

use mamori_analysis::stats::*;

#[track_caller]
fn close(got: f64, expected: f64, relative: f64) {
    let scale = expected.abs().max(1e-300);
    assert!((got - expected).abs() / scale <= relative, "got {got}, expected {expected}");
}

#[test]
fn log_gamma_matches_scipy() {
    for (x, expected) in
        [(0.5, 0.5723649429247), (10.0, 12.801827480081469), (100.5, 361.43554046777757), (1.0, 0.0), (2.0, 0.0)]
    {
        assert!((ln_gamma(x) - expected).abs() < 1e-10, "lgamma({x}) = {}", ln_gamma(x));
    }
}

#[test]
fn chi_square_tail_matches_scipy() {
    let table = [
        (3.84, 1.0, 0.05004352124870519),
        (10.0, 4.0, 0.04042768199451279),
        (0.5, 2.0, 0.7788007830714049),
        (50.0, 8.0, 4.0867589479967445e-08),
        (300.0, 10.0, 1.5546747543803087e-58),
    ];
    for (x, dof, expected) in table {
        close(chi_square_sf(x, dof), expected, 1e-9);
    }
}

#[test]
fn chi_square_test_of_independence_matches_scipy() {
    let table = vec![vec![30, 10, 5], vec![20, 25, 12], vec![10, 18, 30]];
    let (statistic, dof, _) = chi_square(&table);
    close(statistic, 36.63485138553642, 1e-12);
    assert_eq!(dof, 4.0);
    close(chi_square_sf(statistic, dof), 2.1418662584558293e-07, 1e-9);
}

#[test]
fn fisher_exact_matches_scipy() {
    close(fisher_less(3, 9, 30, 20), 0.03074380160996814, 1e-10);
    close(fisher_2x2(3, 9, 30, 20), 0.050903096788394955, 1e-10);
    close(fisher_less(20, 33, 300, 88), 1.3340840168986614e-08, 1e-8);
    // Upper side of the distribution (the first row leads): summed from the other tail.
    close(fisher_less(40, 13, 200, 188), 0.9997820487157204, 1e-9);
    // A million respondents.
    close(fisher_less(4700, 5300, 500_000, 490_000), 1.6250970324452496e-12, 1e-6);
    close(fisher_less(4950, 5050, 500_000, 490_000), 0.02329412964601685, 1e-6);
}

/// Exact Freeman–Halton p-values by enumerating every table with the same margins
/// (`tools/ffh_exact.py`, which also reproduces SciPy's two-sided 2×2 value above):
/// [[1,4,0],[3,1,5],[2,0,1]] → 0.04147323264970325; [[5,2,1],[1,6,2],[0,1,7]] →
/// 0.0019710697163920978. With 100,000 random tables the Monte Carlo estimate has a standard
/// error below 0.0007, so it must land within 0.003.
#[test]
fn monte_carlo_fisher_agrees_with_exact_enumeration() {
    let a = fisher_monte_carlo(&vec![vec![1, 4, 0], vec![3, 1, 5], vec![2, 0, 1]], 100_000, 7);
    assert!((a - 0.04147323264970325).abs() < 0.003, "{a}");
    let b = fisher_monte_carlo(&vec![vec![5, 2, 1], vec![1, 6, 2], vec![0, 1, 7]], 100_000, 7);
    assert!((b - 0.0019710697163920978).abs() < 0.001, "{b}");
    // The same seed gives the same p-value.
    assert_eq!(a, fisher_monte_carlo(&vec![vec![1, 4, 0], vec![3, 1, 5], vec![2, 0, 1]], 100_000, 7));
}

#[test]
fn holm_matches_the_definition() {
    // Worked by hand: sorted p 0.005, 0.01, 0.03, 0.04 × 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 →
    // running maximum 0.02, 0.03, 0.06, 0.06.
    assert_eq!(holm(&[0.01, 0.04, 0.03, 0.005]), vec![0.03, 0.06, 0.06, 0.02]);
    assert_eq!(holm(&[0.9, 0.8]), vec![1.0, 1.0]);
}

#[test]
fn wilson_intervals_match_scipy() {
    let (lo, hi) = wilson(45, 100);
    close(lo, 0.35614537979511984, 1e-9);
    close(hi, 0.5475539700255787, 1e-9);
    let (lo, hi) = wilson(0, 20);
    assert_eq!(lo, 0.0);
    close(hi, 0.16112515805281935, 1e-9);
}

#[test]
fn quantiles_match_numpy() {
    let a = [1.0, 2.0, 3.0, 4.0, 10.0];
    assert_eq!([quantile(&a, 0.25), quantile(&a, 0.5), quantile(&a, 0.75)], [2.0, 3.0, 4.0]);
    let mut b = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
    b.sort_by(f64::total_cmp);
    assert_eq!([quantile(&b, 0.25), quantile(&b, 0.5), quantile(&b, 0.75)], [1.75, 3.5, 5.25]);
}
