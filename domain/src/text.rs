//! Text normalisation for stored content and for search.
//!
//! * [`nfc`] / [`is_nfc`]: Unicode NFC, the form every stored string uses.
//!   Zero-width joiners (U+200D) and non-joiners (U+200C) are significant for
//!   Bengali rendering and are kept exactly as given.
//! * [`clean_text`]: validation of user supplied text: rejects control
//!   characters, normalises line endings and returns NFC.
//! * [`search_key`] / [`word_count`]: an aggressive, lossy normaliser for
//!   matching. Spelling variants that look identical on screen (precomposed
//!   or decomposed nukta letters, Bengali or ASCII digits, invisible
//!   zero-width characters) map to the same key, punctuation separates words
//!   and Bengali words (letters with their vowel signs, hasanta, etc.) stay
//!   whole.

use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Returns `s` in Unicode Normalization Form C.
///
/// ZWJ (U+200D) and ZWNJ (U+200C) are not touched by NFC and are kept. The
/// Bengali letters য় ড় ঢ় come out as base letter + nukta (U+09BC), since
/// their precomposed code points are composition exclusions.
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// True if `s` is already in Unicode Normalization Form C.
pub fn is_nfc(s: &str) -> bool {
    unicode_normalization::is_nfc(s)
}

/// Why [`clean_text`] rejected its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// A C0 or C1 control character (U+0000–U+001F, U+007F–U+009F) other
    /// than the allowed line feed, carriage return and tab of multi-line text.
    #[error("must not contain control characters")]
    ControlCharacter,
    /// A line break (`\n` or `\r`) in text that must be a single line.
    #[error("must not contain line breaks")]
    LineBreak,
    /// A bidirectional embedding, override or isolate control (U+202A–202E,
    /// U+2066–2069): they reorder how the surrounding text is displayed
    /// (`moc.elgoog`). The marks LRM/RLM/ALM are allowed.
    #[error("must not contain bidirectional control characters")]
    BidiControl,
    /// U+FEFF, a byte-order mark (or the deprecated zero-width no-break
    /// space): a leftover of file encodings, never part of the text.
    #[error("must not contain a byte-order mark (U+FEFF)")]
    ByteOrderMark,
}

/// Bidirectional embedding, override and isolate controls.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The languages articles may be written in (BCP 47 primary subtags).
pub const LANGUAGES: [&str; 2] = ["bn", "en"];

/// A BCP 47 language tag of a supported language ([`LANGUAGES`]), in its
/// canonical case: `bn`, `en`, `en-GB`, `bn-BD`, `bn-Beng-IN`. `None` for
/// anything else (other languages, private use, extensions).
pub fn language_tag(s: &str) -> Option<String> {
    let mut parts = s.trim().split(['-', '_']);
    let primary = parts.next()?.to_ascii_lowercase();
    if !LANGUAGES.contains(&primary.as_str()) {
        return None;
    }
    let mut out = primary;
    let mut script = false;
    let mut region = false;
    for p in parts {
        let alpha = p.chars().all(|c| c.is_ascii_alphabetic());
        if p.len() == 4 && alpha && !script && !region {
            script = true;
            let mut c = p.chars();
            let first = c.next()?.to_ascii_uppercase();
            out.push('-');
            out.push(first);
            out.push_str(&c.as_str().to_ascii_lowercase());
        } else if ((p.len() == 2 && alpha)
            || (p.len() == 3 && p.chars().all(|c| c.is_ascii_digit())))
            && !region
        {
            region = true;
            out.push('-');
            out.push_str(&p.to_ascii_uppercase());
        } else {
            return None;
        }
    }
    Some(out)
}

/// The primary language of a tag: `en` for `en-GB`.
pub fn primary_language(tag: &str) -> &str {
    tag.split('-').next().unwrap_or(tag)
}

