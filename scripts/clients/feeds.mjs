// rss-parser (the usual Node feed reader) on the site-wide RSS 2.0 and Atom
// feeds, which GET / (Accept: application/json) links. Each item must have
// a title, a link and a date rss-parser understands (isoDate); titles must
// be Bengali text, not UTF-8 bytes read as Latin-1; and the feed must list
// the same newest articles as GET /v1/articles. Prints RESULT lines.
import Parser from "rss-parser";
import { base, check, ok, evidence, looksBengali } from "./lib.mjs";

async function feedUrls() {
  const res = await fetch(`${base}/`, { headers: { accept: "application/json" } });
  const home = await res.json();
  const rss = home?.links?.rss?.href;
  ok(rss, `GET / lists no rss link: ${JSON.stringify(home).slice(0, 200)}`);
  // The rss link's title names the Atom sibling ("also /feeds/atom.xml").
  const atom = (home.links.rss.title.match(/\/feeds\/[a-z/]*atom\.xml/) ?? ["/feeds/atom.xml"])[0];
  return { rss, atom };
}

async function main() {
  const { rss, atom } = await feedUrls();
  const latest = await (await fetch(`${base}/v1/articles?limit=5`)).json();
  const headlines = latest.data.map((a) => a.headline);
  const parser = new Parser({ timeout: 10000 });

  for (const [name, path] of [["rss-parser-rss", rss], ["rss-parser-atom", atom]]) {
    await check(name, async () => {
      const feed = await parser.parseURL(`${base}${path}`);
      ok(feed.title && feed.items?.length > 0, `${path}: no title or no items`);
      const bad = feed.items.filter((i) => !i.title || !i.link || !i.isoDate || Number.isNaN(Date.parse(i.isoDate)));
      if (bad.length) {
        evidence(`GET ${path} (rss-parser item)`, bad[0]);
        ok(false, `${bad.length}/${feed.items.length} items lack title/link/isoDate, first: ${JSON.stringify(bad[0]).slice(0, 160)}`);
      }
      const garbled = feed.items.filter((i) => !looksBengali(i.title));
      if (garbled.length) {
        evidence(`GET ${path}`, garbled[0].title);
        ok(false, `${garbled.length} titles not Bengali text / mojibake, e.g. ${garbled[0].title}`);
      }
      const first = feed.items.slice(0, headlines.length).map((i) => i.title);
      ok(JSON.stringify(first) === JSON.stringify(headlines), `newest items differ from /v1/articles: ${first[0]} vs ${headlines[0]}`);
      const dates = feed.items.map((i) => Date.parse(i.isoDate));
      ok(dates.every((d, k) => k === 0 || d <= dates[k - 1]), "items are not newest first");
      return `${path}: ${feed.items.length} items with title/link/isoDate, Bengali intact, same order as /v1/articles (e.g. ${feed.items[0].title.slice(0, 30)}…)`;
    });
  }
}

main().catch((e) => {
  console.error(e);
  console.log(`RESULT\tfeeds-setup\tFAIL\t${e?.message ?? e}`);
});
