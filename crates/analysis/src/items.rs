//! One item of the report per question: counts and shares overall and by segment, tests of
//! independence, number summaries, coded free text; and the form's indicators.

use crate::disclosure::Rules;
use crate::model::*;
use crate::stats;
use crate::{Options, Segmentation, percent};
use mamori_dataset::{Column, Responses};
use mamori_form::text::trim;
use mamori_form::{Form, QuestionType};

pub(crate) fn item(
    form: &Form,
    responses: &Responses,
    q: usize,
    segs: &[Segmentation],
    rules: &Rules,
    options: &Options,
) -> Item {
    let question = &form.questions[q];
    let lang = options.language.as_str();
    let section = question
        .group_indices
        .iter()
        .map(|&g| form.text(&form.groups[g].label, lang).unwrap_or(&form.groups[g].name).to_string())
        .collect();
    let mut item = Item {
        name: question.name.clone(),
        label: form.text(&question.label, lang).unwrap_or(&question.name).to_string(),
        kind: question.kind.as_str().to_string(),
        section,
        n: None,
        choice_labels: Ordered::default(),
        counts: Ordered::default(),
        percent: Ordered::default(),
        ci95: Ordered::default(),
        by: Ordered::default(),
        test: Ordered::default(),
        mentions: None,
        mention_share: Ordered::default(),
        respondent_share: Ordered::default(),
        stats: None,
        coded: Ordered::default(),
        category_labels: Ordered::default(),
        mean_rank: Ordered::default(),
    };
    for choice in &question.choices {
        item.choice_labels.insert(&choice.name, form.text(&choice.label, lang).unwrap_or(&choice.name).to_string());
    }
    let names: Vec<&str> = question.choices.iter().map(|c| c.name.as_str()).collect();
    match &responses.columns[q] {
        Column::Choice(codes) => select_one(&mut item, codes, &names, segs, rules, options),
        Column::Multi(bits) => select_multiple(&mut item, bits, &names, segs, rules),
        Column::Number(values) => numbers(&mut item, values, segs, rules),
        // Only whether each was answered was kept (a report that codes no text of it).
        Column::Answered(given) => item.n = rules.one(given.iter().filter(|&&a| a).count() as u64),
        Column::Text(text) if question.kind == QuestionType::Rank => {
            rank(&mut item, text, &names, segs, rules, options)
        }
        Column::Text(text) => {
            let coded =
                question.kind == QuestionType::Text && form.codebook.iter().any(|r| r.question == question.name);
            if coded {
                let answered = text.iter().enumerate().filter(|(_, t)| !trim(t).is_empty());
                let n = code_text(form, &mut item, q, answered, rules, options);
                item.n = rules.one(n);
            } else {
                item.n = rules.one(text.iter().filter(|t| !trim(t).is_empty()).count() as u64);
            }
        }
    }
    item
}

/// A rank question: the choice each respondent put first, tabulated as a select_one answer
/// (counts, shares, segments, test), and each choice's mean place. Answers are checked
/// rankings of every choice; a place past the list (a choice not in it) counts for nothing.
fn rank(
    item: &mut Item,
    text: &mamori_dataset::TextColumn,
    names: &[&str],
    segs: &[Segmentation],
    rules: &Rules,
    options: &Options,
) {
    let index = mamori_form::fasthash::NameIndex::new(names.iter().copied());
    let mut first = Vec::with_capacity(text.len());
    let (mut place_sums, mut placed) = (vec![0u64; names.len()], vec![0u64; names.len()]);
    for answer in text.iter() {
        let mut code = 0u16;
        for (place, name) in answer.split_whitespace().enumerate() {
            if let Some(k) = index.position(name) {
                if place == 0 {
                    code = k as u16 + 1;
                }
                place_sums[k] += place as u64 + 1;
                placed[k] += 1;
            }
        }
        first.push(code);
    }
    select_one(item, &first, names, segs, rules, options);
    // The mean place is shown when the item's n is (a mean over every respondent of it).
    for (k, name) in names.iter().enumerate() {
        let mean = (item.n.is_some() && placed[k] > 0)
            .then(|| (place_sums[k] as f64 / placed[k] as f64 * 100.0).round() / 100.0);
        item.mean_rank.insert(*name, mean);
    }
}

/// Counts per choice (index = code − 1).
fn tally(codes: &[u16], choices: usize) -> Vec<u64> {
    stats::code_counts(codes, choices)[1..].to_vec()
}

fn shares(names: &[&str], shown: &[Option<u64>], n: u64) -> Ordered<Option<f64>> {
    let mut out = Ordered::default();
    for (name, count) in names.iter().zip(shown) {
        out.insert(*name, count.and_then(|c| percent(c as f64, n as f64)));
    }
    out
}

