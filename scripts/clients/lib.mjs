// Shared helpers for the client checks run by scripts/clients.sh.
//
// Every check prints exactly one line `RESULT<TAB>name<TAB>STATUS<TAB>reason`
// on stdout (STATUS is PASS, FAIL, WARN or SKIP); clients.sh collects those
// lines into its summary. Anything else printed is detail for the log.
// When a check fails on a server answer, the request and an excerpt of the
// answer are printed as `EVIDENCE` lines so the report can quote them.

export const base = process.env.BARTA_BASE ?? "http://127.0.0.1:18700";

export class CheckFailure extends Error {}

/** Fail the running check with a one-line reason. */
export function fail(reason) {
  throw new CheckFailure(reason);
}

/** Assert `cond`, else fail with `reason`. */
export function ok(cond, reason) {
  if (!cond) fail(reason);
}

/** Print the request and an excerpt of the answer that shows a problem. */
export function evidence(request, response) {
  const text = typeof response === "string" ? response : JSON.stringify(response);
  console.log(`EVIDENCE\t${request}\t${text.length > 600 ? text.slice(0, 600) + "…" : text}`);
}

/** Run one named check; a thrown error is a FAIL with its message. */
export async function check(name, fn) {
  let status = "PASS";
  let reason = "";
  try {
    const r = await fn();
    if (r && typeof r === "object" && r.status) {
      status = r.status;
      reason = r.reason ?? "";
    } else {
      reason = r ?? "";
    }
  } catch (e) {
    status = "FAIL";
    reason = e instanceof CheckFailure ? e.message : `${e?.name ?? "Error"}: ${e?.message ?? e}`;
    if (!(e instanceof CheckFailure) && e?.stack) console.error(e.stack);
  }
  console.log(`RESULT\t${name}\t${status}\t${String(reason).replace(/\s+/g, " ").trim()}`);
  return status;
}

/** POST a GraphQL request with Node's own fetch; returns status, headers, body. */
export async function gqlPost(body, accept = "application/graphql-response+json, application/json;q=0.9") {
  const res = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get("content-type"), text, json };
}

/** Bengali letters (U+0980..U+09FF) present, and no UTF-8-read-as-Latin-1 mojibake. */
export function looksBengali(s) {
  return /[\u0980-\u09FF]/.test(s) && !/à¦|à§|Ã|â€/.test(s);
}
