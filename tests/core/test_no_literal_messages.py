"""No user-visible message is a bare English literal (issue 7, every message in the user's
language; issue 9, every validation message).

Every ``.py`` under ``core/`` and ``plugins/`` (migrations excepted) is parsed with ``ast``; a
call to a domain error (``DomainError`` and every subclass declared in the tree), ``flash`` or
``abort(description=...)`` (and a workflow ``Transition``'s ``illegal=`` message or what its
``guards`` return) fails the test when its message or a value of its field map is a
``str`` literal, an f-string with words in it, a literal joined with ``+``/``%``, or any
``.format`` on a literal or a translation (``_("...").format`` bypasses the ``%(name)s``
placeholders translators see). Names are followed inside the module: a variable assigned such
a value in the same function (or the module), a dict filled with such values
(``errors["x"] = "..."``, ``errors.setdefault``/``update``), a parameter whose callers in the
module pass one, a same-module helper that returns one.

The values a translated message interpolates are checked the same way (``_("%(what)s not found",
what="audit")`` would put an English word in a Chinese sentence).

Allowed: calls of ``_``/``gettext``/``lazy_gettext``/``_l``/``N_``/``pgettext``/``ngettext``
(and their lazy forms), names that resolve to those, and pass-through values (``str(exc)``,
``exc.message``, ``exc.fields``).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE_ERRORS = {"DomainError", "BadRequest", "ValidationError", "PermissionDenied", "NotFound", "Conflict"}
TRANSLATORS = {"_", "gettext", "lazy_gettext", "_l", "N_", "pgettext", "lazy_pgettext", "_p", "_lp",
               "ngettext", "npgettext", "lazy_ngettext"}
WORDS = re.compile(r"[A-Za-z]{2,}")
# (file relative to the root, the literal as written) -> why it is not text a user should read translated
EXEMPT: dict[tuple[str, str], str] = {
    ("core/dealers/services.py", "'code'"): "the name of a CSV column, as the file's header spells it "
                                            "(an import error says which column of the uploaded file clashes)",
}


def _sources() -> list[Path]:
    out = []
    for tree in (ROOT / "core", ROOT / "plugins"):
        for path in sorted(tree.rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                out.append(path)
    return out


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def error_classes(modules: dict[Path, ast.Module]) -> set[str]:
    """The domain errors: the core's and every class anywhere deriving from one (transitively)."""
    names = set(BASE_ERRORS)
    classes = [node for module in modules.values() for node in ast.walk(module) if isinstance(node, ast.ClassDef)]
    grew = True
    while grew:
        grew = False
        for cls in classes:
            if cls.name not in names and any(_name(base) in names for base in cls.bases):
                names.add(cls.name)
                grew = True
    return names


_MODULES: dict[str, _Module | None] = {}


def _load(dotted: str) -> _Module | None:
    """The parsed module of the tree with this dotted name (None outside core/ and plugins/)."""
    if dotted not in _MODULES:
        _MODULES[dotted] = None
        if dotted.split(".")[0] in ("core", "plugins"):
            base = ROOT.joinpath(*dotted.split("."))
            for path in (base.with_suffix(".py"), base / "__init__.py"):
                if path.is_file():
                    _MODULES[dotted] = _Module(ast.parse(path.read_text(encoding="utf-8")), path)
                    break
    return _MODULES[dotted]


