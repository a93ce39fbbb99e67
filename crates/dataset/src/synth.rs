//! Synthetic responses for a form, driven by target shares: the demo data of `mamori serve
//! --demo` and the committed fixture that reproduces the 2024 survey's published figures.
//!
//! Targets are quotas, not probabilities: a share of 193/441 gives exactly 193 answers out of
//! 441, so a fixture can match published percentages to the report's rounding. Counts are
//! allocated by largest remainder, then dealt to randomly shuffled respondents.
//!
//! Targets file (CSV), one row per target:
//!
//! | column   | meaning |
//! |----------|---------|
//! | question | the question's name |
//! | segment  | empty for all respondents, or `question=choice` (e.g. `license_type=mah3`) |
//! | choice   | select_one: the choice; select_multiple: the choice, or `*` for mentions per respondent |
//! | share    | a fraction `a/b` or a decimal: of the respondents the question applies to (select_one), of all mentions (select_multiple) |
//! | min, max | integer: uniform whole numbers in `min..=max` |
//! | of       | integer: the sum of this question is `share` × the sum of question `of`, each answer ≤ its `of` |
//! | values   | text: answers to draw from, separated by `|`; `share` is how many answer (default all); `{n}` is the response number |
//!
//! A select_one with segment rows for some segments and an overall row gets the segment
//! quotas there, and the rest of the overall quota spread over the other segments in
//! proportion to their size.

use mamori_form::expr::Env;
use mamori_form::{Form, QuestionType};
use std::collections::HashMap;

/// A small seedable generator (SplitMix64), so a seed always gives the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Target {
    question: String,
    segment: Option<(String, String)>,
    choice: String,
    share: Option<f64>,
    min: Option<i64>,
    max: Option<i64>,
    of: Option<String>,
    values: Vec<String>,
}

fn parse_share(text: &str) -> Option<f64> {
    match text.split_once('/') {
        Some((a, b)) => Some(a.trim().parse::<f64>().ok()? / b.trim().parse::<f64>().ok()?),
        None => text.trim().parse().ok(),
    }
}

/// Reads a targets file; errors name the row and column.
fn read_targets(file: &str, text: &str, form: &Form) -> Result<Vec<Target>, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> =
        reader.headers().map_err(|e| format!("{file}: {e}"))?.iter().map(|h| h.trim().to_lowercase()).collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let mut targets = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| format!("{file}:{row}: {e}"))?;
        let get = |name: &str| col(name).and_then(|c| record.get(c)).map(str::trim).unwrap_or("");
        let question = get("question").to_string();
        if question.is_empty() {
            continue;
        }
        if form.question(&question).is_none() {
            return Err(format!("{file}:{row}:question: '{question}' is not a question of form '{}'", form.form_id));
        }
        let segment = match get("segment") {
            "" => None,
            s => Some(
                s.split_once('=')
                    .map(|(q, c)| (q.trim().to_string(), c.trim().to_string()))
                    .ok_or_else(|| format!("{file}:{row}:segment: write question=choice, e.g. license_type=mah3"))?,
            ),
        };
        let number = |name: &str| -> Result<Option<i64>, String> {
            match get(name) {
                "" => Ok(None),
                v => v.parse().map(Some).map_err(|_| format!("{file}:{row}:{name}: '{v}' is not a whole number")),
            }
        };
        let share = match get("share") {
            "" => None,
            s => Some(
                parse_share(s).ok_or_else(|| format!("{file}:{row}:share: '{s}' is not a number or a fraction a/b"))?,
            ),
        };
        targets.push(Target {
            question,
            segment,
            choice: get("choice").to_string(),
            share,
            min: number("min")?,
            max: number("max")?,
            of: Some(get("of").to_string()).filter(|s| !s.is_empty()),
            values: get("values").split('|').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect(),
        });
    }
    Ok(targets)
}

/// Largest-remainder rounding of `total` × shares (shares need not sum to 1; they are scaled).
fn allocate(total: usize, shares: &[f64]) -> Vec<usize> {
    let sum: f64 = shares.iter().sum();
    if sum <= 0.0 || total == 0 {
        return vec![0; shares.len()];
    }
    let exact: Vec<f64> = shares.iter().map(|s| s / sum * total as f64).collect();
    let mut counts: Vec<usize> = exact.iter().map(|x| (x + 1e-9).floor() as usize).collect();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - counts[b] as f64).total_cmp(&(exact[a] - counts[a] as f64)).then(a.cmp(&b)));
    let missing = total.saturating_sub(counts.iter().sum());
    for &i in order.iter().take(missing) {
        counts[i] += 1;
    }
    counts
}

