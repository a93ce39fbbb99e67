//! Calendar arithmetic for ODK dates: days since 1970-01-01, as JavaRosa counts them when a
//! date is used as a number. Hand-written (a few lines of Howard Hinnant's civil-date
//! algorithms) rather than a date crate, since this is all the engine needs.

/// Days since 1970-01-01 for a proleptic Gregorian date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The date of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

pub fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parses `YYYY-MM-DD` (a real calendar date) into days since 1970-01-01.
pub fn parse_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year: i64 = digits(&text[0..4])?;
    let month: u32 = digits(&text[5..7])?;
    let day: u32 = digits(&text[8..10])?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// Parses `HH:MM` or `HH:MM:SS` with optional fraction and zone (`+09:00`, `Z`), as ODK stores
/// times. Returns seconds since midnight.
pub fn parse_time(text: &str) -> Option<u32> {
    let main = strip_zone(text);
    let main = main
        .split_once('.')
        .map_or(main, |(m, frac)| if frac.chars().all(|c| c.is_ascii_digit()) && !frac.is_empty() { m } else { "x" });
    let parts: Vec<&str> = main.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2) {
        return None;
    }
    let h: u32 = digits(parts[0])?;
    let m: u32 = digits(parts[1])?;
    let s: u32 = if parts.len() == 3 { digits(parts[2])? } else { 0 };
    (h < 24 && m < 60 && s < 60).then_some(h * 3600 + m * 60 + s)
}

/// Parses `YYYY-MM-DDTHH:MM[:SS][zone]`; returns the day count of its date part.
pub fn parse_datetime(text: &str) -> Option<i64> {
    let (date, time) = text.split_once('T').or_else(|| text.split_once(' '))?;
    parse_time(time)?;
    parse_date(date)
}

fn strip_zone(text: &str) -> &str {
    if let Some(t) = text.strip_suffix('Z') {
        return t;
    }
    // A zone is +HH:MM or -HH:MM after the seconds.
    if text.len() > 6 && text.is_char_boundary(text.len() - 6) {
        let (head, zone) = text.split_at(text.len() - 6);
        let z = zone.as_bytes();
        if (z[0] == b'+' || z[0] == b'-') && z[3] == b':' {
            return head;
        }
    }
    text
}

fn digits<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Milliseconds in a day, and Japan Standard Time's offset from UTC (no daylight saving, so a
/// fixed offset is exact): moments are milliseconds since 1970-01-01T00:00Z, shown in Japan.
pub const DAY_MS: i64 = 86_400_000;
pub const JAPAN_MS: i64 = 9 * 3_600_000;

/// A moment from ODK's date or dateTime text: `YYYY-MM-DD` is that day's midnight in Japan;
/// `YYYY-MM-DDTHH:MM[:SS[.fff]][zone]` with a zone `Z`, `±HH`, `±HHMM` or `±HH:MM` (none: Japan).
pub fn parse_moment(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.len() == 10 {
        return Some(parse_date(text)? * DAY_MS - JAPAN_MS);
    }
    let (date, time) = text.split_once('T').or_else(|| text.split_once(' '))?;
    let (clock, offset) = parse_clock(time)?;
    Some(parse_date(date)? * DAY_MS + clock - offset.unwrap_or(JAPAN_MS))
}

/// `HH:MM[:SS[.fff]][zone]`: milliseconds since midnight, and the zone's offset when given.
pub fn parse_clock(text: &str) -> Option<(i64, Option<i64>)> {
    let split = text.find(['Z', '+', '-']).unwrap_or(text.len());
    let (main, zone) = text.split_at(split);
    let offset = match zone {
        "" => None,
        "Z" => Some(0),
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let digits: String = zone[1..].chars().filter(|&c| c != ':').collect();
            // ASCII digits only before slicing them (a zone of other characters is no zone).
            if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) || zone[1..].len() > 5 {
                return None;
            }
            let hours: i64 = self::digits(&digits[..2])?;
            let minutes: i64 = if digits.len() == 4 { self::digits(&digits[2..])? } else { 0 };
            if hours >= 24 || minutes >= 60 {
                return None;
            }
            Some(sign * (hours * 3_600_000 + minutes * 60_000))
        }
    };
    let (hms, fraction) = main.split_once('.').unwrap_or((main, ""));
    let seconds = parse_time(hms)?;
    let millis = if fraction.is_empty() {
        0
    } else {
        let f: String = fraction.chars().chain("000".chars()).take(3).collect();
        self::digits::<i64>(&f)?
    };
    Some((i64::from(seconds) * 1000 + millis, offset))
}