class _Module:
    """One parsed file: parents of nodes, its functions by name, to follow names and parameters."""

    def __init__(self, tree: ast.Module, path: Path | None = None):
        self.tree = tree
        self.path = path
        self.parent: dict[ast.AST, ast.AST] = {}
        self.functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        self.imports: dict[str, tuple[str, str | None]] = {}  # local name -> (module, name in it; None: the module)
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions.setdefault(node.name, []).append(node)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = (node.module, alias.name)

    def helper(self, func: ast.expr) -> tuple[_Module, str] | None:
        """The module (of this tree) and name of the function a call calls: its own, or imported."""
        if isinstance(func, ast.Name):
            if func.id in self.functions:
                return self, func.id
            if func.id in self.imports:
                module, name = self.imports[func.id]
                other = _load(module)
                if other is not None and name in other.functions:
                    return other, name
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in self.imports:
            module, name = self.imports[func.value.id]  # ``from core.users import passwords``
            other = _load(f"{module}.{name}")
            if other is not None and func.attr in other.functions:
                return other, func.attr
        return None

    def scope(self, node: ast.AST) -> ast.AST:
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return node
        return self.tree

    def _own_nodes(self, scope: ast.AST):
        """The nodes of a scope, not descending into nested functions or classes."""
        stack = list(ast.iter_child_nodes(scope))
        while stack:
            node = stack.pop()
            yield node
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                stack.extend(ast.iter_child_nodes(node))

    def values_of(self, name: str, scope: ast.AST) -> list[ast.expr]:
        """Every value the name gets in the scope: assignments, item stores, setdefault/update."""
        out: list[ast.expr] = []
        for node in self._own_nodes(scope):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id == name:
                        out.append(node.value)
                    elif (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                          and target.value.id == name):
                        out.append(node.value)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
                target = node.target
                if isinstance(target, ast.Name) and target.id == name:
                    out.append(node.value)
                elif isinstance(target, ast.Subscript) and isinstance(target.value,
                                                                      ast.Name) and target.value.id == name:
                    out.append(node.value)
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and isinstance(node.func.value, ast.Name) and node.func.value.id == name):
                if node.func.attr == "setdefault" and len(node.args) > 1:
                    out.append(node.args[1])
                elif node.func.attr == "update":
                    out.extend(node.args)
                    out.extend(k.value for k in node.keywords)
        return out

    def parameter_values(self, name: str, function: ast.AST) -> list[ast.expr] | None:
        """What callers in the module pass for a parameter of ``function`` (None: not a parameter)."""
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        args = function.args
        positional = [a.arg for a in args.posonlyargs + args.args]
        if name not in positional and name not in [a.arg for a in args.kwonlyargs]:
            return None
        out: list[ast.expr] = []
        defaults = dict(zip(positional[len(positional) - len(args.defaults):], args.defaults))
        defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
        if name in defaults:
            out.append(defaults[name])
        index = positional.index(name) if name in positional else None
        if index is not None and positional and positional[0] in ("self", "cls"):
            method_index = index - 1
        else:
            method_index = index
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and _name(node.func) == function.name:
                at = method_index if isinstance(node.func, ast.Attribute) else index
                if at is not None and 0 <= at < len(node.args):
                    out.append(node.args[at])
                out.extend(k.value for k in node.keywords if k.arg == name)
        return out

    def returns_of(self, function_name: str) -> list[ast.expr]:
        out: list[ast.expr] = []
        for function in self.functions.get(function_name, []):
            out.extend(n.value for n in self._own_nodes(function) if isinstance(n, ast.Return) and n.value is not None)
        return out


