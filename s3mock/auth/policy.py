"""Bucket policies: parse and validate a document as PutBucketPolicy does, evaluate it for one
request, tell whether it is public, and explain a decision. Pure: no aiohttp, no I/O.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
The MalformedPolicy messages are the constants below, each with its evidence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
import dataclasses
from dataclasses import dataclass
from typing import Any, NamedTuple

from s3mock.auth import policy_actions
from s3mock.auth.policy_conditions import Condition, ConditionError, Keys, substitute, wildcard_regex
from s3mock.auth.policy_public import is_public
from s3mock.errors import S3Error

__all__ = ["ANONYMOUS_WHO", "Decision", "Keys", "Policy", "Statement", "Who", "describe",
           "evaluate", "evaluate_all", "explain", "parse"]

MAX_SIZE = 20480   # "Bucket policies are limited to 20 KB in size" (userguide add-bucket-policy.html)
ARN_PREFIX = "arn:aws:s3:::"

# S3's texts, all with code MalformedPolicy (400). Evidence: versitygw quotes the AWS answers it
# was tested against (auth/bucket_policy.go; issues versity/versitygw#645-#650, #965, #1176);
# aws/aws-cli#2779 (first byte); hashicorp/terraform#28688 (Missing required field Principal).
NOT_JSON = "Policies must be valid JSON and the first byte must be '{'"
INVALID_JSON = "This policy contains invalid Json"
# Unverified by a recorded response: TOO_LARGE, SYNTAX, UNKNOWN_FIELD, INVALID_VALUE (conditions).
TOO_LARGE = f"Normalized policy document exceeds the maximum allowed size of {MAX_SIZE} bytes"
SYNTAX = "Invalid policy syntax."
VERSION = "The policy must contain a valid version string"          # versitygw policyErrInvalidVersion
MISSING = "Missing required field {}"    # Statement: versitygw#1176; Principal: terraform#28688
EMPTY_STATEMENT = "Could not parse the policy: Statement is empty!"   # versity/versitygw#646
EFFECT = "Invalid effect: {}"                        # versity/versitygw#647
PRINCIPAL = "Invalid principal in policy"            # versity/versitygw#649
ACTION = "Policy has invalid action"                 # versity/versitygw#650
RESOURCE = "Policy has invalid resource"             # versitygw#648; "*" too: noobaa/noobaa-core#10058
NOT_APPLICABLE = "Action does not apply to any resource(s) in statement"   # versitygw#645
CONDITION_KEY = "Policy has an invalid condition key"          # versitygw policyErrInvalidConditionKey
UNKNOWN_FIELD = "Unknown field {}"

_STATEMENT_FIELDS = frozenset(("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                               "Resource", "NotResource", "Condition"))
_AWS_PRINCIPAL = re.compile(
    r"arn:aws:iam::([0-9]{12}):root|([0-9]{12})"
    r"|arn:aws:iam::[0-9]{12}:(?:user|role)/.+|arn:aws:sts::[0-9]{12}:(?:assumed-role|federated-user)/.+"
    r"|arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity .+", re.DOTALL)


def _malformed(message: str) -> S3Error:
    return S3Error("MalformedPolicy", message)


class Who(NamedTuple):
    """The requester as a policy sees it (a tuple: evaluate()'s memo hashes it per request, and a
    tuple of strings hashes in C)."""
    canonical_id: str | None       # None: anonymous
    account: str | None
    arn: str | None


ANONYMOUS_WHO = Who(None, None, None)


class Decision(NamedTuple):
    effect: str | None             # "Deny" (any matching Deny), else "Allow" (first matching Allow), else None
    statement: int | None          # index (from 0) of the deciding statement
    sid: str | None


def _strings(value: Any, message: str) -> tuple[str, ...]:
    """An element that takes one string or a list of them."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise _malformed(message)


