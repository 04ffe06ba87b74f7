//! Sparse fieldsets: `?fields=headline,section,publishedAt` keeps only the
//! named top-level fields of each article (`id` is always there), like
//! PostgREST's `select`, Ghost's `fields` or JSON:API's `fields[type]`.
//!
//! The server also skips the work the other fields would need: the author
//! and tag links (one statement per page), comment counts, rendered bodies
//! and Bengali display dates. Without `fields`, every field is sent.

use app::AppError;
use serde::Serialize;
use serde::ser::{self, Impossible, SerializeMap, SerializeStruct};

/// The query parameter of the article lists.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FieldsParam {
    /// Comma-separated top-level fields of each article to send (camelCase,
    /// as in the response); `id` is always sent. Absent: every field.
    #[param(
        example = "headline,summary,section,publishedAt",
        pattern = "^(?:id|slug|headline|kicker|summary|section|authors|desk|tags|image|status|publishedAt|publishedAtBn|updatedAt|updatedAtBn|publishedAtLocal|updatedAtLocal|wordCount|readingMinutes|kind|liveState|kindLabel|sponsored|access|language)(?:,(?:id|slug|headline|kicker|summary|section|authors|desk|tags|image|status|publishedAt|publishedAtBn|updatedAt|updatedAtBn|publishedAtLocal|updatedAtLocal|wordCount|readingMinutes|kind|liveState|kindLabel|sponsored|access|language))*$"
    )]
    pub fields: Option<String>,
    /// `total`: also count every match (`page.total`, exact up to 10,000,
    /// else `relation: gte`). Counting costs a query: ask only when shown.
    #[param(pattern = "^total$", example = "total")]
    pub include: Option<String>,
    /// Adds `publishedAtLocal` and `updatedAtLocal` in this locale: `en`
    /// (`12 November 2024, 11:31 AM`) or `bn`; the `*Bn` fields stay.
    #[param(example = "en")]
    pub locale: Option<String>,
}

impl FieldsParam {
    /// Whether `include=total` was asked; any other value is a 400.
    pub fn wants_total(&self) -> Result<bool, AppError> {
        match self.include.as_deref() {
            None => Ok(false),
            Some(v) if v.split(',').all(|p| p.trim() == "total") => Ok(true),
            Some(_) => Err(AppError::invalid("include", "must be total")),
        }
    }
}

/// The query parameter of an article page (its fields are a list item's and
/// the body, sources, corrections and comment figures).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleFieldsParam {
    /// Comma-separated top-level fields of the article to send (camelCase,
    /// as in the response); `id` is always sent. Absent: every field.
    #[param(
        example = "headline,bodyHtml,section,publishedAt",
        pattern = "^(?:id|slug|headline|kicker|summary|section|authors|desk|tags|image|status|publishedAt|publishedAtBn|updatedAt|updatedAtBn|publishedAtLocal|updatedAtLocal|wordCount|readingMinutes|kind|liveState|kindLabel|sponsored|access|body|bodyHtml|bodyText|source|sourceUrl|dateline|language|secondarySections|firstPublishedAt|canonicalUrl|translationGroup|corrections|commentCount|commentsOpen)(?:,(?:id|slug|headline|kicker|summary|section|authors|desk|tags|image|status|publishedAt|publishedAtBn|updatedAt|updatedAtBn|publishedAtLocal|updatedAtLocal|wordCount|readingMinutes|kind|liveState|kindLabel|sponsored|access|body|bodyHtml|bodyText|source|sourceUrl|dateline|language|secondarySections|firstPublishedAt|canonicalUrl|translationGroup|corrections|commentCount|commentsOpen))*$"
    )]
    pub fields: Option<String>,
    /// Adds `publishedAtLocal` and `updatedAtLocal` in this locale (`en`
    /// or `bn`).
    #[param(example = "en")]
    pub locale: Option<String>,
}

/// The fields of an article in a list (`ArticleSummaryView`).
pub const SUMMARY_FIELDS: &[&str] = &[
    "id",
    "slug",
    "headline",
    "kicker",
    "summary",
    "section",
    "authors",
    "desk",
    "tags",
    "image",
    "status",
    "publishedAt",
    "publishedAtBn",
    "updatedAt",
    "updatedAtBn",
    "publishedAtLocal",
    "updatedAtLocal",
    "wordCount",
    "readingMinutes",
    "kind",
    "liveState",
    "kindLabel",
    "sponsored",
    "access",
    "language",
];