fn counted(names: &[&str], shown: &[Option<u64>]) -> Ordered<Option<u64>> {
    let mut out = Ordered::default();
    for (name, count) in names.iter().zip(shown) {
        out.insert(*name, *count);
    }
    out
}

fn select_one(item: &mut Item, codes: &[u16], names: &[&str], segs: &[Segmentation], rules: &Rules, options: &Options) {
    // A question is not broken down by itself.
    let segs: Vec<&Segmentation> = segs.iter().filter(|s| s.name != item.name).collect();
    // One pass per segmentation: rows = segments, columns = choices (code 0 = no answer, or
    // in no segment).
    let pairs: Vec<Vec<u64>> =
        segs.iter().map(|seg| stats::pair_counts(seg.codes, seg.segments.len(), codes, names.len())).collect();
    // The overall counts are a crosstab's column sums (its row 0 holds those in no segment),
    // else one more pass.
    let counts = match pairs.first() {
        Some(table) => {
            let mut sums = vec![0u64; names.len() + 1];
            for row in table.chunks_exact(names.len() + 1) {
                for (sum, cell) in sums.iter_mut().zip(row) {
                    *sum += cell;
                }
            }
            sums[1..].to_vec()
        }
        None => tally(codes, names.len()),
    };
    let n: u64 = counts.iter().sum();
    let shown = rules.row(&counts);
    item.n = rules.one(n);
    item.counts = counted(names, &shown);
    item.percent = shares(names, &shown, n);
    for (name, (count, show)) in names.iter().zip(counts.iter().zip(&shown)) {
        let ci = show.map(|_| {
            let (lo, hi) = stats::wilson(*count, n);
            [(lo * 1000.0).round() / 10.0, (hi * 1000.0).round() / 10.0]
        });
        item.ci95.insert(*name, ci.filter(|_| n > 0));
    }
    for (seg, pairs) in segs.iter().zip(&pairs) {
        let table: Vec<Vec<u64>> = pairs.chunks(names.len() + 1).skip(1).map(|row| row[1..].to_vec()).collect();
        let row_n: Vec<u64> = table.iter().map(|row| row.iter().sum()).collect();
        let shown_here = table_segments(rules, &seg.shown, &table, &row_n, &counts, n);
        let mut by = Ordered::default();
        for (k, segment) in seg.segments.iter().enumerate() {
            let row_n = row_n[k];
            let cell = if shown_here[k] {
                let shown = rules.row(&table[k]);
                SegmentCell {
                    n: rules.one(row_n),
                    counts: counted(names, &shown),
                    percent: shares(names, &shown, row_n),
                    stats: None,
                }
            } else {
                SegmentCell {
                    n: None,
                    counts: counted(names, &vec![None; names.len()]),
                    percent: shares(names, &vec![None; names.len()], 0),
                    stats: None,
                }
            };
            by.insert(*segment, cell);
        }
        item.by.insert(seg.name, by);
        let tested: stats::Table = table.iter().zip(&shown_here).filter(|(_, s)| **s).map(|(r, _)| r.clone()).collect();
        if let Some(test) = independence(&tested, &format!("{}×{}", item.name, seg.name), options.monte_carlo_samples)
        {
            item.test.insert(seg.name, test);
        }
    }
}

/// Chi-square test of independence, or Fisher's exact test where an expected count is below
/// 5 (exact for 2×2, Monte Carlo for larger tables). `None` for a table smaller than 2×2.
pub(crate) fn independence(table: &stats::Table, key: &str, samples: u32) -> Option<Test> {
    let table = stats::trim(table);
    if table.len() < 2 || table[0].len() < 2 {
        return None;
    }
    let (statistic, dof, min_expected) = stats::chi_square(&table);
    let (method, p) = if min_expected >= 5.0 {
        ("chi_square", stats::chi_square_sf(statistic, dof))
    } else if table.len() == 2 && table[0].len() == 2 {
        ("fisher_exact", stats::fisher_2x2(table[0][0], table[0][1], table[1][0], table[1][1]))
    } else {
        ("fisher_monte_carlo", stats::fisher_monte_carlo(&table, samples, seed(key)))
    };
    Some(Test { method: method.into(), statistic: round(statistic, 4), dof, p, p_holm: p })
}

