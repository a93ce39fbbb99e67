//! Disclosure control for a published trend (issue 14): the rules of [`crate::disclosure`]
//! applied to both waves and to the change between them.
//!
//! - Each wave's counts go through [`Rules::row`]: a small count is withheld, with its
//!   complement; so is its share, and the change of a choice withheld in either wave.
//! - A panel's moves (improved / unchanged / worse) are counts about a few companies too: shown
//!   only when none is small, and the panel itself only when it counts at least `min_cell`.
//! - A test of change whose independent part (respondents of one wave only) is small is
//!   withheld: it describes those few companies' answers.
//! - A segment is shown only when, in both waves, every count is 0 or at least `min_cell`
//!   (so none can be worked out from the overall counts and the other segments'), and only
//!   while overall less the shown segments leaves no small residual in any count of either
//!   wave or of the panel's moves ([`Rules::segments`]).
//! - An item or number whose wave counts fewer than `min_cell` respondents is withheld whole.
//!
//! p-values are Holm-corrected before anything is withheld, over every test computed, so a
//! published p never looks better for the tests it hides.

use super::{ItemTrend, NumberTrend, Panel, Trend, WaveCounts};
use crate::disclosure::Rules;

/// Withholds what `rules` say may not be published; items withheld whole are listed in
/// `trend.withheld`.
pub fn publish(trend: &mut Trend, rules: Rules) {
    if !rules.publish {
        return;
    }
    trend.published = true;
    trend.min_cell = Some(rules.min_cell);
    let mut withheld = Vec::new();
    for items in [&mut trend.items, &mut trend.indicators] {
        items.retain_mut(|item| {
            let keep = rules.one(item.waves.previous.n).is_some() && rules.one(item.waves.current.n).is_some();
            if keep {
                publish_item(item, rules);
            } else {
                withheld.push(item.name.clone());
            }
            keep
        });
    }
    trend.ratios.retain_mut(|r| {
        let keep = rules.one(r.waves.previous.n).is_some()
            && rules.one(r.waves.current.n).is_some()
            && publish_number(&mut r.per_organisation, rules);
        if !keep {
            withheld.push(r.name.clone());
        }
        keep
    });
    let mut numbers = std::mem::take(&mut trend.numbers);
    numbers.retain_mut(|n| {
        let keep = publish_number(n, rules);
        if !keep {
            withheld.push(n.name.clone());
        }
        keep
    });
    trend.numbers = numbers;
    if let Some(mut score) = trend.score.take() {
        if publish_number(&mut score, rules) {
            trend.score = Some(score);
        } else {
            withheld.push("score".into());
        }
    }
    trend.withheld.extend(withheld);
}

fn publish_item(item: &mut ItemTrend, rules: Rules) {
    // Segments first: which may be shown is decided on the unwithheld counts.
    let by = std::mem::take(&mut item.by);
    for (question, mut segments) in by {
        let values: Vec<String> = segments.keys().cloned().collect();
        let shown: Vec<bool> = values
            .iter()
            .map(|v| {
                let s = &segments[v];
                let (p, c) = (&s.waves.previous, &s.waves.current);
                rules.whole_row(&counts(p))
                    && rules.whole_row(&counts(c))
                    && rules.one(p.n).is_some()
                    && rules.one(c.n).is_some()
            })
            .collect();
        // Every additive count: each choice in each wave, each wave's n, the panel's moves.
        let mut additive: Vec<(Vec<u64>, u64)> = Vec::new();
        for choice in item.waves.previous.counts.keys() {
            for wave in [previous_of as fn(&ItemTrend) -> &WaveCounts, current_of] {
                let per: Vec<u64> = values.iter().map(|v| wave(&segments[v]).counts[choice]).collect();
                additive.push((per, wave(item).counts[choice]));
            }
        }
        for wave in [previous_of as fn(&ItemTrend) -> &WaveCounts, current_of] {
            additive.push((values.iter().map(|v| wave(&segments[v]).n).collect(), wave(item).n));
        }
        let moves = |p: &Option<Panel>| p.as_ref().and_then(|p| Some([p.improved?, p.unchanged?, p.worse?]));
        if let Some(overall) = moves(&item.panel) {
            for k in 0..3 {
                let per = values.iter().map(|v| moves(&segments[v].panel).map_or(0, |m| m[k])).collect();
                additive.push((per, overall[k]));
            }
        }
        let refs: Vec<(&[u64], u64)> = additive.iter().map(|(per, total)| (per.as_slice(), *total)).collect();
        let shown = rules.segments(&shown, &refs);
        for (value, shown) in values.iter().zip(shown) {
            if !shown {
                segments.remove(value);
                item.withheld_segments.push(format!("{question}={value}"));
            }
        }
        for s in segments.values_mut() {
            publish_item(s, rules);
        }
        if !segments.is_empty() {
            item.by.insert(question, segments);
        }
    }
    for wave in [&mut item.waves.previous, &mut item.waves.current] {
        withhold_counts(wave, rules);
    }
    let hidden: Vec<String> =
        item.waves.previous.withheld.iter().chain(&item.waves.current.withheld).cloned().collect();
    item.change.retain(|choice, _| !hidden.contains(choice));
    if item.test.as_ref().is_some_and(|t| t.n_independent.iter().any(|&n| rules.one(n).is_none())) {
        item.test = None;
    }
    publish_panel(&mut item.panel, rules);
}

