//! Bengali display strings and the Bangla (Bengali) calendar.
//!
//! Every Bengali user-interface string of the domain lives in this module:
//! Bengali digits, Gregorian month and weekday names, the twelve Bangla
//! months, and the formatters that turn instants and dates into the text a
//! Bengali newspaper prints (for example the edition line
//! `ঢাকা বৃহস্পতিবার, ১৪ নভেম্বর ২০২৪ | ২৯ কার্তিক ১৪৩১`).
//!
//! All string constants are stored in Unicode NFC. Note that NFC does *not*
//! use the precomposed letters য় (U+09DF), ড় (U+09DC) and ঢ় (U+09DD): they
//! are composition exclusions, so their NFC form is the base letter followed
//! by the nukta U+09BC. The constants here use exactly that form.
//!
//! Civil dates and times are always taken in the `Asia/Dhaka` time zone.
//!
//! The Bangla calendar is implemented for the two rules used in Bangladesh
//! (see [`CalendarRule`]); both start the year (১ বৈশাখ) on 14 April.
//! Everything is pure arithmetic and never panics.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Asia::Dhaka;

/// Bengali digits ০ to ৯, indexed by their value.
const DIGITS_BN: [char; 10] = ['০', '১', '২', '৩', '৪', '৫', '৬', '৭', '৮', '৯'];

/// Gregorian month names in Bengali, January first.
pub const MONTHS_BN: [&str; 12] = [
    "জানুয়ারি",
    "ফেব্রুয়ারি",
    "মার্চ",
    "এপ্রিল",
    "মে",
    "জুন",
    "জুলাই",
    "আগস্ট",
    "সেপ্টেম্বর",
    "অক্টোবর",
    "নভেম্বর",
    "ডিসেম্বর",
];

/// Weekday names in Bengali, Sunday first.
pub const WEEKDAYS_BN: [&str; 7] = [
    "রবিবার",
    "সোমবার",
    "মঙ্গলবার",
    "বুধবার",
    "বৃহস্পতিবার",
    "শুক্রবার",
    "শনিবার",
];

/// Bangla calendar month names, বৈশাখ (month 1) first.
pub const BANGLA_MONTHS: [&str; 12] = [
    "বৈশাখ",
    "জ্যৈষ্ঠ",
    "আষাঢ়",
    "শ্রাবণ",
    "ভাদ্র",
    "আশ্বিন",
    "কার্তিক",
    "অগ্রহায়ণ",
    "পৌষ",
    "মাঘ",
    "ফাল্গুন",
    "চৈত্র",
];

/// Ante meridiem marker used by [`format_datetime_bn`].
const AM_BN: &str = "এএম";
/// Post meridiem marker used by [`format_datetime_bn`].
const PM_BN: &str = "পিএম";

/// Difference between a Gregorian year and the Bangla year that starts on
/// 14 April of it.
const BANGLA_YEAR_OFFSET: i32 = 593;

/// Replaces the ASCII digits `0`-`9` with Bengali digits `০`-`৯`; every other
/// character is kept unchanged.
pub fn bengali_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            // `to_digit(10)` only accepts ASCII 0-9.
            Some(v) => DIGITS_BN.get(v as usize).copied().unwrap_or(c),
            None => c,
        })
        .collect()
}

/// Formats an integer with Bengali digits; negative numbers keep the ASCII
/// `-` sign (`-42` → `-৪২`).
pub fn bengali_number(n: i64) -> String {
    bengali_digits(&n.to_string())
}

/// Bengali name of a weekday (`Weekday::Thu` → `বৃহস্পতিবার`).
pub fn weekday_bn(w: Weekday) -> &'static str {
    match w {
        Weekday::Sun => WEEKDAYS_BN[0],
        Weekday::Mon => WEEKDAYS_BN[1],
        Weekday::Tue => WEEKDAYS_BN[2],
        Weekday::Wed => WEEKDAYS_BN[3],
        Weekday::Thu => WEEKDAYS_BN[4],
        Weekday::Fri => WEEKDAYS_BN[5],
        Weekday::Sat => WEEKDAYS_BN[6],
    }
}

/// Bengali name of a Gregorian month given as 0-based index (`0` = January).
fn month_bn(month0: u32) -> &'static str {
    MONTHS_BN.get(month0 as usize).copied().unwrap_or_default()
}

