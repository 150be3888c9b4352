// AWS Signature Version 4 in the browser, with WebCrypto (SHA-256, HMAC): header signing and
// presigned URLs. The console's requests are the same signed requests any S3 client sends.

const enc = new TextEncoder();
const keyCache = new Map();   // "secret/date/region" -> signing key (one day's worth)

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256(data) {
  const bytes = typeof data === "string" ? enc.encode(data) : data;
  return crypto.subtle.digest("SHA-256", bytes);
}

export async function sha256Hex(data) {
  return hex(await sha256(data));
}

export function base64(buffer) {
  let s = "";
  for (const b of new Uint8Array(buffer)) s += String.fromCharCode(b);
  return btoa(s);
}

async function hmac(key, message) {
  const raw = typeof key === "string" ? enc.encode(key) : key;
  const k = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", k, enc.encode(message));
}

async function signingKey(secretKey, date, region) {
  const id = `${secretKey}/${date}/${region}`;
  let key = keyCache.get(id);
  if (!key) {
    key = await hmac(await hmac(await hmac(await hmac("AWS4" + secretKey, date), region), "s3"),
      "aws4_request");
    keyCache.clear();
    keyCache.set(id, key);
  }
  return key;
}

// RFC 3986 unreserved characters stay; everything else is %XX (S3's UriEncode). `slash`: keep "/".
export function uriEncode(value, slash = false) {
  const out = encodeURIComponent(value).replace(/[!'()*]/g,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  return slash ? out.replace(/%2F/g, "/") : out;
}

export function amzDate(now = new Date()) {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

// The query as S3 canonicalizes it: name=value pairs (already encoded), sorted, "=" kept.
function canonicalQuery(search) {
  if (!search || search === "?") return "";
  return search.replace(/^\?/, "").split("&").filter((p) => p !== "")
    .map((p) => (p.includes("=") ? p : p + "="))
    .map((p) => p.split("=").map((part) => uriEncode(decodeURIComponent(part))).join("="))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .join("&");
}

async function signature({ method, url, headers, payloadHash, date, region, accessKey, secretKey }) {
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const lower = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = String(v).trim().replace(/\s+/g, " ");
  const canonicalHeaders = names.map((n) => `${n}:${lower[n]}\n`).join("");
  const signedHeaders = names.join(";");
  const canonical = [method, url.pathname, canonicalQuery(url.search), canonicalHeaders,
    signedHeaders, payloadHash].join("\n");
  const day = date.slice(0, 8);
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", date, scope, await sha256Hex(canonical)].join("\n");
  const sig = hex(await hmac(await signingKey(secretKey, day, region), toSign));
  return { sig, scope, signedHeaders, credential: `${accessKey}/${scope}` };
}

// The headers to add to a request: Authorization, x-amz-date, x-amz-content-sha256. Every header
// in `headers` is signed (the caller must send them as given), and the host.
export async function sign({ method, url, headers = {}, region, accessKey, secretKey, payloadHash }) {
  const u = new URL(url, location.href);
  const date = amzDate();
  const hash = payloadHash || "UNSIGNED-PAYLOAD";
  const all = { ...headers, host: u.host, "x-amz-date": date, "x-amz-content-sha256": hash };
  const s = await signature({ method, url: u, headers: all, payloadHash: hash, date, region, accessKey, secretKey });
  return {
    Authorization: `AWS4-HMAC-SHA256 Credential=${s.credential}, SignedHeaders=${s.signedHeaders}, Signature=${s.sig}`,
    "x-amz-date": date,
    "x-amz-content-sha256": hash,
  };
}

// A presigned URL (query SigV4), valid for `expires` seconds; only the host header is signed.
export async function presign({ method, url, region, accessKey, secretKey, expires = 3600 }) {
  const u = new URL(url, location.href);
  const date = amzDate();
  const scope = `${date.slice(0, 8)}/${region}/s3/aws4_request`;
  const extra = [
    ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
    ["X-Amz-Credential", `${accessKey}/${scope}`],
    ["X-Amz-Date", date],
    ["X-Amz-Expires", String(expires)],
    ["X-Amz-SignedHeaders", "host"],
  ].map(([k, v]) => `${k}=${uriEncode(v)}`).join("&");
  u.search = u.search && u.search !== "?" ? `${u.search}&${extra}` : `?${extra}`;
  const s = await signature({ method, url: u, headers: { host: u.host }, payloadHash: "UNSIGNED-PAYLOAD",
    date, region, accessKey, secretKey });
  return `${u.origin}${u.pathname}${u.search}&X-Amz-Signature=${s.sig}`;
}
