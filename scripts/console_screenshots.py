"""Screenshots of the web console for the README: starts s3mock on a temporary data directory,
seeds a little data, drives headless Chromium and writes one PNG per entry of SHOTS into
docs/console/.

    python scripts/console_screenshots.py [--only NAME ...] [--out docs/console]

Needs Debian's chromium (or S3MOCK_CHROMIUM) and playwright. To add a view's shot, append a
Shot(name, hash, setup) to SHOTS: `setup(page, s3)` runs after the view has rendered (click,
fill, open a dialog...) and may seed more data with the boto3 client `s3`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import boto3
from botocore.config import Config

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("S3MOCK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}
START_TIMEOUT = 20.0


@dataclass
class Shot:
    name: str                                       # docs/console/<name>.png
    hash: str                                       # the console's route, e.g. "#/b/photos?settings"
    setup: Callable | None = None                   # setup(page, s3) before the picture
    full_page: bool = False


def seed(s3) -> None:
    """The data every shot sees."""
    s3.create_bucket(Bucket="photos", ACL="public-read")
    s3.put_bucket_versioning(Bucket="photos", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_tagging(Bucket="photos", Tagging={"TagSet": [
        {"Key": "team", "Value": "web"}, {"Key": "env", "Value": "dev"}]})
    s3.put_bucket_cors(Bucket="photos", CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": ["http://localhost:5173"], "AllowedMethods": ["GET", "PUT"],
        "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3000}]})
    s3.put_bucket_policy(Bucket="photos", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::photos/*"}]}))
    for key in ("2026/beach.jpg", "2026/mountains.jpg", "2026/notes/trip.md", "avatar.png"):
        s3.put_object(Bucket="photos", Key=key, Body=b"\x89PNG..." * 100)
    s3.create_bucket(Bucket="uploads")
    for i in range(3):
        s3.put_object(Bucket="uploads", Key=f"incoming/report-{i}.csv", Body=b"a,b\n1,2\n" * 50)
    s3.create_bucket(Bucket="logs")


def open_delete_dialog(page, s3) -> None:
    page.click("[data-test=bucket-row][data-bucket='uploads'] [data-test=bucket-delete]")
    page.wait_for_selector("[data-test=confirm-dialog]")


def seed_objects(page, s3) -> None:
    """More keys under photos/2026/ for the objects browser's shots, then the listing refreshed."""
    s3.put_object(Bucket="photos", Key="2026/itinerary.json", ContentType="application/json",
                  Body=json.dumps({"trip": "coast", "days": [{"day": 1, "stop": "Porto"},
                                                             {"day": 2, "stop": "Nazaré"}]}).encode(),
                  Metadata={"camera": "x100v", "uploaded-by": "alice"}, ChecksumAlgorithm="SHA256",
                  Tagging="album=summer&reviewed=yes")
    for i in range(1, 6):
        s3.put_object(Bucket="photos", Key=f"2026/raw/IMG_{i:04d}.dng", Body=b"raw" * 4000 * i)
    page.click("[data-test=refresh]")
    page.wait_for_selector("[data-test=object-list][data-state=ready]")


def open_object_panel(page, s3) -> None:
    seed_objects(page, s3)
    page.click("[data-test=object-row][data-key='2026/itinerary.json'] [data-test=object-name]")
    page.wait_for_selector("[data-test=side-panel][data-state=ready]")


