// The bucket settings page's sections beyond CORS and the ACL: versioning (enable, suspend),
// tags (key/value rows), the bucket policy (JSON editor and its public status) and website
// hosting; the event notification configuration, read-only. Each change is the S3 request any
// client sends; S3's own error is shown as given.

import { config } from "../app.js";
import { clear, el, errorText, toast } from "../dom.js";
import { s3 } from "../s3.js";

const POLICY_SAMPLE = (bucket) => JSON.stringify({ Version: "2012-10-17", Statement: [{
  Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject",
  Resource: `arn:aws:s3:::${bucket}/*` }] }, null, 2);

export function section(title, test) {
  const body = el("div", { dataTest: `${test}-body` }, el("p", { class: "muted" }, "Loading…"));
  return { node: el("section", { class: "card", dataTest: test }, el("h2", {}, title), body), body };
}

// A section's content, or S3's error (an operation s3mock lacks shows as NotImplemented).
export async function fill(sec, load, missing) {
  try {
    const nodes = await load();
    clear(sec.body).append(...[nodes].flat(Infinity).filter((n) => n !== null && n !== undefined));
  } catch (err) {
    clear(sec.body).append(err.code && missing && missing[err.code]
      ? el("p", { class: "muted", dataTest: "none" }, missing[err.code])
      : el("p", { class: "form-error" }, errorText(err)));
  }
}

// The configuration a GET answers, or null for the error code saying there is none.
async function orNone(load, code) {
  try {
    return await load();
  } catch (err) {
    if (err.code === code) return null;
    throw err;
  }
}

function errorLine(test) {
  return el("p", { class: "form-error", dataTest: test, role: "alert", hidden: true });
}

// A button's action: run it, then reload the section; a refusal is shown in `error`.
function action(sec, reload, error, run, done) {
  return async () => {
    error.hidden = true;
    try {
      await run();
    } catch (err) {
      error.textContent = errorText(err);
      error.hidden = false;
      return;
    }
    toast(done, "ok");
    await reload(sec);
  };
}

function button(label, test, onclick, kind = "") {
  return el("button", { type: "button", class: `button ${kind}`.trim(), dataTest: test, onclick }, label);
}

// ---- versioning ----

export function versioning(bucket) {
  const reload = (sec) => fill(sec, () => versioningView(bucket, sec, reload));
  return reload;
}

async function versioningView(bucket, sec, reload) {
  const v = await s3.getBucketVersioning(bucket);
  const error = errorLine("versioning-error");
  const put = (status) => action(sec, reload, error, () => s3.putBucketVersioning(bucket, status), `Versioning ${status.toLowerCase()}`);
  return [
    el("p", {}, "Status: ", el("strong", { dataTest: "versioning-status" }, v.status || "Never enabled"),
      v.mfaDelete ? ` (MFA delete ${v.mfaDelete})` : ""),
    el("p", { class: "muted" }, "Once enabled, versioning can be suspended but never turned off."),
    el("div", { class: "row" },
      button("Enable", "versioning-enable", put("Enabled"), "primary"),
      button("Suspend", "versioning-suspend", put("Suspended"))),
    error,
  ];
}

// ---- tags ----

export function tags(bucket) {
  const reload = (sec) => fill(sec, () => tagsEditor(bucket, sec, reload));
  return reload;
}

function tagRow(key = "", value = "") {
  const k = el("input", { dataTest: "tag-key", placeholder: "key", "aria-label": "Tag key" });
  const v = el("input", { dataTest: "tag-value", placeholder: "value", "aria-label": "Tag value" });
  k.value = key;                          // .value, never markup: tags are hostile
  v.value = value;
  const row = el("div", { class: "row", dataTest: "tag-row" }, k, v);
  row.append(button("Remove", "tag-remove", () => row.remove(), "small"));
  return row;
}

async function tagsEditor(bucket, sec, reload) {
  const current = (await orNone(() => s3.getBucketTagging(bucket), "NoSuchTagSet")) || [];
  const error = errorLine("tags-error");
  const rows = el("div", { dataTest: "tag-rows" }, current.map((t) => tagRow(t.key, t.value)));
  const shown = current.length
    ? el("dl", { class: "kv", dataTest: "bucket-tags" }, current.map((t) => [el("dt", {}, t.key), el("dd", {}, t.value)]))
    : el("p", { class: "muted", dataTest: "none" }, "No tags.");
  const edited = () => Array.from(rows.querySelectorAll("[data-test=tag-row]"), (r) => ({
    key: r.querySelector("[data-test=tag-key]").value, value: r.querySelector("[data-test=tag-value]").value }));
  // PutBucketTagging judges the set (duplicate keys, lengths...); no rows left means no tags.
  const save = () => { const set = edited(); return set.length ? s3.putBucketTagging(bucket, set) : s3.deleteBucketTagging(bucket); };
  return [shown, rows,
    el("div", { class: "row" },
      button("Add tag", "tag-add", () => rows.append(tagRow())),
      button("Save tags", "tags-save", action(sec, reload, error, save, "Tags saved"), "primary"),
      button("Delete all tags", "tags-delete", action(sec, reload, error, () => s3.deleteBucketTagging(bucket), "Tags deleted"), "danger")),
    error];
}

// ---- policy ----