/// A boolean setting as people write it: `1`/`0`, `true`/`false`,
/// `yes`/`no`, `on`/`off`, `y`/`n`, `t`/`f`, in any case; `None` for
/// anything else.
pub fn boolish(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" | "y" | "t" => Some(true),
        "0" | "false" | "no" | "off" | "n" | "f" => Some(false),
        _ => None,
    }
}

/// Validates and normalises user supplied text.
///
/// The one rule for all user-facing text (headlines, bodies, names,
/// comments, parameters shown back to readers). Rejects every C0/C1
/// control character, the bidirectional controls and the byte-order mark.
/// When `multiline` is true, `\n` and
/// `\t` are allowed, and `\r\n` as well as a lone `\r` become `\n`; when it is
/// false a line break gives [`TextError::LineBreak`] and a tab
/// [`TextError::ControlCharacter`]. The result is NFC. Whitespace is not
/// trimmed.
pub fn clean_text(s: &str, multiline: bool) -> Result<String, TextError> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if multiline => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' | '\t' if multiline => out.push(c),
            '\n' | '\r' => return Err(TextError::LineBreak),
            c if c.is_control() => return Err(TextError::ControlCharacter),
            c if is_bidi_control(c) => return Err(TextError::BidiControl),
            '\u{FEFF}' => return Err(TextError::ByteOrderMark),
            c => out.push(c),
        }
    }
    Ok(if is_nfc(&out) { out } else { nfc(&out) })
}

/// Invisible characters removed by [`search_key`]: Unicode's
/// Default_Ignorable_Code_Point set (zero-width space, non-joiner and
/// joiner, word joiner and the invisible operators, BOM / zero-width
/// no-break space, soft hyphen, the bidirectional marks and controls, the
/// combining grapheme joiner, variation selectors, Mongolian free variation
/// selectors, Hangul fillers, tag characters). None of them changes what a
/// reader sees, so none may make two texts differ.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// What a single input character contributes to a search key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyPart {
    /// Nothing (invisible characters).
    Drop,
    /// A word separator.
    Space,
    /// One character.
    Char(char),
    /// Base letter + nukta for the precomposed য় ড় ঢ়.
    Nukta(char),
    /// A character that is lowercased (possibly into several characters).
    Lower(char),
    /// `¦` (broken bar): in text converted from Bijoy-era fonts it stands
    /// for the ব-ফলা (`আলহাজ¦` for `আলহাজ্ব`); after a Bengali letter it
    /// becomes hasanta + ব, elsewhere a separator.
    BPhala,
}

/// Whether each character of the Bengali block (U+0980–U+09FF) belongs to
/// a word: the general rule below, worked out once. Tokenising is on the
/// hot path of indexing, snippets and related stories, and the standard
/// library's Unicode property lookups for non-ASCII letters are slow.
static BENGALI_WORD_CHAR: LazyLock<[bool; 128]> = LazyLock::new(|| {
    std::array::from_fn(|i| {
        char::from_u32(0x0980 + i as u32)
            .is_some_and(|c| c.is_alphanumeric() || is_combining_mark(c))
    })
});

fn key_part(c: char) -> KeyPart {
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() {
            KeyPart::Char(c.to_ascii_lowercase())
        } else {
            KeyPart::Space
        };
    }
    if ('\u{0980}'..='\u{09FF}').contains(&c)
        && !matches!(
            c,
            '\u{09DC}' | '\u{09DD}' | '\u{09DF}' | '\u{09E6}'..='\u{09EF}'
        )
    {
        // Bengali has no case: a word character is kept as it is.
        let word = BENGALI_WORD_CHAR
            .get((u32::from(c) - 0x0980) as usize)
            .copied()
            .unwrap_or(false);
        return if word {
            KeyPart::Char(c)
        } else {
            KeyPart::Space
        };
    }
    key_part_general(c)
}