/// A moment as ODK writes a dateTime, in Japan: `2024-10-07T21:00:00.000+09:00`.
pub fn format_moment_iso(ms: i64) -> String {
    format_moment(ms, "%Y-%m-%dT%H:%M:%S.%3+09:00").expect("a known pattern")
}

/// A moment in Japan by ODK's `format-date` patterns: `%Y` year, `%y` two-digit year, `%m`
/// month and `%n` without its zero, `%b` month name, `%d` day and `%e` without its zero, `%a`
/// weekday name, `%H` hour and `%h` without its zero, `%M` minute, `%S` second, `%3`
/// milliseconds; other text as written. Another `%` escape is an error, as in ODK.
pub fn format_moment(ms: i64, pattern: &str) -> Result<String, String> {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]; // 1970-01-01 was a Thursday
    let local = ms + JAPAN_MS;
    let (days, of_day) = (local.div_euclid(DAY_MS), local.rem_euclid(DAY_MS));
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second, milli) = (of_day / 3_600_000, of_day / 60_000 % 60, of_day / 1000 % 60, of_day % 1000);
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&format!("{year:04}")),
            Some('y') => out.push_str(&format!("{:02}", year.rem_euclid(100))),
            Some('m') => out.push_str(&format!("{month:02}")),
            Some('n') => out.push_str(&month.to_string()),
            Some('b') => out.push_str(MONTHS[month as usize - 1]),
            Some('d') => out.push_str(&format!("{day:02}")),
            Some('e') => out.push_str(&day.to_string()),
            Some('a') => out.push_str(WEEKDAYS[days.rem_euclid(7) as usize]),
            Some('H') => out.push_str(&format!("{hour:02}")),
            Some('h') => out.push_str(&hour.to_string()),
            Some('M') => out.push_str(&format!("{minute:02}")),
            Some('S') => out.push_str(&format!("{second:02}")),
            Some('3') => out.push_str(&format!("{milli:03}")),
            Some(other) => return Err(format!("unrecognized escape in date format string [%{other}]")),
            None => return Err("date format string ends with %".into()),
        }
    }
    Ok(out)
}

/// Now, as milliseconds since 1970-01-01T00:00Z.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Text of an Excel date/time serial (days since 1899-12-30): a time for fractions of a day, a
/// date for whole days, else both.
pub fn excel_serial_text(serial: f64) -> String {
    let days = serial.floor() as i64 - 25569; // 25569 = days from 1899-12-30 to 1970-01-01
    let secs = ((serial - serial.floor()) * 86400.0).round() as u32;
    let time = format!("{:02}:{:02}:{:02}", secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if serial < 1.0 {
        time
    } else if secs == 0 {
        format_date(days)
    } else {
        format!("{}T{time}", format_date(days))
    }
}

/// Today's day count in Japan Standard Time, where the surveys run. UTC+9 has no daylight
/// saving, so a fixed offset is exact.
pub fn today_in_japan() -> i64 {
    let secs =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    (secs + 9 * 3600).div_euclid(86400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips() {
        for days in [-800_000, -1, 0, 1, 19_999, 20_003, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(parse_date("2024-10-07"), Some(20_003));
        assert_eq!(format_date(20_003), "2024-10-07");
    }

    #[test]
    fn invalid_dates_and_times_are_refused() {
        for bad in ["2024-02-30", "2023-02-29", "2024-13-01", "24-10-07", "2024/10/07", ""] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(parse_date("2024-02-29"), Some(days_from_civil(2024, 2, 29)));
        assert_eq!(parse_time("09:30"), Some(34_200));
        assert_eq!(parse_time("09:30:15.250+09:00"), Some(34_215));
        assert_eq!(parse_time("24:00"), None);
        assert!(parse_datetime("2024-10-07T09:30:00Z").is_some());
    }

    #[test]
    fn excel_serials_become_iso_text() {
        assert_eq!(excel_serial_text(0.395_833_333_333_333_3), "09:30:00");
        assert_eq!(excel_serial_text(45572.0), "2024-10-07");
        assert_eq!(excel_serial_text(45572.5), "2024-10-07T12:00:00");
    }
}
