"""website.py: the configuration's parse and render, the endpoint's host names, routing-rule
decisions and the HTML error page, as tables."""

from __future__ import annotations

import pytest

from s3mock import website
from s3mock.errors import S3Error

NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def doc(inner: str) -> bytes:
    return f"<WebsiteConfiguration {NS}>{inner}</WebsiteConfiguration>".encode()


INDEX = "<IndexDocument><Suffix>index.html</Suffix></IndexDocument>"


def test_parse_and_render_round_trip():
    body = doc(INDEX + "<ErrorDocument><Key>e.html</Key></ErrorDocument><RoutingRules><RoutingRule>"
               "<Condition><KeyPrefixEquals>a/</KeyPrefixEquals></Condition><Redirect>"
               "<ReplaceKeyPrefixWith>b/</ReplaceKeyPrefixWith><HttpRedirectCode>302"
               "</HttpRedirectCode></Redirect></RoutingRule></RoutingRules>")
    config = website.parse(body)
    assert config == website.Config("index.html", "e.html", rules=(
        website.Rule(prefix="a/", replace_prefix="b/", code=302, has_condition=True),))
    assert website.parse(website.render(config)) == config


@pytest.mark.parametrize("inner, code, name", [
    ("", "InvalidArgument", "IndexDocument"),
    ("<IndexDocument><Suffix></Suffix></IndexDocument>", "InvalidArgument", "IndexDocument"),
    ("<IndexDocument><Suffix>a/b</Suffix></IndexDocument>", "InvalidArgument", "IndexDocument"),
    (INDEX + "<ErrorDocument><Key></Key></ErrorDocument>", "InvalidArgument", "ErrorDocument"),
    (INDEX + "<Unknown/>", "MalformedXML", None),
    (INDEX + INDEX, "MalformedXML", None),
    (INDEX + "<RoutingRules></RoutingRules>", "MalformedXML", None),
    (INDEX + "<RoutingRules><RoutingRule><Redirect><HttpRedirectCode>3o1</HttpRedirectCode>"
     "</Redirect></RoutingRule></RoutingRules>", "InvalidArgument", "HttpRedirectCode"),
    (INDEX + "<RoutingRules>" + "<RoutingRule><Redirect><HostName>h</HostName></Redirect>"
     "</RoutingRule>" * 51 + "</RoutingRules>", "InvalidArgument", "RoutingRules"),
    ("<RedirectAllRequestsTo><Protocol>http</Protocol></RedirectAllRequestsTo>",
     "InvalidArgument", "HostName"),
])
def test_invalid_documents(inner, code, name):
    with pytest.raises(S3Error) as e:
        website.parse(doc(inner))
    assert e.value.code == code
    assert e.value.fields.get("ArgumentName") == name


@pytest.mark.parametrize("host, bucket", [
    ("b.s3-website.localhost:9000", "b"),
    ("B.S3-Website.LOCALHOST", "b"),
    ("my.site.s3-website-us-east-1.localhost:1", "my.site"),
    ("b.s3-website.eu-west-1.localhost", "b"),
    ("b.localhost:9000", None),                   # REST virtual host
    ("s3-website.localhost", None),               # no bucket
    ("b.s3-website.a.b.localhost", None),         # a region has no dots
    ("b.s3-website-.localhost", None),
    ("b.s3-website.example.com", None),           # another domain
    ("127.0.0.1:9000", None),
])
def test_site_bucket(host, bucket):
    assert website.site_bucket(host, "localhost") == bucket


def test_first_rule_and_location():
    config = website.Config("index.html", rules=(
        website.Rule(prefix="img/", error_code=404, host="cdn.example", protocol="https",
                     has_condition=True),
        website.Rule(prefix="docs/", replace_prefix="documents/", has_condition=True),
        website.Rule(replace_key="gone.html")))
    before = website.first_rule(config, "docs/a.html", None)
    assert before is config.rules[1]
    assert website.rule_location(before, "docs/a.html", "h:1", "http") == "http://h:1/documents/a.html"
    assert website.first_rule(config, "img/x.png", None) is config.rules[2]     # no condition: any key
    after = website.first_rule(config, "img/x.png", 404)
    assert website.rule_location(after, "img/x.png", "h:1", "http") == "https://cdn.example/img/x.png"
    assert website.first_rule(config, "img/x.png", 403) is None


def test_error_page_shape():
    err = S3Error("NoSuchKey", Key="a<b")
    page = website.error_page(err, "RID", "HID", S3Error("AccessDenied")).decode()
    assert page == (
        "<html>\n<head><title>404 Not Found</title></head>\n<body>\n<h1>404 Not Found</h1>\n<ul>\n"
        "<li>Code: NoSuchKey</li>\n<li>Message: The specified key does not exist.</li>\n"
        "<li>Key: a&lt;b</li>\n<li>RequestId: RID</li>\n<li>HostId: HID</li>\n</ul>\n"
        "<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n"
        "<li>Code: AccessDenied</li>\n<li>Message: Access Denied</li>\n</ul>\n<hr/>\n</body>\n"
        "</html>\n")