struct RowEnv<'a> {
    index: &'a HashMap<&'a str, usize>,
    row: &'a [String],
}

impl Env for RowEnv<'_> {
    fn value(&self, name: &str) -> Option<&str> {
        self.index.get(name).map(|&i| self.row[i].as_str())
    }
}

/// Generates `n` responses to `form` from the targets file's text, as CSV in the Kobo export
/// convention (`_id`, one column per question, `_submitted_at`).
pub fn generate(form: &Form, targets_file: &str, targets_text: &str, n: usize, seed: u64) -> Result<String, String> {
    let targets = read_targets(targets_file, targets_text, form)?;
    let mut rng = Rng(seed ^ 0x6D61_6D6F_7269);
    let index: HashMap<&str, usize> = form.questions.iter().enumerate().map(|(i, q)| (q.name.as_str(), i)).collect();
    let mut rows: Vec<Vec<String>> = vec![vec![String::new(); form.questions.len()]; n];
    let checker = mamori_form::answers::RowChecker::new(form, &form.default_language);
    for (q, question) in form.questions.iter().enumerate() {
        let own: Vec<&Target> = targets.iter().filter(|t| t.question == question.name).collect();
        // Who is asked: everyone for whom the question and its groups apply, given the answers so far.
        let asked: Vec<usize> = (0..n)
            .filter(|&i| {
                let env = RowEnv { index: &index, row: &rows[i] };
                let holds =
                    |e: &Option<mamori_form::Expression>| e.as_ref().is_none_or(|e| e.eval_bool(&env).unwrap_or(true));
                question.group_indices.iter().all(|&g| holds(&form.groups[g].relevant)) && holds(&question.relevant)
            })
            .collect();
        if asked.is_empty() || !question.kind.is_asked() || question.kind == QuestionType::Note {
            continue;
        }
        match question.kind {
            QuestionType::SelectOne => select_one(form, q, &own, &asked, &index, &mut rows, &mut rng)?,
            QuestionType::SelectMultiple => select_multiple(form, q, &own, &asked, &mut rows, &mut rng)?,
            QuestionType::Range if question.range.is_some() => {
                // A point of the scale, uniformly.
                let spec = question.range.as_ref().expect("checked just above");
                let steps = ((spec.end - spec.start) / spec.step).round().max(0.0) as usize;
                for &i in &asked {
                    rows[i][q] = spec.format(spec.start + spec.step * rng.below(steps + 1) as f64);
                }
            }
            QuestionType::Integer | QuestionType::Decimal | QuestionType::Range => {
                integers(form, q, &own, &asked, &index, &mut rows, &mut rng)?
            }
            QuestionType::Rank => {
                // Every choice once, in an order drawn at random.
                let mut names: Vec<&str> = question.choices.iter().map(|c| c.name.as_str()).collect();
                for &i in &asked {
                    rng.shuffle(&mut names);
                    rows[i][q] = names.join(" ");
                }
            }
            QuestionType::File => {
                // A document's name, from three in four respondents (every one when required).
                let required = matches!(question.required, mamori_form::Required::Yes);
                for &i in &asked {
                    if required || rng.below(4) != 0 {
                        rows[i][q] = format!("{}-{:04}.pdf", question.name, i + 1);
                    }
                }
            }
            _ => text(q, &own, &asked, &mut rows, &mut rng),
        }
        if question.kind.is_select() && question.choice_filter.is_some() {
            offered_only(form, &checker, q, &asked, &mut rows, &mut rng);
        }
    }
    let mut out = Vec::new();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        let mut header = vec!["_id".to_string()];
        header.extend(form.questions.iter().map(|q| q.name.clone()));
        header.push("_submitted_at".into());
        writer.write_record(&header).map_err(|e| e.to_string())?;
        // Submissions spread over the 2024 campaign's six weeks (2024-10-07 to 2024-11-15).
        let start = mamori_form::dates::days_from_civil(2024, 10, 7);
        for (i, row) in rows.iter().enumerate() {
            let day = mamori_form::dates::format_date(start + rng.below(40) as i64);
            let minute = rng.below(9 * 60);
            let mut record = vec![format!("demo-{:04}", i + 1)];
            record.extend(row.iter().cloned());
            record.push(format!("{day}T{:02}:{:02}:00+09:00", 9 + minute / 60, minute % 60));
            writer.write_record(&record).map_err(|e| e.to_string())?;
        }
        writer.flush().map_err(|e| e.to_string())?;
    }
    String::from_utf8(out).map_err(|e| e.to_string())
}

fn segment_of(t: &Target) -> Option<(&str, &str)> {
    t.segment.as_ref().map(|(q, c)| (q.as_str(), c.as_str()))
}