fn publish_number(n: &mut NumberTrend, rules: Rules) -> bool {
    if rules.one(n.waves.previous.n).is_none() || rules.one(n.waves.current.n).is_none() {
        return false;
    }
    // Segments: shown when both waves count 0 or at least `min_cell` respondents there, and
    // while what the shown ones leave of the overall (respondents of each wave, the panel's
    // moves) is no small group; a mean over a residual of K or more says nothing of one company.
    let by = std::mem::take(&mut n.by);
    for (question, mut segments) in by {
        let values: Vec<String> = segments.keys().cloned().collect();
        let shown: Vec<bool> = values
            .iter()
            .map(|v| {
                rules.one(segments[v].waves.previous.n).is_some() && rules.one(segments[v].waves.current.n).is_some()
            })
            .collect();
        let mut additive: Vec<(Vec<u64>, u64)> = vec![
            (values.iter().map(|v| segments[v].waves.previous.n).collect(), n.waves.previous.n),
            (values.iter().map(|v| segments[v].waves.current.n).collect(), n.waves.current.n),
        ];
        let moves = |p: &Option<Panel>| p.as_ref().and_then(|p| Some([p.improved?, p.unchanged?, p.worse?]));
        if let Some(overall) = moves(&n.panel) {
            for k in 0..3 {
                additive
                    .push((values.iter().map(|v| moves(&segments[v].panel).map_or(0, |m| m[k])).collect(), overall[k]));
            }
        }
        let refs: Vec<(&[u64], u64)> = additive.iter().map(|(per, total)| (per.as_slice(), *total)).collect();
        for (value, shown) in values.iter().zip(rules.segments(&shown, &refs)) {
            if !shown {
                segments.remove(value);
                n.withheld_segments.push(format!("{question}={value}"));
            }
        }
        segments.retain(|_, s| publish_number(s, rules));
        if !segments.is_empty() {
            n.by.insert(question, segments);
        }
    }
    if n.test.as_ref().is_some_and(|t| t.n_independent.iter().any(|&k| rules.one(k).is_none())) {
        n.test = None;
    }
    publish_panel(&mut n.panel, rules);
    true
}

fn publish_panel(panel: &mut Option<Panel>, rules: Rules) {
    let Some(p) = panel else { return };
    if rules.one(p.n).is_none() {
        *panel = None;
        return;
    }
    if let (Some(a), Some(b), Some(c)) = (p.improved, p.unchanged, p.worse)
        && rules.row(&[a, b, c]).iter().any(Option::is_none)
    {
        (p.improved, p.unchanged, p.worse) = (None, None, None);
    }
}

fn previous_of(s: &ItemTrend) -> &WaveCounts {
    &s.waves.previous
}

fn current_of(s: &ItemTrend) -> &WaveCounts {
    &s.waves.current
}

fn counts(w: &WaveCounts) -> Vec<u64> {
    w.counts.values().copied().collect()
}

fn withhold_counts(wave: &mut WaveCounts, rules: Rules) {
    let names: Vec<String> = wave.counts.keys().cloned().collect();
    let shown = rules.row(&counts(wave));
    for (name, shown) in names.iter().zip(shown) {
        if shown.is_none() {
            wave.counts.remove(name);
            wave.percent.remove(name);
            wave.withheld.push(name.clone());
        }
    }
}
