// Building the page safely: every string becomes a text node (never innerHTML: object keys,
// metadata and tags are hostile), plus small formatting helpers and toasts.

// el("a", {href: "#/", class: "x", dataTest: "y", onclick: fn}, "text", childNode, [more])
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "class" || name === "className") {
      node.className = value;
    } else if (name === "dataset") {
      Object.assign(node.dataset, value);
    } else if (name === "dataTest") {
      node.setAttribute("data-test", value);
    } else if (name === "value" || name === "checked" || name === "disabled" || name === "selected") {
      node[name] = value;
    } else {
      if (/^on/i.test(name) || name === "style" || (name === "href" && /^\s*javascript:/i.test(String(value)))) {
        throw new Error(`el(): refusing attribute ${name}`);    // no inline handlers or styles (CSP)
      }
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function formatBytes(n) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return "";
  n = Number(n);
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let i = -1;
  do { n /= 1024; i += 1; } while (n >= 1024 && i < units.length - 1);
  return `${n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatDate(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const pad = (v) => String(v).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// A message in the corner for a few seconds; kind: "info" | "ok" | "error".
export function toast(message, kind = "info") {
  let box = document.getElementById("toasts");
  if (!box) {
    box = el("div", { id: "toasts", "aria-live": "polite" });
    document.body.append(box);
  }
  const item = el("div", { class: `toast toast-${kind}`, dataTest: "toast", role: kind === "error" ? "alert" : "status" }, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
  return item;
}

// An S3 error as the user should see it: "Code: Message (HTTP status)".
export function errorText(err) {
  if (err && err.name === "S3Error") return `${err.code}: ${err.message} (HTTP ${err.status})`;
  return String((err && err.message) || err);
}

// A modal confirmation; resolves true when confirmed. `body`: nodes or strings.
export function confirmDialog({ title, body = [], confirmLabel = "Delete", danger = true }) {
  return new Promise((resolve) => {
    const dialog = el("dialog", { class: "dialog", dataTest: "confirm-dialog" });
    const close = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
    dialog.append(
      el("h2", {}, title),
      el("div", { class: "dialog-body" }, body),
      el("div", { class: "dialog-actions" },
        el("button", { type: "button", class: "button", dataTest: "confirm-cancel", onclick: () => close(false) }, "Cancel"),
        el("button", { type: "button", class: danger ? "button danger" : "button primary", dataTest: "confirm-ok",
          onclick: () => close(true) }, confirmLabel)));
    dialog.addEventListener("cancel", (e) => { e.preventDefault(); close(false); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// XML text indented for reading (elements holding only text stay on one line); the text as
// given when it does not parse.
export function prettyXml(text) {
  const doc = new DOMParser().parseFromString(text, "application/xml");
  if (doc.getElementsByTagName("parsererror").length) return text;
  const esc = (s) => s.replace(/[<>&]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;" }[c]));
  const attrs = (node) => Array.from(node.attributes, (a) => ` ${a.name}="${esc(a.value).replace(/"/g, "&quot;")}"`).join("");
  const walk = (node, depth) => {
    const pad = "  ".repeat(depth);
    const kids = Array.from(node.childNodes).filter((c) => c.nodeType === 1 || (c.nodeType === 3 && c.textContent.trim()));
    if (!kids.some((c) => c.nodeType === 1)) {
      return `${pad}<${node.nodeName}${attrs(node)}>${esc(node.textContent)}</${node.nodeName}>`;
    }
    const inner = kids.filter((c) => c.nodeType === 1).map((c) => walk(c, depth + 1)).join("\n");
    return `${pad}<${node.nodeName}${attrs(node)}>\n${inner}\n${pad}</${node.nodeName}>`;
  };
  return walk(doc.documentElement, 0);
}
