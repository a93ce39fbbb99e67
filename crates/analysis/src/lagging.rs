//! Lagging groups: for each scored question and each segment, is the share of the best-scored
//! answer lower in the segment than among all other respondents together? One-sided Fisher
//! exact test, Holm-corrected across every pair tested.

use crate::model::Lag;
use crate::{Segmentation, percent, stats};
use mamori_dataset::{Column, Responses};
use mamori_form::Form;

/// Every lag reported shows a 2×2 table (best answer or not, in the segment or the rest), and
/// the rest is everyone else, so it can be subtracted from the overall table: when publishing,
/// a pair is reported only if all four counts, and whatever the rest leaves of the overall
/// answers, are 0 or at least `min_cell`.
pub(crate) fn lagging(
    form: &Form,
    responses: &Responses,
    segs: &[Segmentation],
    rules: &crate::disclosure::Rules,
) -> (Vec<Lag>, usize) {
    let mut candidates = Vec::new();
    let lf = stats::ln_factorials(responses.len());
    for (q, question) in form.questions.iter().enumerate() {
        let Column::Choice(codes) = &responses.columns[q] else { continue };
        let Some(best_score) = question.choices.iter().filter_map(|c| c.score).max_by(f64::total_cmp) else { continue };
        let best: Vec<bool> = question.choices.iter().map(|c| c.score == Some(best_score)).collect();
        for seg in segs {
            if seg.question == q {
                continue;
            }
            // Per segment: (answered, best) counts; code 0 = not in any segment. One pass counts
            // (segment, answer) pairs without a branch; the sums come from that table.
            let width = question.choices.len() + 1;
            let table = stats::pair_counts(seg.codes, seg.segments.len(), codes, question.choices.len());
            let answered: Vec<u64> = table.chunks(width).map(|row| row[1..].iter().sum()).collect();
            let top: Vec<u64> = table
                .chunks(width)
                .map(|row| row[1..].iter().zip(&best).filter(|(_, b)| **b).map(|(n, _)| n).sum())
                .collect();
            let (all_answered, all_top): (u64, u64) = (answered[1..].iter().sum(), top[1..].iter().sum());
            // Those in no segment (code 0) are the overall less every segment.
            let outside_ok = rules.one(answered[0]).is_some()
                && rules.one(top[0]).is_some()
                && rules.one(answered[0] - top[0]).is_some();
            for k in 0..seg.segments.len() {
                if !seg.shown[k] || answered[k + 1] == 0 || answered[k + 1] == all_answered {
                    continue;
                }
                let (a, n) = (top[k + 1], answered[k + 1]);
                let (c, n_rest) = (all_top - a, all_answered - n);
                if rules.publish && !(outside_ok && [a, n - a, c, n_rest - c].iter().all(|&x| rules.one(x).is_some())) {
                    continue;
                }
                let p = stats::fisher_less_with(&lf, a, n - a, c, n_rest - c);
                candidates.push(Lag {
                    item: question.name.clone(),
                    segment_question: seg.name.to_string(),
                    segment: seg.segments[k].to_string(),
                    best: question
                        .choices
                        .iter()
                        .zip(&best)
                        .filter(|(_, b)| **b)
                        .map(|(c, _)| c.name.clone())
                        .collect(),
                    share: percent(a as f64, n as f64).unwrap_or(0.0),
                    share_rest: percent(c as f64, n_rest as f64).unwrap_or(0.0),
                    n,
                    n_rest,
                    p,
                    p_holm: p,
                });
            }
        }
    }
    let tested = candidates.len();
    let adjusted = stats::holm(&candidates.iter().map(|l| l.p).collect::<Vec<_>>());
    let mut lags: Vec<Lag> = candidates
        .into_iter()
        .zip(adjusted)
        .map(|(mut lag, p)| {
            lag.p_holm = p;
            lag
        })
        .filter(|l| l.p_holm < 0.05)
        .collect();
    lags.sort_by(|a, b| a.p_holm.total_cmp(&b.p_holm).then_with(|| a.item.cmp(&b.item)));
    (lags, tested)
}
