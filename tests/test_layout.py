"""The code's shape, as DESIGN §2 and the engineering standards ask: the folders are the
pipeline's stages, a lower stage never imports a higher one, no import cycle, no private
module of a dependency, no exec or eval."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "massinvoice"

# Lowest first: a module may import its own stage and the ones before it.
STAGES = ["", "read", "registry", "select", "readback", "invoice", "send", "batch", "cli"]
BASE = {
    "config",
    "model",
    "problems",
    "codes",
    "text",
    "files",
    "collector",
    "messages",
    "__init__",
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """The massinvoice modules a file imports (a submodule named in ``from pkg import sub``
    counts as that submodule, not as the package)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("massinvoice")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("massinvoice"):
            subs = {f"{node.module}.{a.name}" for a in node.names} & set(MODULES)
            found |= subs
            if len(subs) < len(node.names):
                found.add(node.module)
    return found


def _stage(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return ""
    top = parts[1]
    if top in BASE or top not in STAGES:
        return "cli" if top in ("cli", "__main__", "console", "commands") else ""
    return top


def test_a_stage_imports_only_itself_and_the_stages_below() -> None:
    wrong = []
    for module, path in MODULES.items():
        for dep in _imports(path):
            if STAGES.index(_stage(dep)) > STAGES.index(_stage(module)):
                wrong.append(f"{module} imports {dep}")
    assert not wrong, wrong


def test_there_is_no_import_cycle() -> None:
    graph = {m: {d for d in _imports(p) if d in MODULES and d != m} for m, p in MODULES.items()}
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            raise AssertionError("import cycle: " + " -> ".join([*path[path.index(node) :], node]))
        if node in done:
            return
        for dep in sorted(graph[node]):
            visit(dep, [*path, node])
        done.add(node)

    for module in sorted(graph):
        visit(module, [])


def test_no_private_module_of_a_dependency_and_no_exec() -> None:
    wrong = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                if not name.startswith("massinvoice") and any(
                    p.startswith("_") and not p.startswith("__") for p in name.split(".")
                ):
                    wrong.append(f"{module}: {name}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("exec", "eval"):
                wrong.append(f"{module}: {node.func.id}() on line {node.lineno}")
    assert not wrong, wrong


def test_each_stage_package_opens_with_its_contract() -> None:
    for stage in STAGES[1:-1]:
        init = PACKAGE / stage / "__init__.py"
        if not init.exists():
            continue  # a stage not built yet
        doc = ast.get_docstring(ast.parse(init.read_text("utf-8"))) or ""
        assert len(doc) > 80, f"{stage}/__init__.py states no contract"


def test_modules_and_functions_stay_small() -> None:
    """No module over 500 lines, no function over 80."""
    wrong = []
    for module, path in MODULES.items():
        text = path.read_text("utf-8")
        if len(text.splitlines()) > 500:
            wrong.append(f"{module}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = node.end_lineno - node.lineno + 1
                if size > 80:
                    wrong.append(f"{module}.{node.name}: {size} lines")
    assert not wrong, wrong