/// The fields an article page adds to [`SUMMARY_FIELDS`] (`ArticleView`).
pub const ARTICLE_ONLY_FIELDS: &[&str] = &[
    "body",
    "bodyHtml",
    "bodyText",
    "source",
    "sourceUrl",
    "dateline",
    "secondarySections",
    "firstPublishedAt",
    "canonicalUrl",
    "translationGroup",
    "corrections",
    "commentCount",
    "commentsOpen",
];

/// Which fields a response carries: all of them, or a validated subset.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSet {
    only: Option<Vec<&'static str>>,
    /// The locale of the `*Local` display strings (`?locale=`); `None`:
    /// none are sent.
    pub locale: Option<domain::bangla::Locale>,
}

impl FieldSet {
    /// Every field.
    pub fn all() -> Self {
        Self::default()
    }

    /// With the `*Local` display strings in `raw` (`?locale=`).
    pub fn with_locale(mut self, raw: Option<&str>) -> Result<Self, AppError> {
        self.locale = match raw.map(str::trim).filter(|r| !r.is_empty()) {
            None => None,
            Some(r) => Some(domain::bangla::Locale::parse(r).ok_or_else(|| {
                AppError::invalid("locale", "must be bn or en (a BCP 47 tag of either)")
            })?),
        };
        Ok(self)
    }

    /// Parses `fields` against the known names of a list (`article: false`)
    /// or of an article page. Unknown or empty names are a 400 naming them.
    pub fn parse(raw: Option<&str>, article: bool) -> Result<Self, AppError> {
        let Some(raw) = raw else {
            return Ok(Self::all());
        };
        let known = |name: &str| {
            SUMMARY_FIELDS
                .iter()
                .chain(if article { ARTICLE_ONLY_FIELDS } else { &[] })
                .find(|k| **k == name)
                .copied()
        };
        let mut only = vec!["id"];
        let mut unknown = Vec::new();
        for name in raw.split(',').map(str::trim) {
            match known(name) {
                Some(k) if !only.contains(&k) => only.push(k),
                Some(_) => {}
                None if name.is_empty() => unknown.push("\"\"".to_owned()),
                None => unknown.push(format!("{name:?}")),
            }
        }
        if unknown.is_empty() {
            return Ok(Self {
                only: Some(only),
                locale: None,
            });
        }
        let scope = if article { "an article" } else { "a list item" };
        Err(AppError::invalid(
            "fields",
            format!(
                "unknown field {} (the fields of {scope} are named as in the response, \
                 comma-separated)",
                unknown.join(", ")
            ),
        ))
    }

    /// Whether `name` is sent.
    pub fn has(&self, name: &str) -> bool {
        self.only.as_ref().is_none_or(|o| o.contains(&name))
    }

    /// `make()` when `name` is sent; a placeholder that is never sent
    /// otherwise (so its cost is skipped).
    pub fn when<T: Default>(&self, name: &str, make: impl FnOnce() -> T) -> T {
        if self.has(name) { make() } else { T::default() }
    }

    /// Whether a page needs the author and tag links of its articles.
    pub fn needs_links(&self) -> bool {
        self.links() == persistence::Links::Load
    }

    /// Whether a read loads the author, tag and secondary-section links.
    pub fn links(&self) -> persistence::Links {
        self.list_read().links
    }

    /// What a list read fetches: the links and text columns these fields
    /// are made from (the rule GraphQL's selections follow too).
    pub fn list_read(&self) -> persistence::ListRead {
        app::content::read_for(|field| self.has(field))
    }

    /// Whether an article page needs its comment figures.
    pub fn needs_comments(&self) -> bool {
        self.has("commentCount") || self.has("commentsOpen")
    }

    /// `value`, serialised with only these fields.
    pub fn apply<'a, T: Serialize>(&'a self, value: &'a T) -> Sparse<'a, T> {
        Sparse {
            value,
            fields: self,
        }
    }
}

/// A value whose top-level struct (or flattened map) fields are filtered.
pub struct Sparse<'a, T> {
    value: &'a T,
    fields: &'a FieldSet,
}

impl<T: Serialize> Serialize for Sparse<'_, T> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.fields.only.is_none() {
            return self.value.serialize(serializer);
        }
        self.value.serialize(Mask {
            inner: serializer,
            fields: self.fields,
        })
    }
}

