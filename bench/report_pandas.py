#!/usr/bin/env python3
"""The 2024 report computed the way a capable analyst would with pandas and SciPy, vectorised:
the same checks, tables, tests, indicators and lagging groups as `mamori report --format json`.
Used by bench/report-vs-pandas.sh to compare speed and memory on the same files.

    python3 bench/report_pandas.py FORM.xlsx RESPONSES.csv > report.json
"""
import json
import sys

import numpy as np
import pandas as pd
from scipy import stats


def holm(p):
    p = np.asarray(p, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order]).clip(max=1.0)
    out = np.empty(m)
    out[order] = adjusted
    return out


def wilson(k, n, z=1.959963984540054):
    p = k / n
    d = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def fisher_monte_carlo(table, samples=10_000, seed=0):
    """Fisher–Freeman–Halton by Monte Carlo, as Mamori: random tables with the same margins."""
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    labels = np.repeat(np.arange(len(cols)), cols)
    row_of = np.repeat(np.arange(len(rows)), rows)
    lf = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, table.sum() + 1)))])
    observed = lf[table].sum()
    rng = np.random.default_rng(seed)
    shuffled = rng.permuted(np.tile(labels, (samples, 1)), axis=1)
    cell = row_of[None, :] * len(cols) + shuffled
    counts = np.zeros((samples, len(rows) * len(cols)), dtype=np.int64)
    np.add.at(counts, (np.arange(samples)[:, None], cell), 1)
    extreme = (lf[counts].sum(axis=1) >= observed - 1e-7).sum()
    return (1 + extreme) / (samples + 1)


def independence(table):
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return None
    chi2, p, dof, expected = stats.chi2_contingency(table, correction=False)
    if expected.min() >= 5:
        return {"method": "chi_square", "statistic": float(chi2), "dof": float(dof), "p": float(p)}
    if table.shape == (2, 2):
        p = stats.fisher_exact(table).pvalue
        return {"method": "fisher_exact", "statistic": float(chi2), "dof": float(dof), "p": float(p)}
    return {"method": "fisher_monte_carlo", "statistic": float(chi2), "dof": float(dof), "p": float(fisher_monte_carlo(table))}


