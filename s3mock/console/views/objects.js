// The objects browser (view "objects", #/b/<bucket>/<prefix>): one page of ListObjectsV2 at a
// time (delimiter "/", 100 keys), breadcrumbs, search by prefix, paging by continuation token,
// upload (upload.js), download, delete of a selection and a side panel (object_panel.js).
// A bucket of any size costs one page per view: nothing here lists a bucket whole.
// Keys are hostile: every string reaches the page through dom.js's el() as text.

import { href, registerView } from "../app.js";
import { el, clear, confirmDialog, errorText, formatBytes, formatDate, toast } from "../dom.js";
import { s3 } from "../s3.js";
import { showObject, downloadObject } from "./object_panel.js";
import { uploader } from "./upload.js";

const PAGE_SIZE = 100;
const SEARCH_DELAY_MS = 250;

// This view's own stylesheet, added once beside the shell's (the CSP allows 'self' styles only).
if (!document.querySelector('link[data-style="objects"]')) {
  document.head.append(el("link", { rel: "stylesheet", href: "objects.css", "data-style": "objects" }));
}

function preventDefault(event) {
  event.preventDefault();
}

function breadcrumbs(bucket, prefix) {
  const nav = el("nav", { class: "crumbs", "data-test": "breadcrumbs" },
    el("a", { href: "#/", "data-test": "crumb" }, "Buckets"), " / ",
    el("a", { href: href.objects(bucket, ""), "data-test": "crumb" }, bucket));
  const parts = prefix.split("/").slice(0, -1);
  parts.forEach((part, i) => {
    const upTo = parts.slice(0, i + 1).join("/") + "/";
    nav.append(" / ", el("a", { href: href.objects(bucket, upTo), "data-test": "crumb" }, part));
  });
  return nav;
}

// A confirmation that names every key to be deleted; resolves true when confirmed.
function confirmDelete(keys) {
  const n = keys.length;
  return confirmDialog({ title: `Delete ${n} object${n === 1 ? "" : "s"}?`, confirmLabel: `Delete ${n}`,
    body: [el("p", {}, "This cannot be undone."),
      el("ul", { class: "confirm-keys", "data-test": "confirm-keys" },
        ...keys.map((k) => el("li", { "data-test": "confirm-key" }, k)))] });
}

class ObjectsView {
  constructor(container, bucket, prefix) {
    this.container = container;
    this.bucket = bucket;
    this.prefix = prefix;
    this.search = "";
    this.tokens = [null];   // tokens[i]: the continuation token that fetches page i
    this.page = 0;
    this.selected = new Set();
    this.seq = 0;           // answers of superseded loads are dropped
  }

