"""How much input one request may bring: the one home of every size limit the front-ends share.

The CLI, batch mode, answers files, the prompts and the CDS Hooks service check requests against
the same record, so a list that one front-end accepts is never refused by another.
"""

from spasmcheck.core.record import Record


class Limits(Record):
    """Frozen; a record, not a dataclass, to keep `dataclasses` off the start-up path."""

    medicines: int = 1000  # names in one check (command line, batch line)
    name_length: int = 200  # characters in a medicine, drug or country name
    conditions: int = 100  # conditions named in one batch line
    answers_bytes: int = 1024 * 1024  # an answers file: an answer set is a few hundred bytes
    answers_medicines: int = 200  # the medications list of one answers file
    problems: int = 20  # listed in one error; the rest are counted
    line_bytes: int = 1024 * 1024  # one batch input line
    workers: int = 64  # batch worker processes
    record_bytes: int = 8 * 1024 * 1024  # a FHIR record (--fhir, a hook's prefetch)
    record_entries: int = 5000  # the entries of a FHIR Bundle that are read
    age: int = 130  # years: an age past this is a typing slip, not a person
    request_bytes: int = 2 * 1024 * 1024  # one CDS Hooks request body (a hook with its prefetch)
    feedback_items: int = 200  # items in one CDS Hooks feedback request
    comment_length: int = 500  # characters of a feedback comment kept


LIMITS = Limits()
