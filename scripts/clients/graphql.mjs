// GraphQL clients against a running Barta: Apollo Client 3 (core, no React;
// Node 20's own fetch) and graphql-request 7, plus the spec-level answers a
// client relies on (error shape, APQ miss, response order). Run by
// scripts/clients.sh with BARTA_BASE set; prints RESULT lines (see lib.mjs).
import { createHash } from "node:crypto";
import { ApolloClient, InMemoryCache, HttpLink, gql, from as linkFrom } from "@apollo/client/core/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";
import { GraphQLClient, ClientError } from "graphql-request";
import { base, check, ok, fail, evidence, gqlPost, looksBengali } from "./lib.mjs";

const url = `${base}/graphql`;

// The schema's abstract types, so the cache matches fragments on them
// exactly instead of guessing (Apollo warns without this).
const possibleTypes = {
  Node: ["Article", "Section", "Tag", "Author"],
  Block: ["ParagraphBlock", "HeadingBlock", "QuoteBlock", "ImageBlock", "ListBlock", "EmbedBlock"],
};

const LIST = gql`
  query Latest($first: Int!, $after: String) {
    articles(first: $first, after: $after) {
      edges { cursor node { id databaseId slug headline publishedAt section { id slug name } authors { id name } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
const SECTION = gql`
  query SectionPage($slug: String!) {
    section(slug: $slug) {
      id slug name nameEn
      children { id slug }
      articles(first: 3) { nodes { id slug headline section { id slug } } pageInfo { hasNextPage endCursor } }
    }
  }
`;
const NODE = gql`
  query NodeById($id: ID!) {
    node(id: $id) {
      __typename id
      ... on Article { headline slug body { __typename ... on ParagraphBlock { text } } }
    }
  }
`;
const SEARCH = gql`
  query Search($q: String!) {
    search(q: $q, first: 3) { totalCount hasNextPage endCursor hits { score headlineHtml article { id slug headline } } }
  }