  render() {
    clear(this.container);
    this.searchBox = el("input", { type: "search", placeholder: "Search by prefix",
      "data-test": "search", "aria-label": "Search by prefix", autocomplete: "off" });
    let timer = null;
    this.searchBox.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.setSearch(this.searchBox.value), SEARCH_DELAY_MS);
    });
    this.searchBox.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { clearTimeout(timer); this.setSearch(this.searchBox.value); }
    });
    this.deleteButton = el("button", { type: "button", class: "button danger", "data-test": "delete-selected",
      disabled: true, onclick: () => this.deleteSelected() }, "Delete");
    const refresh = el("button", { type: "button", class: "button", "data-test": "refresh",
      onclick: () => this.load() }, "Refresh");
    this.status = el("span", { class: "status", "data-test": "list-status" });
    this.prev = el("button", { type: "button", class: "button small", "data-test": "page-prev",
      onclick: () => this.turn(-1) }, "Previous");
    this.next = el("button", { type: "button", class: "button small", "data-test": "page-next",
      onclick: () => this.turn(1) }, "Next");
    this.pageLabel = el("span", { "data-test": "page-number" });
    this.selectAll = el("input", { type: "checkbox", "data-test": "select-all", "aria-label": "Select all on this page",
      onchange: () => this.toggleAll() });
    this.body = el("tbody", {});
    this.table = el("table", { class: "objects", "data-test": "object-list", "data-state": "loading" },
      el("thead", {}, el("tr", {}, el("th", {}, this.selectAll), el("th", {}, "Name"),
        el("th", { class: "num" }, "Size"), el("th", {}, "Last modified"), el("th", {}, "Class"), el("th", {}, ""))),
      this.body);
    this.panel = el("aside", { class: "side-panel", "data-test": "side-panel", hidden: true });
    const upload = uploader({ bucket: this.bucket, prefix: () => this.prefix, onFinished: () => this.load() });
    // A file dropped anywhere on the view, not only on the drop zone, must not navigate away.
    this.container.append(
      el("div", { class: "objects-view", "data-test": "objects-view", ondragover: preventDefault, ondrop: preventDefault },
        el("div", { class: "objects-main" },
          el("header", { class: "page-head" }, el("h1", {}, this.bucket), breadcrumbs(this.bucket, this.prefix)),
          el("div", { class: "toolbar" }, this.searchBox, refresh, this.deleteButton, this.status),
          upload, this.table,
          el("div", { class: "pager", "data-test": "pager" }, this.prev, this.pageLabel, this.next)),
        this.panel));
    return this.load();
  }

  setSearch(value) {
    if (value === this.search) return;
    this.search = value;
    this.tokens = [null];
    this.page = 0;
    this.load();
  }

  turn(step) {
    const target = this.page + step;
    if (target < 0 || target >= this.tokens.length) return;
    this.page = target;
    this.load();
  }

  async load() {
    const seq = ++this.seq;
    this.table.setAttribute("data-state", "loading");
    this.prev.disabled = this.next.disabled = true;
    let res;
    try {
      res = await s3.listObjects(this.bucket, { prefix: this.prefix + this.search, delimiter: "/",
        continuationToken: this.tokens[this.page] || undefined, maxKeys: PAGE_SIZE });
    } catch (err) {
      if (seq !== this.seq) return;
      clear(this.body);
      this.body.append(el("tr", {}, el("td", { colspan: "6", class: "error", "data-test": "list-error" },
        errorText(err))));
      this.table.setAttribute("data-state", "error");
      return;
    }
    if (seq !== this.seq) return;
    this.tokens.length = this.page + 1;
    if (res.truncated && res.nextToken) this.tokens.push(res.nextToken);
    this.selected.clear();
    this.fill(res);
  }

  fill(res) {
    clear(this.body);
    for (const p of res.prefixes) {
      const name = p.slice(this.prefix.length);
      this.body.append(el("tr", { class: "prefix", "data-test": "prefix-row", "data-prefix": p },
        el("td", {}), el("td", {}, el("a", { href: href.objects(this.bucket, p),
          "data-test": "prefix-link" }, name)),
        el("td", {}, ""), el("td", {}, ""), el("td", {}, ""), el("td", {}, "")));
    }
    for (const o of res.objects) this.body.append(this.objectRow(o));
    if (!res.prefixes.length && !res.objects.length) {
      this.body.append(el("tr", {}, el("td", { colspan: "6", class: "empty", "data-test": "list-empty" },
        this.search ? "No keys start with this prefix." : "No objects here yet.")));
    }
    this.selectAll.checked = false;
    this.updateSelection();
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page + 1 >= this.tokens.length;
    this.pageLabel.textContent = `Page ${this.page + 1}`;
    this.status.textContent = `${res.objects.length} object${res.objects.length === 1 ? "" : "s"}` +
      (res.prefixes.length ? `, ${res.prefixes.length} folder${res.prefixes.length === 1 ? "" : "s"}` : "") +
      (res.truncated ? " on this page" : "");
    this.table.setAttribute("data-state", "ready");
  }

  objectRow(o) {
    const check = el("input", { type: "checkbox", "data-test": "object-select", "aria-label": `Select ${o.key}`,
      onchange: () => {
        if (check.checked) this.selected.add(o.key); else this.selected.delete(o.key);
        this.updateSelection();
      } });
    const name = el("button", { type: "button", class: "link", "data-test": "object-name",
      onclick: () => this.open(o.key) }, o.key.slice(this.prefix.length) || o.key);
    const download = el("button", { type: "button", class: "button small", "data-test": "object-download",
      onclick: () => downloadObject(this.bucket, o.key).catch((e) => toast(errorText(e), "error")) }, "Download");
    return el("tr", { "data-test": "object-row", "data-key": o.key },
      el("td", {}, check), el("td", { class: "name" }, name), el("td", { class: "num" }, formatBytes(o.size)),
      el("td", {}, formatDate(o.lastModified)), el("td", {}, o.storageClass || ""),
      el("td", { class: "actions" }, download));
  }

  updateSelection() {
    const n = this.selected.size;
    this.deleteButton.disabled = n === 0;
    this.deleteButton.textContent = n ? `Delete ${n}` : "Delete";
  }

  toggleAll() {
    const checked = this.selectAll.checked;
    for (const box of this.body.querySelectorAll('[data-test="object-select"]')) {
      box.checked = checked;
      const key = box.closest("tr").getAttribute("data-key");
      if (checked) this.selected.add(key); else this.selected.delete(key);
    }
    this.updateSelection();
  }

  async deleteSelected() {
    const keys = [...this.selected];
    if (!keys.length || !(await confirmDelete(keys))) return;
    try {
      const res = await s3.deleteObjects(this.bucket, keys);
      const errors = (res && res.errors) || [];
      if (errors.length) {
        toast(`${errors.length} not deleted: ${errors.map((e) => `${e.key}: ${e.code}`).join(", ")}`, "error");
      } else {
        toast(`Deleted ${keys.length} object${keys.length === 1 ? "" : "s"}`, "ok");
      }
    } catch (err) {
      toast(errorText(err), "error");
    }
    this.load();
  }

  open(key) {
    this.panel.hidden = false;
    showObject(this.panel, this.bucket, key, () => { this.panel.hidden = true; clear(this.panel); });
  }
}

registerView("objects", {
  render(container, params) {
    const view = new ObjectsView(container, params.bucket, params.prefix || "");
    return view.render();
  },
});
