// The objects browser's side panel for one key: download and presigned-URL links, a preview of
// small text, JSON and images, and what S3 says about the object: every HeadObject header (with
// x-amz-checksum-mode: ENABLED, so checksums show), user metadata, checksums, ACL, tags and, when
// the bucket has versioning, the key's versions. Every value is rendered as text by el().

import { el, clear, errorText, formatBytes, formatDate, toast } from "../dom.js";
import { objectPath, s3 } from "../s3.js";

export const EXPIRIES = [[900, "15 minutes"], [3600, "1 hour"], [86400, "1 day"], [604800, "7 days"]];
const PREVIEW_MAX = 1024 * 1024;
const TEXT_TYPES = /^(text\/|application\/(xml|javascript|x-yaml|yaml|x-ndjson|csv)\b)/;
const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/;
const IMAGE_TYPES = /^image\/(png|jpeg|gif|webp|avif|bmp|x-icon|vnd\.microsoft\.icon)\b/;
const TEXT_EXT = /\.(txt|md|csv|tsv|log|xml|ya?ml|ini|toml|js|mjs|ts|py|sh|css|html?|svg)$/i;
const IMAGE_EXT = /\.(png|jpe?g|gif|webp|avif|bmp|ico)$/i;

function basename(key) {
  const name = key.split("/").pop();
  return name || "download";
}

