// scripts/screenshots/shoot.mjs — drives the system Chromium (puppeteer-core,
// no browser download) over Barta's three browser pages, checks that every
// request stays on 127.0.0.1 and succeeds, and takes the screenshots in
// docs/screenshots/. Run by scripts/screenshots.sh, which starts the server,
// limits the network and sets the environment below; it is copied next to its
// node_modules (outside the repo) before it runs, so it imports puppeteer-core
// from there.
//
// Environment: SHOTS_BASE (http://127.0.0.1:PORT), SHOTS_OUT (the screenshot
// folder), SHOTS_CHROMIUM (the browser binary), SHOTS_NET_LIMIT (a sentence
// saying how the network was limited, for the README), SHOTS_CHROMIUM_ARGS
// (extra flags, newline-separated), SHOTS_BENGALI_FONTS (below).
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import puppeteer from "puppeteer-core";

const base = process.env.SHOTS_BASE;
const out = process.env.SHOTS_OUT;
const executablePath = process.env.SHOTS_CHROMIUM;
const netLimit = process.env.SHOTS_NET_LIMIT ?? "unknown";
const extraArgs = (process.env.SHOTS_CHROMIUM_ARGS ?? "").split("\n").filter(Boolean);
if (!base || !out || !executablePath) {
  console.error("shoot.mjs: SHOTS_BASE, SHOTS_OUT and SHOTS_CHROMIUM are required (run scripts/screenshots.sh)");
  process.exit(2);
}
const ALLOWED_HOST = "127.0.0.1";
const WIDTH = 1280;
const HEIGHT = 900;
const TIMEOUT = 30_000;
// Bengali letters: a Bengali text check looks for them.
const BENGALI = /[\u0980-\u09FF]/;
// Font families with Bengali glyphs (`fc-list :lang=bn family`), one a line.
const bengaliFonts = (process.env.SHOTS_BENGALI_FONTS ?? "")
  .split("\n")
  .flatMap((l) => l.split(","))
  .map((f) => f.trim())
  .filter(Boolean);

// The API title the reference page must show, from the document it renders.
const openapi = await (await fetch(`${base}/openapi.json`)).json();
const apiTitle = openapi?.info?.title;
if (!apiTitle) throw new Error("/openapi.json has no info.title");

// A browser of its own for each page (a fresh temporary profile): no cache
// and no remembered favicon carried over from the page before, so each
// page's request list is complete on its own, whatever the order.
const launch = () =>
  puppeteer.launch({
    executablePath,
    headless: true,
    defaultViewport: { width: WIDTH, height: HEIGHT, deviceScaleFactor: 1 },
    args: extraArgs,
  });
let chromiumVersion = "";