/// Passes everything to `inner`, except that the fields of the outermost
/// struct or map are filtered (nested values are not: their serialisers are
/// `inner`'s own).
struct Mask<'a, S> {
    inner: S,
    fields: &'a FieldSet,
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        $(fn $method(self, $($arg: $ty),*) -> Result<$ret, S::Error> {
            self.inner.$method($($arg),*)
        })*
    };
}

impl<'a, S: ser::Serializer> ser::Serializer for Mask<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = S::SerializeSeq;
    type SerializeTuple = S::SerializeTuple;
    type SerializeTupleStruct = S::SerializeTupleStruct;
    type SerializeTupleVariant = S::SerializeTupleVariant;
    type SerializeMap = MaskMap<'a, S::SerializeMap>;
    type SerializeStruct = MaskStruct<'a, S::SerializeStruct>;
    type SerializeStructVariant = S::SerializeStructVariant;

    forward! {
        serialize_bool(v: bool) -> S::Ok;
        serialize_i8(v: i8) -> S::Ok;
        serialize_i16(v: i16) -> S::Ok;
        serialize_i32(v: i32) -> S::Ok;
        serialize_i64(v: i64) -> S::Ok;
        serialize_u8(v: u8) -> S::Ok;
        serialize_u16(v: u16) -> S::Ok;
        serialize_u32(v: u32) -> S::Ok;
        serialize_u64(v: u64) -> S::Ok;
        serialize_f32(v: f32) -> S::Ok;
        serialize_f64(v: f64) -> S::Ok;
        serialize_char(v: char) -> S::Ok;
        serialize_str(v: &str) -> S::Ok;
        serialize_bytes(v: &[u8]) -> S::Ok;
        serialize_none() -> S::Ok;
        serialize_unit() -> S::Ok;
        serialize_unit_struct(name: &'static str) -> S::Ok;
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str) -> S::Ok;
        serialize_seq(len: Option<usize>) -> S::SerializeSeq;
        serialize_tuple(len: usize) -> S::SerializeTuple;
        serialize_tuple_struct(name: &'static str, len: usize) -> S::SerializeTupleStruct;
        serialize_tuple_variant(name: &'static str, index: u32, variant: &'static str, len: usize) -> S::SerializeTupleVariant;
        serialize_struct_variant(name: &'static str, index: u32, variant: &'static str, len: usize) -> S::SerializeStructVariant;
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.inner.serialize_some(value)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner.serialize_newtype_struct(name, value)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner
            .serialize_newtype_variant(name, index, variant, value)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        Ok(MaskMap {
            inner: self.inner.serialize_map(len)?,
            fields: self.fields,
            skip_value: false,
        })
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Ok(MaskStruct {
            inner: self.inner.serialize_struct(name, len)?,
            fields: self.fields,
        })
    }
}

struct MaskStruct<'a, M> {
    inner: M,
    fields: &'a FieldSet,
}

impl<M: SerializeStruct> SerializeStruct for MaskStruct<'_, M> {
    type Ok = M::Ok;
    type Error = M::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        if self.fields.has(key) {
            self.inner.serialize_field(key, value)
        } else {
            self.inner.skip_field(key)
        }
    }

    fn end(self) -> Result<M::Ok, M::Error> {
        self.inner.end()
    }
}

/// Maps come from `#[serde(flatten)]` (an article page flattens its
/// summary): entries are filtered by their string key.
struct MaskMap<'a, M> {
    inner: M,
    fields: &'a FieldSet,
    skip_value: bool,
}

impl<M: SerializeMap> MaskMap<'_, M> {
    fn keeps<K: ?Sized + Serialize>(&self, key: &K) -> Result<bool, M::Error> {
        key.serialize(KeyFilter {
            fields: self.fields,
            error: std::marker::PhantomData,
        })
    }
}

impl<M: SerializeMap> SerializeMap for MaskMap<'_, M> {
    type Ok = M::Ok;
    type Error = M::Error;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), M::Error> {
        self.skip_value = !self.keeps(key)?;
        if self.skip_value {
            Ok(())
        } else {
            self.inner.serialize_key(key)
        }
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), M::Error> {
        if std::mem::take(&mut self.skip_value) {
            Ok(())
        } else {
            self.inner.serialize_value(value)
        }
    }

    fn serialize_entry<K: ?Sized + Serialize, V: ?Sized + Serialize>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), M::Error> {
        if self.keeps(key)? {
            self.inner.serialize_entry(key, value)
        } else {
            Ok(())
        }
    }

    fn end(self) -> Result<M::Ok, M::Error> {
        self.inner.end()
    }
}