fn key_part_general(c: char) -> KeyPart {
    match c {
        c if is_invisible(c) => KeyPart::Drop,
        '\u{00A6}' => KeyPart::BPhala,
        // Precomposed nukta letters → the decomposed form NFC produces.
        // (NFC already decomposes them; kept explicit for clarity.)
        '\u{09DC}' => KeyPart::Nukta('\u{09A1}'),
        '\u{09DD}' => KeyPart::Nukta('\u{09A2}'),
        '\u{09DF}' => KeyPart::Nukta('\u{09AF}'),
        // Bengali digits ০-৯ → ASCII 0-9.
        '\u{09E6}'..='\u{09EF}' => {
            let v = u32::from(c) - 0x09E6;
            KeyPart::Char(char::from_digit(v, 10).unwrap_or(c))
        }
        c if c.is_alphanumeric() || is_combining_mark(c) => KeyPart::Lower(c),
        // Whitespace, punctuation (including । and ॥), symbols, controls.
        _ => KeyPart::Space,
    }
}

/// Appends `c` to a search key, preceded by a single space if a separator
/// was seen since the previous character (never at the start).
fn emit(out: &mut String, pending_space: &mut bool, c: char) {
    if *pending_space && !out.is_empty() {
        out.push(' ');
    }
    *pending_space = false;
    out.push(c);
}

/// The words of `s` for a search index: each item is the byte range of the
/// word in `s` (for highlighting) and its search key. Words are split
/// exactly where [`search_key`] puts a separator, so
/// `search_tokens(s).map(key).join(" ") == search_key(s)` for NFC text.
pub fn search_tokens(s: &str) -> impl Iterator<Item = (usize, usize, String)> + '_ {
    search_words(s)
        .map(|(start, end)| (start, end, search_key(&s[start..end])))
        .filter(|(_, _, key)| !key.is_empty())
}

/// The byte ranges of the words [`search_tokens`] keys, before their keys
/// are built (a caller that memoises keys by word looks them up by these;
/// a word whose key is empty is no token).
pub fn search_words(s: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut chars = s.char_indices().peekable();
    std::iter::from_fn(move || {
        // Skip separators.
        while let Some(&(_, c)) = chars.peek() {
            if matches!(key_part(c), KeyPart::Space | KeyPart::BPhala) {
                chars.next();
            } else {
                break;
            }
        }
        let (start, _) = *chars.peek()?;
        let mut end = start;
        while let Some(&(i, c)) = chars.peek() {
            if matches!(key_part(c), KeyPart::Space) {
                break;
            }
            end = i + c.len_utf8();
            chars.next();
        }
        Some((start, end))
    })
}

/// Builds the normalised key used for search.
///
/// Steps: NFC; য় ড় ঢ় (precomposed or decomposed) → base letter + nukta;
/// Bengali digits → ASCII digits; zero-width characters (U+200B–U+200D,
/// U+2060, U+FEFF, soft hyphen U+00AD, bidi marks) dropped; lowercase;
/// every other character that is not a letter, digit or combining mark
/// (punctuation such as `।` `॥` `,` quotes, dashes, brackets, symbols,
/// whitespace) becomes a word separator; separators collapse to a single
/// ASCII space with no leading or trailing space. Legacy spellings key as
/// the modern form: khanda ta written ত + hasanta + ZWJ is ৎ, a broken bar
/// `¦` after a Bengali letter is the ব-ফলা of Bijoy-era conversions, and a
/// visarga at the very end of a word is a colon (dropped). Bengali vowel signs,
/// hasanta, chandrabindu, anusvara, visarga and khanda ta are kept, so
/// Bengali words stay whole.
///
/// `search_key("ঢাকা, ২৪ নভেম্বর")` is `"ঢাকা 24 নভেম্বর"`.
pub fn search_key(s: &str) -> String {
    // Khanda ta in its Unicode 4.0 spelling (ত + hasanta + ZWJ) is ৎ; the
    // ZWJ would otherwise be dropped and leave a bare ত + hasanta.
    let khanda;
    let s = if s.contains("\u{09A4}\u{09CD}\u{200D}") {
        khanda = s.replace("\u{09A4}\u{09CD}\u{200D}", "\u{09CE}");
        khanda.as_str()
    } else {
        s
    };
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.nfc() {
        match key_part(c) {
            KeyPart::Drop => {}
            KeyPart::Space => {
                end_word(&mut out);
                pending_space = true;
            }
            KeyPart::BPhala => {
                if !pending_space && out.chars().next_back().is_some_and(is_bengali_letter) {
                    out.push('\u{09CD}');
                    out.push('\u{09AC}');
                } else {
                    end_word(&mut out);
                    pending_space = true;
                }
            }
            KeyPart::Char(k) => emit(&mut out, &mut pending_space, k),
            KeyPart::Nukta(base) => {
                emit(&mut out, &mut pending_space, base);
                emit(&mut out, &mut pending_space, '\u{09BC}');
            }
            KeyPart::Lower(c) => {
                for k in c.to_lowercase() {
                    emit(&mut out, &mut pending_space, k);
                }
            }
        }
    }
    end_word(&mut out);
    // Dropping invisible characters or lowercasing can leave a sequence that
    // is not NFC any more (e.g. combining marks that were separated by a
    // ZWJ); normalise again so equal-looking inputs give equal keys.
    if is_nfc(&out) { out } else { nfc(&out) }
}