/// Local wall-clock time of `t` in `Asia/Dhaka`.
///
/// Unlike `DateTime::with_timezone(..).naive_local()` this cannot panic: at
/// the very end of chrono's range, where the local time is not representable,
/// it falls back to the UTC time.
fn dhaka_local(t: DateTime<Utc>) -> NaiveDateTime {
    let utc = t.naive_utc();
    let offset = Dhaka.offset_from_utc_datetime(&utc).fix();
    utc.checked_add_offset(offset).unwrap_or(utc)
}

/// The civil date of the instant `t` in Bangladesh (`Asia/Dhaka`).
pub fn dhaka_date(t: DateTime<Utc>) -> NaiveDate {
    dhaka_local(t).date()
}

/// Formats a Gregorian date in Bengali: `১৪ নভেম্বর ২০২৪` (day not padded).
pub fn format_date_bn(d: NaiveDate) -> String {
    let mut out = String::with_capacity(48);
    push_date_bn(&mut out, d);
    out
}

/// Appends `n` in Bengali digits, zero-padded to `width` digits.
fn push_digits(out: &mut String, mut n: u32, width: usize) {
    let mut buf = [0u8; 10];
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = (n % 10) as u8;
        n /= 10;
        if n == 0 || start == 0 {
            break;
        }
    }
    for _ in buf.len() - start..width {
        out.push(DIGITS_BN[0]);
    }
    for d in &buf[start..] {
        out.push(DIGITS_BN[usize::from(*d)]);
    }
}

/// [`format_date_bn`] appended to `out` (lists format two dates for each
/// of their articles: no intermediate strings).
fn push_date_bn(out: &mut String, d: NaiveDate) {
    push_digits(out, d.day(), 1);
    out.push(' ');
    out.push_str(month_bn(d.month0()));
    out.push(' ');
    if d.year() < 0 {
        out.push_str(&bengali_number(i64::from(d.year())));
    } else {
        push_digits(out, d.year().unsigned_abs(), 1);
    }
}

/// Formats an instant as Bangladesh local date and 12-hour time in Bengali,
/// e.g. `১২ নভেম্বর ২০২৪, ১১:৩১ এএম` for `2024-11-12T05:31:00Z`.
///
/// The hour is not zero-padded (noon and midnight are `১২`), the minutes are.
pub fn format_datetime_bn(t: DateTime<Utc>) -> String {
    let local = dhaka_local(t);
    let (is_pm, hour) = local.hour12();
    let mut out = String::with_capacity(80);
    push_date_bn(&mut out, local.date());
    out.push_str(", ");
    push_digits(&mut out, hour, 1);
    out.push(':');
    push_digits(&mut out, local.minute(), 2);
    out.push(' ');
    out.push_str(if is_pm { PM_BN } else { AM_BN });
    out
}

/// Which set of month lengths to use for the Bangla calendar.
///
/// Both rules put ১ বৈশাখ on 14 April.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum CalendarRule {
    /// The official Bangladesh calendar as revised in 2019: বৈশাখ–আশ্বিন have
    /// 31 days, কার্তিক–মাঘ and চৈত্র 30, ফাল্গুন 29 (30 in Gregorian leap
    /// years). ২১ ফেব্রুয়ারি is always ৮ ফাল্গুন and ১৬ ডিসেম্বর ১ পৌষ.
    #[default]
    Revised2019,
    /// The 1987 Bangla Academy rule: বৈশাখ–ভাদ্র have 31 days, the other
    /// months 30, except ফাল্গুন which has 31 in Gregorian leap years.
    Traditional1987,
}

impl CalendarRule {
    /// Length in days of Bangla `month` (1-12) in the Bangla year that starts
    /// on 14 April of the Gregorian year `start_year`.
    fn month_len(self, month: u32, start_year: i32) -> u32 {
        // The ফাল্গুন of a Bangla year falls in February/March of the next
        // Gregorian year.
        let leap = u32::from(is_leap_year(start_year.saturating_add(1)));
        match self {
            CalendarRule::Revised2019 => match month {
                1..=6 => 31,
                11 => 29 + leap,
                _ => 30,
            },
            CalendarRule::Traditional1987 => match month {
                1..=5 => 31,
                11 => 30 + leap,
                _ => 30,
            },
        }
    }
}

/// Error returned when parsing an unknown [`CalendarRule`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown calendar rule {0:?} (expected \"2019\", \"revised2019\", \"1987\" or \"traditional1987\")"
)]
pub struct ParseCalendarRuleError(pub String);

impl FromStr for CalendarRule {
    type Err = ParseCalendarRuleError;