/// Answers whether a map key is kept: string keys by the field set, any
/// other key always.
struct KeyFilter<'a, E> {
    fields: &'a FieldSet,
    error: std::marker::PhantomData<E>,
}

macro_rules! keep {
    ($($method:ident($($ty:ty),*);)*) => {
        $(fn $method(self, $(_: $ty),*) -> Result<bool, E> {
            Ok(true)
        })*
    };
}

macro_rules! refuse {
    ($($method:ident($($ty:ty),*) -> $ret:ty;)*) => {
        $(fn $method(self, $(_: $ty),*) -> Result<$ret, E> {
            Err(E::custom("a map key must be a string"))
        })*
    };
}

impl<E: ser::Error> ser::Serializer for KeyFilter<'_, E> {
    type Ok = bool;
    type Error = E;
    type SerializeSeq = Impossible<bool, E>;
    type SerializeTuple = Impossible<bool, E>;
    type SerializeTupleStruct = Impossible<bool, E>;
    type SerializeTupleVariant = Impossible<bool, E>;
    type SerializeMap = Impossible<bool, E>;
    type SerializeStruct = Impossible<bool, E>;
    type SerializeStructVariant = Impossible<bool, E>;

    fn serialize_str(self, v: &str) -> Result<bool, E> {
        Ok(self.fields.has(v))
    }

    keep! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    refuse! {
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<bool, E> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<bool, E> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<bool, E> {
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Inner {
        id: u32,
        headline: &'static str,
        published_at: Option<&'static str>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Outer {
        #[serde(flatten)]
        inner: Inner,
        body_text: &'static str,
        tags: Vec<Inner>,
    }

    fn json<T: Serialize>(fields: &FieldSet, v: &T) -> String {
        serde_json::to_string(&fields.apply(v)).unwrap_or_default()
    }

    fn inner() -> Inner {
        Inner {
            id: 7,
            headline: "শিরোনাম",
            published_at: None,
        }
    }

    #[test]
    fn all_fields_without_a_parameter() {
        let f = FieldSet::parse(None, false).unwrap_or_default();
        assert_eq!(
            json(&f, &inner()),
            r#"{"id":7,"headline":"শিরোনাম","publishedAt":null}"#
        );
    }

    #[test]
    fn only_named_fields_and_the_id_of_a_struct() {
        let f = FieldSet::parse(Some("publishedAt"), false).ok();
        let f = f.unwrap_or_default();
        assert_eq!(json(&f, &inner()), r#"{"id":7,"publishedAt":null}"#);
    }

    #[test]
    fn flattened_fields_are_filtered_and_nested_values_are_whole() {
        let f = FieldSet::parse(Some(" headline , tags,headline"), true).unwrap_or_default();
        let v = Outer {
            inner: inner(),
            body_text: "লেখা",
            tags: vec![inner()],
        };
        assert_eq!(
            json(&f, &v),
            r#"{"id":7,"headline":"শিরোনাম","tags":[{"id":7,"headline":"শিরোনাম","publishedAt":null}]}"#
        );
    }

    #[test]
    fn unknown_and_empty_names_are_refused_by_name() {
        let Err(AppError::Invalid(e)) = FieldSet::parse(Some("headline,bogus,"), false) else {
            panic!("accepted an unknown field");
        };
        assert_eq!(e[0].field, "fields");
        assert!(e[0].message.contains("\"bogus\""), "{}", e[0].message);
        assert!(e[0].message.contains("\"\""), "{}", e[0].message);
        // An article field is not a list field.
        assert!(FieldSet::parse(Some("bodyHtml"), false).is_err());
        assert!(FieldSet::parse(Some("bodyHtml"), true).is_ok());
    }

    #[test]
    fn links_are_needed_only_for_authors_tags_and_secondary_sections() {
        let f = |s| FieldSet::parse(Some(s), true).unwrap_or_default();
        assert!(!f("headline,section").needs_links());
        assert!(f("authors").needs_links());
        assert!(f("tags").needs_links());
        assert!(f("secondarySections").needs_links());
        assert!(FieldSet::all().needs_links());
    }
}
