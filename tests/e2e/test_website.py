"""Static website hosting: Put/Get/DeleteBucketWebsite with boto3, and the website endpoint
(Host: BUCKET.s3-website.localhost) with plain HTTP requests to 127.0.0.1, as a browser sends
them: anonymous GET/HEAD, index and error documents, redirects, HTML error pages, CORS."""

from __future__ import annotations

import json

import pytest
import requests

from support import client, error_of, status

INDEX = {"IndexDocument": {"Suffix": "index.html"}}


def site(endpoint: str, bucket: str, path: str = "/", method: str = "GET", host: str | None = None,
         **kw) -> requests.Response:
    port = endpoint.rsplit(":", 1)[1]
    headers = {"Host": host or f"{bucket}.s3-website.localhost:{port}", **kw.pop("headers", {})}
    return requests.request(method, endpoint + path, headers=headers, allow_redirects=False,
                            timeout=10, **kw)


def public(s3, bucket: str, list_bucket: bool = True) -> None:
    """Anyone may read the objects; with list_bucket, also learn that a key does not exist
    (404 NoSuchKey instead of 403 AccessDenied, as on S3)."""
    statements = [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                   "Resource": f"arn:aws:s3:::{bucket}/*"}]
    if list_bucket:
        statements.append({"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
                           "Resource": f"arn:aws:s3:::{bucket}"})
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17",
                                                           "Statement": statements}))


def put(s3, bucket: str, key: str, body: bytes = b"x", **kw) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/html", **kw)


# --- the configuration ---------------------------------------------------------------------

def test_get_without_configuration_is_no_such_website_configuration(s3, bucket):
    err = error_of(s3.get_bucket_website, Bucket=bucket)
    assert status(err) == 404
    assert err["Error"]["Code"] == "NoSuchWebsiteConfiguration"
    assert err["Error"]["Message"] == "The specified bucket does not have a website configuration"
    assert err["Error"]["BucketName"] == bucket


def test_put_get_delete_round_trip(s3, bucket):
    config = {**INDEX, "ErrorDocument": {"Key": "404.html"}, "RoutingRules": [
        {"Condition": {"KeyPrefixEquals": "docs/"},
         "Redirect": {"ReplaceKeyPrefixWith": "documents/", "HttpRedirectCode": "302"}},
        {"Condition": {"HttpErrorCodeReturnedEquals": "404"},
         "Redirect": {"HostName": "example.com", "Protocol": "https"}}]}
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=config)
    got = s3.get_bucket_website(Bucket=bucket)
    assert got["IndexDocument"] == {"Suffix": "index.html"}
    assert got["ErrorDocument"] == {"Key": "404.html"}
    assert got["RoutingRules"] == config["RoutingRules"]
    assert status(s3.delete_bucket_website(Bucket=bucket)) == 204
    assert error_of(s3.get_bucket_website, Bucket=bucket)["Error"]["Code"] == "NoSuchWebsiteConfiguration"
    assert status(s3.delete_bucket_website(Bucket=bucket)) == 204     # none: 204 too


def test_redirect_all_requests_round_trip(s3, bucket):
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        "RedirectAllRequestsTo": {"HostName": "example.com", "Protocol": "https"}})
    got = s3.get_bucket_website(Bucket=bucket)
    assert got["RedirectAllRequestsTo"] == {"HostName": "example.com", "Protocol": "https"}