fn select_one(
    form: &Form,
    q: usize,
    own: &[&Target],
    asked: &[usize],
    index: &HashMap<&str, usize>,
    rows: &mut [Vec<String>],
    rng: &mut Rng,
) -> Result<(), String> {
    let question = &form.questions[q];
    let choices: Vec<&str> = question.choices.iter().map(|c| c.name.as_str()).collect();
    let shares_for = |segment: Option<(&str, &str)>| -> Option<Vec<f64>> {
        let rows: Vec<&&Target> = own.iter().filter(|t| segment_of(t) == segment).collect();
        (!rows.is_empty()).then(|| {
            choices.iter().map(|c| rows.iter().filter(|t| t.choice == *c).filter_map(|t| t.share).sum()).collect()
        })
    };
    let overall = shares_for(None).unwrap_or_else(|| vec![1.0; choices.len()]);
    // Group the respondents by the segment question named in this question's segment rows.
    let segment_question = own.iter().find_map(|t| t.segment.as_ref().map(|(sq, _)| sq.clone()));
    let groups: Vec<(Option<String>, Vec<usize>)> = match &segment_question {
        None => vec![(None, asked.to_vec())],
        Some(sq) => {
            let &si = index.get(sq.as_str()).ok_or_else(|| format!("segment question '{sq}' is not in the form"))?;
            let mut by: Vec<(Option<String>, Vec<usize>)> = Vec::new();
            for &i in asked {
                let value = rows[i][si].clone();
                match by.iter_mut().find(|(v, _)| v.as_deref() == Some(value.as_str())) {
                    Some((_, members)) => members.push(i),
                    None => by.push((Some(value), vec![i])),
                }
            }
            by.sort_by(|a, b| a.0.cmp(&b.0));
            by
        }
    };
    // Overall quota first; segments with their own rows take theirs; the rest is spread.
    let mut remaining = allocate(asked.len(), &overall);
    let mut plan: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
    let mut open: Vec<Vec<usize>> = Vec::new();
    for (value, members) in groups {
        let explicit = match (&segment_question, &value) {
            (Some(sq), Some(v)) => shares_for(Some((sq.as_str(), v.as_str()))),
            _ => None,
        };
        match explicit {
            Some(shares) => {
                let quota = allocate(members.len(), &shares);
                for (r, q) in remaining.iter_mut().zip(&quota) {
                    *r = r.saturating_sub(*q);
                }
                plan.push((members, quota));
            }
            None => open.push(members),
        }
    }
    let mut left: usize = open.iter().map(Vec::len).sum();
    for members in open {
        let shares: Vec<f64> = remaining.iter().map(|&r| r as f64).collect();
        let quota = if members.len() == left { remaining.clone() } else { allocate(members.len(), &shares) };
        for (r, q) in remaining.iter_mut().zip(&quota) {
            *r = r.saturating_sub(*q);
        }
        left -= members.len();
        plan.push((members, quota));
    }
    for (mut members, quota) in plan {
        rng.shuffle(&mut members);
        let mut next = members.into_iter();
        for (k, &count) in quota.iter().enumerate() {
            for i in next.by_ref().take(count) {
                rows[i][q] = choices[k].to_string();
            }
        }
        // Rounding can leave a member without an answer: give it the first choice with quota.
        for i in next {
            rows[i][q] = choices[quota.iter().position(|&c| c > 0).unwrap_or(0)].to_string();
        }
    }
    Ok(())
}

fn select_multiple(
    form: &Form,
    q: usize,
    own: &[&Target],
    asked: &[usize],
    rows: &mut [Vec<String>],
    rng: &mut Rng,
) -> Result<(), String> {
    let question = &form.questions[q];
    let choices: Vec<&str> = question.choices.iter().map(|c| c.name.as_str()).collect();
    let per_respondent = own.iter().find(|t| t.choice == "*").and_then(|t| t.share).unwrap_or(1.5).max(1.0);
    let shares: Vec<f64> =
        choices.iter().map(|c| own.iter().filter(|t| t.choice == *c).filter_map(|t| t.share).sum()).collect();
    let shares = if shares.iter().sum::<f64>() > 0.0 { shares } else { vec![1.0; choices.len()] };
    let mentions = ((asked.len() as f64 * per_respondent).round() as usize).min(asked.len() * choices.len());
    let quota = allocate(mentions, &shares);
    if quota.iter().any(|&c| c > asked.len()) {
        return Err(format!(
            "{}: a choice has more mentions than respondents; lower `*` or spread the shares",
            question.name
        ));
    }
    let mut chosen: Vec<Vec<bool>> = vec![vec![false; choices.len()]; asked.len()];
    // Deal each choice's mentions to distinct respondents, those with fewest choices first,
    // so everyone asked names at least one.
    let mut order: Vec<usize> = (0..choices.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(quota[k]));
    for k in order {
        let mut people: Vec<usize> = (0..asked.len()).collect();
        rng.shuffle(&mut people);
        people.sort_by_key(|&p| chosen[p].iter().filter(|&&c| c).count());
        for p in people.into_iter().take(quota[k]) {
            chosen[p][k] = true;
        }
    }
    for (p, &i) in asked.iter().enumerate() {
        rows[i][q] = choices.iter().zip(&chosen[p]).filter(|(_, c)| **c).map(|(c, _)| *c).collect::<Vec<_>>().join(" ");
    }
    Ok(())
}