def literal_parts(module: _Module, node: ast.expr, seen: set | None = None) -> list[ast.expr]:
    """The sub-expressions of a message (or field map) that are untranslated text."""
    seen = set() if seen is None else seen
    if node is None or id(node) in seen:
        return []
    seen.add(id(node))

    def more(child):
        return literal_parts(module, child, seen)

    if isinstance(node, ast.Constant):
        return [node] if isinstance(node.value, str) and WORDS.search(node.value) else []
    if isinstance(node, ast.JoinedStr):
        words = any(isinstance(v, ast.Constant) and WORDS.search(str(v.value)) for v in node.values)
        return [node] if words else []
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return more(node.left) + more(node.right)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return more(node.left)
    if isinstance(node, ast.IfExp):
        return more(node.body) + more(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [part for value in node.values for part in more(value)]
    if isinstance(node, ast.Subscript):  # ``MESSAGES[key]``: the mapping's values
        return more(node.value)
    if isinstance(node, ast.Dict):
        return [part for value in node.values for part in more(value)]
    if isinstance(node, ast.DictComp):
        return more(node.value)
    if isinstance(node, ast.Call):
        name = _name(node.func)
        if name == "format" and isinstance(node.func, ast.Attribute):
            target = node.func.value
            if isinstance(target, (ast.Constant, ast.JoinedStr)) or (
                    isinstance(target, ast.Call) and _name(target.func) in TRANSLATORS):
                return [node]
            return more(target)
        if name in TRANSLATORS:  # the text is translated; what it interpolates must be too,
            # except a value shown quoted as it is (``%(action)r``: the code a client sent, a SKU)
            quoted = {m for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
                      for m in re.findall(r"%\((\w+)\)r", a.value)}
            return [part for k in node.keywords if k.arg not in quoted for part in more(k.value)]
        if name == "dict":
            return [k.value for k in node.keywords if more(k.value)] + [p for a in node.args for p in more(a)]
        helper = module.helper(node.func)
        if helper is not None:
            other, function = helper
            parts = [part for value in other.returns_of(function) for part in literal_parts(other, value, seen)]
            for part in parts:
                if other is not module and not hasattr(part, "source_path"):
                    part.source_path = other.path  # reported where the literal is written
            return parts
        return []
    if isinstance(node, ast.Name):
        scope = module.scope(node)
        parts = [part for value in module.values_of(node.id, scope) for part in more(value)]
        passed = module.parameter_values(node.id, scope)
        if passed is not None:
            parts += [part for value in passed for part in more(value)]
        elif scope is not module.tree and not module.values_of(node.id, scope):
            parts += [part for value in module.values_of(node.id, module.tree) for part in more(value)]
        return parts
    return []


def _message_arguments(call: ast.Call, errors: set[str]) -> list[ast.expr]:
    name = _name(call.func)
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    if name in errors:
        return [a for a in (call.args[:2] + [keywords.get("message"), keywords.get("fields")]) if a is not None]
    if name == "flash":
        return [a for a in (call.args[:1] + [keywords.get("message")]) if a is not None]
    if name == "abort":
        return [keywords["description"]] if "description" in keywords else []
    if name == "Transition":  # a refused transition's message: ``illegal=``, or what a guard returns
        guards = keywords.get("guards")
        called = [ast.Call(func=g, args=[], keywords=[]) for g in getattr(guards, "elts", [])]
        return [a for a in [keywords.get("illegal"), *called] if a is not None]
    return []


def literal_messages() -> list[str]:
    parsed = {path: ast.parse(path.read_text(encoding="utf-8"), filename=str(path)) for path in _sources()}
    errors = error_classes(parsed)
    found = []
    for path, tree in parsed.items():
        module = _Module(tree, path)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            for argument in _message_arguments(node, errors):
                for part in literal_parts(module, argument):
                    where = str(getattr(part, "source_path", path).relative_to(ROOT))
                    if (where, ast.unparse(part)) not in EXEMPT:
                        found.append(f"{where}:{part.lineno} (in {_name(node.func)}() at line {node.lineno}): "
                                     f"{ast.unparse(part)[:90]}")
    return sorted(set(found))


def test_the_domain_errors_are_found():
    parsed = {path: ast.parse(path.read_text(encoding="utf-8")) for path in _sources()}
    assert {"LateFiling"} | BASE_ERRORS <= error_classes(parsed)


def test_no_message_is_an_untranslated_literal():
    found = literal_messages()
    assert not found, (f"{len(found)} user-visible message(s) not wrapped in a translation function "
                       "(use _(\"... %(name)s ...\", name=...)):\n" + "\n".join(found))


def test_the_checker_sees_what_it_should():
    source = '''
from flask import abort, flash
def _msg():
    return "from a helper"
def refuse(field, message="default words"):
    raise ValidationError(message, {field: message})
def f(version, x):
    errors = {}
    errors["a"] = "plain words"
    errors.setdefault("b", _("fine"))
    msg = f"stale version {version}"
    raise Conflict(msg, fields=errors)
def g(x):
    flash("saved it")
    abort(404, description="no such thing")
    raise NotFound(_("gone %(x)s").format(x=x))
def h(exc):
    refuse("note", "describe what was said")
    raise ValidationError(_("ok %(x)s", x=1), {"x": _("ok"), "y": str(exc), "z": exc.message})
def guard(record, actor):
    if record.x:
        return "a guard's words"
    return None
T = Transition("go", ("a",), "b", "p", guards=(guard,), illegal="not now")
REASONS = {"late": "a reason from a table", "ok": _l("fine")}
def m(key):
    raise ValidationError(_("refused"), {"reason": REASONS[key]})
def k(what):
    raise ValidationError(_msg(), {"n": "" + _("ok"), "w": _("%(what)s gone", what=what)})
def caller():
    k("an English noun")
    quoted("submit")
def quoted(action):
    raise NotFound(_("unknown action %(action)r", action=action))
'''
    module = _Module(ast.parse(source))
    flagged = set()
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call):
            for argument in _message_arguments(node, BASE_ERRORS):
                flagged |= {ast.unparse(p) for p in literal_parts(module, argument)}
    assert flagged == {"'default words'", "'plain words'", "f'stale version {version}'", "'saved it'",
                       "'no such thing'", "_('gone %(x)s').format(x=x)", "'describe what was said'",
                       "'from a helper'", "'an English noun'",
                       "\"a guard's words\"", "'not now'", "'a reason from a table'"}


def test_the_checker_follows_a_helper_imported_from_the_tree():
    """A message built in another module (the password rules' reasons) is checked where it is written."""
    module = _Module(ast.parse("from core.users.passwords import weakness\nweakness('p', 'u')\n"))
    call = module.tree.body[1].value
    other, name = module.helper(call.func)
    assert name == "weakness" and other.path == ROOT / "core" / "users" / "passwords.py"
    assert module.helper(ast.parse("len('x')").body[0].value.func) is None