export function policy(bucket) {
  const reload = (sec) => fill(sec, () => policyEditor(bucket, sec, reload));
  return reload;
}

async function policyEditor(bucket, sec, reload) {
  const text = await orNone(() => s3.getBucketPolicy(bucket), "NoSuchBucketPolicy");
  const error = errorLine("policy-error");
  let status;
  if (text === null) {
    status = el("p", { class: "muted", dataTest: "none" }, "No bucket policy.");
  } else {
    const isPublic = await s3.getBucketPolicyStatus(bucket);
    status = el("p", {}, "Policy status: ", el("strong", { dataTest: "policy-public" }, isPublic ? "Public" : "Not public"),
      isPublic ? " (anyone on the internet could be granted access by this policy)" : "");
  }
  const editor = el("textarea", { dataTest: "policy-editor", spellcheck: "false", "aria-label": "Bucket policy JSON" });
  let shown = text;
  try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* as stored */ }
  editor.value = text === null ? POLICY_SAMPLE(bucket) : shown;
  return [status, editor, error,
    el("div", { class: "row" },
      button("Save policy", "policy-save", action(sec, reload, error, () => s3.putBucketPolicy(bucket, editor.value), "Policy saved"), "primary"),
      text === null ? null
        : button("Delete policy", "policy-delete", action(sec, reload, error, () => s3.deleteBucketPolicy(bucket), "Policy deleted"), "danger"))];
}

// ---- website ----

export function website(bucket) {
  const reload = (sec) => fill(sec, () => websiteView(bucket, sec, reload));
  return reload;
}

// The website endpoint as s3mock serves it: BUCKET.s3-website.DOMAIN (--domain) on this
// server's port (the endpoint only looks at the Host header).
export function websiteUrl(bucket) {
  return `${location.protocol}//${bucket}.s3-website.${config.domain || "localhost"}${location.port ? `:${location.port}` : ""}/`;
}

async function websiteView(bucket, sec, reload) {
  const conf = await orNone(() => s3.getBucketWebsite(bucket), "NoSuchWebsiteConfiguration");
  const error = errorLine("website-error");
  const index = el("input", { dataTest: "website-index", placeholder: "index.html", "aria-label": "Index document" });
  const errorDoc = el("input", { dataTest: "website-error-document", placeholder: "error.html (optional)", "aria-label": "Error document" });
  index.value = conf?.index || "index.html";
  errorDoc.value = conf?.error || "";
  const url = websiteUrl(bucket);
  const shown = conf === null
    ? el("p", { class: "muted", dataTest: "website-status" }, "Not configured.")
    : [el("dl", { class: "kv", dataTest: "website-config" },
        conf.index ? [el("dt", {}, "Index document"), el("dd", { dataTest: "website-shown-index" }, conf.index)] : null,
        conf.error ? [el("dt", {}, "Error document"), el("dd", { dataTest: "website-shown-error" }, conf.error)] : null,
        conf.redirectTo ? [el("dt", {}, "Redirect all requests to"), el("dd", {}, conf.redirectTo)] : null,
        conf.rules ? [el("dt", {}, "Routing rules"), el("dd", {}, String(conf.rules))] : null),
      el("p", {}, "Endpoint: ", el("a", { href: url, class: "mono", dataTest: "website-url", target: "_blank", rel: "noopener" }, url))];
  const save = () => s3.putBucketWebsite(bucket, { index: index.value, error: errorDoc.value });
  return [shown,
    el("div", { class: "row" }, el("label", {}, "Index document", index), el("label", {}, "Error document", errorDoc)),
    el("div", { class: "row" },
      button("Save website", "website-save", action(sec, reload, error, save, "Website configuration saved"), "primary"),
      conf === null ? null
        : button("Delete website", "website-delete", action(sec, reload, error, () => s3.deleteBucketWebsite(bucket), "Website configuration deleted"), "danger")),
    error];
}

// ---- event notifications (read-only: set with PutBucketNotificationConfiguration) ----

export function notifications(bucket) {
  const reload = (sec) => fill(sec, () => notificationsView(bucket));
  return reload;
}

async function notificationsView(bucket) {
  const conf = await s3.getBucketNotificationConfiguration(bucket);
  if (!conf.rules.length && !conf.eventBridge) {
    return el("p", { class: "muted", dataTest: "notifications-status" }, "Not configured.");
  }
  const head = ["Id", "Destination", "ARN", "Events", "Keys"].map((h) => el("th", {}, h));
  const rows = conf.rules.map((r) => el("tr", { dataTest: "notification-rule" },
    el("td", {}, r.id), el("td", {}, r.kind), el("td", { class: "mono" }, r.arn),
    el("td", {}, r.events.join(", ")),
    el("td", {}, r.filters.map(([name, value]) => `${name} ${value}`).join(", ") || "all")));
  return [conf.rules.length ? el("table", { dataTest: "notifications-table" },
      el("thead", {}, el("tr", {}, ...head)), el("tbody", {}, ...rows)) : null,
    conf.eventBridge ? el("p", { dataTest: "notifications-eventbridge" }, "Amazon EventBridge: every event.") : null,
    el("p", { class: "muted" }, "Events are published to GET /_s3mock/events and to the webhooks configured per ARN.")];
}
