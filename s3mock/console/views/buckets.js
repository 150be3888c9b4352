// Buckets: the list (create, delete with a confirmation) and one bucket's settings page
// (CORS editor and ACL; versioning, tags, policy, website and notifications are bucket_settings.js's).

import { href, registerView } from "../app.js";
import { clear, confirmDialog, el, errorText, formatDate, prettyXml, toast } from "../dom.js";
import { s3 } from "../s3.js";
import * as settings from "./bucket_settings.js";

const { fill, section } = settings;

const CANNED = ["private", "public-read", "public-read-write", "authenticated-read"];
const SHOWN_KEYS = 50;          // keys listed in the "will be deleted" dialog
const MAX_PAGES = 10000;        // bound on listing pages while emptying a bucket
const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
const CORS_SAMPLE = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>http://localhost:5173</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

// ---- the bucket list ----

async function renderBuckets(container) {
  const error = el("p", { class: "form-error", dataTest: "create-error", role: "alert", hidden: true });
  // No pattern attribute: CreateBucket itself judges the name, and its error is shown.
  const name = el("input", { name: "bucket", placeholder: "my-bucket", required: true, dataTest: "create-name",
    title: "3-63 characters: lower-case letters, digits, dots and hyphens" });
  const acl = el("select", { name: "acl", dataTest: "create-acl" }, CANNED.map((c) => el("option", { value: c }, c)));
  const form = el("form", { class: "inline", dataTest: "create-form" },
    el("label", {}, "New bucket", name), el("label", {}, "Canned ACL", acl),
    el("button", { type: "submit", class: "button primary", dataTest: "create-submit" }, "Create bucket"));
  const list = el("div", { dataTest: "bucket-list" }, el("p", { class: "muted" }, "Loading…"));
  container.append(el("div", { class: "page-head" }, el("h1", {}, "Buckets")),
    el("div", { class: "card" }, form, error), list);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    try {
      await s3.createBucket(name.value.trim(), { acl: acl.value });
      toast(`Bucket ${name.value.trim()} created`, "ok");
      name.value = "";
      await fillBucketList(list);
    } catch (err) {
      error.textContent = errorText(err);     // S3's own answer (InvalidBucketName, BucketAlreadyOwnedByYou...)
      error.hidden = false;
    }
  });
  await fillBucketList(list);
}

async function fillBucketList(list) {
  const buckets = await s3.listBuckets();
  clear(list);
  if (!buckets.length) {
    list.append(el("div", { class: "empty card", dataTest: "no-buckets" }, "No buckets yet: create one above."));
    return;
  }
  const rows = buckets.map((b) => el("tr", { dataTest: "bucket-row", dataset: { bucket: b.name } },
    el("td", { class: "name" }, el("a", { href: href.objects(b.name), dataTest: "bucket-link" }, b.name)),
    el("td", {}, formatDate(b.created)),
    el("td", { class: "actions" },
      el("a", { href: href.bucket(b.name), class: "button small", dataTest: "bucket-settings" }, "Settings"), " ",
      el("button", { type: "button", class: "button small danger", dataTest: "bucket-delete",
        onclick: () => deleteBucket(b.name, list) }, "Delete"))));
  list.append(el("table", { dataTest: "bucket-table" },
    el("thead", {}, el("tr", {}, el("th", {}, "Name"), el("th", {}, "Created"), el("th", {}))),
    el("tbody", {}, rows)));
}

// Everything a DeleteBucket would be refused for: every version and delete marker (a bucket
// that never had versioning lists each object once, version "null"). At most `limit`.
async function contents(bucket, limit) {
  const out = [];
  let keyMarker, versionIdMarker;
  for (let page = 0; page < MAX_PAGES && out.length < limit; page += 1) {
    const r = await s3.listObjectVersions(bucket, { keyMarker, versionIdMarker, maxKeys: 1000 });
    out.push(...r.versions);
    if (!r.truncated) break;
    keyMarker = r.nextKeyMarker;
    versionIdMarker = r.nextVersionIdMarker;
  }
  return out;
}

async function deleteBucket(bucket, list) {
  let entries;
  try {
    entries = await contents(bucket, 1000);
  } catch (err) {
    toast(errorText(err), "error");
    return;
  }
  const objects = entries.filter((v) => !v.deleteMarker && v.isLatest).length;
  const more = entries.length >= 1000 ? " or more" : "";
  const count = `${objects}${more} object${objects === 1 && !more ? "" : "s"}`;
  const body = [el("p", { dataTest: "confirm-count" }, `Bucket “${bucket}” holds ${count}` +
    (entries.length !== objects ? ` (${entries.length}${more} versions and delete markers)` : "") + ".")];
  if (entries.length) {
    body.push(el("p", {}, "S3 does not delete a bucket that is not empty. Empty it first? These will be deleted:"),
      el("ul", { dataTest: "confirm-keys" }, entries.slice(0, SHOWN_KEYS).map((v) =>
        el("li", {}, v.key, v.versionId && v.versionId !== "null" ? el("span", { class: "muted" }, ` (version ${v.versionId}${v.deleteMarker ? ", delete marker" : ""})`) : null))),
      entries.length > SHOWN_KEYS ? el("p", { class: "muted" }, `…and ${entries.length - SHOWN_KEYS}${more} more.`) : null);
  }
  const ok = await confirmDialog({ title: `Delete bucket “${bucket}”?`, body,
    confirmLabel: entries.length ? "Empty and delete" : "Delete bucket" });
  if (!ok) return;
  try {
    if (entries.length) await emptyBucket(bucket);
    await s3.deleteBucket(bucket);
    toast(`Bucket ${bucket} deleted`, "ok");
  } catch (err) {
    toast(errorText(err), "error");
  }
  await fillBucketList(list);
}

