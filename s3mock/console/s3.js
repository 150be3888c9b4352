// The console's S3 client: signed path-style requests to the console's own origin, XML answers
// parsed with DOMParser, S3 errors thrown as S3Error. One shared instance, `s3`.

import { base64, presign, sha256, sign, uriEncode } from "./sigv4.js";

const PART_SIZE = 8 * 1024 * 1024;
const MULTIPART_ABOVE = 16 * 1024 * 1024;

export class S3Error extends Error {
  constructor(status, code, message, body) {
    super(message || code || `HTTP ${status}`);
    this.name = "S3Error";
    this.status = status;
    this.code = code || `HTTP ${status}`;
    this.body = body || "";
  }
}

function parseXml(text) {
  if (!text || !text.trimStart().startsWith("<")) return null;
  const doc = new DOMParser().parseFromString(text, "application/xml");
  return doc.getElementsByTagName("parsererror").length ? null : doc;
}

// Child elements of `node` named `name` (namespace ignored), and the text of the first one.
export function children(node, name) {
  return node ? Array.from(node.children).filter((c) => c.localName === name) : [];
}
export function text(node, name) {
  const c = children(node, name)[0];
  return c ? c.textContent : null;
}
function all(doc, name) {
  return doc ? Array.from(doc.getElementsByTagNameNS("*", name)) : [];
}

function errorOf(status, body, statusText) {
  const doc = parseXml(body);
  const root = doc && doc.documentElement;
  if (root && root.localName === "Error") {
    return new S3Error(status, text(root, "Code"), text(root, "Message"), body);
  }
  return new S3Error(status, null, statusText || body.slice(0, 200) || null, body);
}

export function objectPath(bucket, key) {
  return "/" + uriEncode(bucket) + (key === undefined || key === null ? "" : "/" + uriEncode(key, true));
}

function queryString(query) {
  const parts = [];
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null) continue;
    parts.push(v === "" ? uriEncode(k) : `${uriEncode(k)}=${uriEncode(String(v))}`);
  }
  return parts.length ? "?" + parts.join("&") : "";
}

const XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";

function escapeXml(s) {
  return String(s).replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" }[c]));
}