/// Whether `c` is a combining mark (vowel signs, hasanta, nukta…): part of
/// a word though not alphanumeric.
pub fn is_word_mark(c: char) -> bool {
    is_combining_mark(c)
}

/// Closes a word of a search key: a visarga at its very end is a colon
/// typed as `ঃ` (`সময়ঃ সকাল ১০টা`), not part of the word; a visarga inside
/// a word (`দুঃখ`) stays.
fn end_word(out: &mut String) {
    if out.ends_with('\u{0983}') {
        out.pop();
        // A visarga standing alone leaves the separator written before it.
        if out.ends_with(' ') {
            out.pop();
        }
    }
}

/// A Bengali letter (consonant, vowel, khanda ta) or sign that a ব-ফলা
/// can follow.
fn is_bengali_letter(c: char) -> bool {
    matches!(c, '\u{0985}'..='\u{09B9}' | '\u{09BC}' | '\u{09CE}' | '\u{09DC}'..='\u{09DF}')
}

/// Number of words in `s`: the words of its [`search_key`], so whitespace
/// and punctuation separate words and a Bengali word counts once.
pub fn word_count(s: &str) -> usize {
    search_key(s).split(' ').filter(|w| !w.is_empty()).count()
}

#[cfg(test)]
mod language_tests {
    use super::*;

    #[test]
    fn language_tags_are_supported_languages_in_canonical_case() {
        assert_eq!(language_tag("bn").as_deref(), Some("bn"));
        assert_eq!(language_tag("EN").as_deref(), Some("en"));
        assert_eq!(language_tag("en-gb").as_deref(), Some("en-GB"));
        assert_eq!(language_tag("bn_bd").as_deref(), Some("bn-BD"));
        assert_eq!(language_tag("bn-beng-in").as_deref(), Some("bn-Beng-IN"));
        assert_eq!(language_tag("en-419").as_deref(), Some("en-419"));
        for bad in [
            "",
            "fr",
            "english",
            "en-",
            "en-GB-GB",
            "en-x-private",
            "en-IN-Latn",
            "বাংলা",
        ] {
            assert_eq!(language_tag(bad), None, "{bad}");
        }
        assert_eq!(primary_language("en-GB"), "en");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_paths_agree_with_the_general_rule() {
        let effect = |k: KeyPart| -> String {
            match k {
                KeyPart::Drop => "<drop>".into(),
                KeyPart::Space => " ".into(),
                KeyPart::Char(c) => c.to_string(),
                KeyPart::Nukta(b) => format!("{b}\u{09BC}"),
                KeyPart::Lower(c) => c.to_lowercase().collect(),
                KeyPart::BPhala => "<b-phala>".into(),
            }
        };
        for cp in 0..0x3000u32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            let general = effect(key_part_general(c));
            assert_eq!(effect(key_part(c)), general, "U+{cp:04X}");
        }
    }

