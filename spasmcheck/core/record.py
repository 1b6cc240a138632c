"""`Record`: typing.NamedTuple's class syntax and classes, made for less start-up time.

Every record of the tables and engines is a NamedTuple, and start-up creates about fifty of
their classes. typing.NamedTuple costs some 47 µs a class, most of it `collections.namedtuple`
compiling each class's `__new__` from source text (about 19 µs) and checking every field's
annotation. A `Record` class is the same kind of object (a tuple subclass with the same
attributes, methods, signature and pickling) made without either: `__new__` is compiled once
for each number of fields and given its class's field names, and annotations are kept as
written. Type checkers read `Record` as typing.NamedTuple itself, and so does Python 3.14 on.
"""

import sys
from collections import _tuplegetter  # type: ignore[attr-defined]  # namedtuple's own getter
from types import CodeType, FunctionType
from typing import TYPE_CHECKING, Any

__all__ = ["Record"]

_tuple_new = tuple.__new__


# The methods every record shares (namedtuple makes them afresh for each class).
def _make(cls: Any, iterable: Any) -> Any:
    result = _tuple_new(cls, iterable)
    if len(result) != len(cls._fields):
        raise TypeError(f"Expected {len(cls._fields)} arguments, got {len(result)}")
    return result


def _replace(self: Any, /, **kwds: Any) -> Any:
    result = self._make(map(kwds.pop, self._fields, self))
    if kwds:
        raise ValueError(f"Got unexpected field names: {list(kwds)!r}")
    return result


def _repr(self: Any) -> str:
    shown = (f"{name}={value!r}" for name, value in zip(self._fields, self, strict=True))
    return f"{type(self).__name__}({', '.join(shown)})"


def _asdict(self: Any) -> dict[str, Any]:
    return dict(zip(self._fields, self, strict=True))


def _getnewargs(self: Any) -> tuple[Any, ...]:
    return tuple(self)


_SHARED = {"_make": classmethod(_make), "_replace": _replace, "__repr__": _repr,
           "_asdict": _asdict, "__getnewargs__": _getnewargs}
if sys.version_info >= (3, 13):  # copy.replace, as namedtuple gives it from 3.13
    _SHARED["__replace__"] = _replace
# as typing.NamedTuple: what a class body may not set, and what of it is not copied
_PROHIBITED = frozenset({"__new__", "__init__", "__slots__", "__getnewargs__", "_fields",
                         "_field_defaults", "_make", "_replace", "_asdict", "_source"})
_SPECIAL = frozenset({"__module__", "__name__", "__annotations__"})
_NEW_GLOBALS = {"_tuple_new": _tuple_new, "__builtins__": {}}
_NEW_CODE: dict[int, CodeType] = {}  # `__new__` for each number of fields, renamed per class
_GETTERS: dict[int, Any] = {}  # the getter of field number n, the same in every class


def _listed(names: tuple[str, ...]) -> str:
    """Names as namedtuple lists them, in its docstrings and in `__new__`: `a, b` or `a,`."""
    return ", ".join(names) + ("," if len(names) == 1 else "")


def _new_code(fields: tuple[str, ...]) -> CodeType:
    code = _NEW_CODE.get(len(fields))
    if code is None:
        names = _listed(tuple(f"_{i}" for i in range(len(fields))))
        code = _NEW_CODE[len(fields)] = compile(
            f"lambda _cls, {names}: _tuple_new(_cls, ({names}))", "<record>", "eval"
        ).co_consts[0]
    return code.replace(co_varnames=("_cls", *fields), co_name="__new__")


def _getter(index: int) -> Any:
    getter = _GETTERS.get(index)
    if getter is None:
        getter = _GETTERS[index] = _tuplegetter(index, f"Alias for field number {index}")
    return getter


class _RecordMeta(type):
    """Makes each class that names `Record` as its base, as typing.NamedTupleMeta does."""

    def __new__(cls, typename: str, bases: tuple[type, ...], ns: dict[str, Any]) -> Any:
        if bases != (Record,):
            raise TypeError("a Record class inherits from Record alone")
        annotations = ns.get("__annotations__", {})
        fields = tuple(annotations)
        defaulted: list[str] = []
        for name in fields:
            if name.startswith("_"):
                raise ValueError(f"Field names cannot start with an underscore: {name!r}")
            if name in ns:
                defaulted.append(name)
            elif defaulted:
                raise TypeError(f"Non-default namedtuple field {name} cannot follow default "
                                f"field{'s' if len(defaulted) > 1 else ''} "
                                f"{', '.join(defaulted)}")
        defaults = tuple(ns[name] for name in defaulted)
        arg_list = _listed(fields)
        new = FunctionType(_new_code(fields), _NEW_GLOBALS, "__new__", defaults or None)
        new.__qualname__ = f"{typename}.__new__"
        new.__doc__ = f"Create new instance of {typename}({arg_list})"
        new.__annotations__ = annotations
        body = {**_SHARED, "__module__": ns["__module__"], "__doc__": f"{typename}({arg_list})",
                "__slots__": (), "_fields": fields,
                "_field_defaults": dict(zip(defaulted, defaults, strict=True)), "__new__": new,
                "__match_args__": fields, "__annotations__": annotations}
        for index, name in enumerate(fields):
            body[name] = _getter(index)
        for key, value in ns.items():
            if key in _PROHIBITED:
                raise AttributeError("Cannot overwrite NamedTuple attribute " + key)
            if key not in _SPECIAL and key not in annotations:
                body[key] = value
        return type.__new__(type, typename, (tuple,), body)


if TYPE_CHECKING or sys.version_info >= (3, 14):
    # From 3.14 a class body's annotations are evaluated lazily (PEP 649), which only
    # typing.NamedTuple knows how to read.
    from typing import NamedTuple as Record
else:
    Record = type.__new__(_RecordMeta, "Record", (), {})
