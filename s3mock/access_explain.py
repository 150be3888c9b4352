"""GET /_s3mock/access/explain: for a principal, an operation (or IAM action), a bucket, a key and
a request context, the decision request/decide.py would make and what made it, as JSON: the
deciding policy statement, ACL grant or setting, and every statement's match."""

from __future__ import annotations

from typing import Mapping

from s3mock import version_ids
from s3mock.auth import policy
from s3mock.auth.policy_conditions import normalize_key
from s3mock.auth.identity import ANONYMOUS, Principal
from s3mock.config import Settings
from s3mock.operations import ROUTES, Op, Perm
from s3mock.request import decide, policy_request
from s3mock.request.access import INITIATOR_OPS, OBJECT_ACL_OPS
from s3mock.storage.base import ObjectMeta, Store

# The permission each operation needs in the ACL model: its first route's.
_PERM: dict[Op, Perm] = {}
for _route in ROUTES:
    _PERM.setdefault(_route.op, _route.perm)


# The operation an action stands for: the first that needs it (s3:GetObject: GetObject).
_OP_OF_ACTION: dict[str, Op] = {}
for _op, _actions in (*policy_request.ACTIONS.items(), *policy_request.VERSION_ACTIONS.items()):
    for _action in _actions:
        _OP_OF_ACTION.setdefault(_action.lower(), _op)


class ExplainError(ValueError):
    """A question the explainer cannot answer (its message says why): 400."""


def principal_named(settings: Settings, name: str | None) -> Principal:
    """An access key, a canonical id, an account id or ARN (arn:aws:iam::<account>:root), or
    `anonymous` (the default)."""
    if not name or name == "anonymous":
        return ANONYMOUS
    for user in settings.all_users:
        if name in (user.access_key, user.canonical_id, user.account_id, user.arn):
            return Principal(user)
    raise ExplainError(f"no configured user is named {name!r} (give an access key, canonical id, "
                       "account id or ARN, or 'anonymous')")


def _operation(query: Mapping[str, str]) -> tuple[Op, tuple[str, ...]]:
    name, action = query.get("operation"), query.get("action")
    if name:
        try:
            op = Op[name]
        except KeyError:
            raise ExplainError(f"unknown operation {name!r}") from None
        found = ((policy_request.VERSION_ACTIONS.get(op) if "versionId" in query else None)
                 or policy_request.ACTIONS.get(op, ()))
        if not found and not action:
            raise ExplainError(f"{name} needs no S3 policy action")
        return op, (action,) if action else found
    if not action:
        raise ExplainError("give an operation (e.g. GetObject) or an action (e.g. s3:GetObject)")
    op = _OP_OF_ACTION.get(action.lower())
    if op is None:
        raise ExplainError(f"no S3 operation needs the action {action!r}")
    return op, (action,)


def _context(query, principal: Principal, bucket_owner: str, obj: ObjectMeta | None):
    """Condition keys: those the query names (any parameter with a ':'), over what the principal
    and the stored object say."""
    given: dict[str, list[str]] = {}
    for name in query:
        if ":" in name:
            given[normalize_key(name)] = query.getall(name) if hasattr(query, "getall") else [query[name]]
    user = principal.user
    known: dict[str, list[str]] = {"aws:principaltype": ["Account" if user else "Anonymous"]}
    if user is not None:
        known["aws:principalarn"] = [user.arn]
        known["aws:principalaccount"] = [user.account_id]
        known["aws:userid"] = [user.account_id]
    if obj is not None:
        for k, v in obj.tags.items():
            known[f"s3:existingobjecttag/{k}"] = [v]
    known.update(given)
    return known.get, given


def _version(store: Store, bucket: str, key: str, version: str,
             current: ObjectMeta | None) -> ObjectMeta | None:
    """The version a versionId names, whose own ACL and tags decide, as on the request path
    (access.py's _version); None (a missing key) for a marker or an id not there."""
    if current is not None and current.version_id == version:
        return current
    if not version_ids.valid(version):
        return None
    meta = store.get_version(bucket, key, version)
    return None if meta is None or meta.delete_marker else meta


def explain(settings: Settings, store: Store, query) -> tuple[int, dict]:
    """(HTTP status, JSON-ready answer)."""
    try:
        principal = principal_named(settings, query.get("principal"))
        op, actions = _operation(query)
        name = query.get("bucket")
        if not name:
            raise ExplainError("give a bucket")
    except ExplainError as e:
        return 400, {"error": str(e)}
    b = store.get_bucket(name)
    if b is None:
        return 404, {"error": f"no bucket {name!r}"}
    key = query.get("key") or None
    obj = store.get_object(b.name, key) if key else None
    if key and "versionId" in query and b.versioning is not None:
        obj = _version(store, b.name, key, query["versionId"], obj)
    keys, given = _context(query, principal, b.owner, obj)
    perm = _PERM.get(op, Perm.OWNER)
    target = obj if obj is not None and op in OBJECT_ACL_OPS else b
    initiator = None
    if op in INITIATOR_OPS and query.get("uploadId"):
        upload = store.get_upload(b.name, key or "", query["uploadId"])
        initiator = upload.owner if upload is not None else None
    resource = policy_request.resource(b.name, key)
    question = decide.Question(op, perm, principal, b, target, actions, resource, keys, initiator)
    if op in OBJECT_ACL_OPS and key and obj is None:
        verdict = decide.missing(question)
    else:
        verdict = decide.decide(question)
    doc = decide.policy_of(b)
    who = decide.who(principal)
    user = principal.user
    decided_by: dict = {"kind": verdict.kind}
    if verdict.statement is not None:
        decided_by.update(statement=verdict.statement, sid=verdict.sid)
    return 200, {
        "principal": {"anonymous": user is None, "access_key": user.access_key if user else None,
                      "canonical_id": who.canonical_id, "account": who.account, "arn": who.arn},
        "operation": op.value, "actions": list(actions), "resource": resource,
        "context": given,
        "decision": "allowed" if verdict.allowed else "denied",
        "status": 200 if verdict.allowed else (405 if verdict.not_owner_account else 403),
        "decided_by": decided_by,
        "reason": decide.allowed_reason(verdict, doc, question),
        "policy": doc is not None,
        "statements": policy.explain(doc, who, actions[0], resource, keys) if doc else [],
    }