export const s3 = {
  region: "us-east-1",
  accessKey: null,
  secretKey: null,
  origin: location.origin,

  setCredentials({ accessKey, secretKey, region }) {
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    if (region) this.region = region;
  },

  get signedIn() {
    return Boolean(this.accessKey);
  },

  url(path, query) {
    return this.origin + path + queryString(query);
  },

  // Sign and send; {status, headers, text, xml}. `ok`: statuses >= 300 the caller accepts.
  async request(method, path, { query, headers = {}, body, ok = [], signal } = {}) {
    const url = this.url(path, query);
    const extra = { ...headers };
    let payloadHash;
    if (typeof body === "string" || body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
      const digest = await sha256(typeof body === "string" ? new TextEncoder().encode(body) : body);
      payloadHash = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
      extra["x-amz-checksum-sha256"] = base64(digest);  // S3 wants an integrity header on some bodies
    }
    const signed = await sign({ method, url, headers: extra, region: this.region,
      accessKey: this.accessKey, secretKey: this.secretKey || "console", payloadHash });
    const response = await fetch(url, { method, headers: { ...extra, ...signed }, body,
      cache: "no-store", credentials: "omit", signal });
    const textBody = method === "HEAD" ? "" : await response.text();
    if (response.status >= 300 && !ok.includes(response.status)) {
      throw errorOf(response.status, textBody, response.statusText);
    }
    return { status: response.status, headers: response.headers, text: textBody, xml: parseXml(textBody) };
  },

  // A signed GET of a /_s3mock/ JSON endpoint (the explainers, the request log).
  async tooling(path, query) {
    const r = await this.request("GET", path, { query });
    return JSON.parse(r.text || "null");
  },

  async listBuckets() {
    const r = await this.request("GET", "/");
    return all(r.xml, "Bucket").map((b) => ({ name: text(b, "Name"), created: text(b, "CreationDate") }));
  },

  async createBucket(name, { acl } = {}) {
    const headers = acl ? { "x-amz-acl": acl } : {};
    const body = this.region === "us-east-1" ? undefined
      : `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${escapeXml(this.region)}</LocationConstraint></CreateBucketConfiguration>`;
    return this.request("PUT", objectPath(name), { headers, body });
  },

  async deleteBucket(name) {
    return this.request("DELETE", objectPath(name));
  },

  async listObjects(bucket, { prefix, delimiter, continuationToken, maxKeys } = {}) {
    const r = await this.request("GET", objectPath(bucket), { query: {
      "list-type": "2", prefix: prefix || undefined, delimiter: delimiter || undefined,
      "continuation-token": continuationToken || undefined, "max-keys": maxKeys || undefined } });
    const root = r.xml.documentElement;
    return {
      prefixes: children(root, "CommonPrefixes").map((p) => text(p, "Prefix")),
      objects: children(root, "Contents").map((c) => ({ key: text(c, "Key"), size: Number(text(c, "Size")),
        lastModified: text(c, "LastModified"), etag: text(c, "ETag"), storageClass: text(c, "StorageClass") })),
      nextToken: text(root, "NextContinuationToken"),
      truncated: text(root, "IsTruncated") === "true",
    };
  },

  async headObject(bucket, key, { versionId } = {}) {
    return this.request("HEAD", objectPath(bucket, key), { query: { versionId } });
  },

  // The fetch Response (a stream): the caller reads it as text, JSON or a blob.
  async getObject(bucket, key, { range, versionId } = {}) {
    const url = this.url(objectPath(bucket, key), { versionId });
    const headers = range ? { range } : {};
    const signed = await sign({ method: "GET", url, headers, region: this.region,
      accessKey: this.accessKey, secretKey: this.secretKey || "console" });
    const response = await fetch(url, { headers: { ...headers, ...signed }, cache: "no-store", credentials: "omit" });
    if (response.status >= 300) throw errorOf(response.status, await response.text(), response.statusText);
    return response;
  },

  // DeleteObjects, 1000 per request; `keys`: strings or {key, versionId}.
  // -> {deleted: [key], errors: [{key, code, message}]}.
  async deleteObjects(bucket, keys) {
    const out = { deleted: [], errors: [] };
    const item = (k) => (typeof k === "string" ? `<Object><Key>${escapeXml(k)}</Key></Object>`
      : `<Object><Key>${escapeXml(k.key)}</Key>${k.versionId ? `<VersionId>${escapeXml(k.versionId)}</VersionId>` : ""}</Object>`);
    for (let i = 0; i < keys.length; i += 1000) {
      const items = keys.slice(i, i + 1000).map(item).join("");
      const body = `<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>false</Quiet>${items}</Delete>`;
      const r = await this.request("POST", objectPath(bucket), { query: { delete: "" }, body });
      const root = r.xml.documentElement;
      out.deleted.push(...children(root, "Deleted").map((d) => text(d, "Key")));
      out.errors.push(...children(root, "Error").map((e) => ({ key: text(e, "Key"), code: text(e, "Code"), message: text(e, "Message") })));
    }
    return out;
  },

  // Configuration subresources: the XML text (GET), or the request (PUT). A missing
  // configuration's error (NoSuchCORSConfiguration...) is thrown as any S3Error.
  async getBucketCors(bucket) { return (await this.request("GET", objectPath(bucket), { query: { cors: "" } })).text; },
  async putBucketCors(bucket, xmlText) { return this.request("PUT", objectPath(bucket), { query: { cors: "" }, body: xmlText }); },
  async deleteBucketCors(bucket) { return this.request("DELETE", objectPath(bucket), { query: { cors: "" } }); },
  async getBucketAcl(bucket) { return aclOf((await this.request("GET", objectPath(bucket), { query: { acl: "" } })).xml); },
  async putBucketAcl(bucket, { acl, xml } = {}) {
    return this.request("PUT", objectPath(bucket), { query: { acl: "" },
      headers: acl ? { "x-amz-acl": acl } : {}, body: xml });
  },
  async getObjectAcl(bucket, key, { versionId } = {}) {
    return aclOf((await this.request("GET", objectPath(bucket, key), { query: { acl: "", versionId } })).xml);
  },
  async getObjectTagging(bucket, key, { versionId } = {}) {
    return tagsOf((await this.request("GET", objectPath(bucket, key), { query: { tagging: "", versionId } })).xml);
  },
  async getBucketTagging(bucket) {
    return tagsOf((await this.request("GET", objectPath(bucket), { query: { tagging: "" } })).xml);
  },
  async getBucketVersioning(bucket) {
    const root = (await this.request("GET", objectPath(bucket), { query: { versioning: "" } })).xml.documentElement;
    return { status: text(root, "Status"), mfaDelete: text(root, "MfaDelete") };
  },
  async getBucketPolicy(bucket) {
    return (await this.request("GET", objectPath(bucket), { query: { policy: "" } })).text;
  },
  async putBucketVersioning(bucket, status) {
    return this.request("PUT", objectPath(bucket), { query: { versioning: "" },
      body: `<VersioningConfiguration xmlns="${XMLNS}"><Status>${escapeXml(status)}</Status></VersioningConfiguration>` });
  },
  async putBucketTagging(bucket, tags) {
    const set = tags.map((t) => `<Tag><Key>${escapeXml(t.key)}</Key><Value>${escapeXml(t.value)}</Value></Tag>`).join("");
    return this.request("PUT", objectPath(bucket), { query: { tagging: "" },
      body: `<Tagging xmlns="${XMLNS}"><TagSet>${set}</TagSet></Tagging>` });
  },
  async deleteBucketTagging(bucket) { return this.request("DELETE", objectPath(bucket), { query: { tagging: "" } }); },
  async putBucketPolicy(bucket, policyText) { return this.request("PUT", objectPath(bucket), { query: { policy: "" }, body: policyText }); },
  async deleteBucketPolicy(bucket) { return this.request("DELETE", objectPath(bucket), { query: { policy: "" } }); },
  // GetBucketPolicyStatus: true when S3 judges the policy public (IsPublic).
  async getBucketPolicyStatus(bucket) {
    const r = await this.request("GET", objectPath(bucket), { query: { policyStatus: "" } });
    return text(r.xml.documentElement, "IsPublic") === "true";
  },
  // GetBucketWebsite: {index, error, redirectTo, rules} (rules: the number of RoutingRules).
  async getBucketWebsite(bucket) {
    const root = (await this.request("GET", objectPath(bucket), { query: { website: "" } })).xml.documentElement;
    const one = (name) => children(root, name)[0] || null;
    const redirect = one("RedirectAllRequestsTo");
    const rules = one("RoutingRules");
    return { index: one("IndexDocument") ? text(one("IndexDocument"), "Suffix") : "",
      error: one("ErrorDocument") ? text(one("ErrorDocument"), "Key") : "",
      redirectTo: redirect ? text(redirect, "HostName") : "",
      rules: rules ? children(rules, "RoutingRule").length : 0 };
  },
  async putBucketWebsite(bucket, { index, error }) {
    const errorDoc = error ? `<ErrorDocument><Key>${escapeXml(error)}</Key></ErrorDocument>` : "";
    return this.request("PUT", objectPath(bucket), { query: { website: "" },
      body: `<WebsiteConfiguration xmlns="${XMLNS}"><IndexDocument><Suffix>${escapeXml(index)}</Suffix></IndexDocument>${errorDoc}</WebsiteConfiguration>` });
  },
  // GetBucketNotificationConfiguration: {rules: [{id, kind, arn, events, filters: [[name, value]]}],
  // eventBridge}; a bucket without one answers an empty configuration.
  async getBucketNotificationConfiguration(bucket) {
    const root = (await this.request("GET", objectPath(bucket), { query: { notification: "" } })).xml.documentElement;
    const kinds = [["TopicConfiguration", "Topic", "SNS topic"], ["QueueConfiguration", "Queue", "SQS queue"],
      ["CloudFunctionConfiguration", "CloudFunction", "Lambda function"]];
    const rules = kinds.flatMap(([tag, dest, kind]) => children(root, tag).map((c) => {
      const key = children(c, "Filter").flatMap((f) => children(f, "S3Key"));
      return { id: text(c, "Id"), kind, arn: text(c, dest),
        events: children(c, "Event").map((e) => e.textContent),
        filters: key.flatMap((k) => children(k, "FilterRule")).map((r) => [text(r, "Name"), text(r, "Value")]) };
    }));
    return { rules, eventBridge: children(root, "EventBridgeConfiguration").length > 0 };
  },
  async deleteBucketWebsite(bucket) { return this.request("DELETE", objectPath(bucket), { query: { website: "" } }); },
  async listObjectVersions(bucket, { prefix, keyMarker, versionIdMarker, maxKeys } = {}) {
    const r = await this.request("GET", objectPath(bucket), { query: { versions: "", prefix: prefix || undefined,
      "key-marker": keyMarker || undefined, "version-id-marker": versionIdMarker || undefined, "max-keys": maxKeys || undefined } });
    const root = r.xml.documentElement;
    const entry = (v, deleteMarker) => ({ key: text(v, "Key"), versionId: text(v, "VersionId"),
      isLatest: text(v, "IsLatest") === "true", lastModified: text(v, "LastModified"), etag: text(v, "ETag"),
      size: deleteMarker ? 0 : Number(text(v, "Size")), deleteMarker });
    const versions = Array.from(root.children).filter((c) => c.localName === "Version" || c.localName === "DeleteMarker")
      .map((c) => entry(c, c.localName === "DeleteMarker"));
    return { versions, truncated: text(root, "IsTruncated") === "true",
      nextKeyMarker: text(root, "NextKeyMarker"), nextVersionIdMarker: text(root, "NextVersionIdMarker") };
  },

  async presign(method, bucket, key, expiresSeconds = 3600) {
    return presign({ method, url: this.url(objectPath(bucket, key)), region: this.region,
      accessKey: this.accessKey, secretKey: this.secretKey || "console", expires: expiresSeconds });
  },

  // Upload a File/Blob with progress: one PUT up to 16 MiB, multipart (8 MiB parts) above.
  // onProgress(loaded, total); signal: an AbortSignal (cancel aborts the multipart upload).
  async upload(bucket, key, file, { onProgress = () => {}, signal, contentType } = {}) {
    const type = contentType || file.type || "application/octet-stream";
    if (file.size <= MULTIPART_ABOVE) {
      const r = await this._xhr("PUT", objectPath(bucket, key), {}, file, { "content-type": type },
        (loaded) => onProgress(loaded, file.size), signal);
      return { etag: r.getResponseHeader("ETag") };
    }
    const created = await this.request("POST", objectPath(bucket, key), { query: { uploads: "" },
      headers: { "content-type": type }, signal });
    const uploadId = text(created.xml.documentElement, "UploadId");
    const done = [];
    try {
      for (let n = 1, start = 0; start < file.size; n += 1, start += PART_SIZE) {
        const part = file.slice(start, Math.min(start + PART_SIZE, file.size));
        const r = await this._xhr("PUT", objectPath(bucket, key), { partNumber: n, uploadId }, part, {},
          (loaded) => onProgress(start + loaded, file.size), signal);
        done.push(`<Part><PartNumber>${n}</PartNumber><ETag>${escapeXml(r.getResponseHeader("ETag"))}</ETag></Part>`);
      }
      const body = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${done.join("")}</CompleteMultipartUpload>`;
      const r = await this.request("POST", objectPath(bucket, key), { query: { uploadId }, body, signal });
      const root = r.xml && r.xml.documentElement;
      if (root && root.localName === "Error") throw errorOf(500, r.text);   // S3: an error inside a 200
      return { etag: root ? text(root, "ETag") : null, uploadId };
    } catch (err) {
      await this.request("DELETE", objectPath(bucket, key), { query: { uploadId } }).catch(() => {});
      throw err;
    }
  },

  // One signed XMLHttpRequest (fetch cannot report upload progress). Resolves to the XHR.
  async _xhr(method, path, query, body, headers, onProgress, signal) {
    if (signal && signal.aborted) throw new DOMException("Upload cancelled", "AbortError");
    const url = this.url(path, query);
    const signed = await sign({ method, url, headers, region: this.region, accessKey: this.accessKey,
      secretKey: this.secretKey || "console" });
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, url, true);
      for (const [k, v] of Object.entries({ ...headers, ...signed })) xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (e) => onProgress(e.loaded);
      xhr.onload = () => (xhr.status >= 300 ? reject(errorOf(xhr.status, xhr.responseText, xhr.statusText)) : resolve(xhr));
      xhr.onerror = () => reject(new S3Error(0, "NetworkError", "The request failed (network error)"));
      xhr.onabort = () => reject(new DOMException("Upload cancelled", "AbortError"));
      if (signal) signal.addEventListener("abort", () => xhr.abort(), { once: true });
      xhr.send(body);
    });
  },
};

function aclOf(doc) {
  const root = doc.documentElement;
  const owner = children(root, "Owner")[0];
  const grants = all(doc, "Grant").map((g) => {
    const grantee = children(g, "Grantee")[0];
    return { permission: text(g, "Permission"),
      type: grantee ? grantee.getAttributeNS("http://www.w3.org/2001/XMLSchema-instance", "type") : null,
      id: text(grantee, "ID"), displayName: text(grantee, "DisplayName"), uri: text(grantee, "URI"),
      email: text(grantee, "EmailAddress") };
  });
  return { owner: { id: text(owner, "ID"), displayName: text(owner, "DisplayName") }, grants, xml: doc };
}

function tagsOf(doc) {
  return all(doc, "Tag").map((t) => ({ key: text(t, "Key"), value: text(t, "Value") }));
}
