#!/usr/bin/env python3
"""Mutation fuzzing of every reader of files from others, through the real `mamori` binary,
so that an abort, a signal or a runaway allocation shows as it would in production:

- questionnaires: `mamori form check` on mutated .xlsx, .xls, .csv and .md files;
- responses: `mamori report --responses` on mutated .csv and .xlsx response files;
- participant lists: `mamori participants check` (the import page's own check) on mutated .csv
  and .xlsx lists.

Seeds: the shipped questionnaire (.xlsx and .md), pyxform's corpus in ../shared, the 441-row
fixture (as .csv and as an .xlsx made from it here), the 30-row participant list (.csv and
.xlsx), and fixtures/hostile/ for each of the three readers. Mutations: byte flips, truncation, duplicated or deleted
ranges, and for zip-based files entries rewritten after mutating their XML. Each case runs
with a 60 s limit; the peak RSS of the process and its children is read from wait4.
Prints cases run, how many ended by a signal (must be 0), the exit codes seen and the largest
peak memory; exits 1 on any signal or a peak over 512 MiB.

  bench/fuzz-readers.py [--cases N] [--seed S] [--bin target/debug/mamori]
"""
import argparse
import csv
import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
LIMIT = 512 * 1024 * 1024
sys.path.insert(0, os.path.join(ROOT, "tools"))
from make_hostile_files import HEAD, PARTS  # noqa: E402  (the minimal .xlsx parts)


def csv_to_xlsx(source, target):
    """The rows of a CSV file as the one sheet of an .xlsx (inline strings), as Excel would save
    them: a seed for the .xlsx paths of the response and participant readers."""
    from xml.sax.saxutils import escape
    sheet = [HEAD]
    for r, row in enumerate(csv.reader(open(source, encoding="utf-8"))):
        cells = "".join(f'<c t="inlineStr"><is><t>{escape(v)}</t></is></c>' for v in row)
        sheet.append(f'<row r="{r + 1}">{cells}</row>')
    sheet.append("</sheetData></worksheet>")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for part, text in PARTS.items():
            z.writestr(part, text)
        z.writestr("xl/worksheets/sheet1.xml", "".join(sheet))
    return target


def seeds(work):
    files = [
        ("form", os.path.join(ROOT, "questionnaires/mdcs-manufacturer-2024.xlsx")),
        ("form", os.path.join(ROOT, "questionnaires/mdcs-manufacturer-2024.md")),
        ("responses", os.path.join(ROOT, "fixtures/mdcs-2024-441.csv")),
        ("responses", csv_to_xlsx(os.path.join(ROOT, "fixtures/mdcs-2024-441.csv"), os.path.join(work, "responses.xlsx"))),
        ("participants", os.path.join(ROOT, "fixtures/participants-30.csv")),
        ("participants",
         csv_to_xlsx(os.path.join(ROOT, "fixtures/participants-30.csv"), os.path.join(work, "participants.xlsx"))),
    ]
    for name in sorted(os.listdir(os.path.join(ROOT, "fixtures/hostile"))):
        for role in ("form", "responses", "participants"):
            files.append((role, os.path.join(ROOT, "fixtures/hostile", name)))
    corpus = os.path.join(ROOT, "../shared/corpora/xlsform")
    if os.path.isdir(corpus):
        for name in sorted(os.listdir(corpus)):
            if name.rsplit(".", 1)[-1] in ("xlsx", "xls", "csv", "md"):
                files.append(("form", os.path.join(corpus, name)))
    return files


def mutate(data, rng):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        kind = rng.randrange(4)
        if not data:
            break
        at = rng.randrange(len(data))
        if kind == 0:
            data[at] = rng.randrange(256)
        elif kind == 1:
            del data[at:]
        elif kind == 2:
            end = min(len(data), at + rng.randint(1, 4096))
            data[at:at] = data[at:end] * rng.randint(1, 50)
        else:
            del data[at:at + rng.randint(1, 256)]
    return bytes(data)


def mutate_zip(data, rng):
    """Mutates one XML part of an .xlsx and zips it again, so the damage reaches the parser."""
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        # A bomb is mutated as bytes: inflating it here would make this script, and every
        # process it forks, gigabytes large (and their peak memory meaningless).
        if sum(i.file_size for i in source.infolist()) > 64 << 20:
            return mutate(data, rng)
        parts = [(i, source.read(i.filename)) for i in source.infolist()]
    except Exception:
        return mutate(data, rng)
    victim = rng.randrange(len(parts))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for k, (info, body) in enumerate(parts):
            if k == victim:
                body = mutate(body, rng)
            z.writestr(info.filename, body)
    return out.getvalue()


def run(args, timeout=60):
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        _, status, usage = os.wait4(process.pid, 0)
    except KeyboardInterrupt:
        process.kill()
        raise
    process.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss of the case itself; its children (the workbook reader) are reported by
    # getrusage(RUSAGE_CHILDREN) as a running maximum over all children so far.
    return process.returncode, usage.ru_maxrss * 1024


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cases", type=int, default=300)
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--bin", default=os.path.join(ROOT, "target/debug/mamori"))
    a = p.parse_args()
    rng = random.Random(a.seed)
    work = tempfile.mkdtemp()
    pool = seeds(work)
    codes, signals, peak, peak_case = {}, [], 0, None
    for case in range(a.cases):
        role, path = pool[case % len(pool)]
        data = open(path, "rb").read()
        ext = path.rsplit(".", 1)[-1]
        # The first round reads every seed as it is (the hostile files among them); then mutants.
        if case >= len(pool):
            data = mutate_zip(data, rng) if ext == "xlsx" and rng.random() < 0.5 else mutate(data, rng)
        target = os.path.join(work, f"case{case}.{ext}")
        open(target, "wb").write(data)
        del data
        if role == "form":
            command = [a.bin, "form", "check", target]
        elif role == "participants":
            command = [a.bin, "participants", "check", "--form", "questionnaires/mdcs-manufacturer-2024.xlsx", target]
        else:
            command = [a.bin, "report", "--form", "questionnaires/mdcs-manufacturer-2024.xlsx", "--responses", target,
                       "--format", "json", "-o", os.path.join(work, "out.json")]
        code, rss = run(command)
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        codes[code] = codes.get(code, 0) + 1
        if code < 0:
            signals.append((case, path, -code))
        if rss > peak:
            peak, peak_case = rss, path
        os.remove(target)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(f"fuzz-readers: {a.cases} cases from {len(pool)} seeds, exit codes {dict(sorted(codes.items()))}, "
          f"{len(signals)} ended by a signal {signals[:3]}, peak RSS {peak >> 20} MiB per case "
          f"(largest: {os.path.basename(peak_case or '')}), {children >> 20} MiB in any process including the "
          f"workbook readers")
    sys.exit(1 if signals or children > LIMIT else 0)


if __name__ == "__main__":
    main()
