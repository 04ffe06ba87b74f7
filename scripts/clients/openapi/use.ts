// Compiled with `tsc --noEmit --strict` by scripts/clients.sh after
// openapi-typescript wrote ../gen/openapi.d.ts from the live /openapi.json:
// how a TypeScript client would use the REST types. Optional fields must be
// handled (`?? …`) here, which is the point: strict mode shows what a client
// has to guard against.
import type { paths, components } from "../gen/openapi.js";

type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;
type ProblemJson<T> = T extends { content: { "application/problem+json": infer B } } ? B : never;

// GET /v1/articles
export type ArticleList = Json<paths["/v1/articles"]["get"]["responses"][200]>;
export type ListItem = ArticleList["data"][number];
// GET /v1/articles/{id_or_slug}
export type ArticlePage = Json<paths["/v1/articles/{id_or_slug}"]["get"]["responses"][200]>;
export type ArticleData = ArticlePage["data"];
// A problem document (404 of the same operation, and the schema itself)
export type NotFoundProblem = ProblemJson<paths["/v1/articles/{id_or_slug}"]["get"]["responses"][404]>;
export type Problem = components["schemas"]["Problem"];
// POST /v1/admin/articles request body
export type CreateArticle = paths["/v1/admin/articles"]["post"]["requestBody"]["content"]["application/json"];
// What the whole list/article/problem trio must at least give a client.
type Query = NonNullable<paths["/v1/articles"]["get"]["parameters"]["query"]>;

export function headlines(list: ArticleList): string[] {
  return list.data.map((a: ListItem) => `${a.id}: ${a.headline ?? "(no headline)"} [${a.section?.slug ?? "-"}]`);
}

export function nextQuery(list: ArticleList, q: Query): Query | null {
  return list.page.hasMore && list.page.nextCursor ? { ...q, cursor: list.page.nextCursor } : null;
}

export function byline(a: ArticlePage): string {
  const names = (a.data.authors ?? []).map((x) => x.name);
  return `${a.data.headline ?? ""} — ${names.join(", ")} (${a.data.wordCount ?? 0} words)`;
}

export function paragraphs(a: ArticlePage): number {
  return (a.data.body ?? []).length;
}

export function explain(p: NotFoundProblem | Problem): string {
  const fields = (p.errors ?? []).map((e) => e.field).join(", ");
  return `${p.status} ${p.code}: ${p.detail}${fields ? ` (${fields})` : ""}`;
}

export const draft: CreateArticle = {
  headline: "ঢাকায় বৃষ্টি",
  section: "national",
  bodyText: "প্রথম অনুচ্ছেদ।\n\nদ্বিতীয় অনুচ্ছেদ।",
  tags: ["weather"],
};
