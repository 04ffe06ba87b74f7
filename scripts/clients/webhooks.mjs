// The Standard Webhooks reference library (npm `standardwebhooks`, its own
// HMAC-SHA256) verifies what Barta sends: a receiver on 127.0.0.1, a webhook
// made through REST with the admin key, a ping and a published article.
// A body changed by one byte must be refused. Prints RESULT lines.
import http from "node:http";
import { Webhook } from "standardwebhooks";
import { base, check, ok, evidence } from "./lib.mjs";

const admin = process.env.BARTA_ADMIN_KEY;
const port = Number(process.env.WEBHOOK_PORT ?? 18790);

function receiver() {
  const queue = [];
  const waiters = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(204).end();
      const got = { headers: req.headers, raw: Buffer.concat(chunks).toString("utf8") };
      const w = waiters.shift();
      if (w) w(got);
      else queue.push(got);
    });
  });
  server.listen(port, "127.0.0.1");
  const next = () =>
    queue.length
      ? Promise.resolve(queue.shift())
      : new Promise((resolve, reject) => {
          waiters.push(resolve);
          setTimeout(() => reject(new Error("no webhook request within 20 s")), 20000);
        });
  return { server, next };
}

async function api(method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
  return json;
}

async function main() {
  if (!admin) {
    console.log("RESULT\tstandardwebhooks\tSKIP\tno BARTA_ADMIN_KEY");
    return;
  }
  const rx = receiver();
  try {
    const made = await api("POST", "/v1/admin/webhooks", {
      url: `http://127.0.0.1:${port}/hook`,
      events: ["article.published"],
    });
    const { id, secret } = made.data;
    const wh = new Webhook(secret);
    await check("standardwebhooks-ping", async () => {
      await api("POST", `/v1/admin/webhooks/${id}/ping`);
      const got = await rx.next();
      const payload = wh.verify(got.raw, got.headers);
      ok(payload.type === "webhook.ping", `type ${payload.type}`);
      let refused = false;
      try {
        wh.verify(got.raw.replace("ping", "pong"), got.headers);
      } catch {
        refused = true;
      }
      ok(refused, "a changed body still verified");
      return `webhook-id ${got.headers["webhook-id"]} verified; a changed body refused`;
    });
    await check("standardwebhooks-article", async () => {
      const draft = await api("POST", "/v1/admin/articles", {
        headline: "ওয়েবহুক যাচাই",
        section: "national",
        bodyText: "স্ট্যান্ডার্ড ওয়েবহুকস দিয়ে যাচাই।",
      });
      await api("POST", `/v1/admin/articles/${draft.data.id}/publish`, {});
      const got = await rx.next();
      const payload = wh.verify(got.raw, got.headers);
      if (payload.type !== "article.published") evidence("webhook body", got.raw);
      ok(payload.type === "article.published", `type ${payload.type}`);
      ok(payload.data.article.headline === "ওয়েবহুক যাচাই", "headline not carried intact");
      return `article.published for ${draft.data.id} verified, Bengali headline intact`;
    });
  } finally {
    rx.server.close();
  }
}

main().catch((e) => {
  console.error(e);
  console.log(`RESULT\twebhooks-setup\tFAIL\t${e?.message ?? e}`);
});
