"""Imports go one way, read from the source with ``ast`` (every import, function-local ones
included, relative ones resolved):

- a task module imports its services, never the reverse: a service module never imports a
  task module (it enqueues through the outbox by task name), so the two cannot import each
  other at any level;
- apps depend downwards: cm_portal <- cm_portal.programmes <- participants <- consent <- plans
  <- reporting <- reporting.research;
- a service module (``*/services.py``, ``*/services/*.py``) never imports ``django.http`` and
  no service function takes a ``request``: services take the actor and the client address
  (``client_address``), which the view reads from the request; a public service function
  takes typed keyword-only fields, never a ``**fields`` bag;
- the person doing a write is the parameter ``actor`` in every service function, never a name
  of its own (``changed_by``, ``recorded_by``, ``reviewer``, ...); the models keep their
  field names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Lowest first; a module belongs to the longest entry its name starts with (the programmes
# live in cm_portal/programmes, the research data in reporting/research).
LAYERS = (
    "cm_portal",
    "cm_portal.programmes",
    "participants",
    "consent",
    "plans",
    "reporting",
    "reporting.research",
)


def layer_of(module: str) -> str:
    return max((app for app in LAYERS if module == app or module.startswith(f"{app}.")), key=len)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(tree: ast.AST, module: str, *, is_package: bool) -> set[str]:
    """Every module ``module`` imports, wherever in the file the import statement is."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base_parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*base_parts, node.module] if node.module else base_parts)
            else:
                base = node.module or ""
            found.add(base)
            # "from plans import tasks" imports the module plans.tasks.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def project_graph() -> dict[str, set[str]]:
    modules: dict[str, Path] = {}
    for app in {layer.split(".")[0] for layer in LAYERS}:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[module_name(path)] = path
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        found = imports(tree, name, is_package=path.name == "__init__.py")
        graph[name] = {target for target in found if target in modules}
    return graph


def is_service(module: str) -> bool:
    return "services" in module.split(".")


def is_task(module: str) -> bool:
    return module.split(".")[-1] == "tasks"


def service_task_edges(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{source} imports {target}"
        for source, targets in graph.items()
        for target in targets
        if is_service(source) and is_task(target)
    )


def mutual_service_task_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{source} <-> {target}"
        for source, targets in graph.items()
        for target in targets
        if is_service(source) and is_task(target) and source in graph.get(target, set())
    )


# The project's root URLconf composes every app's URLs (a participant's pages under
# /participants/<pk>/, docs/urls.md): like the settings, it stands above the apps.
COMPOSITION_ROOTS = {"cm_portal.urls"}


def service_modules() -> dict[str, ast.Module]:
    found = {}
    for app in {layer.split(".")[0] for layer in LAYERS}:
        for path in (ROOT / app).rglob("*.py"):
            name = module_name(path)
            if is_service(name) and "migrations" not in path.parts:
                found[name] = ast.parse(path.read_text(), str(path))
    return found


def http_imports(modules: dict[str, ast.Module]) -> list[str]:
    return sorted(
        f"{name} imports django.http"
        for name, tree in modules.items()
        if any(
            target == "django.http" or target.startswith("django.http.")
            for target in imports(tree, name, is_package=False)
        )
    )


def request_parameters(modules: dict[str, ast.Module]) -> list[str]:
    return sorted(
        f"{name}.{node.name}"
        for name, tree in modules.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(
            arg.arg == "request"
            for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        )
    )


def field_bags(modules: dict[str, ast.Module]) -> list[str]:
    return sorted(
        f"{name}.{node.name}(**{node.args.kwarg.arg})"
        for name, tree in modules.items()
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and not node.name.startswith("_")
        and node.args.kwarg is not None
    )


def own_actor_names(modules: dict[str, ast.Module]) -> list[str]:
    """``User`` parameters that name the person doing the write otherwise than ``actor``, in
    a function without ``actor`` (beside ``actor``, such a parameter is a domain field: who
    made an Intern-SIP offer; the consent's ``signed_by`` is a text)."""
    found = []
    for name, tree in modules.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            if any(arg.arg == "actor" for arg in arguments):
                continue
            found += [
                f"{name}.{node.name}({arg.arg})"
                for arg in arguments
                if (arg.arg in ("by", "reviewer") or arg.arg.endswith("_by"))
                and "User" in ast.unparse(arg.annotation or ast.Constant(""))
            ]
    return sorted(found)


