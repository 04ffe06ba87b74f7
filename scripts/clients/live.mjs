// The `eventsource` package (the EventSource API for Node) on a live
// page's stream: a post written through REST arrives as a `post` event; a
// second EventSource that starts from the first one's last event id (sent
// as Last-Event-ID) gets the posts written in between, in order, once.
// The same on the site stream (`/v1/stream?section=`): a published article
// arrives as `published`, a resumed EventSource gets the ones in between.
// The `graphql-ws` package (over `ws`) with GraphQL subscriptions on
// `/graphql`: `livePosts` gets a post, a new subscription `after:` the
// first event's cursor gets the posts in between, in order; the page's end
// completes it; `articlePublished(sections:)` gets a published article.
// Prints RESULT lines.
import { EventSource } from "eventsource";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { base, check, fail, ok } from "./lib.mjs";

const key = process.env.BARTA_ADMIN_KEY;

async function api(method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
  return json;
}

function open(article, lastEventId) {
  return openPath(`/v1/articles/${article}/posts/stream`, lastEventId, ["post", "update", "delete", "ended"]);
}

function openPath(path, lastEventId, types) {
  const events = [];
  const waiters = [];
  const es = new EventSource(`${base}${path}`, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: { ...init.headers, ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
      }),
  });
  const on = (type) =>
    es.addEventListener(type, (e) => {
      const got = { type, id: e.lastEventId, data: JSON.parse(e.data) };
      const w = waiters.shift();
      if (w) w(got);
      else events.push(got);
    });
  types.forEach(on);
  const ready = new Promise((resolve, reject) => {
    es.onopen = resolve;
    es.onerror = (e) => reject(new Error(`stream error ${e?.message ?? ""}`));
  });
  const next = () =>
    events.length
      ? Promise.resolve(events.shift())
      : new Promise((resolve, reject) => {
          waiters.push(resolve);
          setTimeout(() => reject(new Error("no event within 20 s")), 20000);
        });
  return { es, ready, next };
}

