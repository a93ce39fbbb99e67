#!/usr/bin/env python3
"""Exact Fisher–Freeman–Halton p-values by enumerating every table with the observed margins.
Independent reference values for crates/analysis/tests/statistics.rs (small tables only)."""
import math


def ffh(table):
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table)]
    n = sum(rows)
    const = sum(math.lgamma(r + 1) for r in rows) + sum(math.lgamma(c + 1) for c in cols) - math.lgamma(n + 1)

    def logp(t):
        return const - sum(math.lgamma(x + 1) for r in t for x in r)

    observed = logp(table)
    total = 0.0

    def compositions(j, rem, colrem, cur):
        if j == len(cols) - 1:
            if rem <= colrem[j]:
                yield cur + [rem]
            return
        for x in range(0, min(rem, colrem[j]) + 1):
            yield from compositions(j + 1, rem - x, colrem, cur + [x])

    def rec(i, colrem, acc):
        nonlocal total
        if i == len(rows) - 1:
            t = acc + [list(colrem)]
            lp = logp(t)
            if lp <= observed + 1e-7:
                total += math.exp(lp)
            return
        for r in compositions(0, rows[i], colrem, []):
            rec(i + 1, [a - b for a, b in zip(colrem, r)], acc + [r])

    rec(0, cols, [])
    return total


if __name__ == "__main__":
    for t in ([[1, 4, 0], [3, 1, 5], [2, 0, 1]], [[5, 2, 1], [1, 6, 2], [0, 1, 7]], [[3, 9], [30, 20]]):
        print(t, repr(ffh(t)))
