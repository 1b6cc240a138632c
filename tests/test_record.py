"""`Record` classes behave as typing.NamedTuple's: the tables' records are pickled, compared,
hashed, replaced and shown, and a class made the cheaper way must not differ in any of it."""

from __future__ import annotations

import copy
import inspect
import keyword
import pickle
import sys
import types
from typing import Any, NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spasmcheck.core.record import Record


def _body(fields: list[str], defaults: dict[str, Any]) -> dict[str, Any]:
    return {"__module__": __name__, "__annotations__": dict.fromkeys(fields, "int"),
            "Total": lambda self: sum(v for v in self if isinstance(v, int)), **defaults}


def _pair(fields: list[str], defaults: dict[str, Any]) -> tuple[Any, Any]:
    """The same class body made by Record and by typing.NamedTuple."""
    def fill(ns: dict[str, Any]) -> None:
        ns.update(_body(fields, defaults))

    return (types.new_class("Thing", (Record,), exec_body=fill),
            types.new_class("Thing", (NamedTuple,), exec_body=fill))


_NAMES = st.lists(st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name)), max_size=12, unique=True)


@given(data=st.data(), fields=_NAMES)
def test_a_record_class_behaves_as_a_namedtuple(data: st.DataObject, fields: list[str]) -> None:
    split = data.draw(st.integers(0, len(fields)))
    defaults = {name: data.draw(st.integers()) for name in fields[split:]}
    mine, theirs = _pair(fields, defaults)
    assert mine._fields == theirs._fields == tuple(fields)
    assert mine._field_defaults == theirs._field_defaults
    assert mine.__doc__ == theirs.__doc__
    assert mine.__match_args__ == theirs.__match_args__
    assert hasattr(mine, "__replace__") == hasattr(theirs, "__replace__")  # copy.replace, 3.13
    assert [(p.name, p.kind, p.default) for p in inspect.signature(mine).parameters.values()] \
        == [(p.name, p.kind, p.default) for p in inspect.signature(theirs).parameters.values()]
    values = data.draw(st.lists(st.integers() | st.text(max_size=3), min_size=split,
                                max_size=len(fields)))
    a, b = mine(*values), theirs(*values)
    assert tuple(a) == tuple(b) and a == b and hash(a) == hash(b)
    assert repr(a).replace("Thing", "") == repr(b).replace("Thing", "")
    assert a._asdict() == b._asdict()
    assert a.Total() == b.Total()
    assert [getattr(a, name) for name in fields] == [getattr(b, name) for name in fields]
    assert copy.deepcopy(a) == a and type(copy.copy(a)) is mine
    if fields:
        changed = {fields[-1]: "changed"}
        assert a._replace(**changed) == b._replace(**changed)
        assert type(a._replace(**changed)) is mine
        by_name = dict(zip(fields, [*values, *[defaults[n] for n in fields[len(values):]]],
                           strict=True))
        assert mine(**by_name) == a
    for wrong in ([0] * (len(fields) + 1), [0] * max(0, len(fields) - 1)):
        if len(wrong) != len(fields):
            with pytest.raises(TypeError, match=f"Expected {len(fields)} arguments"):
                mine._make(wrong)
    with pytest.raises(ValueError, match="unexpected field names"):
        a._replace(zzz_not_a_field=1)


class Kept(Record):
    """A record of this module, so that pickle can find its class."""

    name: str
    dose: int = 0


_OWN_RECORD = pytest.mark.skipif(sys.version_info >= (3, 14),
                                 reason="from 3.14 on, Record is typing.NamedTuple itself")


def test_a_record_pickles_and_comes_back_as_its_own_class() -> None:
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(Kept("sertraline", 50), protocol))
        assert back == Kept("sertraline", 50) and type(back) is Kept
    assert Kept("x").dose == 0


@_OWN_RECORD
def test_a_record_keeps_its_annotations_as_written() -> None:
    assert Kept.__annotations__ == {"name": "str", "dose": "int"}


@_OWN_RECORD
def test_a_record_class_refuses_what_namedtuple_refuses() -> None:
    with pytest.raises(TypeError, match="Non-default namedtuple field b cannot follow"):
        _pair(["a", "b"], {"a": 1})
    with pytest.raises(ValueError, match="cannot start with an underscore"):
        types.new_class("Bad", (Record,), exec_body=lambda ns: ns.update(
            {"__module__": __name__, "__annotations__": {"_x": "int"}}))
    with pytest.raises(AttributeError, match="Cannot overwrite NamedTuple attribute _make"):
        types.new_class("Bad", (Record,), exec_body=lambda ns: ns.update(
            {"__module__": __name__, "__annotations__": {}, "_make": None}))
    with pytest.raises(TypeError, match="inherits from Record alone"):
        types.new_class("Bad", (Record, Kept), exec_body=lambda ns: ns.update(
            {"__module__": __name__}))
