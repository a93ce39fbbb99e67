//! The `range` question: a number from `start` to `end` in steps of `step` (XLSForm's
//! `parameters` column, read and checked as pyxform 4.5 reads and checks it), shown to the
//! respondent as a scale.

use serde::Serialize;

/// The `parameters` cell as pyxform reads it: `key=value` pairs separated by spaces, `,` or
/// `;`; keys and values lower-cased (except `label` and `value`). A piece that is no pair is
/// an error.
pub fn parse_parameters(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let tokens: Vec<&str> =
        text.split(|c: char| c.is_whitespace() || c == ',' || c == ';').filter(|t| !t.is_empty()).collect();
    let mut i = 0;
    while i < tokens.len() {
        // `key=value`, or `key`, `=value` / `key=`, `value` / `key`, `=`, `value` around spaces.
        let mut piece = tokens[i].to_string();
        while (piece.ends_with('=') || tokens.get(i + 1).is_some_and(|t| t.starts_with('='))) && i + 1 < tokens.len() {
            i += 1;
            piece.push_str(tokens[i]);
        }
        let Some((key, value)) = piece.split_once('=') else {
            return Err(format!("'{piece}' is not of the form name=value"));
        };
        if key.is_empty() || value.is_empty() || value.contains('=') {
            return Err(format!("'{piece}' is not of the form name=value"));
        }
        let key = key.to_lowercase();
        let value = if matches!(key.as_str(), "label" | "value") { value.to_string() } else { value.to_lowercase() };
        out.push((key, value));
        i += 1;
    }
    Ok(out)
}

/// A range question's scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RangeSpec {
    pub start: f64,
    pub end: f64,
    pub step: f64,
    /// Digits after the decimal point of the most precise parameter: 0 for a range of whole
    /// numbers (stored as integers, as ODK binds it `int`), else the answers are decimals.
    pub decimals: u32,
    /// A choice list naming some points of the scale (`tick_labelset`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tick_labelset: Option<String>,
}

/// The most points a scale is shown as one choice per point; a longer one is a number field.
pub const MAX_POINTS: usize = 21;

const ACCEPTED: &[&str] = &["end", "placeholder", "start", "step", "tick_interval", "tick_labelset"];

/// A number as a parameter writes it, with its digits after the point.
fn number(text: &str) -> Option<(f64, u32)> {
    let v: f64 = text.parse().ok().filter(|v: &f64| v.is_finite())?;
    let decimals = text.split_once('.').map_or(0, |(_, f)| f.trim_end_matches('0').len() as u32);
    Some((v, decimals.min(9)))
}

