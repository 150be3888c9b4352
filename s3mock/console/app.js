// The console's frame: configuration, sign-in, the top bar and the hash router. Views live in
// views/*.js and register themselves with registerView(name, {render(container, params)}).

import { clear, el, errorText } from "./dom.js";
import { s3 } from "./s3.js";
import { uriEncode } from "./sigv4.js";

const VIEW_MODULES = ["views/buckets.js", "views/objects.js", "views/cors.js", "views/requests.js", "views/access.js"];
const NAV = [["Buckets", "#/", "buckets"], ["CORS", "#/cors", "cors"], ["Access", "#/access", "access"],
  ["Requests", "#/requests", "requests"]];

const views = new Map();
export const config = { auth: "lenient", region: "us-east-1", access_key: null, version: "", domain: "localhost" };

export function registerView(name, view) {
  views.set(name, view);
}

// Links into the router (hash URLs), so views never build them by hand.
export const href = {
  buckets: () => "#/",
  objects: (bucket, prefix = "") => `#/b/${uriEncode(bucket)}/${uriEncode(prefix, true)}`,
  bucket: (bucket) => `#/b/${uriEncode(bucket)}?settings`,
  cors: () => "#/cors",
  access: () => "#/access",
  requests: () => "#/requests",
};

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

// "#/b/photos/2024%2F?x=1" -> {name: "objects", params: {bucket, prefix, query}}
export function parseRoute(hash) {
  const raw = (hash || "#/").replace(/^#/, "") || "/";
  const [path, search = ""] = raw.split(/\?(.*)/s);
  const query = new URLSearchParams(search);
  const decode = (s) => { try { return decodeURIComponent(s); } catch { return s; } };
  const m = /^\/b\/([^/]+)(?:\/(.*))?$/s.exec(path);
  if (m) {
    const bucket = decode(m[1]);
    if (query.has("settings")) return { name: "bucket", params: { bucket, query } };
    return { name: "objects", params: { bucket, prefix: decode(m[2] || ""), query } };
  }
  const name = { "/": "buckets", "": "buckets", "/cors": "cors", "/access": "access", "/requests": "requests" }[path];
  return name ? { name, params: { query } } : { name: "notfound", params: { path } };
}

let renderCount = 0;    // a newer route wins over a slower, older render

async function route() {
  const container = document.getElementById("view");
  if (!s3.signedIn) { renderSignIn(container); return; }
  const { name, params } = parseRoute(location.hash);
  for (const a of document.querySelectorAll("#nav a")) {
    a.classList.toggle("active", a.dataset.view === name || (a.dataset.view === "buckets" && ["objects", "bucket"].includes(name)));
  }
  const view = views.get(name);
  const mine = ++renderCount;
  clear(container);
  if (!view) {
    container.append(el("div", { class: "empty", dataTest: "view-missing" },
      name === "notfound" ? `No page at ${params.path}.` : "This view is not available yet."));
    return;
  }
  try {
    await view.render(container, params);
  } catch (err) {
    if (mine !== renderCount) return;
    container.append(el("div", { class: "error-box", dataTest: "view-error" }, errorText(err)));
  }
}

function renderTopBar() {
  const nav = clear(document.getElementById("nav"));
  for (const [label, link, name] of NAV) {
    nav.append(el("a", { href: link, dataset: { view: name }, dataTest: `nav-${name}` }, label));
  }
  const who = clear(document.getElementById("who"));
  who.append(el("span", { class: `badge badge-${config.auth}`, dataTest: "auth-mode", title: "the server's --auth mode" }, config.auth));
  if (s3.signedIn) {
    who.append(el("span", { class: "user", dataTest: "signed-in-as" }, s3.accessKey));
    if (config.auth === "strict") {
      who.append(el("button", { type: "button", class: "link", dataTest: "sign-out", onclick: signOut }, "Sign out"));
    }
  }
  if (config.version) who.append(el("span", { class: "muted" }, `v${config.version}`));
}

function signOut() {
  s3.setCredentials({ accessKey: null, secretKey: null });
  renderTopBar();
  route();
}

// Strict mode: the user's keys, kept in this page's memory only (never stored), checked by a
// ListBuckets that S3 verifies; its refusal (SignatureDoesNotMatch...) is shown as S3 gave it.
function renderSignIn(container) {
  clear(container);
  const error = el("p", { class: "form-error", dataTest: "signin-error", role: "alert", hidden: true });
  const accessKey = el("input", { name: "access-key", autocomplete: "username", required: true, dataTest: "signin-access-key" });
  const secretKey = el("input", { name: "secret-key", type: "password", autocomplete: "current-password", required: true, dataTest: "signin-secret-key" });
  const button = el("button", { type: "submit", class: "button primary", dataTest: "signin-submit" }, "Sign in");
  const form = el("form", { class: "card signin", dataTest: "signin-form" },
    el("h1", {}, "Sign in"),
    el("p", { class: "muted" }, "This server checks signatures (--auth strict). The console signs each request in this page with your keys; the secret stays in memory and is forgotten when the page closes."),
    el("label", {}, "Access key", accessKey),
    el("label", {}, "Secret key", secretKey),
    error, button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    error.hidden = true;
    s3.setCredentials({ accessKey: accessKey.value.trim(), secretKey: secretKey.value });
    try {
      await s3.listBuckets();
      secretKey.value = "";
      renderTopBar();
      route();
    } catch (err) {
      s3.setCredentials({ accessKey: null, secretKey: null });
      error.textContent = errorText(err);
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  container.append(form);
  accessKey.focus();
}

async function start() {
  try {
    const r = await fetch("config.json", { cache: "no-store" });
    Object.assign(config, await r.json());
  } catch (err) {
    document.getElementById("view").textContent = `Cannot read the console's configuration: ${err}`;
    return;
  }
  s3.region = config.region;
  if (config.auth !== "strict" && config.access_key) {
    // Lenient mode reads who signed without checking: sign as the default user.
    s3.setCredentials({ accessKey: config.access_key, secretKey: "lenient-mode" });
  }
  await Promise.all(VIEW_MODULES.map((m) => import(`./${m}`).catch((e) => console.warn(`console: ${m} not loaded:`, e))));
  renderTopBar();
  window.addEventListener("hashchange", route);
  await route();
  document.body.dataset.ready = "1";   // tests wait for this
}

start();