class Principals:
    """A Principal or NotPrincipal element, as sets to look the requester up in."""
    __slots__ = ("everyone", "accounts", "arns", "canonical", "negated", "written")

    def __init__(self, value: Any, negated: bool):
        self.written, self.negated = value, negated
        self.everyone = value == "*"
        accounts, arns, canonical = set(), set(), set()
        if not self.everyone:
            if not isinstance(value, dict) or not value:
                raise _malformed(PRINCIPAL)
            for kind, named in value.items():
                names = _strings(named, PRINCIPAL)
                if kind == "AWS":
                    for name in names:
                        if name == "*":
                            self.everyone = True
                            continue
                        m = _AWS_PRINCIPAL.fullmatch(name)
                        if not m:          # s3-tests' arn:aws:iam::s3tenant1:root is invalid on AWS
                            raise _malformed(PRINCIPAL)
                        account = m.group(1) or m.group(2)     # an account's root, by id or ARN
                        if account:
                            accounts.add(account)
                        else:
                            arns.add(name)                     # matches aws:PrincipalArn only
                elif kind == "CanonicalUser":
                    canonical.update(names)
                elif kind in ("Service", "Federated"):
                    if any(not n or n == "*" for n in names):
                        raise _malformed(PRINCIPAL)
                else:
                    raise _malformed(PRINCIPAL)
        self.accounts, self.arns, self.canonical = frozenset(accounts), frozenset(arns), frozenset(canonical)

    def names(self, who: Who) -> bool:
        """Whether the element names `who` (before NotPrincipal's negation)."""
        return (self.everyone or who.account in self.accounts or who.arn in self.arns
                or who.canonical_id in self.canonical)

    def matches(self, who: Who) -> bool:
        return self.names(who) != self.negated


class _Patterns:
    """Action or Resource patterns: exact names in a set, patterns whose one wildcard is a
    trailing * (arn:aws:s3:::bucket/*, s3:Get*: most of them) as prefixes that one startswith()
    tests, the other wildcards in one compiled regex."""
    __slots__ = ("exact", "prefixes", "regex", "dynamic", "negated", "written")

    def __init__(self, patterns: Sequence[str], negated: bool, fold: bool, dynamic: Sequence[str] = ()):
        self.written, self.negated, self.dynamic = tuple(patterns), negated, tuple(dynamic)
        wild = [p for p in patterns if ("*" in p or "?" in p) and p not in dynamic]
        self.exact = frozenset(p.lower() if fold else p for p in patterns
                               if p not in wild and p not in dynamic)
        heads = [p for p in wild if p.endswith("*") and "*" not in p[:-1] and "?" not in p[:-1]]
        self.prefixes = tuple(p[:-1].lower() if fold else p[:-1] for p in heads)
        rest = [p for p in wild if p not in heads]
        self.regex = re.compile("|".join(f"(?:{wildcard_regex(p).pattern})" for p in rest),
                                re.DOTALL | (re.IGNORECASE if fold else 0)) if rest else None

    def names(self, value: str, keys: Keys | None = None) -> bool:
        """value: lower-cased by the caller where the patterns fold case (actions)."""
        if (value in self.exact or (self.prefixes and value.startswith(self.prefixes))
                or (self.regex is not None and self.regex.fullmatch(value))):
            return True
        for template in self.dynamic if keys is not None else ():
            text = substitute(template, keys)
            if text is not None and wildcard_regex(text).fullmatch(value):
                return True
        return False

    def matches(self, value: str, keys: Keys | None = None) -> bool:
        return self.names(value, keys) != self.negated


class Statement:
    """One statement, compiled at parse."""
    __slots__ = ("index", "sid", "effect", "principal", "action", "resource", "conditions")

    def __init__(self, index: int, raw: Any, bucket: str, variables: bool):
        if not isinstance(raw, dict):
            raise _malformed(SYNTAX)
        for field in raw:
            if field not in _STATEMENT_FIELDS:
                raise _malformed(UNKNOWN_FIELD.format(field))
        self.index, self.sid = index, raw.get("Sid")
        if self.sid is not None and not isinstance(self.sid, str):
            raise _malformed(SYNTAX)
        self.effect = _effect(raw)
        self.principal = Principals(*_one_of(raw, "Principal", "NotPrincipal"))
        if self.principal.negated and self.effect == "Allow":
            # IAM: "NotPrincipal must be used with "Effect":"Deny". Using it with "Effect":"Allow"
            # is not supported." (reference_policies_elements_notprincipal.html, quoted in
            # noobaa/noobaa-core#8176); S3 answers it as a bad principal (DERIVED).
            raise _malformed(PRINCIPAL)
        actions, not_action = _one_of(raw, "Action", "NotAction")
        resources, not_resource = _one_of(raw, "Resource", "NotResource")
        self.action = _actions(_strings(actions, ACTION), not_action)
        self.resource = _resources(_strings(resources, RESOURCE), not_resource, bucket, variables)
        if not not_action and not not_resource:
            _check_applies(self.action.written, self.resource.written)
        self.conditions = _conditions(raw.get("Condition"), variables)


def _effect(raw: dict) -> str:
    if "Effect" not in raw:
        raise _malformed(MISSING.format("Effect"))
    effect = raw["Effect"]
    if effect not in ("Allow", "Deny"):
        raise _malformed(EFFECT.format(effect if isinstance(effect, str) else json.dumps(effect)))
    return effect


