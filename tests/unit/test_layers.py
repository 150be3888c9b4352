"""The package's floor plan: each module imports only its own layer or those below, and no import
circle exists (function-level imports included; TYPE_CHECKING-only imports excluded)."""

from __future__ import annotations

import ast
from pathlib import Path

import s3mock

ROOT = Path(s3mock.__file__).parent

# Lowest first. A module belongs to the first layer one of whose prefixes names it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("pure helpers", ("s3mock.version", "s3mock.errors", "s3mock.dates", "s3mock.checksums",
                      "s3mock.mime_words", "s3mock.xml", "s3mock.conditions", "s3mock.bucket_names",
                      "s3mock.version_ids", "s3mock.tags", "s3mock.bucket_settings",
                      "s3mock.bucket_id_configs", "s3mock.website", "s3mock.notification",
                      "s3mock.event_records", "s3mock.faults")),
    ("storage", ("s3mock.storage",)),
    ("auth and the CORS engine", ("s3mock.auth", "s3mock.cors")),
    ("settings and the operation table", ("s3mock.config", "s3mock.operations", "s3mock.seed",
                                          "s3mock.listing_entry", "s3mock.event_outbox")),
    ("request plumbing", ("s3mock.request", "s3mock.cors_http", "s3mock.notify")),
    ("operations", ("s3mock.handlers",)),
    ("the app", ("s3mock.app", "s3mock.admin", "s3mock.console", "s3mock.access_explain",
                 "s3mock.access_log", "s3mock.shutdown", "s3mock.request_log",
                 "s3mock.website_http", "s3mock.event_delivery", "s3mock.event_stream",
                 "s3mock.faults_http", "s3mock.faults_transport")),
    # The package itself is the public face: s3mock.running() is the testing module's.
    ("entry points", ("s3mock", "s3mock.cli", "s3mock.testing", "s3mock.pytest_plugin", "s3mock.__main__",
                      "s3mock.testcontainers", "s3mock.event_client")),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in ROOT.rglob("*.py")}


def layer(module: str) -> int:
    best = None
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            exact = prefix == "s3mock"
            if module == prefix or (not exact and module.startswith(prefix + ".")):
                if best is None or len(prefix) > best[1]:
                    best = (rank, len(prefix))
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[0]


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports(module: str) -> set[str]:
    path = MODULES[module]
    tree = ast.parse(path.read_text())
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "s3mock")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            if base.split(".")[0] != "s3mock":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
    found.discard(module)
    return {m for m in found if m in MODULES}


GRAPH = {m: imports(m) for m in MODULES}


def test_every_module_has_a_layer():
    for m in MODULES:
        layer(m)


def test_no_module_imports_a_layer_above_it():
    upward = sorted((m, d) for m, deps in GRAPH.items() for d in deps if layer(d) > layer(m))
    assert upward == []


def test_no_import_circle():
    done: set[str] = set()
    circles: list[list[str]] = []

    def visit(m: str, stack: list[str]) -> None:
        if m in stack:
            circles.append(stack[stack.index(m):] + [m])
            return
        if m in done:
            return
        for d in sorted(GRAPH[m]):
            visit(d, stack + [m])
        done.add(m)

    for m in sorted(GRAPH):
        visit(m, [])
    assert circles == []


def test_the_checker_sees_an_upward_import():
    assert "s3mock.request.ctx" in GRAPH["s3mock.handlers.registry"]
    assert layer("s3mock.handlers.object") > layer("s3mock.request.body") > layer("s3mock.storage.base")


def test_above_storage_only_the_store_protocol_is_seen():
    """Handlers and request plumbing reach storage through storage.base (the Store protocol and
    its types): no blob file, row codec or SQLite module is imported above the store. The app and
    entry points construct the one store there is."""
    for m, deps in GRAPH.items():
        if m.startswith(("s3mock.handlers", "s3mock.request", "s3mock.cors_http")):
            inside = sorted(d for d in deps if d.startswith("s3mock.storage."))
            assert set(inside) <= {"s3mock.storage.base"}, (m, inside)
