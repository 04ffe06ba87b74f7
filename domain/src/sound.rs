//! How a Bengali word sounds, reduced to what a reader typing it in Latin
//! letters (Banglish: `dhaka bonna`, `hasina`) gets right: the sound key.
//!
//! A romanised query word goes through the Avro phonetic rules (in `app`)
//! to a Bengali spelling, and both that spelling and the words of the
//! articles are reduced here to one key, so spelling choices that Avro
//! cannot guess still meet:
//! - dental and retroflex, aspirated and plain stops are one sound (ট ঠ ত থ
//!   are `t`; ড ঢ দ ধ are `d`; চ ছ are `c`; ব ভ are `b` …): Avro reads a
//!   lowercase `d` as ড, readers mean দ as often;
//! - ন ণ ঞ are `n`; শ ষ স are `s`; জ ঝ য are `j`; র ড় ঢ় are `r`;
//! - long and short vowels are one (ি ী `i`, ু ূ `u`); the inherent vowel is
//!   not written, so ো and অ/ও, which Banglish spells the same `o`, are left
//!   out too;
//! - the য-ফলা, which doubles the consonant it follows (বন্যা sounds
//!   `bonna`), and the hasanta are dropped and a doubled sound is one
//!   (বন্না and বন্যা are both `bna`); ক্ষ is `k` (readers type `kh`);
//! - ঁ and ঃ are silent here.
//!
//! The key is lossy by design (ঢাকা and ডাকা share `daka`); it is used
//! only where the reader's own spelling is not Bengali.

/// The sound key of one word as `crate::text::search_key` gives it; `None`
/// for a word with no Bengali letter (numbers, Latin words).
pub fn sound_key(word: &str) -> Option<String> {
    let chars: Vec<char> = word.chars().collect();
    if !chars
        .iter()
        .any(|c| ('\u{0985}'..='\u{09B9}').contains(c) || *c == '\u{09CE}')
    {
        return None;
    }
    let mut out = String::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        // A nukta letter (kept decomposed by the search key): য় ড় ঢ়.
        if next == Some('\u{09BC}') {
            match c {
                '\u{09AF}' => push(&mut out, "y"),
                '\u{09A1}' | '\u{09A2}' => push(&mut out, "r"),
                _ => push(&mut out, sound(c)),
            }
            i += 2;
            continue;
        }
        if c == '\u{09CD}' {
            // য-ফলা: the consonant before it doubles, which is one sound.
            if next == Some('\u{09AF}') && chars.get(i + 2) != Some(&'\u{09BC}') {
                i += 2;
                continue;
            }
            // ক্ষ: the ষ is heard as the aspiration of ক.
            if next == Some('\u{09B7}') && i > 0 && chars[i - 1] == '\u{0995}' {
                i += 2;
                continue;
            }
            i += 1;
            continue;
        }
        push(&mut out, sound(c));
        i += 1;
    }
    (!out.is_empty()).then_some(out)
}

/// Appends a sound, skipping a repeat of the last one.
fn push(out: &mut String, s: &str) {
    if !s.is_empty() && !out.ends_with(s) {
        out.push_str(s);
    }
}

fn sound(c: char) -> &'static str {
    match c {
        // Consonants.
        'ক' | 'খ' => "k",
        'গ' | 'ঘ' => "g",
        'ঙ' | 'ং' => "ng",
        'চ' | 'ছ' => "c",
        'জ' | 'ঝ' | 'য' => "j",
        'ঞ' | 'ণ' | 'ন' => "n",
        'ট' | 'ঠ' | 'ত' | 'থ' | 'ৎ' => "t",
        'ড' | 'ঢ' | 'দ' | 'ধ' => "d",
        'প' | 'ফ' => "p",
        'ব' | 'ভ' => "b",
        'ম' => "m",
        'র' | '\u{09DC}' | '\u{09DD}' => "r",
        'ল' => "l",
        'শ' | 'ষ' | 'স' => "s",
        'হ' => "h",
        '\u{09DF}' => "y",
        // Vowels, independent and as signs.
        'আ' | 'া' => "a",
        'ই' | 'ঈ' | 'ি' | 'ী' => "i",
        'উ' | 'ঊ' | 'ু' | 'ূ' => "u",
        'ঋ' | 'ৃ' => "ri",
        'এ' | 'ে' => "e",
        'ঐ' | 'ৈ' => "oi",
        'ঔ' | 'ৌ' => "ou",
        // অ, ও, ো (the unwritten `o`), ঁ, ঃ, and anything else.
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::sound_key;
    use crate::text::search_key;

    fn key(word: &str) -> String {
        sound_key(&search_key(word)).unwrap()
    }

    #[test]
    fn spellings_a_reader_cannot_tell_apart_share_a_key() {
        assert_eq!(key("ঢাকা"), "daka");
        assert_eq!(key("বন্যা"), key("বন্না"));
        assert_eq!(key("বন্যা"), "bna");
        assert_eq!(key("হাসিনা"), key("হাসীনা"));
        assert_eq!(key("দেশ"), key("ডেশ"));
        assert_eq!(key("ক্ষমা"), key("খমা"));
        assert_eq!(key("সোনার"), key("সনার"));
        assert_eq!(key("চট্টগ্রাম"), key("ছটগ্রাম"));
        // য় (either Unicode spelling) is a `y`, য a `j`.
        assert_eq!(key("হয়"), "hy");
        assert_eq!(key("হয\u{09BC}"), "hy");
        assert_eq!(key("যান"), "jan");
    }

    #[test]
    fn different_words_keep_different_keys() {
        assert_ne!(key("ঢাকা"), key("ঢাল"));
        assert_ne!(key("বন্যা"), key("বাণী"));
        assert_ne!(key("হাসিনা"), key("হাসান"));
    }

    #[test]
    fn words_without_bengali_letters_have_no_key() {
        assert_eq!(sound_key("2024"), None);
        assert_eq!(sound_key("dhaka"), None);
        assert_eq!(sound_key(""), None);
    }
}