def _one_of(raw: dict, name: str, negated: str) -> tuple[Any, bool]:
    if name in raw and negated in raw:
        raise _malformed(SYNTAX)
    if name in raw:
        return raw[name], False
    if negated in raw:
        return raw[negated], True
    raise _malformed(MISSING.format(name))


def _actions(patterns: tuple[str, ...], negated: bool) -> _Patterns:
    for pattern in patterns:
        lowered = pattern.lower()
        if lowered == "*":
            continue
        if not lowered.startswith("s3:"):
            raise _malformed(ACTION)
        if "*" in lowered or "?" in lowered:
            regex = wildcard_regex(lowered)
            if not any(regex.fullmatch(known) for known in policy_actions.ACTIONS):
                raise _malformed(ACTION)
        elif lowered not in policy_actions.ACTIONS:
            raise _malformed(ACTION)
    return _Patterns(patterns, negated, fold=True)


def _resources(patterns: tuple[str, ...], negated: bool, bucket: str, variables: bool) -> _Patterns:
    for pattern in patterns:
        rest = pattern[len(ARN_PREFIX):] if pattern.startswith(ARN_PREFIX) else ""
        named = rest.split("/", 1)[0]
        if not rest or not (("${" in named and variables) or wildcard_regex(named).fullmatch(bucket)):
            raise _malformed(RESOURCE)
    dynamic = [p for p in patterns if variables and "${" in p]
    return _Patterns(patterns, negated, fold=False, dynamic=dynamic)


def _check_applies(actions: Sequence[str], resources: Sequence[str]) -> None:
    """Each action must apply to some resource kind the statement's resources can name."""
    kinds = set()
    for pattern in resources:
        rest = pattern[len(ARN_PREFIX):]
        if "/" not in rest:
            kinds.add("bucket")
        if "/" in rest or "*" in rest:
            kinds.add("object")
    for pattern in actions:
        regex = wildcard_regex(pattern.lower())
        if not any(kind in kinds for name, (_, kind) in policy_actions.ACTIONS.items()
                   if regex.fullmatch(name)):
            raise _malformed(NOT_APPLICABLE)


def _condition_values(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, (str, int, float)):
            out.append(str(item))
        else:
            raise _malformed(SYNTAX)
    if not out:
        raise _malformed(SYNTAX)
    return tuple(out)


def _conditions(raw: Any, variables: bool) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise _malformed(SYNTAX)
    out = []
    for operator, block in raw.items():
        if not isinstance(block, dict):
            raise _malformed(SYNTAX)
        for key, value in block.items():
            try:
                condition = Condition(operator, key, _condition_values(value), variables)
            except ConditionError as error:
                raise _malformed(str(error)) from None
            if not policy_actions.valid_condition_key(key):
                raise _malformed(CONDITION_KEY)
            out.append(condition)
    return tuple(out)


@dataclass(frozen=True, eq=False)
class Policy:
    """A parsed, compiled bucket policy: immutable, cached by the caller."""
    text: str                              # the document as PUT (GetBucketPolicy returns it)
    statements: tuple[Statement, ...]
    public: bool                           # S3's "public policy", see policy_public.py
    version: str | None = None
    # Deny statements first: any Deny wins, so a request an Allow grants still scans them all.
    _denies: tuple[Statement, ...] = ()
    _allows: tuple[Statement, ...] = ()
    # Per (actions, requester): evaluate_all()'s _Plan.
    _candidates: dict = dataclasses.field(default_factory=dict, repr=False)


_CANDIDATES_LIMIT = 1024        # (actions, requester) pairs a policy remembers; forgotten all at once


def parse(document: bytes, bucket: str) -> Policy:
    """Validate `document` as PutBucketPolicy does; S3Error("MalformedPolicy", ...) if S3 would
    refuse it. The first fault found is the answer."""
    if not document or document[:1] != b"{":
        raise _malformed(NOT_JSON)
    try:
        text = document.decode("utf-8")
        raw = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _malformed(INVALID_JSON) from None
    if not isinstance(raw, dict):
        raise _malformed(INVALID_JSON)
    # S3 measures the policy normalized, without white space between tokens (not the bytes sent).
    if len(json.dumps(raw, separators=(",", ":"), ensure_ascii=False).encode()) > MAX_SIZE:
        raise _malformed(TOO_LARGE)
    for field in raw:
        if field not in ("Version", "Id", "Statement"):
            raise _malformed(UNKNOWN_FIELD.format(field))
    version = raw.get("Version")
    if "Version" in raw and version not in ("2012-10-17", "2008-10-17"):
        raise _malformed(VERSION)
    if raw.get("Id") is not None and not isinstance(raw["Id"], str):
        raise _malformed(SYNTAX)
    if "Statement" not in raw:
        raise _malformed(MISSING.format("Statement"))
    listed = raw["Statement"]
    listed = [listed] if isinstance(listed, dict) else listed
    if not isinstance(listed, list):
        raise _malformed(SYNTAX)
    if not listed:
        raise _malformed(EMPTY_STATEMENT)
    # Policy variables exist only in Version 2012-10-17; in 2008-10-17 "${" is text.
    variables = version == "2012-10-17"
    statements = tuple(Statement(i, s, bucket, variables) for i, s in enumerate(listed))
    return Policy(text, statements, any(is_public(s) for s in statements), version,
                  tuple(s for s in statements if s.effect == "Deny"),
                  tuple(s for s in statements if s.effect == "Allow"))