// A presigned GET clicked through a temporary link: same origin, so `download` names the file.
export async function downloadObject(bucket, key) {
  const url = await s3.presign("GET", bucket, key, 900);
  const a = el("a", { href: url, download: basename(key), hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
}

function previewKind(key, contentType) {
  const type = (contentType || "").toLowerCase();
  if (JSON_TYPE.test(type) || /\.json$/i.test(key)) return "json";
  if (IMAGE_TYPES.test(type) || (IMAGE_EXT.test(key) && !type.startsWith("text/"))) return "image";
  if (TEXT_TYPES.test(type) || TEXT_EXT.test(key)) return "text";
  return null;
}

function table(testName, rows, empty) {
  if (!rows.length) return el("p", { class: "muted", "data-test": `${testName}-empty` }, empty);
  return el("table", { class: "props", "data-test": testName },
    el("tbody", {}, ...rows.map(([k, v]) => el("tr", { "data-test": `${testName}-row`, "data-name": k },
      el("th", {}, k), el("td", {}, v)))));
}

function section(title, testName) {
  const body = el("div", { class: "section-body" }, el("p", { class: "muted" }, "Loading…"));
  const node = el("section", { class: "panel-section", "data-test": testName }, el("h4", {}, title), body);
  return { node, fill: (...children) => { clear(body); body.append(...children); } };
}

function failure(err) {
  return el("p", { class: "error", "data-test": "section-error" }, errorText(err));
}

// Runs load() and puts its nodes (or the error S3 gave) in the section.
async function fillSection(sec, load) {
  try {
    const out = await load();
    sec.fill(...(Array.isArray(out) ? out : [out]));
  } catch (err) {
    sec.fill(failure(err));
  }
}

function grantee(g) {
  return g.uri || g.displayName || g.id || g.email || "";
}

function versionRows(versions, key) {
  return versions.filter((v) => v.key === key).map((v) => el("tr", { "data-test": "version-row" },
    el("td", {}, v.versionId), el("td", {}, v.isLatest ? "latest" : ""),
    el("td", {}, v.deleteMarker ? "delete marker" : formatBytes(v.size)), el("td", {}, formatDate(v.lastModified))));
}

async function preview(bucket, key, head) {
  const size = Number(head.get("content-length") || 0);
  const kind = previewKind(key, head.get("content-type"));
  if (!kind) return el("p", { class: "muted", "data-test": "preview-none" }, "No preview for this type.");
  if (size > PREVIEW_MAX) {
    return el("p", { class: "muted", "data-test": "preview-none" },
      `Too large to preview (${formatBytes(size)}; previews up to ${formatBytes(PREVIEW_MAX)}).`);
  }
  const resp = await s3.getObject(bucket, key, {});
  if (kind === "image") {
    const url = URL.createObjectURL(await resp.blob());
    const img = el("img", { src: url, alt: basename(key), "data-test": "preview-image" });
    img.addEventListener("load", () => img.setAttribute("data-loaded", "true"));
    img.addEventListener("error", () => img.replaceWith(
      el("p", { class: "muted", "data-test": "preview-none" }, "Not an image the browser can show.")));
    return img;
  }
  const text = await resp.text();
  if (kind === "json") {
    try {
      return el("pre", { class: "preview", "data-test": "preview-json" }, JSON.stringify(JSON.parse(text), null, 2));
    } catch (err) {
      return [el("p", { class: "error", "data-test": "preview-json-error" }, `Not valid JSON: ${err.message}`),
        el("pre", { class: "preview", "data-test": "preview-text" }, text)];
    }
  }
  return el("pre", { class: "preview", "data-test": "preview-text" }, text);
}

function presignControls(bucket, key) {
  const select = el("select", { "data-test": "presign-expiry", "aria-label": "Expires in" },
    ...EXPIRIES.map(([s, label]) => el("option", { value: String(s) }, label)));
  const output = el("input", { type: "text", readonly: true, class: "presigned", "data-test": "presigned-url",
    "aria-label": "Presigned URL", hidden: true });
  const copy = async () => {
    try {
      const url = await s3.presign("GET", bucket, key, Number(select.value));
      output.value = url;
      output.hidden = false;
      output.select();
      try {
        await navigator.clipboard.writeText(url);
        toast("Presigned URL copied", "ok");
      } catch {
        toast("Presigned URL shown (the clipboard is not available here)", "info");
      }
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  return el("div", { class: "presign" }, select,
    el("button", { type: "button", class: "button small", "data-test": "presign-copy", onclick: copy }, "Copy presigned URL"),
    output);
}

function revokePreviews(panel) {
  for (const img of panel.querySelectorAll("img[src^='blob:']")) URL.revokeObjectURL(img.src);
}

// The sections HeadObject's answer fills: all headers, then user metadata and checksums from them.
function fillFromHead(secs, head) {
  const all = [...head.entries()].sort(([a], [b]) => a.localeCompare(b));
  const strip = (prefix) => all.filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]);
  secs.headers.fill(table("header", all, "No headers."));
  secs.metadata.fill(table("metadata", strip("x-amz-meta-"), "No user metadata."));
  secs.checksums.fill(table("checksum", strip("x-amz-checksum-").concat([["ETag", head.get("etag") || ""]]),
    "No checksums."));
}

// Fills `panel` for one key; onClose hides it. Sections load independently: one refused
// (AccessDenied on the ACL, say) does not hide the others.
export async function showObject(panel, bucket, key, onClose) {
  revokePreviews(panel);
  clear(panel);
  // A panel opened for another key meanwhile: this call's late answers must not mark it ready.
  const seq = String(Number(panel.getAttribute("data-seq") || 0) + 1);
  panel.setAttribute("data-seq", seq);
  panel.removeAttribute("data-state");
  panel.setAttribute("data-key", key);
  const close = el("button", { type: "button", class: "button small", "data-test": "panel-close", "aria-label": "Close",
    onclick: () => { revokePreviews(panel); onClose(); } }, "×");
  const download = el("a", { "data-test": "download-link", download: basename(key), class: "button small" }, "Download");
  const secs = {
    preview: section("Preview", "panel-preview"),
    headers: section("Headers (HeadObject)", "panel-headers"),
    metadata: section("User metadata", "panel-metadata"),
    checksums: section("Checksums", "panel-checksums"),
    acl: section("ACL", "panel-acl"),
    tags: section("Tags", "panel-tags"),
    versions: section("Versions", "panel-versions"),
  };
  panel.append(el("header", {}, el("h3", { "data-test": "panel-key" }, key), close),
    el("div", { class: "panel-actions" }, download, presignControls(bucket, key)),
    ...Object.values(secs).map((s) => s.node));
  s3.presign("GET", bucket, key, 900).then((url) => download.setAttribute("href", url),
    (err) => toast(errorText(err), "error"));

  let head;
  try {
    head = (await s3.request("HEAD", objectPath(bucket, key),
      { headers: { "x-amz-checksum-mode": "ENABLED" } })).headers;
  } catch (err) {
    for (const s of [secs.preview, secs.headers, secs.metadata, secs.checksums]) s.fill(failure(err));
  }
  const work = [];
  if (head) {
    fillFromHead(secs, head);
    work.push(fillSection(secs.preview, () => preview(bucket, key, head)));
  }
  work.push(fillSection(secs.acl, async () => {
    const acl = await s3.getObjectAcl(bucket, key);
    return [el("p", { "data-test": "acl-owner" }, `Owner: ${acl.owner.displayName || acl.owner.id || "?"}`),
      table("acl", acl.grants.map((g) => [grantee(g), g.permission]), "No grants.")];
  }));
  work.push(fillSection(secs.tags, async () =>
    table("tag", (await s3.getObjectTagging(bucket, key)).map((t) => [t.key, t.value]), "No tags.")));
  work.push(fillSection(secs.versions, async () => {
    const { status } = await s3.getBucketVersioning(bucket);
    if (!status) return el("p", { class: "muted", "data-test": "versions-off" }, "Versioning is not enabled on this bucket.");
    // One page of versions under the key as a prefix: keys that only start with it are filtered out.
    const rows = versionRows((await s3.listObjectVersions(bucket, { prefix: key, maxKeys: 100 })).versions, key);
    return [el("p", { class: "muted" }, `Versioning: ${status}`),
      rows.length ? el("table", { class: "props", "data-test": "versions" }, el("tbody", {}, ...rows))
        : el("p", { class: "muted" }, "No versions.")];
  }));
  await Promise.all(work);
  if (panel.getAttribute("data-seq") === seq) panel.setAttribute("data-state", "ready");
}
