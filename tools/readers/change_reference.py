#!/usr/bin/env python3
"""Reference values for crates/analysis/src/change/tests.rs, computed with SciPy and
statsmodels (Debian: python3-scipy, python3-statsmodels). Rerun after changing a case and
paste the printed values into the tests.
"""
import numpy as np
from scipy import stats
from statsmodels.stats.contingency_tables import SquareTable, mcnemar
from statsmodels.stats.proportion import confint_proportions_2indep

print("# newcombe: statsmodels confint_proportions_2indep(k2, n2, k1, n1, method='newcomb')")
for k1, n1, k2, n2 in [(150, 200, 180, 200), (331, 441, 397, 441), (3, 20, 9, 22), (0, 15, 4, 15), (10, 10, 7, 12)]:
    lo, hi = confint_proportions_2indep(k2, n2, k1, n1, method="newcomb", compare="diff")
    print(f"({k1}, {n1}, {k2}, {n2}, {k2 / n2 - k1 / n1!r}, {lo!r}, {hi!r}),")

print("# mcnemar exact: statsmodels mcnemar([[a, b], [c, d]], exact=True).pvalue")
# (the large panels were added with statsmodels 0.15.0 / SciPy 1.17.1 from PyPI)
for b, c in [(5, 15), (0, 7), (12, 12), (30, 55), (1, 0),
             (150000, 151000), (149000, 151000), (250000, 249000), (3000, 3300), (0, 400000), (10, 100000)]:
    print(f"({b}, {c}, {mcnemar([[40, b], [c, 60]], exact=True).pvalue!r}),")

print("# stuart_maxwell / bowker: statsmodels SquareTable(t).homogeneity('stuart_maxwell') / .symmetry('bowker')")
tables = [
    [[20, 10, 5], [3, 30, 7], [2, 4, 19]],
    [[50, 12, 3, 1], [4, 40, 10, 2], [1, 6, 35, 9], [0, 1, 5, 20]],
    [[10, 3], [8, 12]],
]
for t in tables:
    st = SquareTable(np.array(t), shift_zeros=False)
    h = st.homogeneity("stuart_maxwell")
    s = st.symmetry("bowker")
    print(f"({t}, ({h.statistic!r}, {h.df!r}, {h.pvalue!r}), ({s.statistic!r}, {s.df!r}, {s.pvalue!r})),")

print("# wilcoxon: scipy.stats.wilcoxon(d, zero_method='wilcox', correction=False, method='approx')")
cases = [
    [0.5, 0.25, 0.0, 0.5, -0.25, 0.75, 0.5, 0.0, 0.25, 0.5, -0.5, 0.25, 1.0, 0.5],
    [1, 2, 3, -1, 2, 2, 4, -3, 1, 1, 5, 2, -2, 3, 1, 0, 2],
    [-0.1, -0.2, 0.05, -0.3, -0.15, -0.25, 0.1, -0.05, -0.2, -0.1],
]
for d in cases:
    r = stats.wilcoxon(d, zero_method="wilcox", correction=False, method="approx")
    print(f"({d}, {r.statistic!r}, {r.pvalue!r}),")

print("# mann_whitney: scipy.stats.mannwhitneyu(x, y, use_continuity=False, alternative='two-sided', method='asymptotic')")
pairs = [
    ([0.5, 0.75, 0.25, 1.0, 0.5, 0.5, 0.0, 0.75], [0.75, 1.0, 1.0, 0.5, 0.75, 1.0, 0.25]),
    ([3, 5, 1, 8, 2, 2, 9, 4, 4, 6], [7, 8, 12, 5, 9, 10, 6, 11, 4]),
    ([1, 1, 1, 2, 2, 3], [1, 2, 2, 3, 3, 3, 3]),
]
for x, y in pairs:
    r = stats.mannwhitneyu(x, y, use_continuity=False, alternative="two-sided", method="asymptotic")
    print(f"({x}, {y}, {r.statistic!r}, {r.pvalue!r}),")