    const YA_PRE: &str = "\u{09DF}";
    const YA_DEC: &str = "\u{09AF}\u{09BC}";
    const RRA_PRE: &str = "\u{09DC}";
    const RRA_DEC: &str = "\u{09A1}\u{09BC}";
    const RHA_PRE: &str = "\u{09DD}";
    const RHA_DEC: &str = "\u{09A2}\u{09BC}";

    #[test]
    fn nfc_decomposes_nukta_exclusions() {
        assert_eq!(nfc(YA_PRE), YA_DEC);
        assert_eq!(nfc(RRA_PRE), RRA_DEC);
        assert_eq!(nfc(RHA_PRE), RHA_DEC);
        assert_eq!(nfc(YA_DEC), YA_DEC);
        assert!(!is_nfc(YA_PRE));
        assert!(is_nfc(YA_DEC));
    }

    #[test]
    fn nfc_composes_vowel_signs_and_latin() {
        // ো = ে + া, ৌ = ে + ৗ
        assert_eq!(nfc("\u{0995}\u{09C7}\u{09BE}"), "\u{0995}\u{09CB}");
        assert_eq!(nfc("\u{0995}\u{09C7}\u{09D7}"), "\u{0995}\u{09CC}");
        assert_eq!(nfc("e\u{0301}"), "\u{00E9}");
        assert!(!is_nfc("e\u{0301}"));
        assert!(is_nfc("\u{00E9}"));
        assert!(is_nfc(""));
        assert!(is_nfc("ঢাকা"));
    }

    #[test]
    fn nfc_keeps_zwj_and_zwnj() {
        let zwj = "\u{09B0}\u{200D}\u{09CD}\u{09AF}"; // র‍্য
        let zwnj = "\u{0995}\u{09CD}\u{200C}\u{09B7}"; // ক্‌ষ
        assert_eq!(nfc(zwj), zwj);
        assert_eq!(nfc(zwnj), zwnj);
        assert!(is_nfc(zwj));
        assert!(is_nfc(zwnj));
    }

    #[test]
    fn clean_text_single_line() {
        assert_eq!(clean_text("ঢাকা", false), Ok("ঢাকা".to_owned()));
        assert_eq!(clean_text("  spaced  ", false), Ok("  spaced  ".to_owned()));
        assert_eq!(clean_text("", false), Ok(String::new()));
        assert_eq!(clean_text("a\nb", false), Err(TextError::LineBreak));
        assert_eq!(clean_text("a\r\nb", false), Err(TextError::LineBreak));
        assert_eq!(clean_text("a\rb", false), Err(TextError::LineBreak));
        assert_eq!(clean_text("a\tb", false), Err(TextError::ControlCharacter));
    }

    #[test]
    fn clean_text_multiline() {
        assert_eq!(clean_text("a\nb\tc", true), Ok("a\nb\tc".to_owned()));
        assert_eq!(clean_text("a\r\nb\r\n", true), Ok("a\nb\n".to_owned()));
        assert_eq!(clean_text("a\rb", true), Ok("a\nb".to_owned()));
        assert_eq!(clean_text("a\r\r\nb", true), Ok("a\n\nb".to_owned()));
        assert_eq!(clean_text("\r", true), Ok("\n".to_owned()));
    }