fn integers(
    form: &Form,
    q: usize,
    own: &[&Target],
    asked: &[usize],
    index: &HashMap<&str, usize>,
    rows: &mut [Vec<String>],
    rng: &mut Rng,
) -> Result<(), String> {
    let question = &form.questions[q];
    if let Some(t) = own.iter().find(|t| t.of.is_some()) {
        let of = t.of.as_deref().unwrap_or("");
        let &oi = index.get(of).ok_or_else(|| format!("{}: 'of' names unknown question '{of}'", question.name))?;
        let caps: Vec<i64> = asked.iter().map(|&i| rows[i][oi].parse().unwrap_or(0)).collect();
        let target = (caps.iter().sum::<i64>() as f64 * t.share.unwrap_or(0.5)).round() as i64;
        // Each company its own rate, then nudged one unit at a time to the exact total.
        let mut values: Vec<i64> =
            caps.iter().map(|&c| (c as f64 * rng.below(101) as f64 / 100.0).round() as i64).collect();
        let mut total: i64 = values.iter().sum();
        let mut guard = 0;
        while total != target && guard < 10_000_000 {
            let p = rng.below(values.len());
            if total > target && values[p] > 0 {
                values[p] -= 1;
                total -= 1;
            } else if total < target && values[p] < caps[p] {
                values[p] += 1;
                total += 1;
            }
            guard += 1;
        }
        for (&i, v) in asked.iter().zip(values) {
            rows[i][q] = v.to_string();
        }
        return Ok(());
    }
    let (min, max) = own.iter().find_map(|t| Some((t.min?, t.max?))).unwrap_or((0, 10));
    for &i in asked {
        rows[i][q] = (min + rng.below((max - min + 1).max(1) as usize) as i64).to_string();
    }
    Ok(())
}

/// A select with a `choice_filter`: each drawn choice the filter does not offer for the row's
/// earlier answers is drawn again among those it offers (none offered: no answer), so that the
/// generated responses pass the checks.
fn offered_only(
    form: &Form,
    checker: &mamori_form::answers::RowChecker,
    q: usize,
    asked: &[usize],
    rows: &mut [Vec<String>],
    rng: &mut Rng,
) {
    for &i in asked {
        let Some(offered) = checker.offered_choices(q, &rows[i]) else { return };
        let choices = &form.questions[q].choices;
        let open: Vec<&str> = choices.iter().zip(&offered).filter(|(_, o)| **o).map(|(c, _)| c.name.as_str()).collect();
        let is_open = |name: &str| open.contains(&name);
        let kept: Vec<&str> = rows[i][q].split_whitespace().filter(|n| is_open(n)).collect();
        let drawn = rows[i][q].split_whitespace().count();
        rows[i][q] = if kept.len() == drawn {
            continue;
        } else if !kept.is_empty() {
            kept.join(" ")
        } else if open.is_empty() {
            String::new()
        } else {
            open[rng.below(open.len())].to_string()
        };
    }
}

fn text(q: usize, own: &[&Target], asked: &[usize], rows: &mut [Vec<String>], rng: &mut Rng) {
    let Some(t) = own.iter().find(|t| !t.values.is_empty()) else {
        return;
    };
    let answering = ((asked.len() as f64) * t.share.unwrap_or(1.0)).round() as usize;
    let mut who = asked.to_vec();
    rng.shuffle(&mut who);
    for &i in who.iter().take(answering) {
        let value = &t.values[rng.below(t.values.len())];
        rows[i][q] = value.replace("{n}", &format!("{:04}", i + 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_remainder_keeps_the_total() {
        assert_eq!(allocate(441, &[229.0, 106.0, 53.0, 26.0, 27.0]), vec![229, 106, 53, 26, 27]);
        assert_eq!(allocate(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(allocate(0, &[1.0]), vec![0]);
    }
}
