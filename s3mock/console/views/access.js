// The access explainer (view "access"): a principal, an operation or action, a bucket, a key and
// condition keys -> the decision S3 would make, what decided it (a policy statement, an ACL grant,
// a Block Public Access setting) and how each policy statement matched
// (GET /_s3mock/access/explain; README "How access is decided").

import { registerView } from "../app.js";
import { clear, el, errorText } from "../dom.js";
import { s3 } from "../s3.js";

const OPERATIONS = ["GetObject", "PutObject", "DeleteObject", "HeadObject", "ListObjectsV2", "ListObjects",
  "CopyObject", "CreateMultipartUpload", "GetObjectAcl", "PutObjectAcl", "GetObjectTagging", "PutObjectTagging",
  "DeleteBucket", "GetBucketPolicy", "PutBucketPolicy", "GetBucketCors", "PutBucketCors", "GetBucketAcl", "PutBucketAcl",
  "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetObjectVersion"];

async function explain(query) {
  const r = await s3.request("GET", "/_s3mock/access/explain", { query, ok: [400, 404] });
  const data = JSON.parse(r.text || "null");
  if (r.status >= 400) throw new Error((data && data.error) || `HTTP ${r.status}`);
  return data;
}

// "aws:SourceIp=10.0.0.1" lines -> {"aws:SourceIp": "10.0.0.1"}; a key given twice keeps the last.
export function conditionKeys(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

function yes(ok) {
  return el("span", { class: ok ? "yes" : "no" }, ok ? "yes" : "no");
}

function decidedBy(d) {
  const by = d.decided_by || {};
  if (by.kind === "policy" && by.statement !== undefined) {
    // counted from 1 as the reason and the log count; the table's # is the list index, from 0
    return `policy statement ${by.statement + 1} (index ${by.statement}` + (by.sid ? `, Sid "${by.sid}")` : ")");
  }
  return by.kind || "";
}

function statementRows(statements) {
  return statements.map((s) => el("tr", { dataTest: "access-statement", dataset: { sid: s.sid || "", applies: String(s.applies) },
    class: s.applies ? "matched" : "" },
  el("td", { class: "num" }, String(s.index)), el("td", { class: "mono" }, s.sid || ""), el("td", {}, s.effect),
  el("td", {}, yes(s.principal)), el("td", {}, yes(s.action)), el("td", {}, yes(s.resource)),
  el("td", { class: "mono" }, s.conditions.map((c) => el("div", {},
    `${c.operator} ${c.key} ${JSON.stringify(c.values)}: request ${JSON.stringify(c.request_values)} -> ${c.result ? "true" : "false"}`))),
  el("td", {}, s.applies ? "applies" : "does not apply")));
}

function show(out, d) {
  clear(out);
  const allowed = d.decision === "allowed";
  out.append(el("div", { class: allowed ? "ok-box" : "error-box", dataTest: "access-decision", dataset: { decision: d.decision } },
    `${allowed ? "Allowed" : "Denied"} (HTTP ${d.status}): ${d.reason}`));
  out.append(el("dl", { class: "kv" },
    el("dt", {}, "Decided by"), el("dd", { dataTest: "access-decided-by" }, decidedBy(d)),
    el("dt", {}, "Principal"), el("dd", { class: "mono" }, d.principal.anonymous ? "anonymous" : `${d.principal.access_key} (${d.principal.arn})`),
    el("dt", {}, "Operation"), el("dd", { class: "mono" }, `${d.operation}: ${d.actions.join(", ")}`),
    el("dt", {}, "Resource"), el("dd", { class: "mono" }, d.resource),
    el("dt", {}, "Condition keys given"), el("dd", { class: "mono" }, JSON.stringify(d.context))));
  if (!d.policy) {
    out.append(el("p", { class: "muted", dataTest: "access-no-policy" }, "The bucket has no policy: ACLs and ownership decide."));
    return;
  }
  out.append(el("h2", {}, "Policy statements (index from 0)"),
    el("table", { dataTest: "access-statements" },
      el("thead", {}, el("tr", {}, ["#", "Sid", "Effect", "Principal", "Action", "Resource", "Conditions", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, statementRows(d.statements))));
}

async function render(container, params) {
  const query = params.query || new URLSearchParams();
  const principal = el("input", { name: "principal", list: "access-principals", dataTest: "access-principal",
    value: query.get("principal") || s3.accessKey || "anonymous" });
  const operation = el("input", { name: "operation", list: "access-operations", required: true, dataTest: "access-operation",
    value: query.get("operation") || "GetObject", title: "an operation (GetObject) or an action (s3:GetObject)" });
  const bucket = el("input", { name: "bucket", required: true, list: "access-buckets", dataTest: "access-bucket", value: query.get("bucket") || "" });
  const key = el("input", { name: "key", placeholder: "(optional)", dataTest: "access-key", value: query.get("key") || "" });
  const conditions = el("textarea", { name: "conditions", rows: "3", dataTest: "access-conditions",
    placeholder: "aws:SourceIp=10.0.0.1\ns3:ExistingObjectTag/Project=blue" });
  conditions.classList.add("short");
  const buckets = el("datalist", { id: "access-buckets" });
  const form = el("form", { class: "inline", dataTest: "access-form" },
    el("label", {}, "Principal (access key, ARN, account or anonymous)", principal),
    el("label", {}, "Operation or action", operation), el("label", {}, "Bucket", bucket), el("label", {}, "Key", key),
    el("label", { class: "wide" }, "Condition keys (one key=value a line)", conditions),
    el("datalist", { id: "access-principals" }, ["anonymous", s3.accessKey].filter(Boolean).map((p) => el("option", { value: p }))),
    el("datalist", { id: "access-operations" }, OPERATIONS.map((o) => el("option", { value: o }))), buckets,
    el("button", { type: "submit", class: "button primary", dataTest: "access-explain" }, "Explain"));
  const out = el("div", { class: "card", dataTest: "access-answer", hidden: true });
  container.append(el("div", { class: "page-head" }, el("h1", {}, "Access"),
    el("span", { class: "muted" }, "Who may do what, and why: policy, ACLs and Block Public Access as S3 evaluates them")),
  el("div", { class: "card" }, form), out);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    out.hidden = false;
    const op = operation.value.trim();
    const q = { principal: principal.value.trim() || "anonymous", bucket: bucket.value.trim(),
      key: key.value || undefined, ...conditionKeys(conditions.value) };
    q[op.includes(":") ? "action" : "operation"] = op;
    try {
      show(out, await explain(q));
    } catch (err) {
      clear(out).append(el("p", { class: "error-box", dataTest: "access-error" }, errorText(err)));
    }
  });
  try {
    for (const b of await s3.listBuckets()) buckets.append(el("option", { value: b.name }));
  } catch { /* suggestions only */ }
}

registerView("access", { render });
