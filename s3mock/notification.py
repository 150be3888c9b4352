"""Bucket event notifications, the pure part: the NotificationConfiguration document (parse,
validate, render) and which of its rules an event matches. Pure: no aiohttp, no I/O; the
handlers are handlers/notification.py, the events notify.py.
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html

Errors whose AWS bodies are recorded (LocalStack's AWS-validated snapshots in
tests/aws/services/s3/test_s3_notifications_sqs.snapshot.json, minio/minio#2472, aws/aws-cli#1465,
aws/aws-cdk#3347, and the many quotes of the "ambiguously defined" text, e.g.
aws-solutions/aws-waf-security-automations#49) are marked "recorded"; the others say where
their text comes from.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import Iterable

from s3mock import xml
from s3mock.errors import S3Error

MAX_BYTES = 256 * 1024
MAX_FILTER_VALUE = 1024     # "Maximum prefix length can be up to 1,024 characters" (API_FilterRule)

# notification-how-to-event-types-and-destinations.html: the event types a configuration may
# name, by family ("s3:ObjectCreated:*" names every member of its family).
FAMILIES: dict[str, tuple[str, ...]] = {
    "s3:ObjectCreated": ("Put", "Post", "Copy", "CompleteMultipartUpload"),
    "s3:ObjectRemoved": ("Delete", "DeleteMarkerCreated"),
    "s3:ObjectRestore": ("Post", "Completed", "Delete"),
    "s3:Replication": ("OperationFailedReplication", "OperationMissedThreshold",
                       "OperationReplicatedAfterThreshold", "OperationNotTracked"),
    "s3:LifecycleExpiration": ("Delete", "DeleteMarkerCreated"),
    "s3:ObjectTagging": ("Put", "Delete"),
    "s3:ObjectAcl": ("Put",),
}
SINGLE = ("s3:ReducedRedundancyLostObject", "s3:LifecycleTransition", "s3:IntelligentTiering")
CONCRETE = frozenset([f"{f}:{m}" for f, ms in FAMILIES.items() for m in ms] + list(SINGLE))
WILDCARDS = frozenset(f"{f}:*" for f, members in FAMILIES.items() if len(members) > 1)
EVENTS = CONCRETE | WILDCARDS

# A configuration's kind: its element, its destination element, the service its ARN must name,
# and what "does not exist" is said of (check_destinations: SQS's text is recorded, SNS's follows
# it; a missing Lambda function is answered otherwise).
KINDS = {
    "TopicConfiguration": ("Topic", "sns", "topic"),
    "QueueConfiguration": ("Queue", "sqs", "queue"),
    "CloudFunctionConfiguration": ("CloudFunction", "lambda", "function"),
}


@dataclass(frozen=True)
class Rule:
    """One Topic, Queue or CloudFunction configuration."""
    kind: str                               # a key of KINDS
    id: str
    arn: str
    events: tuple[str, ...]                 # as given, "s3:" included
    filters: tuple[tuple[str, str], ...] = ()   # ("Prefix" | "Suffix", value), in the order given
    invocation_role: str | None = None      # the deprecated CloudFunctionConfiguration's

    @property
    def prefix(self) -> str:
        return next((v for n, v in self.filters if n == "Prefix"), "")

    @property
    def suffix(self) -> str:
        return next((v for n, v in self.filters if n == "Suffix"), "")

    def expanded(self) -> frozenset[str]:
        return frozenset(e for name in self.events for e in expand(name))


@dataclass(frozen=True)
class Config:
    rules: tuple[Rule, ...] = ()
    eventbridge: bool = False

    @property
    def empty(self) -> bool:
        return not self.rules and not self.eventbridge

    def match(self, event_name: str, key: str) -> list[Rule]:
        """The rules an event ("s3:ObjectCreated:Put" or "ObjectCreated:Put") of key matches:
        its type named (or its family's wildcard), the key starting with the prefix and ending
        with the suffix (notification-how-to-filtering.html)."""
        name = event_name if event_name.startswith("s3:") else "s3:" + event_name
        wildcard = name.rpartition(":")[0] + ":*"
        return [r for r in self.rules
                if (name in r.events or wildcard in r.events)
                and key.startswith(r.prefix) and key.endswith(r.suffix)]


def expand(name: str) -> tuple[str, ...]:
    if name.endswith(":*"):
        family = name[:-2]
        return tuple(f"{family}:{m}" for m in FAMILIES[family])
    return (name,)


def new_id() -> str:
    """An Id for a configuration put without one: S3 makes one (base64 of a UUID's text, as the
    Ids S3 generates look)."""
    return base64.b64encode(str(uuid.uuid4()).encode()).decode()


def _invalid(message: str, name: str | None = None, value: str | None = None) -> S3Error:
    return S3Error("InvalidArgument", message, ArgumentName=name, ArgumentValue=value)


def _only(el, allowed: Iterable[str]) -> None:
    names = set(allowed)
    if any(xml.local(c) not in names for c in el):
        raise S3Error("MalformedXML")


def _texts(el, name: str) -> list[str]:
    found = xml.children(el, name)
    if any(len(c) for c in found):
        raise S3Error("MalformedXML")
    return [(c.text or "").strip() for c in found]


def _text(el, name: str) -> str | None:
    found = _texts(el, name)
    if len(found) > 1:
        raise S3Error("MalformedXML")
    return found[0] if found else None


def parse(body: bytes) -> Config:
    """A NotificationConfiguration document, validated as S3 validates it (all but whether
    each destination exists: check_destinations); Ids are generated where missing. Raises
    S3Error."""
    doc = xml.parse(body, "NotificationConfiguration")
    _only(doc, (*KINDS, "EventBridgeConfiguration"))
    bridges = xml.children(doc, "EventBridgeConfiguration")
    if len(bridges) > 1 or any(len(b) for b in bridges):
        raise S3Error("MalformedXML")
    rules = tuple(_rule(el) for el in doc if xml.local(el) in KINDS)
    _check_overlaps(rules)
    return Config(rules, bool(bridges))


def _rule(el) -> Rule:
    kind = xml.local(el)
    dest, _, _ = KINDS[kind]
    extra = ("InvocationRole",) if kind == "CloudFunctionConfiguration" else ()
    _only(el, ("Id", dest, "Event", "Filter", *extra))
    arn = _text(el, dest)
    events = _texts(el, "Event")
    if arn is None or not events:
        raise S3Error("MalformedXML")
    if not _parses(arn):
        raise _invalid("The ARN could not be parsed", dest, arn)                  # recorded
    for name in events:
        if name not in EVENTS:
            # moto's text (getmoto/moto test_put_bucket_notification_errors); AWS's body
            # was not found recorded.
            raise _invalid("The event is not supported for notifications", "Event", name)
    return Rule(kind, _text(el, "Id") or new_id(), arn, tuple(events), _filters(el),
                _text(el, "InvocationRole") if extra else None)


def _parses(arn: str) -> bool:
    """arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, each part but the region present."""
    parts = arn.split(":", 5)
    return (len(parts) == 6 and parts[0] == "arn" and all(parts[i] for i in (1, 2, 4, 5)))


def _filters(el) -> tuple[tuple[str, str], ...]:
    f = xml.child(el, "Filter")
    if f is None:
        return ()
    _only(f, ("S3Key",))
    keys = xml.children(f, "S3Key")
    if len(keys) > 1:
        raise S3Error("MalformedXML")
    out: list[tuple[str, str]] = []
    if keys:
        _only(keys[0], ("FilterRule",))
    for rule in xml.children(keys[0], "FilterRule") if keys else []:
        _only(rule, ("Name", "Value"))
        name, value = _text(rule, "Name") or "", _text(rule, "Value") or ""
        # Names are case-insensitive and answered capitalized (recorded:
        # test_filter_rules_case_insensitive).
        norm = name.capitalize()
        if norm not in ("Prefix", "Suffix"):
            raise _invalid("filter rule name must be either prefix or suffix",        # recorded
                           "FilterRule.Name", name)
        if any(n == norm for n, _ in out):
            raise _invalid(f"Cannot specify more than one {norm.lower()} rule in a filter.",
                           "FilterRule.Name", name)                                # message recorded
        if len(value.encode()) > MAX_FILTER_VALUE:
            # minio's text for this limit (cmd/api-errors.go ErrFilterValueInvalid)
            raise _invalid("The size of filter rule value cannot exceed 1024 bytes in UTF-8 "
                           "representation", "FilterRule.Value", value)
        out.append((norm, value))
    return tuple(out)


def _check_overlaps(rules: tuple[Rule, ...]) -> None:
    """Two rules that share an event type and whose prefixes and suffixes overlap (one could
    match the same key as the other) are refused (notification-how-to-filtering.html): with the
    same destination as "Configurations overlap" (recorded in minio#2472 for one ARN twice),
    otherwise as "ambiguously defined" (recorded in many quotes; AWS's argument fields for it
    were not found recorded, so none are sent)."""
    expanded = [r.expanded() for r in rules]
    for i, a in enumerate(rules):
        for j in range(i):
            b = rules[j]
            shared = expanded[i] & expanded[j]
            if not shared or not (_overlap(a.prefix, b.prefix, str.startswith)
                                  and _overlap(a.suffix, b.suffix, str.endswith)):
                continue
            if a.arn == b.arn:
                first = sorted(shared)[0]
                raise _invalid("Configurations overlap. Configurations on the same bucket cannot "
                               "share a common event type.", "Event",
                               f"{_named(b, first)}, {_named(a, first)}")
            raise _invalid("Configuration is ambiguously defined. Cannot have overlapping "
                           "suffixes in two rules if the prefixes are overlapping for the same "
                           "event type.")


def _overlap(x: str, y: str, test) -> bool:
    return test(x, y) or test(y, x)


def _named(rule: Rule, concrete: str) -> str:
    """The name a rule gave an event type: itself or its family's wildcard."""
    return next(n for n in rule.events if concrete in expand(n))


def check_destinations(config: Config) -> None:
    """What S3 checks by sending each destination a test message. s3mock cannot reach SQS, SNS
    or Lambda: a destination whose ARN names the service its configuration is for is taken as
    existing; one that names another service cannot exist, and is refused as S3 refuses a
    missing destination, all such destinations listed. Recorded (LocalStack's AWS-validated
    snapshots): a missing queue is "The destination queue does not exist"; a missing function
    is named "ARN, null" with "Not authorized to invoke function [ARN]" (test_invalid_lambda_arn,
    also quoted from AWS in awslabs/aws-lambda-redshift-loader#219). SNS's text follows SQS's
    ("The destination topic does not exist": LocalStack's and others' wording, not recorded)."""
    fields: dict[str, str] = {}
    for rule in config.rules:
        _, service, noun = KINDS[rule.kind]
        if rule.arn.split(":", 3)[2] != service:
            n = len(fields) // 2 + 1
            if service == "lambda":
                fields[f"ArgumentName{n}"] = f"{rule.arn}, null"
                fields[f"ArgumentValue{n}"] = f"Not authorized to invoke function [{rule.arn}]"
            else:
                fields[f"ArgumentName{n}"] = rule.arn
                fields[f"ArgumentValue{n}"] = f"The destination {noun} does not exist"
    if fields:
        raise S3Error("InvalidArgument", "Unable to validate the following destination "
                      "configurations", **fields)


def destinations(config: Config) -> list[str]:
    """Each destination ARN once, in document order: where the test event goes."""
    return list(dict.fromkeys(r.arn for r in config.rules))


def render(config: Config) -> bytes:
    """The document GetBucketNotificationConfiguration answers (kinds in the order S3's model
    lists them: Topic, Queue, CloudFunction, EventBridge)."""
    content: list = []
    for kind in KINDS:
        dest = KINDS[kind][0]
        for r in (r for r in config.rules if r.kind == kind):
            body: list = [("Id", r.id), (dest, r.arn)]
            if r.invocation_role is not None:
                body.append(("InvocationRole", r.invocation_role))
            body += [("Event", e) for e in r.events]
            if r.filters:
                rules = [("FilterRule", [("Name", n), ("Value", v)]) for n, v in r.filters]
                body.append(("Filter", [("S3Key", rules)]))
            content.append((kind, body))
    if config.eventbridge:
        content.append(("EventBridgeConfiguration", ""))
    return xml.render("NotificationConfiguration", content)
