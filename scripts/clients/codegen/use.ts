// Compiled with `tsc --noEmit --strict` by scripts/clients.sh after
// graphql-codegen wrote ../gen/graphql.ts: a front end's use of the
// generated operation types. A schema change that breaks these uses (a
// field gone, made nullable, renamed) fails the compile.
import type {
  LatestQuery,
  LatestQueryVariables,
  SectionPageQuery,
  ArticlePageQuery,
  NodeByIdQuery,
  SearchQuery,
  CreateDraftMutationVariables,
  CreateArticleInput,
} from "../gen/graphql.js";

type Card = { id: string; href: string; title: string; section: string | null; when: string | null };

export function cards(data: LatestQuery): Card[] {
  return data.articles.edges.map(({ node }) => ({
    id: node.id,
    href: `/article/${node.slug}`,
    title: node.headline,
    section: node.section?.name ?? null,
    when: node.publishedAtBn ?? node.publishedAt ?? null,
  }));
}

export function nextPage(data: LatestQuery, vars: LatestQueryVariables): LatestQueryVariables | null {
  const { hasNextPage, endCursor } = data.articles.pageInfo;
  return hasNextPage && endCursor ? { ...vars, after: endCursor } : null;
}

export function sectionTitles(data: SectionPageQuery): string[] {
  const s = data.section;
  if (!s) return [];
  const kids: string[] = s.children.map((c) => c.name);
  return [s.name, ...(s.nameEn ? [s.nameEn] : []), ...kids, ...s.articles.nodes.map((a) => a.headline)];
}

export function bodyText(data: ArticlePageQuery): string {
  const a = data.article;
  if (!a) return "";
  return a.body
    .map((b) => {
      switch (b.__typename) {
        case "ParagraphBlock":
        case "HeadingBlock":
          return b.text;
        case "ImageBlock":
          return b.image.alt ?? b.image.url;
        default:
          return "";
      }
    })
    .join("\n\n");
}

export function label(data: NodeByIdQuery): string {
  const n = data.node;
  if (!n) return "not found";
  switch (n.__typename) {
    case "Article":
      return n.headline;
    case "Section":
      return n.name;
    default:
      return n.id;
  }
}

export function hits(data: SearchQuery): Array<[string, number]> {
  return data.search.hits.map((h) => [h.article.slug, h.score]);
}

const input: CreateArticleInput = { headline: "শিরোনাম", section: "national", bodyText: "প্রথম অনুচ্ছেদ।" };
export const draft: CreateDraftMutationVariables = { input };