    /// Accepts `2019` / `revised2019` and `1987` / `traditional1987`,
    /// case-insensitively and ignoring surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "2019" | "revised2019" => Ok(CalendarRule::Revised2019),
            "1987" | "traditional1987" => Ok(CalendarRule::Traditional1987),
            _ => Err(ParseCalendarRuleError(s.to_owned())),
        }
    }
}

/// A date in the Bangla calendar.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BanglaDate {
    /// Day of the month, starting at 1.
    pub day: u32,
    /// Month, 1..=12 (1 = বৈশাখ, 12 = চৈত্র).
    pub month: u32,
    /// Bangla year (বঙ্গাব্দ), e.g. 1431.
    pub year: i32,
}

impl BanglaDate {
    /// The Bengali name of the month (`""` if `month` is out of range).
    pub fn month_name(&self) -> &'static str {
        self.month
            .checked_sub(1)
            .and_then(|i| BANGLA_MONTHS.get(i as usize))
            .copied()
            .unwrap_or_default()
    }

    /// The date as Bengali text, e.g. `২৯ কার্তিক ১৪৩১`.
    pub fn text(&self) -> String {
        format!(
            "{} {} {}",
            bengali_number(i64::from(self.day)),
            self.month_name(),
            bengali_number(i64::from(self.year)),
        )
    }
}

impl fmt::Display for BanglaDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// Proleptic Gregorian leap year test.
fn is_leap_year(y: i32) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Converts a Gregorian date to the Bangla calendar under `rule`.
pub fn bangla_date(d: NaiveDate, rule: CalendarRule) -> BanglaDate {
    let year = d.year();
    let ordinal0 = d.ordinal0();
    // 0-based day of year of 14 April: 31 + 28 + 31 + 13 (+1 in leap years).
    let april14 = 103 + u32::from(is_leap_year(year));
    // Days since the most recent 14 April and the Gregorian year it is in.
    // Before 14 April the previous year's 14 April is 365 - 103 = 262 days
    // (366 - 104 in leap years) before 1 January.
    let (start_year, mut days) = match ordinal0.checked_sub(april14) {
        Some(days) => (year, days),
        None => (year.saturating_sub(1), ordinal0 + 262),
    };
    let bangla_year = start_year.saturating_sub(BANGLA_YEAR_OFFSET);
    for month in 1..=12 {
        let len = rule.month_len(month, start_year);
        if days < len {
            return BanglaDate {
                day: days + 1,
                month,
                year: bangla_year,
            };
        }
        days -= len;
    }
    // Unreachable: a Bangla year is exactly as long as the Gregorian year
    // that follows its 14 April. Fall back to the last day of চৈত্র.
    BanglaDate {
        day: rule.month_len(12, start_year),
        month: 12,
        year: bangla_year,
    }
}

/// The dateline printed at the top of a newspaper edition.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Edition {
    /// Place of publication as given (trimmed), e.g. `ঢাকা`.
    pub place: String,
    /// Civil date in Bangladesh.
    pub date: NaiveDate,
    /// Bengali weekday name of `date`.
    pub weekday: &'static str,
    /// `date` formatted by [`format_date_bn`].
    pub gregorian: String,
    /// `date` in the Bangla calendar.
    pub bangla: BanglaDate,
    /// The full line, e.g. `ঢাকা বৃহস্পতিবার, ১৪ নভেম্বর ২০২৪ | ২৯ কার্তিক ১৪৩১`.
    /// If `place` is blank the line starts with the weekday.
    pub line: String,
}

/// Builds the edition dateline for the instant `at` (date taken in
/// `Asia/Dhaka`) at `place`, with the Bangla date computed under `rule`.
pub fn edition(at: DateTime<Utc>, place: &str, rule: CalendarRule) -> Edition {
    let place = place.trim().to_owned();
    let date = dhaka_date(at);
    let weekday = weekday_bn(date.weekday());
    let gregorian = format_date_bn(date);
    let bangla = bangla_date(date, rule);
    let dateline = format!("{weekday}, {gregorian} | {}", bangla.text());
    let line = if place.is_empty() {
        dateline
    } else {
        format!("{place} {dateline}")
    };
    Edition {
        place,
        date,
        weekday,
        gregorian,
        bangla,
        line,
    }
}

/// The Bangla months as English-language editions spell them.
pub const BANGLA_MONTHS_EN: [&str; 12] = [
    "Boishakh",
    "Joishtho",
    "Asharh",
    "Shrabon",
    "Bhadro",
    "Ashwin",
    "Kartik",
    "Ogrohayon",
    "Poush",
    "Magh",
    "Falgun",
    "Choitro",
];

