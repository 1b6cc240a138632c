"""The service core: one validation of a request, the same for every front-end."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from spasmcheck.core.checker import Checker, RequestError
from spasmcheck.core.errors import ExitCode
from spasmcheck.core.limits import LIMITS, Limits
from spasmcheck.frontends.cli import app


def test_a_request_is_checked_against_the_limits_it_is_given(kb):
    small = Checker(kb, Limits(medicines=2, name_length=5, conditions=1))
    assert small.medicines([" a ", "b"]) == ["a", "b"]
    for names, problem in ((["a", "b", "c"], "too_many"), (["a", 3], "not_text"),
                           (["a", " "], "empty"), (["sixsix"], "too_long")):
        with pytest.raises(RequestError) as caught:
            small.medicines(names)
        assert (caught.value.field, caught.value.problem) == ("meds", problem)
    with pytest.raises(RequestError) as caught:
        small.conditions(["glaucoma", "epilepsy"])
    assert caught.value.field == "condition"


@pytest.mark.parametrize(("call", "field"), [
    (lambda c: c.candidate("sertraline"), "drug"), (lambda c: c.conditions(["gout"]), "condition"),
    (lambda c: c.age(131), "age")])
def test_a_refusal_names_the_field_and_never_an_option(kb, call, field):
    with pytest.raises(RequestError) as caught:
        call(Checker(kb))
    assert caught.value.field == field and "--" not in caught.value.message


def test_the_command_line_and_a_batch_line_refuse_too_many_medicines_alike():
    names = [f"m{i}" for i in range(LIMITS.medicines + 1)]
    runner = CliRunner()
    args = [arg for name in names for arg in ("--med", name)]
    once = runner.invoke(app, ["interactions", *args])
    assert once.exit_code == ExitCode.USAGE
    line = runner.invoke(app, ["interactions", "--batch", "-"],
                         input=json.dumps({"meds": names}) + "\n")
    assert line.exit_code == ExitCode.BATCH_LINE_ERRORS
    message = json.loads(line.stdout)["error"]["message"]
    assert message == f"{len(names)} medicines given; at most {LIMITS.medicines} in one check"
    assert message in once.output and "--batch" in once.output