def show_uploads(page, s3) -> None:
    """Two files dropped on a throttled page, photographed mid-upload."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                  "downloadThroughput": -1, "uploadThroughput": 2 << 20})
    files = page.evaluate_handle("""() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(6 << 20)], "video-preview.mp4", {type: "video/mp4"}));
      dt.items.add(new File([new Uint8Array(3 << 20)], "slides.pdf", {type: "application/pdf"}));
      return dt;
    }""")
    page.dispatch_event("[data-test=drop-zone]", "drop", {"dataTransfer": files})
    page.wait_for_function("() => [...document.querySelectorAll('[data-test=upload-progress]')]"
                           ".every((p) => p.value > 0)", polling=100)
    page.wait_for_timeout(1200)


def open_objects_delete(page, s3) -> None:
    for key in ("2026/beach.jpg", "2026/mountains.jpg"):
        page.check(f"[data-test=object-row][data-key='{key}'] [data-test=object-select]")
    page.click("[data-test=delete-selected]")
    page.wait_for_selector("[data-test=confirm-dialog]")


def explain_cors_refusal(page, s3) -> None:
    page.fill("[data-test=cors-bucket]", "photos")
    page.fill("[data-test=cors-origin]", "http://localhost:5173")
    page.select_option("[data-test=cors-method]", "DELETE")
    page.fill("[data-test=cors-key]", "avatar.png")
    page.click("[data-test=cors-explain]")
    page.wait_for_selector("[data-test=cors-decision]")


def explain_access(page, s3) -> None:
    page.fill("[data-test=access-principal]", "anonymous")
    page.fill("[data-test=access-operation]", "GetObject")
    page.fill("[data-test=access-bucket]", "photos")
    page.fill("[data-test=access-key]", "avatar.png")
    page.click("[data-test=access-explain]")
    page.wait_for_selector("[data-test=access-decision]")


def live_requests_404(page, s3) -> None:
    try:
        s3.get_object(Bucket="photos", Key="2026/missing.jpg")
    except s3.exceptions.NoSuchKey:
        pass
    row = page.locator("[data-test=request-row]", has_text="missing.jpg")
    row.first.click()           # waits for it to be polled in
    page.wait_for_selector("[data-test=request-error-body]")


SHOTS: list[Shot] = [
    Shot("buckets", "#/"),
    Shot("bucket-delete", "#/", open_delete_dialog),
    Shot("bucket-settings", "#/b/photos?settings", full_page=True),
    Shot("objects", "#/b/photos/2026/", seed_objects),
    Shot("object-panel", "#/b/photos/2026/", open_object_panel),
    Shot("object-delete", "#/b/photos/2026/", open_objects_delete),
    Shot("cors-playground", "#/cors", explain_cors_refusal, full_page=True),
    Shot("access-explainer", "#/access", explain_access, full_page=True),
    Shot("live-requests", "#/requests", live_requests_404, full_page=True),
    Shot("object-upload", "#/b/photos/2026/", show_uploads),        # last: it may store a file
]


def start_server(data_dir: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "s3mock", "--port", "0", "--data-dir", data_dir],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={k: v for k, v in os.environ.items() if not k.startswith("S3MOCK_")})
    endpoint = None
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(r"serving (http://\S+) ", line)
        endpoint = m.group(1) if m else endpoint
        if line.strip() == "Ready." and endpoint:
            return proc, endpoint
    proc.kill()
    raise SystemExit("s3mock did not start")


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--only", nargs="*", help="shot names (default: all)")
    args.add_argument("--out", default=str(REPO / "docs" / "console"))
    opts = args.parse_args(argv)
    from playwright.sync_api import sync_playwright
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="s3mock-shots-") as data_dir:
        proc, endpoint = start_server(data_dir)
        try:
            s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="test",
                              aws_secret_access_key="test", region_name="us-east-1",
                              config=Config(s3={"addressing_style": "path"}))
            seed(s3)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    for shot in SHOTS:
                        if opts.only and shot.name not in opts.only:
                            continue
                        context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
                        page = context.new_page()
                        page.goto(f"{endpoint}/_s3mock/console/{shot.hash}")
                        page.wait_for_selector("body[data-ready='1']", timeout=15_000)
                        if shot.setup is not None:
                            shot.setup(page, s3)
                        page.wait_for_timeout(300)      # let the last paint settle
                        path = out / f"{shot.name}.png"
                        page.screenshot(path=str(path), full_page=shot.full_page)
                        print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
                        context.close()
                finally:
                    browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
