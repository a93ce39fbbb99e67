//! Feedback to one respondent: its readiness scores against its peers, and the gaps to close
//! first, each with the clauses that ask for it and a first step.
//!
//! Scores: an answer's score is its choice's `score`; a group's score is the mean of its scored
//! answers, the overall score the mean of all of them. Unanswered questions and answers without
//! a score (such as "no such products") are left out, not counted as zero.
//!
//! Peers are the other responses of the same campaign, all of them and those of the
//! respondent's own segment (licence class by default). Peer figures are shown only for a peer
//! group of at least `min_peers` responses; below that the feedback says why, so no figure can
//! point at a few companies.

use crate::model::Ordered;
use crate::{AnalysisError, percent};
use mamori_dataset::{Column, Responses};
use mamori_form::{Form, GroupKind};
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct FeedbackOptions {
    /// The segment question; `None` = the first `segment` row of the form's report sheet.
    pub by: Option<String>,
    pub min_peers: u64,
    pub language: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Feedback {
    pub form_id: String,
    pub title: String,
    pub version: String,
    pub language: String,
    pub min_peers: u64,
    /// The respondent's segment: question, choice and label.
    pub segment: Option<SegmentRef>,
    pub overall: Standing,
    /// Top-level group name → standing.
    pub groups: Ordered<Standing>,
    pub group_labels: Ordered<String>,
    pub items: Vec<ItemScore>,
    /// Where the respondent is below the best answer, most commonly done better by its peers first.
    pub gaps: Vec<Gap>,
    /// `segment` when gaps are ranked against the own segment, `all` when the segment is smaller
    /// than `min_peers`.
    pub gap_basis: String,
    /// Against the previous wave ([`score_change`]), when the organisation answered it too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<ScoreChange>,
}

/// The respondent's overall score against its own in the previous wave, and how its peers'
/// scores changed meanwhile (issue 14).
#[derive(Debug, Clone, Serialize)]
pub struct ScoreChange {
    pub previous_score: f64,
    /// Current − previous, on the 0–1 scale.
    pub change: f64,
    pub peers: PeerChange,
}

/// The change of the peers that answered both waves: the own segment's when it has at least
/// `min_peers` of them, else all; withheld below that.
#[derive(Debug, Clone, Serialize)]
pub struct PeerChange {
    /// `segment` or `all`.
    pub basis: String,
    pub peer_n: u64,
    pub median: Option<f64>,
    pub q1: Option<f64>,
    pub q3: Option<f64>,
    /// Share of those peers whose score rose, percent.
    pub improved_percent: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withheld: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SegmentRef {
    pub question: String,
    pub value: String,
    pub label: String,
}

/// A score and where it stands among peers.
#[derive(Debug, Clone, Serialize)]
pub struct Standing {
    /// Mean item score, 0–1; `None` when nothing scored was answered.
    pub score: Option<f64>,
    /// Against all other respondents.
    #[serde(flatten)]
    pub all: PeerFigures,
    /// Against the other respondents of the own segment.
    pub segment: PeerFigures,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeerFigures {
    /// Peers with a score.
    pub peer_n: u64,
    /// Share of peers scoring below (ties count half), percent.
    pub percentile: Option<f64>,
    pub peer_median: Option<f64>,
    pub peer_q1: Option<f64>,
    pub peer_q3: Option<f64>,
    /// Why the figures are withheld, when they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withheld: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemScore {
    pub name: String,
    pub label: String,
    pub group: String,
    /// The answer's choice name ("" when unanswered).
    pub answer: String,
    pub answer_label: String,
    pub score: Option<f64>,
    pub best_score: f64,
    /// Share of peers (own segment, or all when the segment is too small) scoring higher, percent.
    pub peer_share_better: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    pub name: String,
    pub label: String,
    pub answer_label: String,
    pub reference: Option<String>,
    pub guidance: Option<String>,
    /// Share of peers who already do better, percent.
    pub peers_better: Option<f64>,
    pub weight: Option<f64>,
}

struct Scored<'r> {
    q: usize,
    codes: &'r [u16],
    /// Score per choice code (index = code − 1).
    scores: Vec<Option<f64>>,
    best: f64,
    group: Option<usize>,
}

pub fn feedback(
    form: &Form,
    responses: &Responses,
    respondent: usize,
    options: &FeedbackOptions,
) -> Result<Feedback, AnalysisError> {
    if options.min_peers < crate::MIN_THRESHOLD {
        return Err(AnalysisError(format!(
            "the fewest peers shown must be {} or more (was {}): fewer could point at one company",
            crate::MIN_THRESHOLD,
            options.min_peers
        )));
    }
    if respondent >= responses.len() {
        return Err(AnalysisError(format!(
            "there is no response {} (the file has {})",
            respondent + 1,
            responses.len()
        )));
    }
    let lang = options.language.as_str();
    let english = lang.to_lowercase().contains("(en)") || lang.to_lowercase().starts_with("english");
    let scored: Vec<Scored> = form
        .questions
        .iter()
        .enumerate()
        .filter_map(|(q, question)| {
            let Column::Choice(codes) = &responses.columns[q] else { return None };
            let scores: Vec<Option<f64>> = question.choices.iter().map(|c| c.score).collect();
            let best = scores.iter().flatten().copied().max_by(f64::total_cmp)?;
            let group = question.group_indices.first().copied();
            Some(Scored { q, codes, scores, best, group })
        })
        .collect();
    let score_of = |s: &Scored, i: usize| match s.codes[i] {
        0 => None,
        c => s.scores[c as usize - 1],
    };
    // Segment.
    let segment_name = options.by.clone().or_else(|| {
        form.report.iter().find(|r| r.kind == mamori_form::model::ReportKind::Segment).and_then(|r| r.question.clone())
    });
    let mut segment = None;
    let mut in_segment: Vec<bool> = vec![false; responses.len()];
    if let Some(name) = &segment_name {
        let q = form
            .questions
            .iter()
            .position(|q| &q.name == name)
            .ok_or_else(|| AnalysisError(format!("--by {name}: no such question")))?;
        let Column::Choice(codes) = &responses.columns[q] else {
            return Err(AnalysisError(format!(
                "--by {name}: feedback compares within a select_one question's answers"
            )));
        };
        let own = codes[respondent];
        if own > 0 {
            let choice = &form.questions[q].choices[own as usize - 1];
            segment = Some(SegmentRef {
                question: name.clone(),
                value: choice.name.clone(),
                label: form.text(&choice.label, lang).unwrap_or(&choice.name).to_string(),
            });
            for (i, &c) in codes.iter().enumerate() {
                in_segment[i] = c == own && i != respondent;
            }
        }
    }
    let all_peers: Vec<usize> = (0..responses.len()).filter(|&i| i != respondent).collect();
    let segment_peers: Vec<usize> = all_peers.iter().copied().filter(|&i| in_segment[i]).collect();
    let mean = |items: &mut dyn Iterator<Item = f64>| {
        let (sum, n) = items.fold((0.0, 0u32), |(s, n), x| (s + x, n + 1));
        (n > 0).then(|| sum / f64::from(n))
    };
    let score_for = |i: usize, group: Option<Option<usize>>| -> Option<f64> {
        mean(&mut scored.iter().filter(|s| group.is_none_or(|g| s.group == g)).filter_map(|s| score_of(s, i)))
    };
    let withheld_text = |n: u64, what: &str| {
        if english {
            format!(
                "Withheld: {what} has {n} other responses, fewer than {}, so its figures could point at a few companies.",
                options.min_peers
            )
        } else {
            format!(
                "{what}の他の回答は{n}件で、{}件未満のため表示していません（少数の会社が特定されるおそれがあるため）。",
                options.min_peers
            )
        }
    };
    let all_label = if english { "All respondents" } else { "回答者全体" };
    let segment_label = segment.as_ref().map_or(all_label.to_string(), |s| s.label.clone());
    let figures = |own: Option<f64>, peers: &[usize], group: Option<Option<usize>>, label: &str| -> PeerFigures {
        let mut values: Vec<f64> = peers.iter().filter_map(|&i| score_for(i, group)).collect();
        let n = values.len() as u64;
        if n < options.min_peers {
            return PeerFigures {
                peer_n: n,
                percentile: None,
                peer_median: None,
                peer_q1: None,
                peer_q3: None,
                withheld: Some(withheld_text(n, label)),
            };
        }
        values.sort_by(f64::total_cmp);
        let percentile = own.map(|x| {
            let below = values.iter().filter(|&&v| v < x).count() as f64;
            let equal = values.iter().filter(|&&v| v == x).count() as f64;
            ((below + equal / 2.0) / n as f64 * 1000.0).round() / 10.0
        });
        let q = |p: f64| Some((crate::stats::quantile(&values, p) * 1000.0).round() / 1000.0);
        PeerFigures { peer_n: n, percentile, peer_median: q(0.5), peer_q1: q(0.25), peer_q3: q(0.75), withheld: None }
    };
    let standing = |group: Option<Option<usize>>| {
        let own = score_for(respondent, group);
        Standing {
            score: own.map(|s| (s * 1000.0).round() / 1000.0),
            all: figures(own, &all_peers, group, all_label),
            segment: figures(own, &segment_peers, group, &segment_label),
        }
    };
    let overall = standing(None);
    let mut groups = Ordered::default();
    let mut group_labels = Ordered::default();
    for (g, group) in form.groups.iter().enumerate() {
        if !group.path.is_empty() || group.kind != GroupKind::Group || !scored.iter().any(|s| s.group == Some(g)) {
            continue;
        }
        groups.insert(&group.name, standing(Some(Some(g))));
        group_labels.insert(&group.name, form.text(&group.label, lang).unwrap_or(&group.name).to_string());
    }
    // Items and gaps, ranked within the own segment when it is large enough.
    let (basis, peers) = if segment_peers.len() as u64 >= options.min_peers && segment.is_some() {
        ("segment", &segment_peers)
    } else {
        ("all", &all_peers)
    };
    let enough = peers.len() as u64 >= options.min_peers;
    let mut items = Vec::new();
    let mut gaps = Vec::new();
    for s in &scored {
        let question = &form.questions[s.q];
        let own = score_of(s, respondent);
        let code = s.codes[respondent];
        let answer = if code == 0 { String::new() } else { question.choices[code as usize - 1].name.clone() };
        let answer_label = if code == 0 {
            String::new()
        } else {
            let c = &question.choices[code as usize - 1];
            form.text(&c.label, lang).unwrap_or(&c.name).to_string()
        };
        let better = own.and_then(|x| {
            let scored_peers: Vec<f64> = peers.iter().filter_map(|&i| score_of(s, i)).collect();
            let higher = scored_peers.iter().filter(|&&v| v > x).count();
            (enough && !scored_peers.is_empty()).then(|| percent(higher as f64, scored_peers.len() as f64)).flatten()
        });
        let label = form.text(&question.label, lang).unwrap_or(&question.name).to_string();
        items.push(ItemScore {
            name: question.name.clone(),
            label: label.clone(),
            group: s.group.map(|g| form.groups[g].name.clone()).unwrap_or_default(),
            answer,
            answer_label: answer_label.clone(),
            score: own,
            best_score: s.best,
            peer_share_better: better,
        });
        if own.is_some_and(|x| x < s.best) {
            gaps.push(Gap {
                name: question.name.clone(),
                label,
                answer_label,
                reference: question.reference.clone(),
                guidance: form.text(&question.guidance, lang).map(str::to_string),
                peers_better: better,
                weight: question.weight,
            });
        }
    }
    // Most commonly done better by peers first; ties by weight, then the form's order.
    gaps.sort_by(|a, b| {
        b.peers_better
            .unwrap_or(0.0)
            .total_cmp(&a.peers_better.unwrap_or(0.0))
            .then_with(|| b.weight.unwrap_or(0.0).total_cmp(&a.weight.unwrap_or(0.0)))
    });
    Ok(Feedback {
        form_id: form.form_id.clone(),
        title: form.title.clone(),
        version: form.version.clone(),
        language: options.language.clone(),
        min_peers: options.min_peers,
        segment,
        overall,
        groups,
        group_labels,
        items,
        gaps,
        gap_basis: basis.to_string(),
        change: None,
    })
}

/// Each respondent's overall score as [`feedback`] works it out: the mean score of its answers
/// to the scored select_one items (choices without a score, such as 該当なし, left out).
pub fn overall_scores(form: &Form, responses: &Responses) -> Vec<Option<f64>> {
    let n = responses.len();
    let (mut sum, mut count) = (vec![0.0f64; n], vec![0u32; n]);
    for (q, question) in form.questions.iter().enumerate() {
        let Column::Choice(codes) = &responses.columns[q] else { continue };
        let scores: Vec<Option<f64>> = question.choices.iter().map(|c| c.score).collect();
        if scores.iter().all(Option::is_none) {
            continue;
        }
        for (i, &c) in codes.iter().enumerate() {
            if let Some(s) = c.checked_sub(1).and_then(|c| scores[c as usize]) {
                sum[i] += s;
                count[i] += 1;
            }
        }
    }
    sum.iter().zip(&count).map(|(&s, &k)| (k > 0).then(|| s / f64::from(k))).collect()
}

/// The respondent's score change and its peers' (organisations other than it that answered
/// both waves with a score each time), each wave scored by its own form. `previous_of[i]` is
/// current row `i`'s row in the previous wave; `segment` the current form's segment question.
/// `None` when the respondent did not answer the previous wave (or scored nothing in one).
pub fn score_change(
    current: (&Form, &Responses),
    previous: (&Form, &Responses),
    previous_of: &[Option<usize>],
    respondent: usize,
    options: &FeedbackOptions,
) -> Option<ScoreChange> {
    let (now, before) = (overall_scores(current.0, current.1), overall_scores(previous.0, previous.1));
    let change_of = |i: usize| Some(now[i]? - before[previous_of.get(i).copied().flatten()?]?);
    let own_before = before[previous_of.get(respondent).copied().flatten()?]?;
    let own_change = change_of(respondent)?;
    let english =
        options.language.to_lowercase().contains("(en)") || options.language.to_lowercase().starts_with("english");
    // The own segment: the same answer to the segment question in the current wave.
    let segment_codes =
        options.by.as_deref().and_then(|name| current.0.questions.iter().position(|q| q.name == name)).and_then(|q| {
            match &current.1.columns[q] {
                Column::Choice(codes) => Some(codes),
                _ => None,
            }
        });
    let same_segment = |i: usize| segment_codes.is_some_and(|c| c[respondent] > 0 && c[i] == c[respondent]);
    let changes = |in_basis: &dyn Fn(usize) -> bool| -> Vec<f64> {
        (0..now.len()).filter(|&i| i != respondent && in_basis(i)).filter_map(change_of).collect()
    };
    let segment_changes = changes(&same_segment);
    let (basis, mut values) = if segment_changes.len() as u64 >= options.min_peers {
        ("segment", segment_changes)
    } else {
        ("all", changes(&|_| true))
    };
    let n = values.len() as u64;
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    let peers = if n < options.min_peers {
        PeerChange {
            basis: basis.into(),
            peer_n: n,
            median: None,
            q1: None,
            q3: None,
            improved_percent: None,
            withheld: Some(if english {
                format!("Withheld: {n} other organisations answered both waves, fewer than {}.", options.min_peers)
            } else {
                format!("両方の調査に回答した他の組織は{n}件で、{}件未満のため表示していません。", options.min_peers)
            }),
        }
    } else {
        values.sort_by(f64::total_cmp);
        let q = |p: f64| Some(round(crate::stats::quantile(&values, p)));
        let improved = values.iter().filter(|&&d| d > 0.0).count() as f64;
        PeerChange {
            basis: basis.into(),
            peer_n: n,
            median: q(0.5),
            q1: q(0.25),
            q3: q(0.75),
            improved_percent: Some((improved / n as f64 * 1000.0).round() / 10.0),
            withheld: None,
        }
    };
    Some(ScoreChange { previous_score: round(own_before), change: round(own_change), peers })
}
