//! The Bengali analyzer: words split exactly where `domain::text::search_key`
//! separates them (whitespace, `।`, punctuation — even without spaces), each
//! word normalised by it (NFC, one form for য় ড় ঢ়, Bengali digits as ASCII,
//! zero-width characters dropped, lowercase). Bengali words stay whole:
//! tantivy's default tokenizer would split them at vowel signs and hasanta.
//! English words (the English edition, names in Latin letters) then lose
//! English stop words and are stemmed, as Lucene's English analyzer does
//! (tantivy's own filters: its stop words are Lucene's list, its stemmer
//! Snowball's English); neither touches a Bengali word.

use tantivy::tokenizer::{
    Language, Stemmer, StopWordFilter, TextAnalyzer, Token, TokenStream, Tokenizer,
};

pub const NAME: &str = "bn";
/// The sound keys of the Bengali words (`domain::sound`), for Banglish.
pub const SOUND: &str = "bn_sound";

#[derive(Clone, Default)]
pub struct BengaliTokenizer;

/// The analyzer of the searched text fields: [`BengaliTokenizer`], then
/// English stop words out and English words stemmed.
pub fn text_analyzer() -> TextAnalyzer {
    let builder = TextAnalyzer::builder(BengaliTokenizer).dynamic();
    let builder = match StopWordFilter::new(Language::English) {
        Some(stop) => builder.filter_dynamic(stop),
        None => builder,
    };
    builder
        .filter_dynamic(Stemmer::new(Language::English))
        .build()
}

/// Each Bengali word as its sound key; other words are left out.
#[derive(Clone, Default)]
pub struct SoundTokenizer;

impl Tokenizer for SoundTokenizer {
    type TokenStream<'a> = BengaliTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        BengaliTokenStream::new(
            domain::text::search_tokens(text)
                .filter_map(|(from, to, key)| Some((from, to, domain::sound::sound_key(&key)?))),
        )
    }
}

pub struct BengaliTokenStream {
    tokens: Vec<Token>,
    index: usize,
    /// Returned if asked for a token before the first `advance` (never a panic).
    fallback: Token,
}

impl Tokenizer for BengaliTokenizer {
    type TokenStream<'a> = BengaliTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        BengaliTokenStream::new(domain::text::search_tokens(text))
    }
}

impl BengaliTokenStream {
    /// The words `(start, end, key)` as tokens, one position each.
    fn new(words: impl Iterator<Item = (usize, usize, String)>) -> Self {
        let tokens = words
            .enumerate()
            .map(|(position, (from, to, key))| Token {
                offset_from: from,
                offset_to: to,
                position,
                text: key,
                position_length: 1,
            })
            .collect();
        Self {
            tokens,
            index: 0,
            fallback: Token::default(),
        }
    }
}

impl TokenStream for BengaliTokenStream {
    fn advance(&mut self) -> bool {
        if self.index < self.tokens.len() {
            self.index += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        self.index
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .unwrap_or(&self.fallback)
    }

    fn token_mut(&mut self) -> &mut Token {
        match self
            .index
            .checked_sub(1)
            .and_then(|i| self.tokens.get_mut(i))
        {
            Some(t) => t,
            None => &mut self.fallback,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        let mut t = BengaliTokenizer;
        let mut stream = t.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn bengali_words_stay_whole_and_danda_splits() {
        assert_eq!(words("আন্দোলন চলেছে।উত্তর"), vec!["আন্দোলন", "চলেছে", "উত্তর"]);
        assert_eq!(words("২০২৪ সালে"), vec!["2024", "সালে"]);
        assert_eq!(words("বিজয\u{09BC}"), words("বিজ\u{09DF}"));
        assert!(words("।, —").is_empty());
    }
}
