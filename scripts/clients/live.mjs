// The `eventsource` package (the EventSource API for Node) on a live
// page's stream: a post written through REST arrives as a `post` event; a
// second EventSource that starts from the first one's last event id (sent
// as Last-Event-ID) gets the posts written in between, in order, once.
// The same on the site stream (`/v1/stream?section=`): a published article
// arrives as `published`, a resumed EventSource gets the ones in between.
// Prints RESULT lines.
import { EventSource } from "eventsource";
import { base, check, ok } from "./lib.mjs";

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
}

main().catch((e) => {
  console.error(e);
  console.log(`RESULT\teventsource-setup\tFAIL\t${e?.message ?? e}`);
});