@pytest.mark.parametrize("config, name, message", [
    ({}, "IndexDocument",
     "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty"),
    ({"ErrorDocument": {"Key": "e.html"}}, "IndexDocument",
     "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty"),
    ({"IndexDocument": {"Suffix": ""}}, "IndexDocument", "The IndexDocument Suffix is not well formed"),
    ({"IndexDocument": {"Suffix": "a/index.html"}}, "IndexDocument",
     "The IndexDocument Suffix is not well formed"),
    ({**INDEX, "RedirectAllRequestsTo": {"HostName": "example.com"}}, "RedirectAllRequestsTo",
     "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules."),
    ({"RedirectAllRequestsTo": {"HostName": "example.com", "Protocol": "ftp"}}, "Protocol",
     "Invalid protocol, protocol can be http or https. If not defined the protocol will be "
     "selected automatically."),
    ({**INDEX, "RoutingRules": [{"Redirect": {"HttpRedirectCode": "300"}}]}, "HttpRedirectCode",
     "The provided HTTP redirect code (300) is not valid. Valid codes are 3XX except 300."),
    ({**INDEX, "RoutingRules": [{"Redirect": {"HttpRedirectCode": "200"}}]}, "HttpRedirectCode",
     "The provided HTTP redirect code (200) is not valid. Valid codes are 3XX except 300."),
    ({**INDEX, "RoutingRules": [{"Condition": {"HttpErrorCodeReturnedEquals": "200"},
                                 "Redirect": {"HostName": "a.example"}}]},
     "HttpErrorCodeReturnedEquals",
     "The provided HTTP error code (200) is not valid. Valid codes are 4XX or 5XX."),
    ({**INDEX, "RoutingRules": [{"Condition": {}, "Redirect": {"HostName": "a.example"}}]},
     "Condition", "Condition cannot be empty. To redirect all requests without a condition, the "
     "condition element shouldn't be present."),
    ({**INDEX, "RoutingRules": [{"Redirect": {"ReplaceKeyWith": "a", "ReplaceKeyPrefixWith": "b"}}]},
     "ReplaceKeyPrefixWith", "You can only define ReplaceKeyPrefix or ReplaceKey but not both."),
])
def test_invalid_configurations_are_invalid_argument(s3, bucket, config, name, message):
    err = error_of(s3.put_bucket_website, Bucket=bucket, WebsiteConfiguration=config)
    assert status(err) == 400
    assert err["Error"]["Code"] == "InvalidArgument"
    assert err["Error"]["Message"] == message
    assert err["Error"]["ArgumentName"] == name


def test_rule_without_redirect_is_malformed_xml(endpoint, bucket):
    """Redirect is required by S3's schema: a rule without one is MalformedXML."""
    s3 = client(endpoint, parameter_validation=False)
    err = error_of(s3.put_bucket_website, Bucket=bucket, WebsiteConfiguration={
        **INDEX, "RoutingRules": [{"Condition": {"KeyPrefixEquals": "a"}}]})
    assert (status(err), err["Error"]["Code"]) == (400, "MalformedXML")


def test_website_configuration_is_the_owners(s3, bucket, endpoint):
    r = requests.put(f"{endpoint}/{bucket}?website", data=b"<WebsiteConfiguration/>", timeout=10)
    assert r.status_code == 403 and b"<Code>AccessDenied</Code>" in r.content


# --- the endpoint ----------------------------------------------------------------------------

@pytest.fixture
def website(s3, bucket):
    public(s3, bucket)
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        **INDEX, "ErrorDocument": {"Key": "404.html"}})
    put(s3, bucket, "index.html", b"<h1>home</h1>")
    put(s3, bucket, "404.html", b"<h1>missing</h1>")
    put(s3, bucket, "docs/index.html", b"<h1>docs</h1>")
    return bucket


def test_index_document_for_root_and_directories(website, endpoint):
    r = site(endpoint, website, "/")
    assert (r.status_code, r.content, r.headers["Content-Type"]) == (200, b"<h1>home</h1>", "text/html")
    assert site(endpoint, website, "/docs/").content == b"<h1>docs</h1>"
    head = site(endpoint, website, "/docs/", "HEAD")
    assert head.status_code == 200 and head.headers["Content-Length"] == "13"


def test_directory_without_slash_is_302_to_the_slash(website, endpoint):
    r = site(endpoint, website, "/docs")
    assert r.status_code == 302
    assert r.headers["Location"] == "/docs/"