/// The display language of dates and the edition line (`?locale=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    /// Bengali digits and names (the default).
    #[default]
    Bn,
    /// English, as the English editions print them.
    En,
}

impl Locale {
    /// `bn` or `en` (a BCP 47 tag of either, `en-GB` included); `None`
    /// for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        let tag = crate::text::language_tag(s)?;
        match crate::text::primary_language(&tag) {
            "en" => Some(Self::En),
            _ => Some(Self::Bn),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bn => "bn",
            Self::En => "en",
        }
    }

    /// An instant as local date and time in this locale.
    pub fn datetime(self, t: DateTime<Utc>) -> String {
        match self {
            Self::Bn => format_datetime_bn(t),
            Self::En => format_datetime_en(t),
        }
    }
}

/// An instant as Bangladesh local date and 12-hour time in English:
/// `12 November 2024, 11:31 AM` for `2024-11-12T05:31:00Z`.
pub fn format_datetime_en(t: DateTime<Utc>) -> String {
    dhaka_local(t).format("%-d %B %Y, %-I:%M %p").to_string()
}

impl BanglaDate {
    /// The Bangla date transliterated for English editions: `29 Kartik 1431`.
    pub fn text_en(&self) -> String {
        let month = self
            .month
            .checked_sub(1)
            .and_then(|i| BANGLA_MONTHS_EN.get(i as usize))
            .copied()
            .unwrap_or_default();
        format!("{} {month} {}", self.day, self.year)
    }
}

/// A place of publication in English: the divisional cities by their
/// English names, anything else as given (a Latin name already is).
pub fn place_en(place: &str) -> String {
    const PLACES: [(&str, &str); 8] = [
        ("ঢাকা", "Dhaka"),
        ("চট্টগ্রাম", "Chattogram"),
        ("খুলনা", "Khulna"),
        ("রাজশাহী", "Rajshahi"),
        ("বরিশাল", "Barishal"),
        ("সিলেট", "Sylhet"),
        ("রংপুর", "Rangpur"),
        ("ময়মনসিংহ", "Mymensingh"),
    ];
    let nfc = crate::text::nfc(place.trim());
    PLACES
        .iter()
        .find(|(bn, _)| crate::text::nfc(bn) == nfc)
        .map_or(nfc.clone(), |(_, en)| (*en).to_owned())
}

impl Edition {
    /// The line as English editions print it, with `place` in English
    /// (`Dhaka`): `Dhaka, Thursday 14 November 2024 | 29 Kartik 1431`.
    pub fn line_en(&self, place: &str) -> String {
        let date = self.date.format("%A %-d %B %Y");
        let bangla = self.bangla.text_en();
        if place.trim().is_empty() {
            format!("{date} | {bangla}")
        } else {
            format!("{}, {date} | {bangla}", place.trim())
        }
    }
}

#[cfg(test)]
mod locale_tests {
    use super::*;

