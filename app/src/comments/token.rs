//! Form tokens: a minimum time between loading a comment form and posting
//! it. The comment list hands out a token naming the article and the
//! instant it was issued, signed with HMAC-SHA256; a post that carries one
//! is refused when it is for another article, forged, too fresh (a bot
//! posting as soon as it has the page) or too old.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use domain::ValidationError;
use subtle::ConstantTimeEq;

/// HMAC-SHA256 (the `hmac` crate, as the webhook signatures use).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, KeyInit, Mac};
    // HMAC takes a key of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<sha2_11::Sha256>::new_from_slice(key) else {
        return [0; 32];
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

pub struct FormTokens {
    key: Vec<u8>,
}

impl FormTokens {
    /// With the configured secret, or a random key for this process.
    pub fn new(secret: Option<&str>) -> Self {
        let key = match secret {
            Some(s) => s.as_bytes().to_vec(),
            None => {
                let mut k = vec![0u8; 32];
                if getrandom::fill(&mut k).is_err() {
                    let t = Utc::now().timestamp_nanos_opt().unwrap_or_default();
                    k[..8].copy_from_slice(&t.to_le_bytes());
                }
                k
            }
        };
        Self { key }
    }

    fn mac(&self, article_id: i64, issued_micros: i64) -> String {
        let msg = format!("barta-comment-form:{article_id}:{issued_micros}");
        hex::encode(&hmac_sha256(&self.key, msg.as_bytes())[..16])
    }

    pub fn issue(&self, article_id: i64, now: DateTime<Utc>) -> String {
        let t = now.timestamp_micros();
        URL_SAFE_NO_PAD.encode(format!("{article_id}.{t}.{}", self.mac(article_id, t)))
    }

    /// Checks a token sent with a comment on `article_id`.
    pub fn check(
        &self,
        token: &str,
        article_id: i64,
        now: DateTime<Utc>,
        min_age: Duration,
        max_age: Duration,
    ) -> Result<(), ValidationError> {
        let invalid = || {
            ValidationError::new(
                "formToken",
                "is not a valid form token for this article; reload the comments",
            )
        };
        if token.is_empty() || token.len() > 200 {
            return Err(invalid());
        }
        let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
        let raw = String::from_utf8(raw).map_err(|_| invalid())?;
        let mut parts = raw.split('.');
        let (Some(a), Some(t), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let a: i64 = a.parse().map_err(|_| invalid())?;
        let t: i64 = t.parse().map_err(|_| invalid())?;
        let expected = self.mac(a, t);
        if a != article_id || !bool::from(expected.as_bytes().ct_eq(mac.as_bytes())) {
            return Err(invalid());
        }
        let issued = DateTime::<Utc>::from_timestamp_micros(t).ok_or_else(invalid)?;
        let age = now - issued;
        if age < min_age {
            return Err(ValidationError::new(
                "formToken",
                format!(
                    "the comment was sent too soon after the form was loaded; wait {} s",
                    min_age.num_seconds()
                ),
            ));
        }
        if age > max_age {
            return Err(ValidationError::new(
                "formToken",
                "has expired; reload the comments",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_1_and_2() {
        assert_eq!(
            hex::encode(hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_token_is_good_for_its_article_after_the_minimum_time() {
        let tokens = FormTokens::new(Some("secret"));
        let t0 = Utc::now();
        let tok = tokens.issue(5, t0);
        let (min, max) = (Duration::seconds(3), Duration::hours(24));
        assert!(
            tokens
                .check(&tok, 5, t0 + Duration::seconds(1), min, max)
                .is_err()
        );
        tokens
            .check(&tok, 5, t0 + Duration::seconds(3), min, max)
            .unwrap();
        assert!(
            tokens
                .check(&tok, 6, t0 + Duration::seconds(5), min, max)
                .is_err()
        );
        assert!(
            tokens
                .check(&tok, 5, t0 + Duration::hours(25), min, max)
                .is_err()
        );
        // Another key (another deployment) does not accept it.
        let other = FormTokens::new(Some("other"));
        assert!(
            other
                .check(&tok, 5, t0 + Duration::seconds(5), min, max)
                .is_err()
        );
        for bad in ["", "!!!", "NS4xLjI", &"A".repeat(300)] {
            let e = tokens.check(bad, 5, t0, min, max).unwrap_err();
            assert_eq!(e.field, "formToken");
        }
    }
}
