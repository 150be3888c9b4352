"""The console's bucket settings page in real headless Chromium against a live lenient server
(issue 23): versioning enabled and suspended, tags edited as rows (S3's InvalidTag shown for a
duplicate key, hostile tags kept as text), the bucket policy saved, refused (MalformedPolicy),
shown public and deleted, and website hosting configured and removed. Each change is checked by
reading it back with boto3.

Needs Debian's `chromium` and `pip install playwright`; skips without them, fails when
S3MOCK_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from support import client, start_server
from tests.e2e.console_helpers import context, open_console, s3, server  # noqa: F401 (fixtures)

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def bucket(s3):
    name = f"set-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def settings(context, server, bucket):
    """The settings page of a fresh bucket; at the end, no JavaScript error and no dialog."""
    page = open_console(context, server, f"#/b/{bucket}?settings")
    yield page
    assert page.js_errors == [] and page.dialogs == []


def error_code(call) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"]


def test_versioning_enable_then_suspend(settings, s3, bucket):
    page = settings
    assert page.inner_text("[data-test=versioning-status]") == "Never enabled"
    page.click("[data-test=versioning-enable]")
    page.wait_for_selector("[data-test=versioning-status]:text-is('Enabled')")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"

    page.click("[data-test=versioning-suspend]")
    page.wait_for_selector("[data-test=versioning-status]:text-is('Suspended')")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"


def tag_rows(page) -> list[tuple[str, str]]:
    rows = page.locator("[data-test=tag-row]")
    return [(rows.nth(i).locator("[data-test=tag-key]").input_value(),
             rows.nth(i).locator("[data-test=tag-value]").input_value()) for i in range(rows.count())]


def add_tag(page, key: str, value: str) -> None:
    page.click("[data-test=tag-add]")
    page.locator("[data-test=tag-row] [data-test=tag-key]").last.fill(key)
    page.locator("[data-test=tag-row] [data-test=tag-value]").last.fill(value)


def test_tags_added_removed_saved_and_deleted(settings, s3, bucket):
    page = settings
    page.wait_for_selector("[data-test=tags-section] [data-test=none]")
    add_tag(page, "team", "web")
    add_tag(page, "gone", "soon")
    add_tag(page, "env", "dev")
    page.locator("[data-test=tag-row]").nth(1).locator("[data-test=tag-remove]").click()
    assert tag_rows(page) == [("team", "web"), ("env", "dev")]
    page.click("[data-test=tags-save]")
    page.wait_for_selector("[data-test=bucket-tags] dt")
    stored = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in stored) == [("env", "dev"), ("team", "web")]
    assert sorted(tag_rows(page)) == [("env", "dev"), ("team", "web")]      # reloaded from S3

    page.click("[data-test=tags-delete]")
    page.wait_for_selector("[data-test=tags-section] [data-test=none]")
    assert error_code(lambda: s3.get_bucket_tagging(Bucket=bucket)) == "NoSuchTagSet"
    assert tag_rows(page) == []


def test_a_duplicate_tag_key_shows_s3s_invalid_tag(settings, s3, bucket):
    page = settings
    page.wait_for_selector("[data-test=tags-section] [data-test=none]")
    add_tag(page, "k", "1")
    add_tag(page, "k", "2")
    page.click("[data-test=tags-save]")
    page.wait_for_selector("[data-test=tags-error]:not([hidden])")
    assert page.inner_text("[data-test=tags-error]") == \
        "InvalidTag: Cannot provide multiple Tags with the same key (HTTP 400)"
    assert error_code(lambda: s3.get_bucket_tagging(Bucket=bucket)) == "NoSuchTagSet"
    assert tag_rows(page) == [("k", "1"), ("k", "2")]        # the edit is kept to fix


def test_hostile_tags_are_text_and_round_trip(context, server, s3, bucket):
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "<b>k</b>", "Value": HOSTILE}]})
    page = open_console(context, server, f"#/b/{bucket}?settings")
    page.wait_for_selector("[data-test=bucket-tags] dt")
    assert page.locator("[data-test=bucket-tags] dt").all_inner_texts() == ["<b>k</b>"]
    assert page.locator("[data-test=bucket-tags] dd").all_inner_texts() == [HOSTILE]
    assert tag_rows(page) == [("<b>k</b>", HOSTILE)]
    add_tag(page, "a&b", "\"quoted\" 'x'")
    page.click("[data-test=tags-save]")
    page.wait_for_selector("[data-test=bucket-tags] dt >> nth=1")
    stored = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in stored) == [("<b>k</b>", HOSTILE), ("a&b", "\"quoted\" 'x'")]
    assert page.locator("[data-test=tags-section] img, [data-test=tags-section] b").count() == 0
    assert page.js_errors == [] and page.dialogs == []


def test_policy_saved_public_refused_and_deleted(settings, s3, bucket):
    page = settings
    page.wait_for_selector("[data-test=policy-section] [data-test=none]")
    policy = {"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow", "Principal": "*",
                                                      "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}
    page.fill("[data-test=policy-editor]", json.dumps(policy))
    page.click("[data-test=policy-save]")
    page.wait_for_selector("[data-test=policy-public]")
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == policy
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    assert page.inner_text("[data-test=policy-public]") == "Public"
    assert json.loads(page.input_value("[data-test=policy-editor]")) == policy

    page.fill("[data-test=policy-editor]", '{"Version": "2012-10-17", "Statement": [')
    page.click("[data-test=policy-save]")
    page.wait_for_selector("[data-test=policy-error]:not([hidden])")
    assert page.inner_text("[data-test=policy-error]").startswith("MalformedPolicy: ")
    assert page.inner_text("[data-test=policy-error]").endswith("(HTTP 400)")
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == policy     # unchanged

    page.click("[data-test=policy-delete]")
    page.wait_for_selector("[data-test=policy-section] [data-test=none]")
    assert error_code(lambda: s3.get_bucket_policy(Bucket=bucket)) == "NoSuchBucketPolicy"


def test_a_private_policy_is_shown_not_public(settings, s3, bucket):
    page = settings
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
              "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:GetObject",
              "Resource": f"arn:aws:s3:::{bucket}/*"}]}
    page.wait_for_selector("[data-test=policy-editor]")
    page.fill("[data-test=policy-editor]", json.dumps(policy))
    page.click("[data-test=policy-save]")
    page.wait_for_selector("[data-test=policy-public]")
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is False
    assert page.inner_text("[data-test=policy-public]") == "Not public"


def test_website_configured_shown_and_deleted(settings, server, s3, bucket):
    page = settings
    page.wait_for_selector("[data-test=website-status]")
    assert page.inner_text("[data-test=website-status]") == "Not configured."
    page.fill("[data-test=website-index]", "home.html")
    page.fill("[data-test=website-error-document]", "oops.html")
    page.click("[data-test=website-save]")
    page.wait_for_selector("[data-test=website-config]")
    conf = s3.get_bucket_website(Bucket=bucket)
    assert conf["IndexDocument"] == {"Suffix": "home.html"} and conf["ErrorDocument"] == {"Key": "oops.html"}
    assert page.inner_text("[data-test=website-shown-index]") == "home.html"
    assert page.inner_text("[data-test=website-shown-error]") == "oops.html"
    port = server.endpoint.rsplit(":", 1)[1]
    assert page.get_attribute("[data-test=website-url]", "href") == f"http://{bucket}.s3-website.localhost:{port}/"

    page.click("[data-test=website-delete]")
    page.wait_for_selector("[data-test=website-status]")
    assert error_code(lambda: s3.get_bucket_website(Bucket=bucket)) == "NoSuchWebsiteConfiguration"


def test_website_refusal_is_s3s_error(settings, s3, bucket):
    page = settings
    page.wait_for_selector("[data-test=website-status]")
    page.fill("[data-test=website-index]", "a/index.html")       # S3: the suffix may not contain a slash
    page.click("[data-test=website-save]")
    page.wait_for_selector("[data-test=website-error]:not([hidden])")
    assert page.inner_text("[data-test=website-error]").startswith("InvalidArgument: ")
    assert error_code(lambda: s3.get_bucket_website(Bucket=bucket)) == "NoSuchWebsiteConfiguration"


def test_website_url_names_the_servers_domain(context, tmp_path):
    srv = start_server(tmp_path, "--domain", "s3.test")
    try:
        client(srv.endpoint).create_bucket(Bucket="site")
        page = open_console(context, srv, "#/b/site?settings")
        page.wait_for_selector("[data-test=website-index]")
        page.click("[data-test=website-save]")                  # index.html, as filled in
        page.wait_for_selector("[data-test=website-url]")
        port = srv.endpoint.rsplit(":", 1)[1]
        assert page.get_attribute("[data-test=website-url]", "href") == f"http://site.s3-website.s3.test:{port}/"
        assert client(srv.endpoint).get_bucket_website(Bucket="site")["IndexDocument"] == {"Suffix": "index.html"}
    finally:
        srv.stop()


def test_notification_configuration_is_shown(context, server, s3, bucket):
    page = open_console(context, server, f"#/b/{bucket}?settings")
    page.wait_for_selector("[data-test=notifications-status]")
    assert page.inner_text("[data-test=notifications-status]") == "Not configured."
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"Id": HOSTILE, "QueueArn": "arn:aws:sqs:us-east-1:123456789012:jobs",
                                 "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
                                 "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}}}],
        "EventBridgeConfiguration": {}})
    page.reload()
    page.wait_for_selector("[data-test=notification-rule]")
    cells = page.locator("[data-test=notification-rule] td").all_inner_texts()
    assert cells == [HOSTILE, "SQS queue", "arn:aws:sqs:us-east-1:123456789012:jobs",
                     "s3:ObjectCreated:*, s3:ObjectRemoved:Delete", "Prefix in/"]
    assert page.is_visible("[data-test=notifications-eventbridge]")
    assert page.js_errors == [] and page.dialogs == []