async function main() {
  if (!key) {
    console.log("RESULT\teventsource\tSKIP\tno BARTA_ADMIN_KEY");
    return;
  }
  await check("eventsource-live", async () => {
    const made = await api("POST", "/v1/admin/articles", {
      headline: "সরাসরি: ক্লায়েন্ট যাচাই",
      section: "national",
      bodyText: "শুরু।",
      kind: "live",
    });
    const id = made.data.id;
    await api("POST", `/v1/admin/articles/${id}/publish`, {});
    const a = open(id);
    await a.ready;
    const p1 = await api("POST", `/v1/admin/articles/${id}/posts`, { bodyText: "প্রথম পোস্ট" });
    const e1 = await a.next();
    ok(e1.type === "post" && e1.data.id === p1.data.id, `first event ${JSON.stringify(e1).slice(0, 200)}`);
    a.es.close();
    const p2 = await api("POST", `/v1/admin/articles/${id}/posts`, { bodyText: "দ্বিতীয় পোস্ট" });
    const p3 = await api("POST", `/v1/admin/articles/${id}/posts`, { bodyText: "তৃতীয় পোস্ট" });
    const b = open(id, e1.id);
    await b.ready;
    const got = [await b.next(), await b.next()];
    ok(
      got[0].data.id === p2.data.id && got[1].data.id === p3.data.id,
      `resumed with ${got.map((g) => g.data.id).join(",")}, wanted ${p2.data.id},${p3.data.id}`,
    );
    ok(Number(got[0].id) > Number(e1.id) && Number(got[1].id) > Number(got[0].id), "ids not increasing");
    b.es.close();
    return `post event received; resumed after ${e1.id} with the two posts written while away, in order (Bengali text intact: ${got[0].data.body[0].text})`;
  });
  await check("eventsource-site", async () => {
    const publish = async (headline) => {
      const made = await api("POST", "/v1/admin/articles", { headline, section: "sports", bodyText: "খবর।" });
      await api("POST", `/v1/admin/articles/${made.data.id}/publish`, {});
      return made.data.id;
    };
    const types = ["published", "breaking"];
    const a = openPath("/v1/stream?section=sports", undefined, types);
    await a.ready;
    const first = await publish("খেলা: প্রথম খবর");
    const e1 = await a.next();
    ok(e1.type === "published" && e1.data.id === first, `first event ${JSON.stringify(e1).slice(0, 200)}`);
    a.es.close();
    const second = await publish("খেলা: দ্বিতীয় খবর");
    const third = await publish("খেলা: তৃতীয় খবর");
    const b = openPath("/v1/stream?section=sports", e1.id, types);
    await b.ready;
    const got = [await b.next(), await b.next()];
    ok(
      got[0].data.id === second && got[1].data.id === third,
      `resumed with ${got.map((g) => g.data.id).join(",")}, wanted ${second},${third}`,
    );
    b.es.close();
    return `published event received; resumed after ${e1.id} with the two articles published while away, in order (${got[1].data.headline})`;
  });
  await check("graphql-ws-live", async () => {
    const client = gqlClient();
    try {
      const made = await api("POST", "/v1/admin/articles", {
        headline: "সরাসরি: সাবস্ক্রিপশন যাচাই",
        section: "national",
        bodyText: "শুরু।",
        kind: "live",
      });
      const id = made.data.id;
      await api("POST", `/v1/admin/articles/${id}/publish`, {});
      // Subscribing after the page's newest event id leaves no gap between
      // reading it and the subscription being set up on the server.
      const list = await (await fetch(`${base}/v1/articles/${id}/posts`)).json();
      const query = `subscription($a: ID!, $after: String) {
        livePosts(articleId: $a, after: $after) { cursor kind postId post { id bodyHtml } } }`;
      const a = subscribe(client, query, { a: id, after: list.page.lastEventId });
      const p1 = await api("POST", `/v1/admin/articles/${id}/posts`, { bodyText: "প্রথম পোস্ট" });
      const e1 = (await a.next()).livePosts;
      ok(e1.kind === "POST" && e1.post.id === p1.data.id, `first event ${JSON.stringify(e1).slice(0, 200)}`);
      a.stop();
      const p2 = await api("POST", `/v1/admin/articles/${id}/posts`, { bodyText: "দ্বিতীয় পোস্ট" });
      const p3 = await api("POST", `/v1/admin/articles/${id}/posts`, { bodyText: "তৃতীয় পোস্ট" });
      const b = subscribe(client, query, { a: id, after: e1.cursor });
      const got = [(await b.next()).livePosts, (await b.next()).livePosts];
      ok(
        got[0].post.id === p2.data.id && got[1].post.id === p3.data.id,
        `resumed with ${got.map((g) => g.postId).join(",")}, wanted ${p2.data.id},${p3.data.id}`,
      );
      await api("PATCH", `/v1/admin/articles/${id}`, { liveState: "ended" });
      const end = (await b.next()).livePosts;
      ok(end.kind === "ENDED", `last event ${JSON.stringify(end)}`);
      await b.completed;
      return `livePosts event received; resumed after cursor ${e1.cursor} with the two posts in between, in order (${got[0].post.bodyHtml}); ENDED then complete`;
    } finally {
      await client.dispose();
    }
  });
  await check("graphql-ws-site", async () => {
    const client = gqlClient();
    try {
      const a = subscribe(
        client,
        `subscription { articlePublished(sections: ["sports"]) { databaseId headline section { slug } } }`,
        {},
      );
      // No acknowledgement exists for a subscription: publish until one
      // is heard (the first may come before the server set it up).
      let heard;
      const published = [];
      for (let i = 0; i < 5 && !heard; i++) {
        const made = await api("POST", "/v1/admin/articles", {
          headline: `খেলা: সাবস্ক্রিপশন ${i + 1}`,
          section: "sports",
          bodyText: "খবর।",
        });
        await api("POST", `/v1/admin/articles/${made.data.id}/publish`, {});
        published.push(made.data.id);
        heard = await a.next(2000).catch(() => undefined);
      }
      ok(!heard || published.includes(heard.articlePublished.databaseId), `got ${JSON.stringify(heard)}`);
      ok(heard, "no articlePublished event for five publishes");
      a.stop();
      return `articlePublished received (${heard.articlePublished.headline}, section ${heard.articlePublished.section.slug})`;
    } finally {
      await client.dispose();
    }
  });
}

function gqlClient() {
  return createClient({
    url: `${base.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
  });
}

/** A subscription as a queue: `next(ms)` is the next `data`, `completed` settles at its end. */
function subscribe(client, query, variables) {
  const items = [];
  const waiters = [];
  let done;
  const completed = new Promise((resolve, reject) => {
    done = { resolve, reject };
  });
  const push = (item) => {
    const w = waiters.shift();
    if (w) w(item);
    else items.push(item);
  };
  const stop = client.subscribe(
    { query, variables },
    {
      next: (r) => push(r),
      error: (e) => {
        push({ errors: [e] });
        done.reject(e);
      },
      complete: () => done.resolve(),
    },
  );
  const next = (ms = 20000) =>
    (items.length
      ? Promise.resolve(items.shift())
      : new Promise((resolve, reject) => {
          const w = (item) => {
            clearTimeout(timer);
            resolve(item);
          };
          const timer = setTimeout(() => {
            waiters.splice(waiters.indexOf(w), 1);
            reject(new Error(`no event within ${ms} ms`));
          }, ms);
          waiters.push(w);
        })
    ).then((r) => {
      if (r.errors) fail(`errors: ${JSON.stringify(r.errors).slice(0, 300)}`);
      return r.data;
    });
  return { next, stop, completed };
}

main().catch((e) => {
  console.error(e);
  console.log(`RESULT\teventsource-setup\tFAIL\t${e?.message ?? e}`);
});