def evaluate(policy: Policy, who: Who, action: str, resource: str, keys: Keys) -> Decision:
    """One action's answer: evaluate_all() of a request needing that action alone."""
    return evaluate_all(policy, who, (action,), resource, keys)[0]


class _Plan(NamedTuple):
    """For one (actions, requester): the statements whose principal and action match, which
    depend on nothing else. A bucket's requests repeat a few actions by a few principals, so a
    request then tests the resources and conditions of those alone (one or two of a 20-statement
    policy, typically) instead of testing every statement again."""
    denies: tuple[tuple[Statement, str], ...]      # (a Deny statement, the action it names)
    allows: tuple[tuple[Statement, ...], ...]      # per action, the Allow statements naming it


def _plan(policy: Policy, who: Who, actions: tuple[str, ...]) -> _Plan:
    denies, allows = [], []
    for action in actions:
        lowered = action.lower()
        denies.extend((s, action) for s in policy._denies
                      if s.principal.matches(who) and s.action.matches(lowered))
        allows.append(tuple(s for s in policy._allows
                            if s.principal.matches(who) and s.action.matches(lowered)))
    return _Plan(tuple(denies), tuple(allows))


def evaluate_all(policy: Policy, who: Who, actions: tuple[str, ...], resource: str,
                 keys: Keys) -> tuple[Decision, str | None]:
    """The answer for a request that needs every one of `actions`: Deny if a statement denies
    any of them (explicit Deny wins, whatever else allows), else Allow if statements allow each
    (the first action's statement decides), else no decision; with the action a Deny named.
    Condition keys are asked only of statements whose principal, action and resource match."""
    memo = policy._candidates
    plan = memo.get((actions, who))
    if plan is None:
        if len(memo) >= _CANDIDATES_LIMIT:
            memo.clear()
        plan = memo[actions, who] = _plan(policy, who, actions)
    for s, action in plan.denies:
        if _applies(s, resource, keys):
            return Decision("Deny", s.index, s.sid), action
    first = None
    for allows in plan.allows:
        for s in allows:
            if _applies(s, resource, keys):
                if first is None:
                    first = s
                break
        else:
            return _NO_DECISION, None
    if first is None:
        return _NO_DECISION, None
    return Decision("Allow", first.index, first.sid), None


def _applies(s: Statement, resource: str, keys: Keys) -> bool:
    """s's resource matches and its conditions hold (its principal and action matched already).
    The usual resource patterns (exact ARNs, a trailing *) are tested here, not through
    _Patterns.matches: each Python call costs more than the test it makes."""
    r = s.resource
    if r.regex is None and not r.dynamic and not r.negated:
        if resource not in r.exact and not (r.prefixes and resource.startswith(r.prefixes)):
            return False
    elif not r.matches(resource, keys):
        return False
    for c in s.conditions:
        if not c.holds(keys):
            return False
    return True


_NO_DECISION = Decision(None, None, None)


def describe(policy: Policy, index: int) -> str:
    """'statement 2 (Sid "DenyHttp")' for log lines; counted from 1, as a reader counts."""
    sid = policy.statements[index].sid
    return f'statement {index + 1}' + (f' (Sid "{sid}")' if sid else "")


def explain(policy: Policy, who: Who, action: str, resource: str, keys: Keys) -> list[dict]:
    """Every statement, whether it applies and why: for the access explainer and 403 logs."""
    lowered = action.lower()
    out = []
    for s in policy.statements:
        principal = s.principal.matches(who)
        act = s.action.matches(lowered)
        res = s.resource.matches(resource, keys)
        conditions = []
        for c in s.conditions:
            result, request = c.test(keys)
            conditions.append({"operator": c.operator, "key": c.key, "values": list(c.values),
                               "request_values": request, "result": result})
        applies = principal and act and res and all(c["result"] for c in conditions)
        out.append({"index": s.index, "sid": s.sid, "effect": s.effect, "applies": applies,
                    "principal": principal, "action": act, "resource": res,
                    "conditions": conditions})
    return out