async function emptyBucket(bucket) {
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const batch = await contents(bucket, 1000);
    if (!batch.length) return;
    const r = await s3.deleteObjects(bucket, batch.map((v) => ({ key: v.key, versionId: v.versionId })));
    if (r.errors.length) {
      const e = r.errors[0];
      throw new Error(`${e.code}: ${e.message} (${e.key}; ${r.errors.length} not deleted)`);
    }
  }
}

// ---- one bucket's settings ----

async function renderBucket(container, { bucket }) {
  container.append(el("div", { class: "page-head" },
    el("h1", {}, "Bucket ", el("span", { class: "name", dataTest: "bucket-title" }, bucket)),
    el("a", { href: href.objects(bucket) }, "Objects"), el("a", { href: href.buckets() }, "All buckets")));
  const cors = section("CORS", "cors-section");
  const acl = section("Access control list", "acl-section");
  const versioning = section("Versioning", "versioning-section");
  const tags = section("Tags", "tags-section");
  const policy = section("Bucket policy", "policy-section");
  const site = section("Static website hosting", "website-section");
  const events = section("Event notifications", "notifications-section");
  container.append(el("div", { class: "settings-grid" }, cors.node, acl.node, versioning.node, tags.node, policy.node,
    site.node, events.node));
  await Promise.all([
    fill(cors, () => corsEditor(bucket)),
    fill(acl, () => aclView(bucket, acl)),
    settings.versioning(bucket)(versioning),
    settings.tags(bucket)(tags),
    settings.policy(bucket)(policy),
    settings.website(bucket)(site),
    settings.notifications(bucket)(events),
  ]);
}

// The CORS configuration as XML, checked by PutBucketCors itself: S3's error is shown as given.
async function corsEditor(bucket) {
  let current = "";
  try {
    current = await s3.getBucketCors(bucket);
  } catch (err) {
    if (err.code !== "NoSuchCORSConfiguration") throw err;
  }
  const status = el("p", { class: "muted", dataTest: "cors-status" }, current ? "" : "No CORS configuration: browsers on other origins are refused. A sample to start from:");
  const error = el("p", { class: "form-error", dataTest: "cors-error", role: "alert", hidden: true });
  const editor = el("textarea", { dataTest: "cors-editor", spellcheck: "false", "aria-label": "CORS configuration XML" });
  editor.value = current ? prettyXml(current) : CORS_SAMPLE;
  const save = async () => {
    error.hidden = true;
    try {
      await s3.putBucketCors(bucket, editor.value);
      status.textContent = "Saved.";
      toast("CORS configuration saved", "ok");
    } catch (err) {
      error.textContent = errorText(err);
      error.hidden = false;
    }
  };
  const remove = async () => {
    error.hidden = true;
    try {
      await s3.deleteBucketCors(bucket);
      status.textContent = "Deleted: no CORS configuration.";
      toast("CORS configuration deleted", "ok");
    } catch (err) {
      error.textContent = errorText(err);
      error.hidden = false;
    }
  };
  return [status, editor, error, el("div", { class: "row" },
    el("button", { type: "button", class: "button primary", dataTest: "cors-save", onclick: save }, "Save"),
    el("button", { type: "button", class: "button danger", dataTest: "cors-delete", onclick: remove }, "Delete configuration"),
    el("a", { href: `${href.cors()}?bucket=${encodeURIComponent(bucket)}` }, "Try it in the CORS playground"))];
}

// The canned ACL the grants amount to, or "custom".
export function cannedOf(acl) {
  const others = acl.grants.filter((g) => !(g.id && g.id === acl.owner.id && g.permission === "FULL_CONTROL"));
  const sig = others.map((g) => `${g.uri || g.id || g.email}:${g.permission}`).sort().join(",");
  return { "": "private", [`${ALL_USERS}:READ`]: "public-read",
    [[`${ALL_USERS}:READ`, `${ALL_USERS}:WRITE`].sort().join(",")]: "public-read-write",
    [`${AUTH_USERS}:READ`]: "authenticated-read" }[sig] || "custom";
}

async function aclView(bucket, sec) {
  const acl = await s3.getBucketAcl(bucket);
  const canned = cannedOf(acl);
  const select = el("select", { dataTest: "acl-select" },
    (canned === "custom" ? ["custom", ...CANNED] : CANNED).map((c) => el("option", { value: c, selected: c === canned }, c)));
  const apply = async () => {
    if (select.value === "custom") return;
    try {
      await s3.putBucketAcl(bucket, { acl: select.value });
      toast(`ACL set to ${select.value}`, "ok");
      await fill(sec, () => aclView(bucket, sec));
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  const grantee = (g) => g.uri ? g.uri.replace("http://acs.amazonaws.com/groups/", "group: ")
    : g.displayName ? `${g.displayName} (${g.id})` : g.id || g.email;
  return [
    el("p", {}, "Owner: ", el("span", { class: "mono", dataTest: "acl-owner" }, acl.owner.displayName || acl.owner.id || "")),
    el("table", { dataTest: "acl-grants" }, el("thead", {}, el("tr", {}, el("th", {}, "Grantee"), el("th", {}, "Permission"))),
      el("tbody", {}, acl.grants.map((g) => el("tr", { dataTest: "acl-grant" }, el("td", { class: "name" }, grantee(g)), el("td", {}, g.permission))))),
    el("div", { class: "row" }, el("label", {}, "Canned ACL", select),
      el("button", { type: "button", class: "button", dataTest: "acl-apply", onclick: apply }, "Apply")),
  ];
}

registerView("buckets", { render: renderBuckets });
registerView("bucket", { render: renderBucket });