`;
// `related(first: 500)` is out of range (1..50): a field error on a field
// under the nullable `article`, so `article` is null and `ok` survives.
const errorQuery = (slug) => `query Broken { ok: articles(first: 1) { nodes { slug } } article(slug: ${JSON.stringify(slug)}) { headline related(first: 500) { id } } }`;

function apollo(extraLinks = [], fetchImpl = fetch) {
  return new ApolloClient({
    link: linkFrom([...extraLinks, new HttpLink({ uri: url, fetch: fetchImpl })]),
    cache: new InMemoryCache({ possibleTypes }),
    defaultOptions: { query: { fetchPolicy: "network-only" } },
  });
}

/** The shared query checks; `run(doc, vars)` returns `data` or throws. */
async function queries(run) {
  const page1 = await run(LIST, { first: 3 });
  const c1 = page1.articles;
  ok(Array.isArray(c1?.edges) && c1.edges.length === 3, `articles(first:3) gave ${c1?.edges?.length} edges`);
  for (const e of c1.edges) {
    ok(typeof e.cursor === "string" && typeof e.node.id === "string", "edge without cursor or node.id");
    ok(looksBengali(e.node.headline), `headline not Bengali text: ${e.node.headline}`);
  }
  ok(c1.pageInfo.hasNextPage === true && typeof c1.pageInfo.endCursor === "string", "pageInfo has no next page / endCursor");
  ok(c1.pageInfo.endCursor === c1.edges.at(-1).cursor, "pageInfo.endCursor is not the last edge's cursor");
  const page2 = await run(LIST, { first: 3, after: c1.pageInfo.endCursor });
  const ids1 = new Set(c1.edges.map((e) => e.node.id));
  const c2 = page2.articles;
  ok(c2.edges.length > 0, "second page (after endCursor) is empty");
  ok(!c2.edges.some((e) => ids1.has(e.node.id)), "second page repeats an article of the first");
  const t1 = Date.parse(c1.edges.at(-1).node.publishedAt);
  const t2 = Date.parse(c2.edges[0].node.publishedAt);
  ok(t2 <= t1, "second page is not older than the first (newest first)");

  const slug = c1.edges[0].node.section.slug;
  const sec = (await run(SECTION, { slug })).section;
  ok(sec && sec.slug === slug && typeof sec.name === "string", `section(slug:${slug}) missing`);
  ok(Array.isArray(sec.children) && sec.articles.nodes.length > 0, "section without nested articles");

  const id = c1.edges[0].node.id;
  const node = (await run(NODE, { id })).node;
  ok(node?.__typename === "Article" && node.id === id, `node(id:${id}) is ${JSON.stringify(node)?.slice(0, 80)}`);
  ok(node.body.length > 0 && node.body.every((b) => typeof b.__typename === "string"), "node body blocks lack __typename");

  const s = (await run(SEARCH, { q: "ঢাকা" })).search;
  ok(s.totalCount > 0 && s.hits.length > 0, "search(q:ঢাকা) found nothing");
  ok(s.hits.every((h) => typeof h.score === "number" && h.article?.id), "search hit without score/article");
  return `${c1.edges.length}+${c2.edges.length} articles over 2 pages, section ${slug} (${sec.articles.nodes.length} nested), node, search ${s.totalCount} hits`;
}

async function main() {
  const first = (await gqlPost({ query: "{ articles(first: 1) { nodes { slug } } }" })).json;
  const slug = first?.data?.articles?.nodes?.[0]?.slug;
  if (!slug) {
    console.log(`RESULT\tgraphql-setup\tFAIL\tcould not list an article: ${JSON.stringify(first).slice(0, 200)}`);
    return;
  }

  // --- Apollo Client -------------------------------------------------------
  await check("apollo-queries", async () => {
    const client = apollo();
    return queries(async (query, variables) => {
      const r = await client.query({ query, variables });
      ok(!r.errors?.length, `errors: ${JSON.stringify(r.errors)}`);
      return r.data;
    });
  });

  await check("apollo-error-policy", async () => {
    const client = apollo();
    const query = gql(errorQuery(slug));
    const r = await client.query({ query, errorPolicy: "all" });
    ok(r.data, `errorPolicy "all" gave no data (errors: ${JSON.stringify(r.errors)})`);
    ok(r.data.ok?.nodes?.length === 1, "the field next to the failing one is missing");
    ok(r.data.article === null, `article should be null, is ${JSON.stringify(r.data.article)}`);
    ok(r.errors?.length === 1, `expected 1 error, got ${JSON.stringify(r.errors)}`);
    ok(r.errors[0].extensions?.code === "BAD_USER_INPUT", `extensions.code = ${r.errors[0].extensions?.code}`);
    // Default policy ("none"): the same answer must reject with the GraphQL error.
    let rejected = false;
    try {
      await client.query({ query, fetchPolicy: "network-only" });
    } catch (e) {
      rejected = true;
      ok(e.graphQLErrors?.[0]?.extensions?.code === "BAD_USER_INPUT", `default policy rejected without the GraphQL error: ${e.message}`);
    }
    ok(rejected, 'errorPolicy "none" did not reject');
    // A validation error: no `data`, HTTP 400 (graphql-response+json).
    // Apollo 3.14 reads the GraphQL errors out of that 400: with
    // errorPolicy "all" it resolves with `errors` and no data.
    const v = await client.query({ query: gql`query V { nope }`, errorPolicy: "all" });
    ok(v.data === undefined || v.data === null, `validation error came with data ${JSON.stringify(v.data)}`);
    ok(v.errors?.[0]?.extensions?.code === "GRAPHQL_VALIDATION_FAILED", `validation error surfaced as ${JSON.stringify(v.errors)}`);
    return "data + errors with errorPolicy all; rejects by default; a validation error (400) reaches Apollo as GRAPHQL_VALIDATION_FAILED";
  });

  await check("apollo-apq", async () => {
    // Apollo's persisted-query link: hash only (GET), miss, retry with the
    // query (POST); then a fresh client must get a hit by hash only.
    const sha256 = (s) => createHash("sha256").update(s).digest("hex");
    const log = [];
    const logged = async (input, init) => {
      const res = await fetch(input, init);
      const body = await res.clone().text();
      log.push({ method: init?.method ?? "GET", url: String(input), sent: init?.body ?? null, status: res.status, body });
      return res;
    };
    const uniq = `apq${Date.now()}`; // a query text the server has not seen
    const query = gql(`query ${uniq} { articles(first: 2) { nodes { id slug } } }`);
    const mk = () => apollo([createPersistedQueryLink({ sha256, useGETForHashedQueries: true })], logged);
    const r1 = await mk().query({ query });
    ok(r1.data?.articles?.nodes?.length === 2, "first APQ query gave no data");
    ok(log.length === 2, `expected miss + retry (2 requests), saw ${log.length}`);
    ok(log[0].method === "GET" && !new URL(log[0].url).searchParams.has("query"), "first request was not a hash-only GET");
    ok(log[0].body.includes("PERSISTED_QUERY_NOT_FOUND"), `miss answered ${log[0].status} ${log[0].body.slice(0, 120)}`);
    ok(log[1].method === "POST" && log[1].status === 200, `retry answered ${log[1].status}`);
    log.length = 0;
    const r2 = await mk().query({ query });
    ok(r2.data?.articles?.nodes?.length === 2, "second client got no data");
    ok(log.length === 1 && log[0].method === "GET" && log[0].status === 200, `registered hash not served by GET: ${JSON.stringify(log).slice(0, 200)}`);
    return "hash-only GET miss → PERSISTED_QUERY_NOT_FOUND → POST with query → fresh client hits by hash-only GET";
  });

  // --- graphql-request ------------------------------------------------------
  await check("graphql-request", async () => {
    const client = new GraphQLClient(url);
    const summary = await queries((doc, vars) => client.request(doc, vars));
    // Default policy: a response with errors throws ClientError carrying both.
    let threw = false;
    try {
      await client.request(errorQuery(slug));
    } catch (e) {
      threw = true;
      ok(e instanceof ClientError, `threw ${e?.name}: ${e?.message}`);
      ok(e.response.errors?.[0]?.extensions?.code === "BAD_USER_INPUT", "ClientError without the error code");
      ok(e.response.data?.ok?.nodes?.length === 1, "ClientError without the partial data");
    }
    ok(threw, "request() did not throw on a response with errors");
    const all = new GraphQLClient(url, { errorPolicy: "all" });
    const raw = await all.rawRequest(errorQuery(slug));
    ok(raw.data?.article === null && raw.errors?.length === 1, `errorPolicy all: ${JSON.stringify(raw).slice(0, 160)}`);
    return `${summary}; ClientError and errorPolicy all carry data + errors`;
  });

  // --- the answers themselves (what every client depends on) ---------------
  await check("graphql-error-shape", async () => {
    const body = { query: errorQuery(slug) };
    const r = await gqlPost(body);
    const j = r.json;
    const bad = (why) => {
      evidence(`POST /graphql ${JSON.stringify(body)}`, `${r.status} ${r.contentType} ${r.text}`);
      fail(why);
    };
    if (r.status !== 200) bad(`HTTP ${r.status} for a response with data (GraphQL over HTTP: 2xx when data is present)`);
    if (!j || !("data" in j)) bad("no `data` entry for a field error during execution (spec §7.1.2)");
    if (j.data.article !== null) bad("the failing field's nullable parent is not null");
    if (!j.data.ok?.nodes?.length) bad("the sibling field was lost");
    const e = j.errors?.[0];
    if (!e || typeof e.message !== "string") bad("no errors[0].message");
    if (JSON.stringify(e.path) !== JSON.stringify(["article", "related"])) bad(`path = ${JSON.stringify(e.path)}, want ["article","related"]`);
    if (!Array.isArray(e.locations) || !e.locations[0]?.line) bad("no locations");
    if (e.extensions?.code !== "BAD_USER_INPUT") bad(`extensions.code = ${e.extensions?.code}`);
    // Missing is not an error (README): `article(slug:"no-such")` is null, no errors.
    const m = await gqlPost({ query: '{ article(slug: "no-such") { id } }' });
    if (!(m.json?.data && m.json.data.article === null && !m.json.errors)) {
      evidence('POST /graphql {"query":"{ article(slug: \\"no-such\\") { id } }"}', `${m.status} ${m.text}`);
      fail("article(slug:no-such) is not a plain null");
    }
    return `200, data.article=null, errors[0] {message, locations, path ${JSON.stringify(e.path)}, extensions.code ${e.extensions.code}}; missing article = null without error`;
  });

  await check("apq-miss", async () => {
    const hash = "0".repeat(63) + "1";
    const ext = { persistedQuery: { version: 1, sha256Hash: hash } };
    const post = await gqlPost({ extensions: ext });
    const getUrl = `${url}?extensions=${encodeURIComponent(JSON.stringify(ext))}`;
    const g = await fetch(getUrl, { headers: { accept: "application/json" } });
    const gText = await g.text();
    for (const [req, status, text] of [[`POST /graphql ${JSON.stringify({ extensions: ext })}`, post.status, post.text], [`GET ${getUrl.replace(base, "")}`, g.status, gText]]) {
      let j;
      try {
        j = JSON.parse(text);
      } catch {
        j = null;
      }
      if (j?.errors?.[0]?.extensions?.code !== "PERSISTED_QUERY_NOT_FOUND") {
        evidence(req, `${status} ${text}`);
        fail(`${req.split(" ")[0]}: no PERSISTED_QUERY_NOT_FOUND (${status})`);
      }
    }
    return `POST ${post.status} and GET ${g.status}: errors[0].extensions.code PERSISTED_QUERY_NOT_FOUND`;
  });

  await check("graphql-response-order", async () => {
    // GraphQL §7.1 "Serialized Map Ordering": the response map *should* keep
    // the order of the selection set. A SHOULD, so WARN rather than FAIL:
    // Apollo and graphql-request read by key and do not care; code that
    // compares or hashes raw response text does.
    const cases = [
      ["{ ok: articles(first: 1) { nodes { slug } } x: sections { slug } e: edition { line } }", [], ["ok", "x", "e"]],
      ['{ section(slug: "sports") { id children { slug } articles(first: 1) { nodes { slug } } parent { slug } name } }', ["section"], ["id", "children", "articles", "parent", "name"]],
      ["{ articles(first: 1) { nodes { headline slug id section { slug } authors { name } tags { slug } summary } } }", ["articles", "nodes", 0], ["headline", "slug", "id", "section", "authors", "tags", "summary"]],
      ["{ articles(first: 1) { edges { cursor } pageInfo { hasNextPage } } }", ["articles"], ["edges", "pageInfo"]],
    ];
    const bad = [];
    for (const [q, at, want] of cases) {
      const r = await gqlPost({ query: q });
      const obj = at.reduce((v, k) => v?.[k], r.json?.data);
      const got = obj ? Object.keys(obj) : [];
      if (got.join() !== want.join()) {
        bad.push(`{${want.join(" ")}} came back as {${got.join(" ")}}`);
        evidence(`POST /graphql {"query":${JSON.stringify(q)}}`, r.text);
      }
    }
    if (bad.length) return { status: "WARN", reason: `${bad.length}/${cases.length} responses not in selection-set order (spec §7.1 SHOULD), e.g. ${bad[0]}` };
    return "response maps follow the selection-set order";
  });
}

main().catch((e) => {
  console.error(e);
  console.log(`RESULT\tgraphql-setup\tFAIL\t${e?.message ?? e}`);
});