/// A fixed seed per test (FNV-1a of its name), so Monte Carlo p-values repeat run after run.
fn seed(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

/// Holm's correction across every test of the report.
pub(crate) fn adjust_tests(items: &mut [Item]) {
    let ps: Vec<f64> = items.iter().flat_map(|i| i.test.iter().map(|(_, t)| t.p)).collect();
    let adjusted = stats::holm(&ps);
    let mut next = adjusted.into_iter();
    for item in items {
        for (_, test) in item.test.0.iter_mut() {
            test.p_holm = next.next().unwrap_or(1.0);
        }
    }
}

fn select_multiple(item: &mut Item, bits: &[u64], names: &[&str], segs: &[Segmentation], rules: &Rules) {
    let count = |keep: &dyn Fn(usize) -> bool| {
        let mut counts = vec![0u64; names.len()];
        let mut n = 0u64;
        for (i, &set) in bits.iter().enumerate() {
            if set != 0 && keep(i) {
                n += 1;
                for (k, c) in counts.iter_mut().enumerate() {
                    *c += (set >> k) & 1;
                }
            }
        }
        (counts, n)
    };
    let (counts, n) = count(&|_| true);
    let mentions: u64 = counts.iter().sum();
    let shown = rules.row(&counts);
    item.n = rules.one(n);
    item.counts = counted(names, &shown);
    item.mentions = rules.one(mentions);
    item.mention_share = shares(names, &shown, mentions);
    item.respondent_share = shares(names, &shown, n);
    item.percent = item.respondent_share.clone();
    for seg in segs {
        let mut by = Ordered::default();
        // One pass: per segment, respondents and mentions per choice.
        let mut table = vec![(vec![0u64; names.len()], 0u64); seg.segments.len()];
        for (&set, &s) in bits.iter().zip(seg.codes) {
            if set != 0 && s > 0 {
                let (counts, n) = &mut table[s as usize - 1];
                *n += 1;
                for (k, c) in counts.iter_mut().enumerate() {
                    *c += (set >> k) & 1;
                }
            }
        }
        let rows: Vec<Vec<u64>> = table.iter().map(|(c, _)| c.clone()).collect();
        let row_n: Vec<u64> = table.iter().map(|(_, n)| *n).collect();
        let shown_here = table_segments(rules, &seg.shown, &rows, &row_n, &counts, n);
        for (k, (segment, (counts, n))) in seg.segments.iter().zip(table).enumerate() {
            let shown = if shown_here[k] { rules.row(&counts) } else { vec![None; names.len()] };
            let n = if shown_here[k] { rules.one(n) } else { None };
            let whole = n.unwrap_or(0);
            by.insert(
                *segment,
                SegmentCell { n, counts: counted(names, &shown), percent: shares(names, &shown, whole), stats: None },
            );
        }
        item.by.insert(seg.name, by);
    }
}

fn summary(values: &mut [f64], rules: &Rules) -> Option<NumberStats> {
    if values.is_empty() || (rules.publish && (values.len() as u64) < rules.min_cell) {
        return None;
    }
    let n = values.len();
    let sum: f64 = values.iter().sum();
    let (min, max) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let mut order = OrderStatistics::new(values, min, max);
    let mut quantile = |q: f64| {
        let h = (n - 1) as f64 * q;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        let a = order.get(lo);
        let b = if hi == lo { a } else { order.get(hi) };
        a + (h - lo as f64) * (b - a)
    };
    let (q1, median, q3) = (quantile(0.25), quantile(0.5), quantile(0.75));
    Some(NumberStats {
        n: n as u64,
        sum,
        mean: round(sum / n as f64, 4),
        median,
        q1,
        q3,
        min: (!rules.publish).then_some(min),
        max: (!rules.publish).then_some(max),
    })
}

/// The k-th smallest of some numbers. Quantiles need a few order statistics, not a sorted copy:
/// whole numbers in a modest range (counts of products, staff, years — the usual survey number)
/// are counted per value, which is linear and cache-friendly; other numbers are selected, which
/// is linear too but moves the data around.
enum OrderStatistics<'v> {
    /// `below[j]` = how many values are below `min + j`, for j up to the range's width + 1.
    Counted {
        min: f64,
        below: Vec<u64>,
    },
    Selected(&'v mut [f64]),
}

impl<'v> OrderStatistics<'v> {
    /// Counting pays off when the range is no wider than a few times the number of values.
    fn new(values: &'v mut [f64], min: f64, max: f64) -> Self {
        let width = max - min;
        let whole = values.iter().all(|&v| v.fract() == 0.0 && !(v == 0.0 && v.is_sign_negative()));
        if !whole || width > (4 * values.len()).max(1024) as f64 {
            return OrderStatistics::Selected(values);
        }
        let mut below = vec![0u64; width as usize + 2];
        for &v in values.iter() {
            below[(v - min) as usize + 1] += 1;
        }
        for j in 1..below.len() {
            below[j] += below[j - 1];
        }
        OrderStatistics::Counted { min, below }
    }

    /// The k-th smallest value, counting from 0.
    fn get(&mut self, k: usize) -> f64 {
        match self {
            // The value v = min + j with below[j] <= k < below[j + 1].
            OrderStatistics::Counted { min, below } => *min + (below.partition_point(|&b| b <= k as u64) - 1) as f64,
            OrderStatistics::Selected(values) => *values.select_nth_unstable_by(k, f64::total_cmp).1,
        }
    }
}

/// What one pass over some numbers tells: how many, their sum (added in row order, as
/// `Iterator::sum` adds), the smallest and largest, and whether all are whole.
#[derive(Clone, Copy)]
struct Moments {
    n: usize,
    sum: f64,
    min: f64,
    max: f64,
    whole: bool,
}

impl Default for Moments {
    fn default() -> Self {
        Moments { n: 0, sum: -0.0, min: f64::INFINITY, max: f64::NEG_INFINITY, whole: true }
    }
}

impl Moments {
    fn add(&mut self, v: f64) {
        self.n += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.whole &= is_whole(v) && !(v == 0.0 && v.is_sign_negative());
    }

    /// Whole numbers in a range narrow enough to count per value (see [`OrderStatistics`]).
    fn countable(&self) -> bool {
        self.n > 0 && self.whole && self.max - self.min <= (4 * self.n).max(1024) as f64
    }
}

/// `v.fract() == 0.0`, without the library call `fract` makes on a baseline x86-64 (no
/// rounding instruction): below 2^52 a double is whole when it survives a round trip through
/// an integer; from 2^52 on every finite double is whole.
#[inline]
fn is_whole(v: f64) -> bool {
    if v.abs() < 4_503_599_627_370_496.0 { (v as i64) as f64 == v } else { v.is_finite() }
}

/// A summary from a pass's moments and `below` (see [`OrderStatistics::Counted`], from `min`).
fn summary_counted(m: &Moments, min: f64, below: &[u64], rules: &Rules) -> Option<NumberStats> {
    if m.n == 0 || (rules.publish && (m.n as u64) < rules.min_cell) {
        return None;
    }
    let value = |k: usize| min + (below.partition_point(|&b| b <= k as u64) - 1) as f64;
    let quantile = |q: f64| {
        let h = (m.n - 1) as f64 * q;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        let a = value(lo);
        let b = if hi == lo { a } else { value(hi) };
        a + (h - lo as f64) * (b - a)
    };
    Some(NumberStats {
        n: m.n as u64,
        sum: m.sum,
        mean: round(m.sum / m.n as f64, 4),
        median: quantile(0.5),
        q1: quantile(0.25),
        q3: quantile(0.75),
        min: (!rules.publish).then_some(m.min),
        max: (!rules.publish).then_some(m.max),
    })
}

/// Turns counts per value into counts below each value: `below[j]` = values under `min + j`.
fn cumulate(counts: &mut [u64]) {
    let mut total = 0;
    for c in counts.iter_mut() {
        let here = *c;
        *c = total;
        total += here;
    }
}

fn numbers(item: &mut Item, values: &[f64], segs: &[Segmentation], rules: &Rules) {
    let mut overall = Moments::default();
    for &v in values.iter().filter(|v| !v.is_nan()) {
        overall.add(v);
    }
    item.n = rules.one(overall.n as u64);
    if !overall.countable() {
        return numbers_selected(item, values, segs, rules);
    }
    // Whole numbers in a narrow range (the usual survey number): counted per value straight
    // from the column, overall and per segment, without copying a million values around.
    let (min, width) = (overall.min, (overall.max - overall.min) as usize + 1);
    let mut counts = vec![0u64; width + 1];
    for &v in values.iter().filter(|v| !v.is_nan()) {
        counts[(v - min) as usize + 1] += 1;
    }
    cumulate(&mut counts[1..]);
    item.stats = summary_counted(&overall, min, &counts[1..], rules);
    for seg in segs {
        let mut by = Ordered::default();
        // Index = segment code; 0 = in no segment.
        let mut moments = vec![Moments::default(); seg.segments.len() + 1];
        let mut per_value = vec![0u64; (seg.segments.len() + 1) * (width + 1)];
        for (&v, &s) in values.iter().zip(seg.codes) {
            if !v.is_nan() {
                moments[s as usize].add(v);
                per_value[s as usize * (width + 1) + (v - min) as usize + 1] += 1;
            }
        }
        let answered: Vec<u64> = moments[1..].iter().map(|m| m.n as u64).collect();
        let shown_here = number_segments(rules, &seg.shown, &answered, overall.n as u64);
        for (k, segment) in seg.segments.iter().enumerate() {
            let m = &moments[k + 1];
            let below = &mut per_value[(k + 1) * (width + 1)..(k + 2) * (width + 1)];
            cumulate(&mut below[1..]);
            let cell = if shown_here[k] {
                SegmentCell {
                    n: rules.one(m.n as u64),
                    counts: Ordered::default(),
                    percent: Ordered::default(),
                    stats: summary_counted(m, min, &below[1..], rules),
                }
            } else {
                SegmentCell { n: None, counts: Ordered::default(), percent: Ordered::default(), stats: None }
            };
            by.insert(*segment, cell);
        }
        item.by.insert(seg.name, by);
    }
}

/// The segments whose row of a select table may be shown: the segment is shown at all, its
/// row is whole (no small count that column totals could give away), and what the shown rows
/// leave of every column and of the total is 0 or at least `min_cell`.
fn table_segments(
    rules: &Rules,
    shown: &[bool],
    rows: &[Vec<u64>],
    row_n: &[u64],
    overall: &[u64],
    n: u64,
) -> Vec<bool> {
    let whole: Vec<bool> =
        (0..shown.len()).map(|k| shown[k] && rules.whole_row(&rows[k]) && rules.one(row_n[k]).is_some()).collect();
    let columns: Vec<Vec<u64>> = (0..overall.len()).map(|c| rows.iter().map(|r| r[c]).collect()).collect();
    let mut counts: Vec<(&[u64], u64)> = vec![(row_n, n)];
    counts.extend(columns.iter().zip(overall).map(|(col, &total)| (col.as_slice(), total)));
    rules.segments(&whole, &counts)
}

/// The segments whose number summary may be shown: enough answers in the segment, and what
/// the shown segments leave of all the answers is 0 or at least `min_cell` (sums and means
/// are additive).
fn number_segments(rules: &Rules, shown: &[bool], answered: &[u64], total: u64) -> Vec<bool> {
    let enough: Vec<bool> = (0..shown.len()).map(|k| shown[k] && rules.one(answered[k]).is_some()).collect();
    rules.segments(&enough, &[(answered, total)])
}

/// Number summaries for numbers that are not all whole or spread too wide to count.
fn numbers_selected(item: &mut Item, values: &[f64], segs: &[Segmentation], rules: &Rules) {
    let mut answered: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    item.stats = summary(&mut answered, rules);
    for seg in segs {
        let mut by = Ordered::default();
        let mut groups: Vec<Vec<f64>> = vec![Vec::new(); seg.segments.len()];
        for (&v, &s) in values.iter().zip(seg.codes) {
            if s > 0 && !v.is_nan() {
                groups[s as usize - 1].push(v);
            }
        }
        let sizes: Vec<u64> = groups.iter().map(|g| g.len() as u64).collect();
        let shown_here = number_segments(rules, &seg.shown, &sizes, answered.len() as u64);
        for (k, (segment, within)) in seg.segments.iter().zip(groups.iter_mut()).enumerate() {
            let n = within.len() as u64;
            let cell = if shown_here[k] {
                SegmentCell {
                    n: rules.one(n),
                    counts: Ordered::default(),
                    percent: Ordered::default(),
                    stats: summary(within, rules),
                }
            } else {
                SegmentCell { n: None, counts: Ordered::default(), percent: Ordered::default(), stats: None }
            };
            by.insert(*segment, cell);
        }
        item.by.insert(seg.name, by);
    }
}

/// Codes free text by the form's codebook: a response falls in every category one of whose
/// keywords it contains, unless a manual code overrides it. Answers matching nothing are
/// counted as `uncoded`. `answered`: the answered responses, by index; returns their number.
fn code_text<'t>(
    form: &Form,
    item: &mut Item,
    q: usize,
    answered: impl Iterator<Item = (usize, &'t str)>,
    rules: &Rules,
    options: &Options,
) -> u64 {
    // The same words come back again and again in free text ("特になし", a common complaint):
    // each distinct answer is counted, then matched once, up to a bound on the memory this
    // takes (answers beyond it are matched one by one).
    code_text_remembering(form, item, q, answered, rules, options, 1 << 16)
}

/// [`code_text`], remembering at most `remembered` distinct answers.
fn code_text_remembering<'t>(
    form: &Form,
    item: &mut Item,
    q: usize,
    answered: impl Iterator<Item = (usize, &'t str)>,
    rules: &Rules,
    options: &Options,
    remembered: usize,
) -> u64 {
    let rows: Vec<_> = form.codebook.iter().filter(|r| r.question == item.name).collect();
    let manual: std::collections::HashMap<usize, &Vec<String>> = options
        .manual_codes
        .iter()
        .filter(|m| m.question == form.questions[q].name)
        .map(|m| (m.response, &m.categories))
        .collect();
    // One matcher per category: any of its keywords (literal text, not patterns).
    let matchers: Vec<Option<regex::Regex>> = rows
        .iter()
        .map(|r| {
            let alternatives: Vec<String> = r.keywords.iter().map(|k| regex::escape(k)).collect();
            (!alternatives.is_empty()).then(|| regex::Regex::new(&alternatives.join("|")).ok()).flatten()
        })
        .collect();
    let mut counts = vec![0u64; rows.len() + 1];
    let mut add = |hits: &[bool], times: u64| {
        for (k, _) in hits.iter().enumerate().filter(|(_, hit)| **hit) {
            counts[k] += times;
        }
        if !hits.contains(&true) {
            counts[rows.len()] += times;
        }
    };
    let hits_of = |answer: &str| -> Vec<bool> {
        matchers.iter().map(|m| m.as_ref().is_some_and(|m| m.is_match(answer))).collect()
    };
    let mut distinct: mamori_form::fasthash::FnvMap<&str, u64> = Default::default();
    let mut n = 0;
    for (i, answer) in answered {
        n += 1;
        if let Some(categories) = manual.get(&i) {
            add(&rows.iter().map(|row| categories.contains(&row.category)).collect::<Vec<bool>>(), 1);
        } else if let Some(times) = distinct.get_mut(answer) {
            *times += 1;
        } else if distinct.len() < remembered {
            distinct.insert(answer, 1);
        } else {
            add(&hits_of(answer), 1);
        }
    }
    for (answer, times) in distinct {
        add(&hits_of(answer), times);
    }
    if rows.is_empty() {
        return n;
    }
    let mut names: Vec<&str> = rows.iter().map(|r| r.category.as_str()).collect();
    names.push("uncoded");
    let shown: Vec<Option<u64>> = counts.iter().map(|&c| rules.one(c)).collect();
    item.coded = counted(&names, &shown);
    for row in &rows {
        item.category_labels
            .insert(&row.category, form.text(&row.label, &options.language).unwrap_or(&row.category).to_string());
    }
    item.category_labels
        .insert("uncoded", if options.language.contains("(en)") { "Not coded" } else { "該当なし" }.to_string());
    n
}

/// (numerator, denominator, respondents) over respondents `0..n`, overall and per segment of
/// each segmentation (index = code; 0 = in no segment), each summed in row order, from each
/// respondent's contribution (`None`: does not count).
type Sums = (f64, f64, u64);

fn sums(n: usize, segs: &[Segmentation], contribution: impl Fn(usize) -> Option<(f64, f64)>) -> (Sums, Vec<Vec<Sums>>) {
    let add = |sums: &mut Sums, (a, b): (f64, f64)| {
        sums.0 += a;
        sums.1 += b;
        sums.2 += 1;
    };
    let mut all = (0.0, 0.0, 0u64);
    let mut per_segment: Vec<Vec<Sums>> = segs.iter().map(|s| vec![(0.0, 0.0, 0); s.segments.len() + 1]).collect();
    for i in 0..n {
        if let Some(part) = contribution(i) {
            add(&mut all, part);
            for (seg, sums) in segs.iter().zip(per_segment.iter_mut()) {
                add(&mut sums[seg.codes[i] as usize], part);
            }
        }
    }
    (all, per_segment)
}

/// The form's `share` and `ratio_of_sums` indicators, overall and by segment.
pub(crate) fn indicators(
    form: &Form,
    responses: &Responses,
    segs: &[Segmentation],
    rules: &Rules,
    lang: &str,
) -> Vec<Indicator> {
    use mamori_form::model::ReportKind;
    let index = |name: &Option<String>| name.as_ref().and_then(|n| form.questions.iter().position(|q| &q.name == n));
    let mut out = Vec::new();
    for row in &form.report {
        // (numerator, denominator) contributed by respondent i, or None when it does not count;
        // each kind of column summed by its own loop (a call per respondent through a pointer
        // would cost more than the sums).
        let n = responses.len();
        let (all, per_segment) = match row.kind {
            ReportKind::Segment => continue,
            ReportKind::Share => {
                let Some(q) = index(&row.question) else { continue };
                let question = &form.questions[q];
                let mask: u64 = question
                    .choices
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| row.choices.contains(&c.name))
                    .fold(0, |m, (k, _)| m | (1 << k));
                match &responses.columns[q] {
                    Column::Choice(codes) => sums(n, segs, |i| {
                        let c = codes[i];
                        (c > 0).then(|| (f64::from(u8::from(mask & (1 << (c - 1)) != 0)), 1.0))
                    }),
                    Column::Multi(bits) => {
                        sums(n, segs, |i| (bits[i] != 0).then(|| (f64::from(u8::from(bits[i] & mask != 0)), 1.0)))
                    }
                    _ => continue,
                }
            }
            ReportKind::RatioOfSums => {
                let (Some(a), Some(b)) = (index(&row.numerator), index(&row.denominator)) else { continue };
                let (Column::Number(num), Column::Number(den)) = (&responses.columns[a], &responses.columns[b]) else {
                    continue;
                };
                sums(n, segs, |i| (!num[i].is_nan() && !den[i].is_nan()).then(|| (num[i], den[i])))
            }
        };
        let cell = |(num, den, count): (f64, f64, u64)| {
            // A share shows how many were counted and, by difference, how many were not: both
            // must be publishable.
            let shown = rules.one(count).is_some()
                && (row.kind != ReportKind::Share
                    || (rules.one(num as u64).is_some() && rules.one(count - num as u64).is_some()));
            let value = (den > 0.0 && shown).then(|| round(num / den, 4));
            IndicatorCell {
                value,
                percent: value.and_then(|_| percent(num, den)),
                numerator: shown.then_some(num),
                denominator: shown.then_some(den),
            }
        };
        let overall = cell(all);
        let mut by = Ordered::default();
        for (seg, sums) in segs.iter().zip(&per_segment) {
            // Numerators and denominators add up across segments: what the shown segments leave
            // of the overall ones must not be a few companies' (for a share, neither the
            // respondents counted nor the others).
            let count: Vec<u64> = sums[1..].iter().map(|s| s.2).collect();
            let yes: Vec<u64> = sums[1..].iter().map(|s| s.0 as u64).collect();
            let no: Vec<u64> = count.iter().zip(&yes).map(|(c, y)| c.saturating_sub(*y)).collect();
            // A segment the cell rule would withhold anyway counts as withheld before the
            // residuals are checked: otherwise the residual check assumes it shown, passes, and
            // a neighbour's figures give it away (a share of 0 of 3 in b, with the overall,
            // gave a's 1 "no").
            let enough: Vec<bool> = (0..seg.segments.len())
                .map(|k| {
                    seg.shown[k]
                        && rules.one(count[k]).is_some()
                        && (row.kind != ReportKind::Share
                            || (rules.one(yes[k]).is_some() && rules.one(no[k]).is_some()))
                })
                .collect();
            let mut parts: Vec<(&[u64], u64)> = vec![(&count, all.2)];
            if row.kind == ReportKind::Share {
                parts.push((&yes, all.0 as u64));
                parts.push((&no, all.2.saturating_sub(all.0 as u64)));
            }
            let shown_here = rules.segments(&enough, &parts);
            let mut cells = Ordered::default();
            for (k, segment) in seg.segments.iter().enumerate() {
                let c = if shown_here[k] {
                    cell(sums[k + 1])
                } else {
                    IndicatorCell { value: None, percent: None, numerator: None, denominator: None }
                };
                cells.insert(*segment, c);
            }
            by.insert(seg.name, cells);
        }
        out.push(Indicator {
            name: row.name.clone(),
            label: form.text(&row.label, lang).unwrap_or(&row.name).to_string(),
            kind: match row.kind {
                ReportKind::Share => "share",
                _ => "ratio_of_sums",
            }
            .into(),
            value: overall.value,
            percent: overall.percent,
            numerator: overall.numerator,
            denominator: overall.denominator,
            by,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::OrderStatistics;

    fn by_sorting(values: &[f64], k: usize) -> f64 {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        sorted[k]
    }

    proptest::proptest! {
        /// Counted (whole numbers, narrow range) and selected order statistics are the k-th
        /// value of the sorted numbers.
        #[test]
        fn order_statistics_are_the_sorted_values(
            values in proptest::collection::vec(-50i64..200, 1..300),
            wide in proptest::bool::ANY,
            fraction in proptest::bool::ANY,
            k in 0usize..300,
        ) {
            let mut values: Vec<f64> = values.into_iter().map(|v| v as f64).collect();
            if wide {
                values.push(1e9);
            }
            if fraction {
                values[0] += 0.5;
            }
            let k = k % values.len();
            let expected = by_sorting(&values, k);
            let (min, max) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
            let mut copy = values.clone();
            let mut order = OrderStatistics::new(&mut copy, min, max);
            proptest::prop_assert_eq!(matches!(order, OrderStatistics::Counted { .. }), !wide && !fraction);
            proptest::prop_assert_eq!(order.get(k), expected);
        }
    }
}

#[cfg(test)]
mod whole_tests {
    #[test]
    fn is_whole_is_fract_zero() {
        let samples = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            1e-300,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            9.3e18,
            1e300,
            -1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            2.0f64.powi(63),
            123456.000001,
        ];
        for v in samples {
            assert_eq!(super::is_whole(v), v.fract() == 0.0, "{v}");
        }
    }
}

#[cfg(test)]
mod text_tests {
    use super::code_text_remembering;
    use crate::disclosure::Rules;
    use crate::{Item, ManualCode, Options};
    use mamori_dataset::{ReadOptions, read_responses};
    use std::path::Path;

    /// Remembering few distinct answers (most then matched one by one) or many gives the same
    /// counts, with manual codes mixed in.
    #[test]
    fn coding_counts_do_not_depend_on_how_many_answers_are_remembered() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let form = mamori_form::read_file(&root.join("questionnaires/mdcs-manufacturer-2024.xlsx")).form.unwrap();
        let bytes = std::fs::read(root.join("fixtures/mdcs-2024-441.csv")).unwrap();
        let responses = read_responses(&form, "f.csv", &bytes, &ReadOptions::default()).unwrap().responses;
        let q = form.questions.iter().position(|q| q.name == "challenges_text").unwrap();
        let mamori_dataset::Column::Text(text) = &responses.columns[q] else { panic!("a text column") };
        let mut options = Options::for_form(&form);
        let first = text.iter().position(|t| !t.is_empty()).unwrap();
        options.manual_codes = vec![ManualCode {
            response: first,
            question: "challenges_text".into(),
            categories: vec!["experts".into()],
        }];
        let rules = Rules { publish: false, min_cell: 5 };
        let coded = |remembered: usize| {
            let mut item = Item { name: "challenges_text".into(), ..Item::default() };
            let answered = text.iter().enumerate().filter(|(_, t)| !t.is_empty());
            let n = code_text_remembering(&form, &mut item, q, answered, &rules, &options, remembered);
            (n, item.coded)
        };
        let (n, all) = coded(1 << 16);
        assert!(n > 100, "{n} answered");
        assert!(all.iter().map(|(_, c)| c.unwrap()).sum::<u64>() >= n);
        for remembered in [0, 1, 3, 50] {
            assert_eq!(coded(remembered), (n, all.clone()), "remembering {remembered}");
        }
    }
}

#[cfg(test)]
mod number_tests {
    use super::{numbers, numbers_selected};
    use crate::disclosure::Rules;
    use crate::{Item, Segmentation};

    proptest::proptest! {
        /// Whole numbers counted straight from the column give the summaries (overall and per
        /// segment, published or not) that selecting from copies gives.
        #[test]
        fn counted_and_selected_summaries_agree(
            rows in proptest::collection::vec((proptest::option::of(-20i64..60), 0u16..4), 1..400),
            publish in proptest::bool::ANY,
        ) {
            let values: Vec<f64> = rows.iter().map(|(v, _)| v.map_or(f64::NAN, |v| v as f64)).collect();
            let codes: Vec<u16> = rows.iter().map(|(_, s)| *s).collect();
            let seg = Segmentation {
                question: 0,
                name: "seg",
                codes: &codes,
                segments: vec!["a", "b", "c"],
                sizes: vec![0; 3],
                shown: vec![true, false, true],
            };
            let rules = Rules { publish, min_cell: 5 };
            let (mut counted, mut selected) = (Item::default(), Item::default());
            numbers(&mut counted, &values, std::slice::from_ref(&seg), &rules);
            counted.n = None;
            numbers_selected(&mut selected, &values, std::slice::from_ref(&seg), &rules);
            proptest::prop_assert_eq!(
                serde_json::to_string(&counted).unwrap(),
                serde_json::to_string(&selected).unwrap()
            );
        }
    }
}

#[cfg(test)]
mod rank_tests {
    use crate::{Options, analyse};
    use mamori_dataset::{ReadOptions, read_responses};

    /// Mean places and first choices worked by hand: four respondents rank three needs, one
    /// leaves it unanswered.
    #[test]
    fn a_ranking_is_reported_as_mean_rank_and_first_choice_share() {
        let md = "| survey |\n| | type | name | label |\n| | rank needs | order | What matters most |\n\
                  | choices |\n| | list_name | name | label |\n| | needs | sbom | SBOM |\n| | needs | psirt | PSIRT |\n| | needs | training | Training |\n";
        let form = mamori_form::read_bytes("f.md", md.as_bytes()).form.unwrap();
        let csv = "order\nsbom psirt training\nsbom training psirt\npsirt sbom training\ntraining sbom psirt\n\n";
        let responses = read_responses(&form, "f.csv", csv.as_bytes(), &ReadOptions::default()).unwrap().responses;
        let analysis = analyse(&form, &responses, &Options::for_form(&form)).unwrap();
        let item = analysis.items.iter().find(|i| i.name == "order").unwrap();
        assert_eq!(item.kind, "rank");
        assert_eq!(item.n, Some(4));
        // sbom: places 1, 1, 2, 2 → 1.5; psirt: 2, 3, 1, 3 → 2.25; training: 3, 2, 3, 1 → 2.25.
        let mean = |c: &str| item.mean_rank.get(c).copied().flatten();
        assert_eq!((mean("sbom"), mean("psirt"), mean("training")), (Some(1.5), Some(2.25), Some(2.25)));
        // First places: sbom 2 of 4, psirt 1, training 1.
        let first = |c: &str| (item.counts.get(c).copied().flatten(), item.percent.get(c).copied().flatten());
        assert_eq!(first("sbom"), (Some(2), Some(50.0)));
        assert_eq!(first("psirt"), (Some(1), Some(25.0)));
        // Published with a threshold above the counts, the mean places go with n.
        let mut options = Options::for_form(&form);
        (options.publish, options.min_cell) = (true, 5);
        let published = analyse(&form, &responses, &options).unwrap();
        let item = published.items.iter().find(|i| i.name == "order").unwrap();
        assert_eq!(item.n, None);
        assert!(item.mean_rank.iter().all(|(_, m)| m.is_none()), "{:?}", item.mean_rank);
    }
}