// One page: every request and its outcome, the console's errors, then the
// page's own steps (`act`) and a screenshot.
async function visit({ name, path, file, act }) {
  const browser = await launch();
  chromiumVersion = await browser.version();
  const page = await browser.newPage();
  await page.setViewport({ width: WIDTH, height: HEIGHT, deviceScaleFactor: 1 });
  page.setDefaultTimeout(TIMEOUT);
  const requests = []; // { method, url, status | error }
  const byRequest = new Map();
  const consoleErrors = [];
  const notes = [];
  const problems = [];
  page.on("request", (req) => {
    const entry = { method: req.method(), url: req.url(), status: null, error: null };
    byRequest.set(req, entry);
    requests.push(entry);
  });
  page.on("requestfinished", (req) => {
    const entry = byRequest.get(req);
    if (entry) entry.status = req.response()?.status() ?? null;
  });
  page.on("requestfailed", (req) => {
    const entry = byRequest.get(req);
    if (entry) {
      entry.status = req.response()?.status() ?? null;
      entry.error = req.failure()?.errorText ?? "failed";
    }
  });
  page.on("console", (msg) => {
    if (msg.type() === "error") {
      consoleErrors.push({ text: msg.text(), url: msg.location()?.url ?? "" });
    }
  });
  page.on("pageerror", (err) => consoleErrors.push({ text: `uncaught: ${err.message}`, url: "" }));

  let stepError = null;
  try {
    const res = await page.goto(base + path, { waitUntil: "networkidle0", timeout: TIMEOUT });
    if (!res || !res.ok()) throw new Error(`${path} answered ${res?.status()}`);
    if (act) await act(page, notes, problems);
    // Let the last fetches land before judging them.
    await page.waitForNetworkIdle({ idleTime: 500, timeout: TIMEOUT }).catch(() => {});
  } catch (e) {
    stepError = e.message;
  }
  mkdirSync(out, { recursive: true });
  await page.screenshot({ path: join(out, file), type: "png" });

  // Judge it. A source map's 404 is noted, not failed (DevTools-only files
  // that the vendored bundles may name but the binary does not carry).
  if (stepError) problems.push(`step failed: ${stepError}`);
  for (const r of requests) {
    const u = new URL(r.url);
    const local = u.protocol === "data:" || u.protocol === "blob:" || u.protocol === "about:";
    const isMap = u.pathname.endsWith(".map");
    if (!local && u.hostname !== ALLOWED_HOST) problems.push(`request off 127.0.0.1: ${r.method} ${r.url}`);
    if (local) continue;
    if (isMap && (r.status === 404 || r.error)) {
      notes.push(`source map not found (ignored): ${u.pathname}`);
      continue;
    }
    if (r.error) problems.push(`request failed: ${r.method} ${u.pathname}${u.search} (${r.error})`);
    else if (r.status === null) problems.push(`no answer: ${r.method} ${u.pathname}${u.search}`);
    else if (r.status >= 400) problems.push(`request answered ${r.status}: ${r.method} ${u.pathname}${u.search}`);
  }
  for (const c of consoleErrors) {
    const mapOnly = /\.map\b/.test(c.url) && /404|Failed to load/.test(c.text);
    if (mapOnly) notes.push(`console (source map, ignored): ${c.text}`);
    else problems.push(`console error: ${c.text}${c.url ? ` (${c.url})` : ""}`);
  }
  await browser.close();
  return { name, path, file, requests, consoleErrors, notes, problems, pass: problems.length === 0 };
}

// The platform fonts Chromium used for the text of the element `selector`
// names (its own text nodes): shows whether Bengali got a real font.
async function fontsFor(page, selector) {
  const cdp = await page.createCDPSession();
  try {
    await cdp.send("DOM.enable");
    await cdp.send("CSS.enable");
    const { root } = await cdp.send("DOM.getDocument", { depth: -1 });
    const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector });
    if (!nodeId) return [];
    const { fonts } = await cdp.send("CSS.getPlatformFontsForNode", { nodeId });
    return fonts;
  } finally {
    await cdp.detach();
  }
}

// Marks the first element under `scope` whose own text has Bengali letters,
// so fontsFor can find it; returns that text, or null.
async function markBengali(page, scope) {
  return page.evaluate(
    (scope, src) => {
      const re = new RegExp(src);
      const root = document.querySelector(scope);
      if (!root) return null;
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (re.test(n.nodeValue) && n.parentElement) {
          n.parentElement.setAttribute("data-shots-bengali", "");
          return n.nodeValue.trim().slice(0, 60);
        }
      }
      return null;
    },
    scope,
    BENGALI.source,
  );
}

async function noteBengaliFonts(page, scope, notes, problems) {
  const text = await markBengali(page, scope);
  if (!text) {
    notes.push(`no Bengali text found under ${scope}`);
    return;
  }
  const fonts = await fontsFor(page, "[data-shots-bengali]");
  notes.push(`Bengali "${text}" drawn with: ${fonts.map((f) => `${f.familyName} (${f.glyphCount} glyphs)`).join(", ") || "nothing reported"}`);
  // A Bengali run drawn by no font that has Bengali glyphs shows boxes
  // (tofu): at least one font used must be one fontconfig lists for `bn`.
  const families = fonts.map((f) => f.familyName);
  if (families.length === 0) problems.push(`no font reported for Bengali text "${text}"`);
  else if (bengaliFonts.length && !families.some((f) => bengaliFonts.includes(f)))
    problems.push(`Bengali "${text}" drawn with no Bengali font (${families.join(", ")}): tofu`);
}

