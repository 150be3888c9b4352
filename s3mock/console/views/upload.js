// Uploads for the objects browser: a drop zone and a file picker (several files), one row per
// file with a progress bar and a Cancel button. s3.upload does the transfer (one PUT, or
// multipart for large files); cancelling aborts it, multipart upload included, so nothing stays.

import { el, errorText, formatBytes, toast } from "../dom.js";
import { s3 } from "../s3.js";

const PARALLEL = 3;   // files in flight at once; the rest wait their turn

function uploadRow(key, file) {
  const bar = el("progress", { max: String(file.size || 1), value: "0", "data-test": "upload-progress" });
  const status = el("span", { class: "upload-status", "data-test": "upload-status" }, "queued");
  const cancel = el("button", { type: "button", class: "button small", "data-test": "upload-cancel" }, "Cancel");
  const row = el("li", { class: "upload", "data-test": "upload-row", "data-key": key, "data-state": "queued" },
    el("span", { class: "upload-name" }, key), el("span", { class: "muted" }, formatBytes(file.size)),
    bar, status, cancel);
  return { row, bar, status, cancel, key, file, controller: new AbortController() };
}

function setState(job, state, text) {
  job.row.setAttribute("data-state", state);
  job.status.textContent = text;
  if (state !== "queued" && state !== "uploading") job.cancel.disabled = true;
}

// s3.upload reports progress as (loaded, total) or as a ProgressEvent-like {loaded, total}.
function progressOf(a, b) {
  return typeof a === "object" && a !== null ? [a.loaded, a.total] : [a, b];
}

async function run(bucket, job) {
  if (job.controller.signal.aborted) return;
  setState(job, "uploading", "uploading");
  try {
    await s3.upload(bucket, job.key, job.file, {
      contentType: job.file.type || undefined,
      signal: job.controller.signal,
      onProgress: (a, b) => {
        const [loaded, total] = progressOf(a, b);
        if (total) job.bar.max = total;
        job.bar.value = loaded;
        job.status.textContent = `${Math.floor((100 * loaded) / (total || job.file.size || 1))}%`;
      },
    });
    job.bar.value = job.bar.max;
    setState(job, "done", "done");
  } catch (err) {
    if (job.controller.signal.aborted || err.name === "AbortError") {
      setState(job, "cancelled", "cancelled");
    } else {
      setState(job, "failed", errorText(err));
    }
  }
}

// The upload area: returns its element. prefix() is the folder files land in; onFinished runs
// once a batch has ended (done, failed or cancelled) so the listing can show the new keys.
export function uploader({ bucket, prefix, onFinished }) {
  const input = el("input", { type: "file", multiple: true, "data-test": "file-input", class: "visually-hidden",
    id: "object-file-input" });
  const list = el("ul", { class: "uploads", "data-test": "uploads" });
  const zone = el("div", { class: "drop-zone", "data-test": "drop-zone" },
    el("span", {}, "Drop files here to upload, or "),
    el("label", { for: "object-file-input", class: "button", "data-test": "choose-files" }, "choose files"),
    input, list);

  async function start(files) {
    const jobs = [...files].map((f) => uploadRow(prefix() + f.name, f));
    for (const job of jobs) {
      job.cancel.addEventListener("click", () => {
        job.controller.abort();
        if (job.row.getAttribute("data-state") === "queued") setState(job, "cancelled", "cancelled");
      });
      list.append(job.row);
    }
    const queue = jobs.slice();
    const worker = async () => { while (queue.length) await run(bucket, queue.shift()); };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, jobs.length) }, worker));
    const failed = jobs.filter((j) => j.row.getAttribute("data-state") === "failed").length;
    const done = jobs.filter((j) => j.row.getAttribute("data-state") === "done").length;
    if (done) toast(`Uploaded ${done} file${done === 1 ? "" : "s"}`, "ok");
    if (failed) toast(`${failed} upload${failed === 1 ? "" : "s"} failed`, "error");
    onFinished();
  }

  input.addEventListener("change", () => {
    if (input.files.length) start(input.files);
    input.value = "";
  });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("dragging"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("dragging");
    if (e.dataTransfer && e.dataTransfer.files.length) start(e.dataTransfer.files);
  });
  return zone;
}