    #[test]
    fn english_display_strings_follow_the_english_editions() {
        let t = DateTime::parse_from_rfc3339("2024-11-12T05:31:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_datetime_en(t), "12 November 2024, 11:31 AM");
        let noon = DateTime::parse_from_rfc3339("2024-11-12T06:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(Locale::En.datetime(noon), "12 November 2024, 12:05 PM");
        assert_eq!(Locale::Bn.datetime(t), format_datetime_bn(t));
        let at = DateTime::parse_from_rfc3339("2024-11-14T04:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let e = edition(at, "ঢাকা", CalendarRule::Revised2019);
        assert_eq!(
            e.line_en(&place_en(&e.place)),
            "Dhaka, Thursday 14 November 2024 | 29 Kartik 1431"
        );
        assert_eq!(place_en("Cox's Bazar"), "Cox's Bazar");
        assert_eq!(Locale::parse("en-GB"), Some(Locale::En));
        assert_eq!(Locale::parse("bn"), Some(Locale::Bn));
        assert_eq!(Locale::parse("fr"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use unicode_normalization::UnicodeNormalization;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn bd(d: NaiveDate) -> String {
        bangla_date(d, CalendarRule::Revised2019).text()
    }

    #[test]
    fn digits_are_mapped() {
        assert_eq!(bengali_digits("0123456789"), "০১২৩৪৫৬৭৮৯");
        assert_eq!(bengali_digits("12:05 pm, ঢাকা"), "১২:০৫ pm, ঢাকা");
        assert_eq!(bengali_digits(""), "");
        // Already Bengali or other-script digits are unchanged.
        assert_eq!(bengali_digits("২০২৪ ٣"), "২০২৪ ٣");
    }

    #[test]
    fn numbers_are_formatted() {
        assert_eq!(bengali_number(0), "০");
        assert_eq!(bengali_number(1431), "১৪৩১");
        assert_eq!(bengali_number(-42), "-৪২");
        assert_eq!(bengali_number(i64::MIN), "-৯২২৩৩৭২০৩৬৮৫৪৭৭৫৮০৮");
        assert_eq!(bengali_number(i64::MAX), "৯২২৩৩৭২০৩৬৮৫৪৭৭৫৮০৭");
    }

    #[test]
    fn constants_are_nfc() {
        let all = MONTHS_BN
            .iter()
            .chain(WEEKDAYS_BN.iter())
            .chain(BANGLA_MONTHS.iter())
            .chain([AM_BN, PM_BN].iter());
        for s in all {
            let n: String = s.nfc().collect();
            assert_eq!(*s, n, "{s:?} is not NFC");
        }
        for s in DIGITS_BN {
            assert_eq!(s.to_string().nfc().collect::<String>(), s.to_string());
        }
    }

    #[test]
    fn nukta_letters_are_decomposed() {
        // U+09DF, U+09DC, U+09DD never appear; the base + nukta form does.
        for s in MONTHS_BN.iter().chain(BANGLA_MONTHS.iter()) {
            assert!(!s.contains(['\u{9DC}', '\u{9DD}', '\u{9DF}']), "{s:?}");
        }
        assert!(MONTHS_BN[0].contains("\u{9AF}\u{9BC}"));
        assert!(MONTHS_BN[1].contains("\u{9AF}\u{9BC}"));
        assert!(BANGLA_MONTHS[2].ends_with("\u{9A2}\u{9BC}"));
        assert!(BANGLA_MONTHS[7].contains("\u{9AF}\u{9BC}"));
    }

    #[test]
    fn constant_values() {
        assert_eq!(MONTHS_BN[10], "নভেম্বর");
        assert_eq!(MONTHS_BN[11], "ডিসেম্বর");
        assert_eq!(BANGLA_MONTHS[0], "বৈশাখ");
        assert_eq!(BANGLA_MONTHS[6], "কার্তিক");
        assert_eq!(BANGLA_MONTHS[11], "চৈত্র");
        assert_eq!(WEEKDAYS_BN[0], "রবিবার");
        assert_eq!(WEEKDAYS_BN[6], "শনিবার");
    }

    #[test]
    fn weekdays() {
        assert_eq!(weekday_bn(Weekday::Sun), "রবিবার");
        assert_eq!(weekday_bn(Weekday::Mon), "সোমবার");
        assert_eq!(weekday_bn(Weekday::Tue), "মঙ্গলবার");
        assert_eq!(weekday_bn(Weekday::Wed), "বুধবার");
        assert_eq!(weekday_bn(Weekday::Thu), "বৃহস্পতিবার");
        assert_eq!(weekday_bn(Weekday::Fri), "শুক্রবার");
        assert_eq!(weekday_bn(Weekday::Sat), "শনিবার");
        for (i, w) in [
            Weekday::Sun,
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
        ]
        .into_iter()
        .enumerate()
        {
            assert_eq!(w.num_days_from_sunday() as usize, i);
            assert_eq!(weekday_bn(w), WEEKDAYS_BN[i]);
        }
    }

    #[test]
    fn dhaka_date_boundaries() {
        assert_eq!(dhaka_date(utc("2024-11-13T17:59:59Z")), date(2024, 11, 13));
        assert_eq!(dhaka_date(utc("2024-11-13T18:00:00Z")), date(2024, 11, 14));
        assert_eq!(dhaka_date(utc("2024-11-14T17:59:59Z")), date(2024, 11, 14));
        assert_eq!(dhaka_date(utc("2024-11-14T18:00:00Z")), date(2024, 11, 15));
    }

    #[test]
    fn format_date() {
        assert_eq!(format_date_bn(date(2024, 11, 14)), "১৪ নভেম্বর ২০২৪");
        assert_eq!(format_date_bn(date(2025, 1, 1)), "১ জানুয়ারি ২০২৫");
        assert_eq!(format_date_bn(date(1971, 12, 16)), "১৬ ডিসেম্বর ১৯৭১");
        assert_eq!(format_date_bn(date(2024, 2, 29)), "২৯ ফেব্রুয়ারি ২০২৪");
    }

    #[test]
    fn format_datetime() {
        assert_eq!(
            format_datetime_bn(utc("2024-11-12T05:31:00Z")),
            "১২ নভেম্বর ২০২৪, ১১:৩১ এএম"
        );
        // Noon and midnight are 12.
        assert_eq!(
            format_datetime_bn(utc("2024-11-12T06:00:00Z")),
            "১২ নভেম্বর ২০২৪, ১২:০০ পিএম"
        );
        assert_eq!(
            format_datetime_bn(utc("2024-11-12T18:00:00Z")),
            "১৩ নভেম্বর ২০২৪, ১২:০০ এএম"
        );
        assert_eq!(
            format_datetime_bn(utc("2024-11-12T07:05:59Z")),
            "১২ নভেম্বর ২০২৪, ১:০৫ পিএম"
        );
        assert_eq!(
            format_datetime_bn(utc("2024-12-31T17:59:00Z")),
            "৩১ ডিসেম্বর ২০২৪, ১১:৫৯ পিএম"
        );
        assert_eq!(
            format_datetime_bn(Utc.with_ymd_and_hms(2024, 12, 31, 18, 9, 0).unwrap()),
            "১ জানুয়ারি ২০২৫, ১২:০৯ এএম"
        );
    }

    #[test]
    fn calendar_rule_parsing() {
        for s in [
            "2019",
            "revised2019",
            "Revised2019",
            "REVISED2019",
            " 2019 ",
        ] {
            assert_eq!(s.parse::<CalendarRule>(), Ok(CalendarRule::Revised2019));
        }
        for s in [
            "1987",
            "traditional1987",
            "Traditional1987",
            "TRADITIONAL1987",
        ] {
            assert_eq!(s.parse::<CalendarRule>(), Ok(CalendarRule::Traditional1987));
        }
        for s in ["", "2020", "revised", "traditional-1987"] {
            let err = s.parse::<CalendarRule>().unwrap_err();
            assert_eq!(err, ParseCalendarRuleError(s.to_owned()));
            assert!(err.to_string().contains("unknown calendar rule"));
        }
        assert_eq!(CalendarRule::default(), CalendarRule::Revised2019);
    }

    #[test]
    fn calendar_rule_serde() {
        let json = serde_json::to_string(&CalendarRule::Traditional1987).unwrap();
        assert_eq!(json, "\"Traditional1987\"");
        let back: CalendarRule = serde_json::from_str("\"Revised2019\"").unwrap();
        assert_eq!(back, CalendarRule::Revised2019);
    }

    #[test]
    fn bangla_date_known_values_2019() {
        assert_eq!(bd(date(2024, 11, 14)), "২৯ কার্তিক ১৪৩১");
        assert_eq!(bd(date(2025, 2, 21)), "৮ ফাল্গুন ১৪৩১");
        assert_eq!(bd(date(2025, 3, 26)), "১২ চৈত্র ১৪৩১");
        assert_eq!(bd(date(2024, 12, 16)), "১ পৌষ ১৪৩১");
        assert_eq!(bd(date(2025, 4, 14)), "১ বৈশাখ ১৪৩২");
        assert_eq!(bd(date(2025, 4, 13)), "৩০ চৈত্র ১৪৩১");
        assert_eq!(bd(date(2024, 3, 13)), "২৯ ফাল্গুন ১৪৩০");
        assert_eq!(bd(date(2024, 3, 14)), "৩০ ফাল্গুন ১৪৩০");
        assert_eq!(bd(date(2024, 3, 15)), "১ চৈত্র ১৪৩০");
        // Non-leap ফাল্গুন has 29 days.
        assert_eq!(bd(date(2025, 3, 14)), "২৯ ফাল্গুন ১৪৩১");
        assert_eq!(bd(date(2025, 3, 15)), "১ চৈত্র ১৪৩১");
        assert_eq!(bd(date(2025, 1, 1)), "১৭ পৌষ ১৪৩১");
        assert_eq!(bd(date(2024, 4, 14)), "১ বৈশাখ ১৪৩১");
        assert_eq!(
            bangla_date(date(2024, 11, 14), CalendarRule::Revised2019),
            BanglaDate {
                day: 29,
                month: 7,
                year: 1431
            }
        );
    }

    #[test]
    fn bangla_date_known_values_1987() {
        let t = |d| bangla_date(d, CalendarRule::Traditional1987).text();
        assert_eq!(t(date(2024, 11, 14)), "৩০ কার্তিক ১৪৩১");
        assert_eq!(t(date(2024, 4, 14)), "১ বৈশাখ ১৪৩১");
        assert_eq!(t(date(2024, 4, 13)), "৩০ চৈত্র ১৪৩০");
        // 1987 rule: ফাল্গুন has 31 days in leap years, 30 otherwise.
        assert_eq!(t(date(2024, 3, 14)), "৩১ ফাল্গুন ১৪৩০");
        assert_eq!(t(date(2024, 3, 15)), "১ চৈত্র ১৪৩০");
        assert_eq!(t(date(2025, 3, 14)), "৩০ ফাল্গুন ১৪৩১");
        assert_eq!(t(date(2025, 3, 15)), "১ চৈত্র ১৪৩১");
    }

    #[test]
    fn revised_calendar_anchors_every_year() {
        // The 2019 revision fixes the national days to the same Bangla date.
        for y in 1900..=2100 {
            let r = CalendarRule::Revised2019;
            let b = |m, d| bangla_date(date(y, m, d), r);
            assert_eq!(
                b(2, 14),
                BanglaDate {
                    day: 1,
                    month: 11,
                    year: y - 594
                }
            );
            assert_eq!(
                b(2, 21),
                BanglaDate {
                    day: 8,
                    month: 11,
                    year: y - 594
                }
            );
            assert_eq!(
                b(3, 15),
                BanglaDate {
                    day: 1,
                    month: 12,
                    year: y - 594
                }
            );
            assert_eq!(
                b(3, 26),
                BanglaDate {
                    day: 12,
                    month: 12,
                    year: y - 594
                }
            );
            assert_eq!(
                b(12, 16),
                BanglaDate {
                    day: 1,
                    month: 9,
                    year: y - 593
                }
            );
        }
    }

    fn expected_len(rule: CalendarRule, month: u32, bangla_year: i32) -> u32 {
        let leap = is_leap_year(bangla_year + 594);
        match (rule, month) {
            (CalendarRule::Revised2019, 1..=6) => 31,
            (CalendarRule::Revised2019, 11) if leap => 30,
            (CalendarRule::Revised2019, 11) => 29,
            (CalendarRule::Revised2019, _) => 30,
            (CalendarRule::Traditional1987, 1..=5) => 31,
            (CalendarRule::Traditional1987, 11) if leap => 31,
            (CalendarRule::Traditional1987, _) => 30,
        }
    }

    #[test]
    fn every_day_1900_to_2100_is_consistent() {
        for rule in [CalendarRule::Revised2019, CalendarRule::Traditional1987] {
            let end = date(2100, 12, 31);
            let mut d = date(1900, 1, 1);
            let mut prev = bangla_date(d, rule);
            let mut days = 1u32;
            assert_eq!(prev.year, 1900 - 594);
            while d < end {
                d = d.succ_opt().unwrap();
                days += 1;
                let b = bangla_date(d, rule);
                assert!((1..=12).contains(&b.month), "{d}: {b:?}");
                assert!(b.day >= 1 && b.day <= expected_len(rule, b.month, b.year));
                assert!(!b.month_name().is_empty());
                let is_new_year = d.month() == 4 && d.day() == 14;
                if is_new_year {
                    assert_eq!(
                        b,
                        BanglaDate {
                            day: 1,
                            month: 1,
                            year: prev.year + 1
                        },
                        "{d}"
                    );
                    assert_eq!(b.year, d.year() - 593);
                    assert_eq!(prev.month, 12, "{d}");
                    assert_eq!(prev.day, expected_len(rule, 12, prev.year), "{d}");
                } else if b.day == 1 {
                    assert_eq!(b.month, prev.month + 1, "{d}");
                    assert_eq!(b.year, prev.year, "{d}");
                    assert_eq!(prev.day, expected_len(rule, prev.month, prev.year), "{d}");
                } else {
                    assert_eq!(b.day, prev.day + 1, "{d}");
                    assert_eq!(b.month, prev.month, "{d}");
                    assert_eq!(b.year, prev.year, "{d}");
                }
                let expected_year = if (d.month(), d.day()) >= (4, 14) {
                    d.year() - 593
                } else {
                    d.year() - 594
                };
                assert_eq!(b.year, expected_year, "{d}");
                prev = b;
            }
            assert_eq!(days, 73_414);
        }
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        for rule in [CalendarRule::Revised2019, CalendarRule::Traditional1987] {
            for d in [
                NaiveDate::MIN,
                NaiveDate::MAX,
                date(0, 1, 1),
                date(-1, 12, 31),
            ] {
                let b = bangla_date(d, rule);
                assert!((1..=12).contains(&b.month));
                assert!(b.day >= 1 && b.day <= 31);
                let _ = b.text();
                let _ = format_date_bn(d);
            }
        }
        let _ = format_datetime_bn(DateTime::<Utc>::MIN_UTC);
        let _ = format_datetime_bn(DateTime::<Utc>::MAX_UTC);
        let _ = edition(DateTime::<Utc>::MAX_UTC, "ঢাকা", CalendarRule::default());
    }

    #[test]
    fn bangla_date_text_and_month_name() {
        let b = BanglaDate {
            day: 29,
            month: 7,
            year: 1431,
        };
        assert_eq!(b.month_name(), "কার্তিক");
        assert_eq!(b.text(), "২৯ কার্তিক ১৪৩১");
        assert_eq!(b.to_string(), "২৯ কার্তিক ১৪৩১");
        for (i, name) in BANGLA_MONTHS.iter().enumerate() {
            let b = BanglaDate {
                day: 1,
                month: i as u32 + 1,
                year: 1431,
            };
            assert_eq!(b.month_name(), *name);
        }
        let bad = BanglaDate {
            day: 1,
            month: 0,
            year: 1431,
        };
        assert_eq!(bad.month_name(), "");
        let bad = BanglaDate {
            day: 1,
            month: 13,
            year: 1431,
        };
        assert_eq!(bad.month_name(), "");
    }

    #[test]
    fn bangla_date_serializes() {
        let b = bangla_date(date(2024, 11, 14), CalendarRule::Revised2019);
        assert_eq!(
            serde_json::to_value(&b).unwrap(),
            serde_json::json!({"day": 29, "month": 7, "year": 1431})
        );
    }

    #[test]
    fn edition_line() {
        let expected = "ঢাকা বৃহস্পতিবার, ১৪ নভেম্বর ২০২৪ | ২৯ কার্তিক ১৪৩১";
        for at in [
            "2024-11-13T18:00:00Z",
            "2024-11-14T06:00:00Z",
            "2024-11-14T17:59:59Z",
        ] {
            let e = edition(utc(at), "ঢাকা", CalendarRule::Revised2019);
            assert_eq!(e.line, expected, "{at}");
            assert_eq!(e.place, "ঢাকা");
            assert_eq!(e.date, date(2024, 11, 14));
            assert_eq!(e.weekday, "বৃহস্পতিবার");
            assert_eq!(e.gregorian, "১৪ নভেম্বর ২০২৪");
            assert_eq!(e.bangla.text(), "২৯ কার্তিক ১৪৩১");
        }
    }

    #[test]
    fn edition_day_boundary() {
        let e = edition(utc("2024-11-13T17:59:59Z"), "ঢাকা", CalendarRule::Revised2019);
        assert_eq!(e.date, date(2024, 11, 13));
        assert_eq!(e.weekday, "বুধবার");
        assert_eq!(e.gregorian, "১৩ নভেম্বর ২০২৪");
        assert_eq!(e.line, "ঢাকা বুধবার, ১৩ নভেম্বর ২০২৪ | ২৮ কার্তিক ১৪৩১");
        let e = edition(utc("2024-11-14T18:00:00Z"), "ঢাকা", CalendarRule::Revised2019);
        assert_eq!(e.line, "ঢাকা শুক্রবার, ১৫ নভেম্বর ২০২৪ | ৩০ কার্তিক ১৪৩১");
    }

    #[test]
    fn edition_rule_and_place() {
        let at = utc("2024-11-14T06:00:00Z");
        let e = edition(at, " চট্টগ্রাম ", CalendarRule::Traditional1987);
        assert_eq!(e.place, "চট্টগ্রাম");
        assert_eq!(e.line, "চট্টগ্রাম বৃহস্পতিবার, ১৪ নভেম্বর ২০২৪ | ৩০ কার্তিক ১৪৩১");
        let e = edition(at, "  ", CalendarRule::Revised2019);
        assert_eq!(e.place, "");
        assert_eq!(e.line, "বৃহস্পতিবার, ১৪ নভেম্বর ২০২৪ | ২৯ কার্তিক ১৪৩১");
    }

    #[test]
    fn edition_serializes() {
        let e = edition(utc("2024-11-14T06:00:00Z"), "ঢাকা", CalendarRule::Revised2019);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["date"], "2024-11-14");
        assert_eq!(v["weekday"], "বৃহস্পতিবার");
        assert_eq!(v["bangla"]["month"], 7);
        assert_eq!(v["line"], "ঢাকা বৃহস্পতিবার, ১৪ নভেম্বর ২০২৪ | ২৯ কার্তিক ১৪৩১");
    }
}