const pages = [
  {
    name: "home",
    path: "/",
    file: "home.png",
    act: async (page, notes, problems) => {
      await page.waitForSelector("h1");
      await noteBengaliFonts(page, "h1", notes, problems);
    },
  },
  {
    name: "graphiql",
    path: "/graphql",
    file: "graphiql.png",
    act: async (page, notes, problems) => {
      // GraphiQL has rendered when its query editor (CodeMirror) is there
      // with the example query in it.
      await page.waitForSelector(".graphiql-query-editor .CodeMirror");
      await page.waitForFunction(
        () => document.querySelector(".graphiql-query-editor .CodeMirror")?.textContent.includes("query Latest"),
      );
      // The example holds two operations, so the run button opens a menu of
      // them: pick "Latest". (If it runs at once, there is no menu.)
      await page.click(".graphiql-execute-button");
      const item = await page
        .waitForFunction(
          () =>
            [...document.querySelectorAll('[role="menuitem"]')].find((el) => el.textContent.trim() === "Latest") ??
            null,
          { timeout: 3_000 },
        )
        .catch(() => null);
      if (item) await item.asElement().click();
      else notes.push("run button ran without an operation menu");
      await page.waitForFunction(
        () => document.querySelector(".graphiql-response")?.textContent.includes('"headline"'),
      );
      const hasErrors = await page.evaluate(() =>
        document.querySelector(".graphiql-response")?.textContent.includes('"errors"'),
      );
      if (hasErrors) notes.push('the result holds "errors"');
      await noteBengaliFonts(page, ".graphiql-response", notes, problems);
      // Put the mouse away so no tooltip or hover state is in the picture.
      await page.mouse.move(WIDTH - 1, HEIGHT - 1);
    },
  },
  {
    name: "docs",
    path: "/docs",
    file: "docs.png",
    act: async (page, notes, problems) => {
      await page.waitForFunction(
        (title) => [...document.querySelectorAll("h1")].some((h) => h.textContent.includes(title)),
        {},
        apiTitle,
      );
      notes.push(`Redoc shows the title "${apiTitle}"`);
    },
  },
];

const results = [];
for (const p of pages) results.push(await visit(p));

// A data: URL (fonts inlined in GraphiQL's CSS) is kilobytes long: its type will do.
const shortUrl = (url) => (url.startsWith("data:") ? `${url.slice(0, url.search(/[;,]/))} (inline, ${url.length} chars)` : url);

// The report: to stdout, and a line per page in the README beside the PNGs.
const summary = (r) => {
  const counts = new Map();
  for (const q of r.requests) {
    const u = new URL(q.url);
    const where = u.protocol === "data:" || u.protocol === "blob:" ? u.protocol : u.host === new URL(base).host ? u.pathname : q.url;
    const key = `${q.method} ${where} ${q.error ? q.error : q.status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join("; ");
};
for (const r of results) {
  console.log(`\n== ${r.path} -> ${r.file}: ${r.pass ? "PASS" : "FAIL"}`);
  for (const q of r.requests) console.log(`   ${q.method} ${shortUrl(q.url)} -> ${q.error ?? q.status}`);
  for (const n of r.notes) console.log(`   note: ${n}`);
  for (const p of r.problems) console.log(`   FAIL: ${p}`);
}

const date = new Date().toISOString().slice(0, 10);
const lines = [
  "# Screenshots",
  "",
  "Made by `scripts/screenshots.sh` (headless Chromium driven by puppeteer-core against",
  "`barta serve --demo`), 1280×900 PNG. Regenerate with `BARTA=target/debug/barta scripts/screenshots.sh`.",
  "",
  ...results.map(
    (r) =>
      `- \`${r.file}\` — \`GET ${r.path}\`: ${r.pass ? "PASS" : "FAIL"}, ${date}, ${chromiumVersion}, ` +
      `network: ${netLimit}; ${r.requests.length} requests: ${summary(r)}` +
      (r.consoleErrors.length ? `; console errors: ${r.consoleErrors.length}` : "; no console errors") +
      ".",
  ),
  "",
];
writeFileSync(join(out, "README.md"), lines.join("\n"));

const failed = results.filter((r) => !r.pass);
console.log(`\n${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