def test_error_document_with_the_original_status(website, endpoint):
    r = site(endpoint, website, "/no/such/page")
    assert (r.status_code, r.content) == (404, b"<h1>missing</h1>")
    assert r.headers["Content-Type"] == "text/html"


def test_missing_key_without_list_permission_is_403_with_the_error_document(s3, website, endpoint):
    """Without s3:ListBucket an anonymous reader may not learn that a key is missing: S3 answers
    403 AccessDenied, and the error document stands in with 403 (why SPAs on S3 website endpoints
    see 403 for deep links unless the policy allows s3:ListBucket)."""
    public(s3, website, list_bucket=False)
    r = site(endpoint, website, "/no/such/page")
    assert (r.status_code, r.content) == (403, b"<h1>missing</h1>")


def test_html_error_page_without_error_document(s3, bucket, endpoint):
    public(s3, bucket)
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=INDEX)
    r = site(endpoint, bucket, "/missing.html")
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("text/html")
    text = r.text
    assert text.startswith("<html>\n<head><title>404 Not Found</title></head>\n<body>\n"
                           "<h1>404 Not Found</h1>\n<ul>\n<li>Code: NoSuchKey</li>\n"
                           "<li>Message: The specified key does not exist.</li>\n"
                           "<li>Key: missing.html</li>\n")
    assert f"<li>RequestId: {r.headers['x-amz-request-id']}</li>" in text
    assert f"<li>HostId: {r.headers['x-amz-id-2']}</li>" in text
    assert "<Error>" not in text


def test_bucket_without_website_configuration(s3, bucket, endpoint):
    r = site(endpoint, bucket, "/")
    assert r.status_code == 404
    assert "<li>Code: NoSuchWebsiteConfiguration</li>" in r.text
    assert f"<li>BucketName: {bucket}</li>" in r.text
    r = site(endpoint, "no-such-bucket-here", "/")
    assert r.status_code == 404 and "<li>Code: NoSuchBucket</li>" in r.text


def test_only_get_and_head(website, endpoint):
    r = site(endpoint, website, "/index.html", "PUT", data=b"nope")
    assert r.status_code == 405
    assert "<title>405 Method Not Allowed</title>" in r.text
    assert "<li>Code: MethodNotAllowed</li>" in r.text and "<li>Method: PUT</li>" in r.text
    r = site(endpoint, website, "/index.html", "DELETE")
    assert r.status_code == 405


def test_private_objects_are_403_and_the_error_document_serves_them(s3, bucket, endpoint):
    """No policy, private ACLs: an anonymous read is AccessDenied, and a missing key too (no
    s3:ListBucket for anonymous); the error document, also private, cannot stand in for it."""
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={**INDEX, "ErrorDocument": {"Key": "e.html"}})
    put(s3, bucket, "index.html")
    put(s3, bucket, "e.html", b"custom")
    r = site(endpoint, bucket, "/")
    assert r.status_code == 403
    assert "<li>Code: AccessDenied</li>" in r.text
    assert "An Error Occurred While Attempting to Retrieve a Custom Error Document" in r.text
    s3.put_object_acl(Bucket=bucket, Key="e.html", ACL="public-read")
    r = site(endpoint, bucket, "/")
    assert (r.status_code, r.content) == (403, b"custom")
    s3.put_object_acl(Bucket=bucket, Key="index.html", ACL="public-read")
    assert site(endpoint, bucket, "/").status_code == 200


def test_signed_requests_are_still_anonymous(s3, bucket, endpoint):
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=INDEX)
    put(s3, bucket, "index.html")
    r = site(endpoint, bucket, "/", headers={"Authorization": "AWS4-HMAC-SHA256 Credential=test/x"})
    assert r.status_code == 403


def test_object_redirect_location(s3, website, endpoint):
    put(s3, website, "old.html", b"", WebsiteRedirectLocation="/new.html")
    assert s3.head_object(Bucket=website, Key="old.html")["WebsiteRedirectLocation"] == "/new.html"
    r = site(endpoint, website, "/old.html")
    assert (r.status_code, r.headers["Location"]) == (301, "/new.html")


