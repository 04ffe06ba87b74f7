//! The query strings of the REST lists and search: serde and OpenAPI
//! shapes of the surface, converted into the service's plain parameters
//! (which parse and check the values, so REST and GraphQL report the same
//! errors).

use app::content::ListParams;
use app::discovery::SearchParams;

/// The query string of `/v1/articles` (and the feeds' filters).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Section slugs, comma-separated (any of them): each includes its
    /// sub-sections and articles filed there as a secondary section.
    #[param(
        min_length = 1,
        max_length = 2100,
        pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:,(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){0,9}$"
    )]
    pub section: Option<String>,
    /// Tag slugs: `a,b` (any of them) or `a+b` (all of them).
    #[param(
        min_length = 1,
        max_length = 2100,
        pattern = "^(?:(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:,(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){0,9}|(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:[+ ](?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){1,9})$"
    )]
    pub tag: Option<String>,
    /// Author slugs: `a,b` (any of them) or `a+b` (all of them).
    #[param(
        min_length = 1,
        max_length = 2100,
        pattern = "^(?:(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:,(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){0,9}|(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:[+ ](?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){1,9})$"
    )]
    pub author: Option<String>,
    /// From this instant (inclusive): RFC 3339, or a `YYYY-MM-DD` day in
    /// Asia/Dhaka.
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// Until this instant (exclusive; a `YYYY-MM-DD` day is included whole).
    #[param(format = DateTime)]
    pub to: Option<String>,
    /// Page size.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50, default = 20)]
    pub limit: Option<String>,
    /// Opaque; from `page.nextCursor` of the same list.
    pub cursor: Option<String>,
    /// None of these sections (sub-sections included) (comma-separated slugs).
    #[serde(rename = "-section")]
    #[param(
        rename = "-section",
        min_length = 1,
        max_length = 2100,
        pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:,(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){0,9}$"
    )]
    pub not_section: Option<String>,
    /// None of these tags (comma-separated slugs).
    #[serde(rename = "-tag")]
    #[param(
        rename = "-tag",
        min_length = 1,
        max_length = 2100,
        pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:,(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){0,9}$"
    )]
    pub not_tag: Option<String>,
    /// None of these authors (comma-separated slugs).
    #[serde(rename = "-author")]
    #[param(
        rename = "-author",
        min_length = 1,
        max_length = 2100,
        pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:,(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){0,9}$"
    )]
    pub not_author: Option<String>,
    /// Only these kinds, comma-separated (any of them): `standard`, `live`,
    /// `opinion`, `analysis`, `explainer`, `gallery`, `video`, `obituary`,
    /// `sponsored`.
    #[param(example = "opinion,analysis")]
    pub kind: Option<String>,
    /// Only these access levels, comma-separated (any of them): `free`,
    /// `metered`, `subscriber`.
    #[param(example = "free")]
    pub access: Option<String>,
    /// Only articles in these languages, comma-separated (any of them):
    /// `bn`, `en` (`en` takes `en-GB` too).
    #[param(example = "en")]
    pub lang: Option<String>,
}

impl From<ListQuery> for ListParams {
    fn from(q: ListQuery) -> Self {
        Self {
            section: q.section,
            tag: q.tag,
            author: q.author,
            from: q.from,
            to: q.to,
            limit: q.limit,
            cursor: q.cursor,
            not_section: q.not_section,
            not_tag: q.not_tag,
            not_author: q.not_author,
            kind: q.kind,
            access: q.access,
            lang: q.lang,
            ..Default::default()
        }
    }
}

/// The query parameters of a list scoped by its path (the section, tag or
/// author pages): the other two filters, the time range and the page. The
/// path's own dimension is not a query parameter there.
macro_rules! scoped_list_params {
    (
        $(#[$doc:meta])* $name:ident, $with:ident, $own:ident,
        $(#[$a_doc:meta])* $a:ident,
        $(#[$b_doc:meta])* $b:ident
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            $(#[$a_doc])*
            #[param(
                min_length = 1,
                max_length = 2100,
                pattern = "^(?:(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:,(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){0,9}|(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:[+ ](?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){1,9})$"
            )]
            pub $a: Option<String>,
            $(#[$b_doc])*
            #[param(
                min_length = 1,
                max_length = 2100,
                pattern = "^(?:(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:,(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){0,9}|(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:[+ ](?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){1,9})$"
            )]
            pub $b: Option<String>,
            /// RFC 3339, or a `YYYY-MM-DD` day in Asia/Dhaka (inclusive).
            #[param(format = DateTime)]
            pub from: Option<String>,
            /// RFC 3339 (exclusive), or a `YYYY-MM-DD` day (included whole).
            #[param(format = DateTime)]
            pub to: Option<String>,
            #[param(value_type = Option<u32>, minimum = 1, maximum = 50, default = 20)]
            pub limit: Option<String>,
            /// Opaque; from `page.nextCursor` of the same list.
            pub cursor: Option<String>,
            /// None of these sections (sub-sections included) (comma-separated slugs).
            #[serde(rename = "-section")]
            #[param(rename = "-section", min_length = 1, max_length = 2100, pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:,(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){0,9}$")]
            pub not_section: Option<String>,
            /// None of these tags (comma-separated slugs).
            #[serde(rename = "-tag")]
            #[param(rename = "-tag", min_length = 1, max_length = 2100, pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:,(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){0,9}$")]
            pub not_tag: Option<String>,
            /// None of these authors (comma-separated slugs).
            #[serde(rename = "-author")]
            #[param(rename = "-author", min_length = 1, max_length = 2100, pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:,(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){0,9}$")]
            pub not_author: Option<String>,
            /// Only these kinds, comma-separated (any of them): `standard`, `live`,
            /// `opinion`, `analysis`, `explainer`, `gallery`, `video`, `obituary`,
            /// `sponsored`.
            #[param(example = "opinion,analysis")]
            pub kind: Option<String>,
            /// Only these access levels, comma-separated (any of them): `free`,
            /// `metered`, `subscriber`.
            #[param(example = "free")]
            pub access: Option<String>,
            /// Only articles in these languages, comma-separated: `bn`, `en`.
            #[param(example = "en")]
            pub lang: Option<String>,
        }

        impl $name {
            /// The list parameters, with the path's slug in place of a query one.
            pub fn $with(self, $own: String) -> ListParams {
                ListParams {
                    $own: Some($own),
                    $a: self.$a,
                    $b: self.$b,
                    from: self.from,
                    to: self.to,
                    limit: self.limit,
                    cursor: self.cursor,
                    not_section: self.not_section,
                    not_tag: self.not_tag,
                    not_author: self.not_author,
                    kind: self.kind,
                    access: self.access,
                    lang: self.lang,
                    ..Default::default()
                }
            }
        }
    };
}