impl RangeSpec {
    /// The scale of a `range` row from its parameters (pyxform's defaults: 1 to 10 by 1), or
    /// what is wrong with them, as pyxform says it.
    pub fn from_parameters(parameters: &[(String, String)]) -> Result<RangeSpec, String> {
        let mut rejected: Vec<&str> =
            parameters.iter().map(|(k, _)| k.as_str()).filter(|k| !ACCEPTED.contains(k)).collect();
        if !rejected.is_empty() {
            rejected.sort();
            return Err(format!("parameter {} is not one of range's: {}", rejected.join(", "), ACCEPTED.join(", ")));
        }
        let get = |name: &str, default: Option<&str>| -> Result<Option<(f64, u32)>, String> {
            match parameters.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).or(default) {
                None => Ok(None),
                Some(text) => number(text)
                    .map(Some)
                    .ok_or_else(|| format!("range parameter '{name}' must be a number, not '{text}'")),
            }
        };
        let (start, d1) = get("start", Some("1"))?.unwrap_or((1.0, 0));
        let (end, d2) = get("end", Some("10"))?.unwrap_or((10.0, 0));
        let (step, d3) = get("step", Some("1"))?.unwrap_or((1.0, 0));
        let tick = get("tick_interval", None)?;
        let placeholder = get("placeholder", None)?;
        let decimals = [Some(d1), Some(d2), Some(d3), tick.map(|t| t.1), placeholder.map(|p| p.1)]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(0);
        let spec = RangeSpec {
            start,
            end,
            step,
            decimals,
            tick_labelset: parameters.iter().rev().find(|(k, _)| k == "tick_labelset").map(|(_, v)| v.clone()),
        };
        let width = (end - start).abs();
        if step == 0.0 {
            return Err("range parameter 'step' must not be 0".into());
        }
        if step.abs() > width {
            return Err(
                "range parameter 'step' must not be larger than the range (the difference between 'start' and 'end')"
                    .into(),
            );
        }
        if let Some((t, _)) = tick {
            if t == 0.0 {
                return Err("range parameter 'tick_interval' must not be 0".into());
            }
            if t.abs() > width {
                return Err("range parameter 'tick_interval' must not be larger than the range".into());
            }
            if !spec.multiple(t, spec.step) {
                return Err("range parameter 'tick_interval' must be a multiple of 'step'".into());
            }
        }
        if let Some((p, _)) = placeholder
            && !spec.on_scale(p)
        {
            return Err("range parameter 'placeholder' must be a point of the scale: between 'start' and 'end', a multiple of 'step' from 'start'".into());
        }
        Ok(spec)
    }

    fn scale(&self) -> f64 {
        10f64.powi(self.decimals as i32)
    }

    /// Whether `a` is a whole multiple of `b`, at the scale's precision.
    fn multiple(&self, a: f64, b: f64) -> bool {
        let (a, b) = ((a * self.scale()).round() as i128, (b * self.scale()).round() as i128);
        b != 0 && a % b == 0
    }

    pub fn min(&self) -> f64 {
        self.start.min(self.end)
    }

    pub fn max(&self) -> f64 {
        self.start.max(self.end)
    }

    /// Whether `v` is a point of the scale: inside it, a whole number of steps from `start`,
    /// and no more precise than the scale.
    pub fn on_scale(&self, v: f64) -> bool {
        let scaled = v * self.scale();
        v.is_finite()
            && v >= self.min()
            && v <= self.max()
            && (scaled - scaled.round()).abs() < 1e-6
            && self.multiple(v - self.start, self.step)
    }

    /// Every point from `start` to `end`, when there are at most [`MAX_POINTS`].
    pub fn points(&self) -> Option<Vec<f64>> {
        let n = ((self.end - self.start) / self.step).round();
        if !(0.0..MAX_POINTS as f64).contains(&n) {
            return None;
        }
        Some(
            (0..=n as usize)
                .map(|i| ((self.start + self.step * i as f64) * self.scale()).round() / self.scale())
                .collect(),
        )
    }

    /// A point as answers store it: `7`, `2.5`.
    pub fn format(&self, v: f64) -> String {
        let text = format!("{:.*}", self.decimals as usize, v);
        if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Result<RangeSpec, String> {
        RangeSpec::from_parameters(&parse_parameters(text)?)
    }

    #[test]
    fn parameters_read_as_pyxform_reads_them() {
        assert_eq!(
            parse_parameters("start=0 end=10;step=2, tick_labelset=Stars").unwrap(),
            [("start", "0"), ("end", "10"), ("step", "2"), ("tick_labelset", "stars")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        assert_eq!(parse_parameters("START = 1").unwrap(), [("start".to_string(), "1".to_string())]);
        assert!(parse_parameters("start").is_err());
        assert!(parse_parameters("start=1=2").is_err());
        assert!(parse_parameters("").unwrap().is_empty());
    }

    /// Each verdict as pyxform 4.5.0 gives it (`process_range_question_type`; every case run
    /// through pyxform itself, which refuses or accepts the same ones).
    #[test]
    fn a_scale_is_checked_as_pyxform_checks_it() {
        let default = spec("").unwrap();
        assert_eq!((default.start, default.end, default.step, default.decimals), (1.0, 10.0, 1.0, 0));
        assert_eq!(spec("start=0 end=1 step=0.25").unwrap().decimals, 2);
        assert!(spec("start=a").unwrap_err().contains("'start' must be a number"));
        assert!(spec("step=0").unwrap_err().contains("must not be 0"));
        assert!(spec("start=1 end=3 step=5").unwrap_err().contains("larger than the range"));
        assert!(spec("tick_interval=3 step=2 end=11").unwrap_err().contains("multiple of 'step'"));
        assert!(spec("placeholder=11").unwrap_err().contains("placeholder"));
        assert!(spec("colour=red").unwrap_err().contains("colour"));
        assert!(spec("start=10 end=0 step=-2").is_ok(), "a falling scale");
    }

    #[test]
    fn points_are_the_steps_from_start() {
        let s = spec("start=0 end=1 step=0.25").unwrap();
        assert_eq!(s.points().unwrap(), [0.0, 0.25, 0.5, 0.75, 1.0]);
        assert!(s.on_scale(0.5) && !s.on_scale(0.3) && !s.on_scale(1.25) && !s.on_scale(0.251));
        assert_eq!(s.format(0.5), "0.5");
        let falling = spec("start=10 end=0 step=-2").unwrap();
        assert_eq!(falling.points().unwrap(), [10.0, 8.0, 6.0, 4.0, 2.0, 0.0]);
        assert!(falling.on_scale(4.0) && !falling.on_scale(5.0));
        assert_eq!(spec("start=0 end=100").unwrap().points(), None, "101 points: a number field");
        assert_eq!(spec("").unwrap().format(7.0), "7");
    }
}