def test_object_redirect_location_must_be_a_path_or_url(s3, bucket):
    err = error_of(s3.put_object, Bucket=bucket, Key="k", Body=b"", WebsiteRedirectLocation="new.html")
    assert (status(err), err["Error"]["Code"]) == (400, "InvalidRedirectLocation")
    assert err["Error"]["Message"] == ("The website redirect location must have a prefix of "
                                       "'http://' or 'https://' or '/'.")


def test_redirect_all_requests(s3, bucket, endpoint):
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        "RedirectAllRequestsTo": {"HostName": "www.example.com", "Protocol": "https"}})
    r = site(endpoint, bucket, "/a/b.html")
    assert (r.status_code, r.headers["Location"]) == (301, "https://www.example.com/a/b.html")


def test_routing_rules(s3, website, endpoint):
    s3.put_bucket_website(Bucket=website, WebsiteConfiguration={**INDEX, "RoutingRules": [
        {"Condition": {"KeyPrefixEquals": "docs/"},
         "Redirect": {"ReplaceKeyPrefixWith": "documents/", "HttpRedirectCode": "307"}},
        {"Condition": {"KeyPrefixEquals": "img/", "HttpErrorCodeReturnedEquals": "404"},
         "Redirect": {"HostName": "images.example.com", "Protocol": "https"}},
        {"Condition": {"KeyPrefixEquals": "old"}, "Redirect": {"ReplaceKeyWith": "new.html"}}]})
    put(s3, website, "img/here.png", b"png")
    port = endpoint.rsplit(":", 1)[1]
    r = site(endpoint, website, "/docs/a.html")
    assert (r.status_code, r.headers["Location"]) == (
        307, f"http://{website}.s3-website.localhost:{port}/documents/a.html")
    r = site(endpoint, website, "/img/gone.png")
    assert (r.status_code, r.headers["Location"]) == (301, "https://images.example.com/img/gone.png")
    assert site(endpoint, website, "/img/here.png").content == b"png"      # no error: no redirect
    r = site(endpoint, website, "/oldpage")
    assert (r.status_code, r.headers["Location"]) == (
        301, f"http://{website}.s3-website.localhost:{port}/new.html")


@pytest.mark.parametrize("form", ["{b}.s3-website-us-east-1.localhost:{p}",
                                  "{b}.s3-website.us-east-1.localhost:{p}"])
def test_regional_host_forms(website, endpoint, form):
    port = endpoint.rsplit(":", 1)[1]
    r = site(endpoint, website, "/", host=form.format(b=website, p=port))
    assert r.content == b"<h1>home</h1>"


def test_conditional_get(website, endpoint):
    etag = site(endpoint, website, "/").headers["ETag"]
    assert site(endpoint, website, "/", headers={"If-None-Match": etag}).status_code == 304


def test_cors_as_on_the_rest_endpoint(s3, website, endpoint):
    s3.put_bucket_cors(Bucket=website, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": ["http://app.example"], "AllowedMethods": ["GET"]}]})
    r = site(endpoint, website, "/", headers={"Origin": "http://app.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "http://app.example"
    r = site(endpoint, website, "/", "OPTIONS", headers={
        "Origin": "http://app.example", "Access-Control-Request-Method": "GET"})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Methods"] == "GET"
    r = site(endpoint, website, "/", "OPTIONS", headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "GET"})
    assert r.status_code == 403 and "<li>Code: AccessForbidden</li>" in r.text


def test_rest_endpoint_unchanged_for_virtual_hosts(s3, website, endpoint):
    """A virtual-host REST request still answers XML (the website check is for its label only)."""
    port = endpoint.rsplit(":", 1)[1]
    r = requests.get(f"{endpoint}/missing", headers={"Host": f"{website}.localhost:{port}"}, timeout=10)
    assert r.status_code == 404 and r.content.startswith(b"<?xml")
