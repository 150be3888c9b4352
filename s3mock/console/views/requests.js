// Live requests (view "requests"): the server's request log (GET /_s3mock/requests?after=, this
// worker's last 1,000) polled every second while the view is open, filterable; a row's click shows
// its headers and the S3 error body it got (GET /_s3mock/requests/<seq>). Paths, headers and
// bodies are hostile: they become text nodes (dom.js el()), never HTML.

import { registerView } from "../app.js";
import { clear, el, errorText } from "../dom.js";
import { s3 } from "../s3.js";

const POLL_MS = 1000;
const KEEP = 1000;          // rows kept in the page, as the server keeps

async function tooling(path, query) {
  const r = await s3.request("GET", path, { query, ok: [400, 404] });
  const data = JSON.parse(r.text || "null");
  if (r.status >= 400) throw new Error((data && data.error) || `HTTP ${r.status}`);
  return data;
}

function statusClass(status) {
  return status >= 500 ? "status-5xx" : status >= 400 ? "status-4xx" : status >= 300 ? "status-3xx" : "status-2xx";
}

// Whether a record passes the filters (text in path, query, operation, principal or request id).
export function passes(r, f) {
  if (f.hideConsole && r.console) return false;
  if (f.status && String(r.status)[0] !== f.status[0]) return false;
  if (f.op && r.op !== f.op) return false;
  if (f.text) {
    const hay = `${r.method} ${r.path}?${r.query} ${r.op} ${r.principal} ${r.request_id} ${r.status} ${r.cors}`.toLowerCase();
    if (!hay.includes(f.text.toLowerCase())) return false;
  }
  return true;
}

function row(r, onclick) {
  const time = (r.time || "").replace(/^.*T/, "").replace(/Z$/, "");
  return el("tr", { dataTest: "request-row", dataset: { seq: String(r.seq), status: String(r.status), op: r.op }, class: "clickable", onclick },
    el("td", { class: "mono", title: r.time }, time), el("td", { class: "mono" }, r.method),
    el("td", { class: "mono name", dataTest: "request-path" }, r.path, r.query ? el("span", { class: "muted" }, `?${r.query}`) : null),
    el("td", { class: "mono" }, r.op), el("td", { class: `num ${statusClass(r.status)}`, dataTest: "request-status" }, String(r.status)),
    el("td", { class: "mono" }, r.principal), el("td", { class: "mono" }, r.cors), el("td", { class: "num" }, String(r.ms)));
}

function pairs(list) {
  return el("dl", { class: "kv mono" }, list.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}

async function showDetail(panel, seq) {
  clear(panel).append(el("p", { class: "muted" }, "Loading…"));
  panel.hidden = false;
  let d;
  try {
    d = await tooling(`/_s3mock/requests/${seq}`);
  } catch (err) {
    clear(panel).append(el("p", { class: "error-box" }, errorText(err)));
    return;
  }
  clear(panel).append(
    el("div", { class: "page-head" }, el("h2", { dataTest: "request-detail-title" }, `${d.method} ${d.path}${d.query ? "?" + d.query : ""}`),
      el("button", { type: "button", class: "button small", onclick: () => { panel.hidden = true; } }, "Close")),
    el("p", { class: "muted" }, `#${d.seq} at ${d.time}: HTTP ${d.status}, ${d.op}, ${d.bytes} bytes, ${d.ms} ms, principal ${d.principal}, CORS ${d.cors}, request id ${d.request_id}`),
    el("h2", {}, "Request headers (signatures redacted)"), el("div", { dataTest: "request-headers" }, pairs(d.headers)),
    el("h2", {}, "Response headers"), d.response_headers
      ? el("div", { dataTest: "response-headers" }, pairs(d.response_headers))
      : el("p", { class: "muted" }, "kept for preflights and errors only"));
  if (d.error !== null) {
    panel.append(el("h2", {}, "Error body"), el("pre", { dataTest: "request-error-body" }, d.error));
  }
}

async function render(container) {
  const text = el("input", { type: "search", placeholder: "filter: path, operation, principal, request id", dataTest: "requests-filter" });
  const status = el("select", { dataTest: "requests-status" }, ["", "2xx", "3xx", "4xx", "5xx"].map((s) => el("option", { value: s }, s || "any status")));
  const op = el("select", { dataTest: "requests-op" }, el("option", { value: "" }, "any operation"));
  const hideConsole = el("input", { type: "checkbox", checked: true, dataTest: "requests-hide-console" });
  const pause = el("input", { type: "checkbox", dataTest: "requests-pause" });
  const tbody = el("tbody", { dataTest: "requests-body" });
  const count = el("span", { class: "muted", dataTest: "requests-count" });
  const panel = el("div", { class: "card", dataTest: "request-detail", hidden: true });
  const note = el("p", { class: "muted", dataTest: "requests-note" });
  const root = el("div", { dataTest: "requests-view" },
    el("div", { class: "page-head" }, el("h1", {}, "Live requests"), count),
    el("div", { class: "card row" }, text, status, op,
      el("label", { class: "check" }, hideConsole, "hide the console's own requests"),
      el("label", { class: "check" }, pause, "pause")),
    note, panel,
    el("table", { dataTest: "requests-table" },
      el("thead", {}, el("tr", {}, ["Time (UTC)", "Method", "Path", "Operation", "Status", "Principal", "CORS", "ms"].map((h) => el("th", {}, h)))),
      tbody));
  container.append(root);

  const records = [];
  const ops = new Set();
  let after = 0;
  const filters = () => ({ text: text.value.trim(), status: status.value, op: op.value, hideConsole: hideConsole.checked });
  const redraw = () => {
    const f = filters();
    const shown = records.filter((r) => passes(r, f));
    clear(tbody).append(...shown.slice().reverse().map((r) => row(r, () => showDetail(panel, r.seq))));
    count.textContent = `${shown.length} shown of ${records.length}`;
  };
  for (const input of [text, status, op, hideConsole]) input.addEventListener("input", redraw);

  const poll = async () => {
    if (!root.isConnected) return false;        // the view was left: stop polling
    if (pause.checked) return true;
    const page = await tooling("/_s3mock/requests", { after: String(after), limit: String(KEEP) });
    if (page.last < after) {                    // the server restarted and counts again
      records.length = 0;
      after = 0;
      return true;
    }
    after = page.last;
    if (!page.requests.length) return true;
    records.push(...page.requests);
    records.splice(0, Math.max(0, records.length - KEEP));
    for (const r of page.requests) {
      if (!ops.has(r.op)) { ops.add(r.op); op.append(el("option", { value: r.op }, r.op)); }
    }
    redraw();
    return true;
  };
  const loop = async () => {
    let go = true;
    try {
      go = await poll();
      note.textContent = "Polling every second; this worker's last 1,000 requests (with --workers, each worker keeps its own).";
    } catch (err) {
      note.textContent = `Cannot read the request log: ${errorText(err)}`;
    }
    if (go && root.isConnected) setTimeout(loop, POLL_MS);
  };
  await loop();
}

registerView("requests", { render });