    #[test]
    fn one_rule_refuses_bidi_controls_and_byte_order_marks_in_all_text() {
        for bad in ["abc\u{202E}gpj.exe", "\u{2066}খবর\u{2069}", "বাজেট\u{202D}"] {
            assert_eq!(
                clean_text(bad, false),
                Err(TextError::BidiControl),
                "{bad:?}"
            );
            assert_eq!(
                clean_text(bad, true),
                Err(TextError::BidiControl),
                "{bad:?}"
            );
            assert!(crate::Headline::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            clean_text("\u{FEFF}শিরোনাম", false),
            Err(TextError::ByteOrderMark)
        );
        assert!(crate::Headline::parse("\u{FEFF}শিরোনাম").is_err());
        // The marks that only set direction are allowed.
        assert!(clean_text("ঢাকা\u{200F} (AFP)\u{200E}", false).is_ok());
    }

    #[test]
    fn boolean_settings_accept_the_usual_spellings() {
        for t in ["1", "true", "TRUE", "yes", "on", " On ", "y", "t"] {
            assert_eq!(boolish(t), Some(true), "{t}");
        }
        for f in ["0", "false", "no", "OFF", "n", "f"] {
            assert_eq!(boolish(f), Some(false), "{f}");
        }
        assert_eq!(boolish("maybe"), None);
        assert_eq!(boolish(""), None);
    }

    #[test]
    fn invisible_characters_never_make_two_search_keys_differ() {
        for c in [
            '\u{200B}',
            '\u{2063}',
            '\u{034F}',
            '\u{FE0F}',
            '\u{180E}',
            '\u{E0041}',
            '\u{3164}',
        ] {
            assert_eq!(
                search_key(&format!("বন্{c}যা ঢা{c}কা")),
                "বন্যা ঢাকা",
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn clean_text_rejects_control_characters() {
        for multiline in [false, true] {
            for c in ('\u{0}'..='\u{1F}').chain('\u{7F}'..='\u{9F}') {
                if multiline && matches!(c, '\n' | '\t' | '\r') {
                    continue;
                }
                if !multiline && matches!(c, '\n' | '\r') {
                    continue;
                }
                let s = format!("ab{c}cd");
                assert_eq!(
                    clean_text(&s, multiline),
                    Err(TextError::ControlCharacter),
                    "{:#x} multiline={multiline}",
                    u32::from(c)
                );
            }
        }
        // Neighbours of the control ranges are fine.
        assert!(clean_text(" ~\u{A0}\u{200C}\u{200D}", false).is_ok());
    }

    #[test]
    fn clean_text_error_messages() {
        assert_eq!(
            TextError::ControlCharacter.to_string(),
            "must not contain control characters"
        );
        assert_eq!(
            TextError::LineBreak.to_string(),
            "must not contain line breaks"
        );
    }

    #[test]
    fn clean_text_returns_nfc() {
        let input = format!("বিজ{YA_PRE}\r\ne\u{0301}");
        let out = clean_text(&input, true).unwrap();
        assert_eq!(out, format!("বিজ{YA_DEC}\n\u{00E9}"));
        assert!(is_nfc(&out));
        // ZWNJ survives cleaning.
        let zwnj = "\u{0995}\u{09CD}\u{200C}\u{09B7}";
        assert_eq!(clean_text(zwnj, false).unwrap(), zwnj);
    }

    #[test]
    fn search_tokens_agree_with_search_key_and_keep_offsets() {
        for text in [
            "চলেছে।উত্তর দিকে",
            "ঢাকা, ২৪ নভেম্বর (বাসস) — বিজয় দিবস",
            "র\u{200D}্যাব ও পুলিশ\u{200C}ের অভিযান",
            "  Hello, World! 2024  ",
            "",
            "।।।",
        ] {
            let text = nfc(text);
            let tokens: Vec<(usize, usize, String)> = search_tokens(&text).collect();
            let joined: Vec<&str> = tokens.iter().map(|t| t.2.as_str()).collect();
            assert_eq!(joined.join(" "), search_key(&text), "{text}");
            for (start, end, key) in &tokens {
                assert_eq!(&search_key(&text[*start..*end]), key);
            }
        }
        let words: Vec<String> = search_tokens("চলেছে।উত্তর").map(|t| t.2).collect();
        assert_eq!(words, vec!["চলেছে", "উত্তর"]);
    }

    #[test]
    fn legacy_spellings_key_as_the_modern_form() {
        // Bijoy-era ব-ফলা as a broken bar.
        assert_eq!(search_key("আলহাজ¦ মোহাম্মদ"), search_key("আলহাজ্ব মোহাম্মদ"));
        assert_eq!(search_key("বিশ¦াস"), search_key("বিশ্বাস"));
        // Elsewhere it separates.
        assert_eq!(search_key("দাম ¦ ১০ টাকা"), "দাম 10 টাকা");
        // Khanda ta as ত + hasanta + ZWJ.
        assert_eq!(search_key("হঠা\u{09A4}\u{09CD}\u{200D}"), search_key("হঠাৎ"));
        assert_eq!(
            search_key("উ\u{09A4}\u{09CD}\u{200D}সব"),
            search_key("উৎসব")
        );
        // A visarga used as a colon after a word; inside a word it stays.
        assert_eq!(search_key("সময়ঃ সকাল ১০টা"), search_key("সময় সকাল ১০টা"));
        assert_eq!(search_key("দুঃখ"), "দুঃখ");
        assert_eq!(search_key("স্থানঃ"), "স্থান");
        assert_eq!(search_key("ঢাকা ঃ খুলনা"), "ঢাকা খুলনা");
        // Tokens agree with the key.
        for s in ["আলহাজ¦ সময়ঃ হঠা\u{09A4}\u{09CD}\u{200D} দুঃখ", "x¦y ঃ"]
        {
            let joined: Vec<String> = search_tokens(s).map(|t| t.2).collect();
            assert_eq!(joined.join(" "), search_key(s), "{s}");
        }
    }

    #[test]
    fn search_key_splits_on_danda() {
        assert_eq!(search_key("চলেছে।উত্তর"), "চলেছে উত্তর");
        assert_eq!(search_key("এক॥দুই।"), "এক দুই");
    }

    #[test]
    fn search_key_unifies_nukta_letters() {
        let pre = format!("বিজ{YA_PRE}");
        let dec = format!("বিজ{YA_DEC}");
        assert_ne!(pre, dec);
        assert_eq!(search_key(&pre), search_key(&dec));
        assert_eq!(search_key(&pre), dec);
        for (p, d) in [(YA_PRE, YA_DEC), (RRA_PRE, RRA_DEC), (RHA_PRE, RHA_DEC)] {
            assert_eq!(search_key(p), d);
            assert_eq!(search_key(d), d);
        }
        // আষাঢ় with precomposed ঢ় equals the NFC spelling.
        assert_eq!(
            search_key(&format!("আষা{RHA_PRE}")),
            search_key(&format!("আষা{RHA_DEC}"))
        );
    }

    #[test]
    fn search_key_unifies_digits() {
        assert_eq!(search_key("২০২৪"), "2024");
        assert_eq!(search_key("২০২৪"), search_key("2024"));
        assert_eq!(search_key("০১২৩৪৫৬৭৮৯"), "0123456789");
    }

    #[test]
    fn search_key_drops_zero_width_characters() {
        let plain = "\u{0995}\u{09CD}\u{09B7}"; // ক্ষ
        let zwnj = "\u{0995}\u{09CD}\u{200C}\u{09B7}";
        let zwj = "\u{0995}\u{09CD}\u{200D}\u{09B7}";
        assert_eq!(search_key(zwnj), search_key(plain));
        assert_eq!(search_key(zwj), search_key(plain));
        for z in [
            '\u{200B}', '\u{200C}', '\u{200D}', '\u{FEFF}', '\u{00AD}', '\u{2060}',
        ] {
            assert_eq!(
                search_key(&format!("বাং{z}লাদেশ")),
                "বাংলাদেশ",
                "{:#x}",
                u32::from(z)
            );
        }
        assert_eq!(search_key("\u{FEFF}hello\u{200E}"), "hello");
        assert_eq!(search_key("\u{200B}\u{200C}"), "");
    }

    #[test]
    fn search_key_dateline() {
        assert_eq!(search_key("ঢাকা, ২৪ নভেম্বর"), "ঢাকা 24 নভেম্বর");
    }

    #[test]
    fn search_key_latin() {
        assert_eq!(search_key("Hello, World!"), "hello world");
        assert_eq!(search_key("ÉCOLE"), "école");
        assert_eq!(search_key("E\u{0301}cole"), "école");
        assert_eq!(search_key("don't"), "don t");
    }

    #[test]
    fn search_key_empty() {
        assert_eq!(search_key(""), "");
        assert_eq!(search_key("   \t\n  "), "");
        assert_eq!(search_key("\u{00A0}\u{3000}"), "");
        assert_eq!(search_key("।,!?"), "");
    }

    #[test]
    fn search_key_punctuation_and_symbols() {
        let s = "“উদ্ধৃতি” ‘এক’ \"দুই\" 'তিন' (চার) [পাঁচ] {ছয়} ক-খ ক–খ ক—খ ক/খ a?b!c:d;e ৳১০০ @#%&*+=<>|\\~^`$";
        assert_eq!(
            search_key(s),
            nfc("উদ্ধৃতি এক দুই তিন চার পাঁচ ছয় ক খ ক খ ক খ ক খ a b c d e 100")
        );
        assert_eq!(search_key("a...b"), "a b");
        assert_eq!(search_key("  a \n\t b  "), "a b");
    }

    #[test]
    fn search_key_keeps_bengali_words_whole() {
        // Vowel signs, hasanta, chandrabindu, anusvara, visarga, khanda ta
        // and the au length mark are kept.
        for w in [
            "বাংলাদেশ",
            "চাঁদ",
            "দুঃখ",
            "উৎসব",
            "সংস্কৃতি",
            "প্রধানমন্ত্রী",
            "কৌশল",
            "বিজয়",
            "আষাঢ়",
            "রাষ্ট্রপতির",
        ] {
            let w = nfc(w);
            assert_eq!(search_key(&w), w, "{w}");
            assert_eq!(word_count(&w), 1, "{w}");
        }
        // Decomposed o-kar / au-kar give the same key as precomposed.
        assert_eq!(
            search_key("\u{0995}\u{09C7}\u{09BE}"),
            search_key("\u{0995}\u{09CB}")
        );
        assert_eq!(search_key("\u{0995}\u{09CC}"), "\u{0995}\u{09CC}");
    }

    #[test]
    fn search_key_output_is_nfc_and_idempotent() {
        let inputs = [
            "e\u{200D}\u{0301}",
            "বিজয়, ২০২৪।",
            "Hello, World!",
            "İstanbul",
            "\u{0995}\u{09C7}\u{200C}\u{09BE}",
        ];
        for s in inputs {
            let k = search_key(s);
            assert!(is_nfc(&k), "{s:?}");
            assert_eq!(search_key(&k), k, "{s:?}");
            assert!(!k.starts_with(' ') && !k.ends_with(' '));
            assert!(!k.contains("  "));
        }
        assert_eq!(search_key("e\u{200D}\u{0301}"), "\u{00E9}");
    }

    #[test]
    fn word_count_counts_words() {
        assert_eq!(word_count(""), 0);
        assert_eq!(word_count("   "), 0);
        assert_eq!(word_count("।।"), 0);
        assert_eq!(word_count("চলেছে।উত্তর"), 2);
        assert_eq!(word_count("ঢাকা, ২৪ নভেম্বর"), 3);
        assert_eq!(word_count("Hello, World!"), 2);
        assert_eq!(word_count("বাংলাদেশের রাজধানী ঢাকা।"), 3);
        assert_eq!(word_count("a\u{200C}b"), 1);
        assert_eq!(word_count("one\ntwo\tthree  four"), 4);
    }
}
