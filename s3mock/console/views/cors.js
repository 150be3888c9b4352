// The CORS playground (view "cors"): a bucket, an origin, a method and request headers -> the
// explainer's answer (GET /_s3mock/cors/explain): the decision, the rule that matched or why each
// rule did not, and the headers S3 would send; and a replay as a real preflight from this browser.

import { registerView } from "../app.js";
import { clear, el, errorText } from "../dom.js";
import { objectPath, s3 } from "../s3.js";

const METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD"];
const REPLAY_TIMEOUT_MS = 8000;

// The explainer's or the request log's JSON; its own 400/404 answers are {"error": ...}.
async function tooling(path, query) {
  const r = await s3.request("GET", path, { query, ok: [400, 404] });
  const data = JSON.parse(r.text || "null");
  if (r.status >= 400) throw new Error((data && data.error) || `HTTP ${r.status}`);
  return data;
}

function mark(ok) {
  return el("span", { class: ok ? "yes" : "no" }, ok ? "matches" : "does not match");
}

function headerList(headers) {
  const entries = Array.isArray(headers) ? headers : Object.entries(headers || {});
  if (!entries.length) return el("p", { class: "muted" }, "none");
  return el("dl", { class: "kv mono" }, entries.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}

function showAnswer(out, a, q) {
  clear(out);
  const allowed = a.decision === "allowed";
  out.append(
    el("div", { class: allowed ? "ok-box" : "error-box", dataTest: "cors-decision", dataset: { decision: a.decision } },
      `${allowed ? "Allowed" : "Refused"}: ${a.reason}`,
      a.matched_rule !== null && a.matched_rule !== undefined ? ` (rule ${a.matched_rule})` : ""),
  );
  if (a.error) {
    out.append(el("p", { dataTest: "cors-error" }, "S3 answers the preflight ",
      el("code", {}, `${a.error.status} ${a.error.code}`), `: ${a.error.message}`));
  }
  if (a.rules.length) {
    const rows = a.rules.map((r) => el("tr", { dataTest: "cors-rule", dataset: { index: String(r.index) },
      class: r.index === a.matched_rule ? "matched" : "" },
    el("td", { class: "num" }, String(r.index)), el("td", { class: "mono" }, r.id || ""),
    el("td", {}, mark(r.origin)), el("td", {}, mark(r.method)),
    el("td", { class: "mono" }, (r.denied_headers || []).join(", ")),
    el("td", { dataTest: "cors-rule-result" }, r.result)));
    out.append(el("h2", {}, "Rules, in order (the first that matches decides)"),
      el("table", { dataTest: "cors-rules" },
        el("thead", {}, el("tr", {}, ["#", "ID", "Origin", "Method", "Headers not allowed", "Result"].map((h) => el("th", {}, h)))),
        el("tbody", {}, rows)));
  }
  out.append(el("h2", {}, "Headers S3 would send"), el("div", { dataTest: "cors-headers" }, headerList(a.headers)));
  out.append(el("p", { class: "muted" }, `Asked: OPTIONS ${objectPath(q.bucket, q.key || undefined)} with Origin ${q.origin}, ` +
    `Access-Control-Request-Method ${q.method}` + (q.headers ? `, Access-Control-Request-Headers ${q.headers}` : "")));
}

// The same server under its other loopback name: a request there from this page is cross-origin,
// so the browser itself sends the preflight (a page cannot set Origin or Access-Control-Request-*
// on a request of its own: they are forbidden header names).
export function replayTarget(loc = location) {
  const other = { localhost: "127.0.0.1", "127.0.0.1": "localhost", "[::1]": "localhost" }[loc.hostname];
  return other ? `${loc.protocol}//${other}${loc.port ? ":" + loc.port : ""}` : null;
}

async function replay(out, q) {
  clear(out);
  const target = replayTarget();
  if (!target) {
    out.append(el("p", { class: "error-box" }, "Replay needs the console opened at http://127.0.0.1:PORT or http://localhost:PORT: " +
      "it sends the request to the other name, so that the browser makes it cross-origin."));
    return;
  }
  const path = objectPath(q.bucket, q.key || undefined);
  const before = (await tooling("/_s3mock/requests", { limit: "1" })).last;
  const headers = {};
  for (const name of q.headers.split(",").map((h) => h.trim()).filter(Boolean)) headers[name] = "replay";
  let outcome;
  try {
    const r = await fetch(target + path, { method: q.method, headers, mode: "cors", credentials: "omit",
      cache: "no-store", redirect: "manual", signal: AbortSignal.timeout(REPLAY_TIMEOUT_MS) });
    outcome = el("div", { class: "ok-box", dataTest: "replay-outcome", dataset: { outcome: "passed" } },
      `The browser allowed it and sent the ${q.method} itself; its answer: HTTP ${r.status}.`);
  } catch (err) {
    outcome = el("div", { class: "error-box", dataTest: "replay-outcome", dataset: { outcome: "blocked" } },
      `The browser blocked the request (${err.name}: ${err.message}).`);
  }
  const seen = (await tooling("/_s3mock/requests", { after: String(before), limit: "50" })).requests
    .filter((r) => r.path === path && !r.console);
  const preflight = seen.find((r) => r.method === "OPTIONS");
  out.append(el("p", { class: "muted" }, `Sent from this page (origin ${location.origin}) to ${target}${path}: ` +
    "the browser sends its own origin, whatever the form says. After an allowed preflight it sends the request too, unsigned."),
  outcome);
  if (!preflight) {
    out.append(el("p", { dataTest: "replay-no-preflight" }, seen.length
      ? `No preflight: a ${q.method} with these headers is a simple request, sent at once with Origin (CORS: ${seen[0].cors}, HTTP ${seen[0].status}).`
      : "The server's request log (this worker's) shows no such request."));
    return;
  }
  const d = await tooling(`/_s3mock/requests/${preflight.seq}`);
  out.append(el("h2", {}, "The preflight as the server saw it"),
    el("p", { dataTest: "replay-status" }, `OPTIONS ${d.path}: HTTP ${d.status}, CORS ${d.cors}`),
    el("h2", {}, "Sent"), el("div", { dataTest: "replay-request-headers" }, headerList(d.headers.filter(([k]) =>
      /^(origin|access-control-request-)/i.test(k)))),
    el("h2", {}, "Answered"), el("div", { dataTest: "replay-response-headers" }, headerList(d.response_headers)));
  if (d.error) out.append(el("pre", { dataTest: "replay-error-body" }, d.error));
}

async function render(container, params) {
  const query = params.query || new URLSearchParams();
  const bucket = el("input", { name: "bucket", required: true, list: "cors-buckets", dataTest: "cors-bucket", value: query.get("bucket") || "" });
  const origin = el("input", { name: "origin", required: true, dataTest: "cors-origin", value: query.get("origin") || "http://localhost:5173" });
  const method = el("select", { name: "method", dataTest: "cors-method" }, METHODS.map((m) => el("option", { value: m, selected: m === (query.get("method") || "PUT") }, m)));
  const headers = el("input", { name: "headers", placeholder: "content-type, x-amz-meta-a", dataTest: "cors-headers-input", value: query.get("headers") || "" });
  const key = el("input", { name: "key", placeholder: "(optional)", dataTest: "cors-key", value: query.get("key") || "" });
  const datalist = el("datalist", { id: "cors-buckets" });
  const explainButton = el("button", { type: "submit", class: "button primary", dataTest: "cors-explain" }, "Explain");
  const replayButton = el("button", { type: "button", class: "button", dataTest: "cors-replay",
    title: "Send it from this browser: a real preflight, with this page's origin" }, "Replay as a real preflight");
  const form = el("form", { class: "inline", dataTest: "cors-form" },
    el("label", {}, "Bucket", bucket), el("label", {}, "Origin", origin), el("label", {}, "Method", method),
    el("label", {}, "Request headers (comma-separated)", headers), el("label", {}, "Key", key), datalist,
    explainButton, replayButton);
  const answer = el("div", { class: "card", dataTest: "cors-answer", hidden: true });
  const replayOut = el("div", { class: "card", dataTest: "cors-replay-result", hidden: true });
  container.append(el("div", { class: "page-head" }, el("h1", {}, "CORS playground"),
    el("span", { class: "muted" }, "What S3 would answer a browser's preflight, rule by rule")),
  el("div", { class: "card" }, form), answer, replayOut);
  const ask = () => ({ bucket: bucket.value.trim(), origin: origin.value.trim(), method: method.value,
    headers: headers.value.trim(), key: key.value });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = ask();
    answer.hidden = false;
    try {
      const a = await tooling("/_s3mock/cors/explain", { bucket: q.bucket, origin: q.origin, method: q.method,
        headers: q.headers || undefined, key: q.key || undefined });
      showAnswer(answer, a, q);
    } catch (err) {
      clear(answer).append(el("p", { class: "error-box" }, errorText(err)));
    }
  });
  replayButton.addEventListener("click", async () => {
    if (!form.reportValidity()) return;
    replayOut.hidden = false;
    replayButton.disabled = true;
    try {
      await replay(replayOut, ask());
    } catch (err) {
      replayOut.append(el("p", { class: "error-box" }, errorText(err)));
    } finally {
      replayButton.disabled = false;
    }
  });
  try {
    for (const b of await s3.listBuckets()) datalist.append(el("option", { value: b.name }));
  } catch { /* the form works without suggestions */ }
}

registerView("cors", { render });
