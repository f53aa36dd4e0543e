"""Every public service and selector says what it does (issue 13 §2 item 9), read with ``ast``.

A public function of an app's ``services.py`` or ``selectors.py`` (a name without a leading
underscore), in every app of the house (``tests/test_layering.FLOORS``), has a docstring that:

- is more than one line when the function takes arguments: it names them and their shapes, what it
  returns (and in which units), the errors, the plan's clause where one applies;
- names every exception class the function raises itself (``raise X(...)``) or through its module's
  private helpers, each error that becomes an HTTP answer with that answer's status: ActionRefused 409,
  PermissionDenied 403, ValidationError 400, Http404 and DoesNotExist 404 (foundation.api maps them);
- says so in a part of its own ("Raises ...") when the function raises anything at all.

Needs no database.
"""

import ast
import re
from pathlib import Path

import pytest

from tests.test_layering import FLOORS

ROOT = Path(__file__).resolve().parent.parent
APPS = list(FLOORS)
# What the API and the pages answer for each (foundation/api.py; Django's handlers for the pages).
HTTP = {"ActionRefused": "409", "PermissionDenied": "403", "ValidationError": "400", "Http404": "404",
        "DoesNotExist": "404", "NotFound": "404"}


def public_functions():
    """(where, function, the module's private functions by name) for every public service and selector."""
    for app in APPS:
        for name in ("services.py", "selectors.py"):
            path = ROOT / app / name
            if not path.exists():
                continue
            body = ast.parse(path.read_text(encoding="utf-8")).body
            functions = [node for node in body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
            private = {f.name: f for f in functions if f.name.startswith("_")}
            for node in functions:
                if not node.name.startswith("_"):
                    yield f"{app}/{name}:{node.name}", node, private


def raised_classes(function) -> set[str]:
    """The classes ``function`` raises itself: ``raise X(...)``, ``raise X``, ``raise Model.DoesNotExist(...)``.
    A lower-case name is a helper that builds the exception (``raise _refuse_same(...)``): it is skipped,
    and so is a bare ``raise`` (a re-raise)."""
    names = set()
    for node in ast.walk(function):
        if not isinstance(node, ast.Raise) or node.exc is None:
            continue
        target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        name = target.id if isinstance(target, ast.Name) else target.attr if isinstance(target, ast.Attribute) else ""
        if name[:1].isupper():
            names.add(name)
    return names


def raised_through_helpers(function, private: dict, seen: set | None = None) -> set[str]:
    """What ``function``'s module-private helpers (``_check_member``, ``_move``, …) raise, followed through
    helpers of helpers, limited to the errors that become an HTTP answer."""
    seen = set() if seen is None else seen
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in private:
            helper = node.func.id
            if helper not in seen:
                seen.add(helper)
                names |= raised_classes(private[helper]) | raised_through_helpers(private[helper], private, seen)
    return {name for name in names if name in HTTP}


FUNCTIONS = sorted(public_functions(), key=lambda item: item[0])


def test_there_are_functions_to_check():
    """Every app of the house is read, consultations included (it was left out before)."""
    assert len(FUNCTIONS) > 170
    assert any(where.startswith("consultations/") for where, _, _ in FUNCTIONS)


@pytest.mark.parametrize(("where", "function", "private"), FUNCTIONS, ids=[where for where, _, _ in FUNCTIONS])
def test_public_service_or_selector_has_a_docstring_naming_what_it_raises(where, function, private):
    doc = ast.get_docstring(function)
    assert doc, f"{where} has no docstring"
    for name in sorted(raised_classes(function)):
        assert name in doc, f"{where} raises {name} but its docstring does not say so"
        if name in HTTP:
            assert HTTP[name] in doc, f"{where}: say which HTTP answer {name} becomes ({HTTP[name]})"


@pytest.mark.parametrize(("where", "function", "private"), FUNCTIONS, ids=[where for where, _, _ in FUNCTIONS])
def test_a_function_with_arguments_has_more_than_a_one_line_docstring(where, function, private):
    """One line cannot name the arguments, the answer and its units, and the errors."""
    arguments = [a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)]
    doc = (ast.get_docstring(function) or "").strip()
    assert not arguments or "\n" in doc, f"{where} takes {', '.join(arguments)}: its docstring is one line"


@pytest.mark.parametrize(("where", "function", "private"), FUNCTIONS, ids=[where for where, _, _ in FUNCTIONS])
def test_a_function_that_raises_says_so(where, function, private):
    """The errors have a part of their own ("Raises PermissionDenied (403) for ..."), not a name in passing."""
    raised = raised_classes(function) | raised_through_helpers(function, private)
    doc = ast.get_docstring(function) or ""
    assert not raised or re.search(r"\braise", doc, re.IGNORECASE), f"{where} raises {sorted(raised)}: say so (Raises ...)"


@pytest.mark.parametrize(("where", "function", "private"), FUNCTIONS, ids=[where for where, _, _ in FUNCTIONS])
def test_errors_raised_by_its_private_helpers_are_named_too(where, function, private):
    """``assignment_acknowledge`` refuses through ``_check_member`` (403) and ``_check_response_open`` (409):
    the reader of its docstring learns both."""
    doc = ast.get_docstring(function) or ""
    for name in sorted(raised_through_helpers(function, private)):
        assert name in doc and HTTP[name] in doc, f"{where}: a helper raises {name} ({HTTP[name]}); say so"


def test_the_check_reads_raises():
    """The check sees a raise inside a nested block, of a class and of an attribute, but not a re-raise."""
    tree = ast.parse(
        "def f(x):\n"
        "    if x:\n"
        "        raise PermissionDenied('no')\n"
        "    try:\n"
        "        pass\n"
        "    except KeyError:\n"
        "        raise\n"
        "    raise Unit.DoesNotExist\n"
    )
    assert raised_classes(tree.body[0]) == {"PermissionDenied", "DoesNotExist"}
