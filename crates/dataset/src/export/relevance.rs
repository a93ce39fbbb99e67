//! Who was asked what: each question's relevance (its own and its groups') evaluated for
//! every response, so that exports tell "not asked" from "not answered".

use crate::columns::Responses;
use mamori_form::Form;
use mamori_form::expr::Env;
use std::borrow::Cow;
use std::collections::HashMap;

/// One response's answers to the questions that conditions refer to.
struct RowEnv<'a> {
    slots: &'a HashMap<&'a str, usize>,
    values: &'a [Cow<'a, str>],
}

impl Env for RowEnv<'_> {
    fn value(&self, name: &str) -> Option<&str> {
        self.slots.get(name).map(|&s| self.values[s].as_ref())
    }
}

/// Per question, whether each response was asked it; `None` for questions asked of everyone.
/// A condition that cannot be evaluated counts as asked (as the respondent pages show it).
pub fn asked(form: &Form, responses: &Responses) -> Vec<Option<Vec<bool>>> {
    let conditions: Vec<Vec<&mamori_form::Expression>> = form
        .questions
        .iter()
        .map(|q| {
            let groups = q.group_indices.iter().filter_map(|&g| form.groups[g].relevant.as_ref());
            groups.chain(q.relevant.as_ref()).collect()
        })
        .collect();
    if conditions.iter().all(Vec::is_empty) {
        return vec![None; form.questions.len()];
    }
    // The questions any condition refers to, each given a slot.
    let index: HashMap<&str, usize> = form.questions.iter().enumerate().map(|(i, q)| (q.name.as_str(), i)).collect();
    let mut referenced: Vec<usize> = conditions
        .iter()
        .flatten()
        .flat_map(|e| e.references().iter().filter_map(|(name, _)| index.get(name.as_str()).copied()))
        .collect();
    referenced.sort_unstable();
    referenced.dedup();
    let slots: HashMap<&str, usize> =
        referenced.iter().enumerate().map(|(s, &q)| (form.questions[q].name.as_str(), s)).collect();
    let mut out: Vec<Option<Vec<bool>>> =
        conditions.iter().map(|c| (!c.is_empty()).then(|| Vec::with_capacity(responses.len()))).collect();
    let mut values: Vec<Cow<str>> = vec![Cow::Borrowed(""); referenced.len()];
    for i in 0..responses.len() {
        for (s, &q) in referenced.iter().enumerate() {
            values[s] = responses.answer(form, q, i);
        }
        let env = RowEnv { slots: &slots, values: &values };
        for (q, c) in conditions.iter().enumerate() {
            if let Some(list) = &mut out[q] {
                list.push(c.iter().all(|e| e.eval_bool(&env).unwrap_or(true)));
            }
        }
    }
    out
}