def upward_edges(graph: dict[str, set[str]]) -> list[str]:
    rank = {app: n for n, app in enumerate(LAYERS)}
    return sorted(
        f"{source} imports {target}"
        for source, targets in graph.items()
        if source not in COMPOSITION_ROOTS
        for target in targets
        if rank[layer_of(target)] > rank[layer_of(source)]
    )


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return project_graph()


def test_no_service_module_and_task_module_import_each_other(graph):
    assert mutual_service_task_imports(graph) == []


def test_no_service_module_imports_a_task_module(graph):
    assert service_task_edges(graph) == []


def test_apps_depend_downwards_only(graph):
    assert upward_edges(graph) == []


def test_no_service_module_imports_django_http():
    modules = service_modules()
    assert "plans.services.individual_plan" in modules
    assert "cm_portal.services" in modules
    assert http_imports(modules) == []


def test_no_service_function_takes_a_request():
    assert request_parameters(service_modules()) == []


def test_no_service_function_takes_a_bag_of_fields():
    assert field_bags(service_modules()) == []


def test_every_service_function_calls_the_person_doing_the_write_actor():
    assert own_actor_names(service_modules()) == []


def test_a_service_naming_its_actor_otherwise_is_found():
    tree = ast.parse(
        "def thing_save(*, saved_by: User, actor_name: str):\n    pass\n"
        "def _thing_write(thing, *, by: User | None):\n    pass\n"
        "def thing_sign(*, actor: User, signed_by: str):\n    pass\n"
        "def thing_offer(*, actor: User, offered_by: User | None):\n    pass\n"
    )
    assert own_actor_names({"plans.services.things": tree}) == [
        "plans.services.things._thing_write(by)",
        "plans.services.things.thing_save(saved_by)",
    ]


def test_a_bag_of_fields_is_found():
    tree = ast.parse(
        "def thing_create(*, by, **fields):\n    pass\n"
        "def _thing_helper(values, **extra):\n    pass\n"
    )
    assert field_bags({"plans.services.things": tree}) == [
        "plans.services.things.thing_create(**fields)"
    ]


def test_a_service_importing_django_http_or_taking_a_request_is_found():
    tree = ast.parse(
        "from django.http import HttpRequest\n"
        "def thing_save(*, saved_by, request: HttpRequest | None = None):\n    pass\n"
    )
    modules = {"plans.services.things": tree}
    assert http_imports(modules) == ["plans.services.things imports django.http"]
    assert request_parameters(modules) == ["plans.services.things.thing_save"]


def test_the_graph_sees_the_task_modules_importing_their_services(graph):
    assert "plans.services.deadlines" in graph["plans.tasks"]
    assert "reporting.services" in graph["reporting.tasks"]
    assert "cm_portal.pdf" in graph["cm_portal.tasks"]


def test_a_cycle_through_a_function_local_relative_import_is_found():
    """The cycle this test exists for: the old ``plans.services.documents`` imported
    ``plans.tasks`` inside a function, and the task module imported the service."""
    service = ast.parse("def queue():\n    from .. import tasks\n    tasks.render.delay(1)\n")
    task = ast.parse("from .services import documents as services\n")
    graph = {
        "plans.services.documents": imports(service, "plans.services.documents", is_package=False),
        "plans.tasks": imports(task, "plans.tasks", is_package=False),
    }
    assert "plans.tasks" in graph["plans.services.documents"]
    assert mutual_service_task_imports(graph) == ["plans.services.documents <-> plans.tasks"]
    assert service_task_edges(graph) == ["plans.services.documents imports plans.tasks"]


def test_an_upward_import_is_found():
    tree = ast.parse("def f():\n    import reporting.kpis\n")
    graph = {"consent.views": imports(tree, "consent.views", is_package=False)}
    graph["consent.views"] &= {"reporting.kpis"}
    assert upward_edges(graph) == ["consent.views imports reporting.kpis"]