scoped_list_params!(
    /// List parameters under `/v1/sections/{slug}/articles` (the section is the path's).
    SectionListParams,
    with_section,
    section,
    /// Tag slugs: `a,b` (any of them) or `a+b` (all of them).
    tag,
    /// Author slugs: `a,b` (any of them) or `a+b` (all of them).
    author
);

scoped_list_params!(
    /// List parameters under `/v1/tags/{slug}/articles` (the tag is the path's).
    TagListParams,
    with_tag,
    tag,
    /// Section slug (sub-sections included).
    section,
    /// Author slugs: `a,b` (any of them) or `a+b` (all of them).
    author
);

scoped_list_params!(
    /// List parameters under `/v1/authors/{slug}/articles` (the author is the path's).
    AuthorListParams,
    with_author,
    author,
    /// Section slug (sub-sections included).
    section,
    /// Tag slugs: `a,b` (any of them) or `a+b` (all of them).
    tag
);

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words (all required), `"phrase"`, `+required`, `-excluded`,
    /// `prefix*` (two letters at least); at most
    /// 200 characters, with at least one searchable word.
    #[param(required = true, min_length = 1, max_length = 200, pattern = "[^\\W_]")]
    pub q: Option<String>,
    /// Section slug (sub-sections included).
    #[param(
        min_length = 1,
        max_length = 2100,
        pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:,(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){0,9}$"
    )]
    pub section: Option<String>,
    /// Tag slugs: `a,b` (any of them) or `a+b` (all of them).
    #[param(
        min_length = 1,
        max_length = 2100,
        pattern = "^(?:(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:,(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){0,9}|(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:[+ ](?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){1,9})$"
    )]
    pub tag: Option<String>,
    /// RFC 3339, or a `YYYY-MM-DD` day in Asia/Dhaka (inclusive).
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// RFC 3339, or a `YYYY-MM-DD` day (exclusive instant; a day is included whole).
    #[param(format = DateTime)]
    pub to: Option<String>,
    #[param(value_type = Option<SearchSort>)]
    pub sort: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50, default = 20)]
    pub limit: Option<String>,
    /// Opaque; from `page.nextCursor` of the same search.
    pub cursor: Option<String>,
    /// `true` (or `1`): also count every match by section, tag and month
    /// (`facets` in the answer).
    #[param(value_type = Option<bool>)]
    pub facets: Option<String>,
    /// Author slugs: `a,b` (any of them) or `a+b` (all of them).
    #[param(
        min_length = 1,
        max_length = 2100,
        pattern = "^(?:(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:,(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){0,9}|(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:[+ ](?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){1,9})$"
    )]
    pub author: Option<String>,
    /// None of these sections (sub-sections included) (comma-separated slugs).
    #[serde(rename = "-section")]
    #[param(
        rename = "-section",
        min_length = 1,
        max_length = 2100,
        pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:,(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){0,9}$"
    )]
    pub not_section: Option<String>,
    /// None of these tags (comma-separated slugs).
    #[serde(rename = "-tag")]
    #[param(
        rename = "-tag",
        min_length = 1,
        max_length = 2100,
        pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:,(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){0,9}$"
    )]
    pub not_tag: Option<String>,
    /// None of these authors (comma-separated slugs).
    #[serde(rename = "-author")]
    #[param(
        rename = "-author",
        min_length = 1,
        max_length = 2100,
        pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)(?:,(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)){0,9}$"
    )]
    pub not_author: Option<String>,
    /// Only these kinds, comma-separated (any of them).
    #[param(example = "opinion,analysis")]
    pub kind: Option<String>,
    /// Only these access levels, comma-separated (any of them).
    #[param(example = "free")]
    pub access: Option<String>,
    /// Only articles in these languages, comma-separated: `bn`, `en`.
    #[param(example = "en")]
    pub lang: Option<String>,
    /// Adds `publishedAtLocal` and `updatedAtLocal` to each hit in this
    /// locale (`en` or `bn`).
    #[param(example = "en")]
    pub locale: Option<String>,
}

/// Search order.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum SearchSort {
    Relevance,
    Newest,
}

impl From<SearchQuery> for SearchParams {
    fn from(q: SearchQuery) -> Self {
        Self {
            q: q.q,
            section: q.section,
            tag: q.tag,
            from: q.from,
            to: q.to,
            sort: q.sort,
            limit: q.limit,
            cursor: q.cursor,
            facets: q.facets,
            author: q.author,
            not_section: q.not_section,
            not_tag: q.not_tag,
            not_author: q.not_author,
            kind: q.kind,
            access: q.access,
            lang: q.lang,
        }
    }
}