def main(form_path, responses_path):
    survey = pd.read_excel(form_path, sheet_name="survey", dtype=str).fillna("")
    choices = pd.read_excel(form_path, sheet_name="choices", dtype=str).fillna("")
    codebook = pd.read_excel(form_path, sheet_name="codebook", dtype=str).fillna("")
    lists = {name: list(group["name"]) for name, group in choices.groupby("list_name", sort=False)}
    scores = {(r.list_name, r.name): float(r.score) for r in choices.itertuples() if r.score != ""}
    questions = survey[~survey["type"].str.startswith(("begin", "end"))]
    kinds = {}
    for q in questions.itertuples():
        parts = q.type.split()
        kinds[q.name] = (parts[0], parts[1] if len(parts) > 1 else None)

    df = pd.read_csv(responses_path, dtype=str, keep_default_na=False)

    # Checks, vectorised, as the form says.
    bad = pd.Series(False, index=df.index)
    applies = {
        "license_other": df["license_type"] == "other",
        "supply_origin": df["license_type"].isin(["mah1", "mah2", "mah3"]),
        "challenges_other": df["challenges"].str.split().apply(lambda s: "other" in s),
    }
    for name, (kind, list_name) in kinds.items():
        col = df[name].str.strip()
        asked = applies.get(name, pd.Series(True, index=df.index))
        df.loc[~asked, name] = ""
        col = col.where(asked, "")
        required = survey.set_index("name").loc[name, "required"] == "yes"
        if required:
            bad |= asked & (col == "")
        if kind == "select_one":
            bad |= (col != "") & ~col.isin(lists[list_name])
        elif kind == "select_multiple":
            exploded = col.str.split().explode()
            bad |= (~exploded.isin(lists[list_name]) & exploded.notna()).groupby(level=0).any()
        elif kind == "integer":
            bad |= (col != "") & ~col.str.fullmatch(r"-?\d+")
    total = pd.to_numeric(df["products_total"], errors="coerce")
    done = pd.to_numeric(df["products_done"], errors="coerce")
    bad |= (total < 0) | (done < 0) | (done > total)
    if bad.any():
        sys.exit(f"{int(bad.sum())} invalid rows")

    segment = df["license_type"]
    segments = lists["license"]
    report = {"n": len(df), "segments": {"license_type": segment.value_counts().reindex(segments, fill_value=0).astype(int).to_dict()}, "items": [], "indicators": [], "lagging": []}
    tests = []
    for name, (kind, list_name) in kinds.items():
        col = df[name]
        item = {"name": name, "type": kind}
        if kind == "select_one":
            answered = col[col != ""]
            counts = answered.value_counts().reindex(lists[list_name], fill_value=0)
            n = int(counts.sum())
            lo, hi = wilson(counts.to_numpy(), n)
            item.update(n=n, counts=counts.astype(int).to_dict(), percent=(counts / n * 100).round(1).to_dict(),
                        ci95={k: [round(a * 100, 1), round(b * 100, 1)] for k, a, b in zip(counts.index, lo, hi)})
            if name != "license_type":
                table = pd.crosstab(segment[col != ""], answered).reindex(index=segments, columns=lists[list_name], fill_value=0)
                seg_n = table.sum(axis=1)
                item["by"] = {"license_type": {s: {"n": int(seg_n[s]), "counts": table.loc[s].astype(int).to_dict(),
                                                   "percent": (table.loc[s] / seg_n[s] * 100).round(1).to_dict() if seg_n[s] else {}} for s in segments}}
                test = independence(table.to_numpy())
                if test:
                    tests.append(test)
                    item["test"] = {"license_type": test}
        elif kind == "select_multiple":
            dummies = col.str.get_dummies(sep=" ").reindex(columns=lists[list_name], fill_value=0)
            answered = col != ""
            counts = dummies.sum()
            n = int(answered.sum())
            mentions = int(counts.sum())
            by = dummies[answered].groupby(segment[answered]).sum().reindex(segments, fill_value=0)
            item.update(n=n, counts=counts.astype(int).to_dict(), mentions=mentions,
                        mention_share=(counts / mentions * 100).round(1).to_dict(), respondent_share=(counts / n * 100).round(1).to_dict(),
                        by={"license_type": by.astype(int).to_dict(orient="index")})
        elif kind == "integer":
            values = pd.to_numeric(col, errors="coerce")
            summary = values.groupby(segment).describe()
            item.update(n=int(values.notna().sum()), stats={"sum": float(values.sum()), "mean": float(values.mean()), "median": float(values.median()),
                                                              "q1": float(values.quantile(0.25)), "q3": float(values.quantile(0.75))},
                        by={"license_type": summary.to_dict(orient="index")})
        elif kind == "text":
            answered = col[col.str.strip() != ""]
            item["n"] = int(len(answered))
            rows = codebook[codebook["question"] == name]
            if len(rows):
                hits = pd.DataFrame({r.category: answered.str.contains("|".join(r.keywords.split()), regex=True) for r in rows.itertuples()})
                coded = hits.sum().astype(int).to_dict()
                coded["uncoded"] = int((~hits.any(axis=1)).sum())
                item["coded"] = coded
        report["items"].append(item)
    for item, p in zip([i for i in report["items"] if "test" in i], holm([t["p"] for t in tests])):
        item["test"]["license_type"]["p_holm"] = float(p)

    # Indicators.
    for name, q, chosen in [("sbom_current_started", "sbom_current", ["done", "prep"]), ("sbom_legacy_started", "sbom_legacy", ["done", "prep"])]:
        answered = df[q] != ""
        hit = df[q].isin(chosen) & answered
        by = hit.groupby(segment).sum() / answered.groupby(segment).sum()
        report["indicators"].append({"name": name, "value": float(hit.sum() / answered.sum()), "by": by.to_dict()})
    both = total.notna() & done.notna()
    by = done[both].groupby(segment[both]).sum() / total[both].groupby(segment[both]).sum()
    report["indicators"].append({"name": "products_done_share", "value": float(done[both].sum() / total[both].sum()), "by": by.to_dict()})

    # Lagging groups: best-scored answer in a segment against all others, one-sided Fisher.
    candidates = []
    for name, (kind, list_name) in kinds.items():
        if kind != "select_one" or name == "license_type":
            continue
        scored = {c: scores[(list_name, c)] for c in lists[list_name] if (list_name, c) in scores}
        if not scored:
            continue
        best_score = max(scored.values())
        best = [c for c, s in scored.items() if s == best_score]
        answered = df[name] != ""
        is_best = df[name].isin(best) & answered
        a_all = segment[answered].value_counts().reindex(segments, fill_value=0)
        b_all = segment[is_best].value_counts().reindex(segments, fill_value=0)
        total_answered, total_best = a_all.sum(), b_all.sum()
        for s in segments:
            n, a = int(a_all[s]), int(b_all[s])
            if n == 0 or n == total_answered:
                continue
            c, n_rest = int(total_best - a), int(total_answered - n)
            p = stats.fisher_exact([[a, n - a], [c, n_rest - c]], alternative="less").pvalue
            candidates.append({"item": name, "segment": s, "share": a / n * 100, "share_rest": c / n_rest * 100, "p": float(p)})
    for cand, p in zip(candidates, holm([c["p"] for c in candidates])):
        cand["p_holm"] = float(p)
    report["lagging"] = sorted([c for c in candidates if c["p_holm"] < 0.05], key=lambda c: c["p_holm"])
    json.dump(report, sys.stdout, ensure_ascii=False, default=float)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
