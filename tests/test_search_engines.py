"""Every search engine provides what articles/search/engines/base.py's SearchEngine says, with
the same parameters: a new engine, or one drifting from the others, fails here (on any
database: the engines' modules import on both)."""

import inspect
from types import SimpleNamespace

import pytest

from articles.search import engines
from articles.search.engines import postgres, sqlite
from articles.search.engines.base import SearchEngine

ENGINES = [sqlite, postgres]


def members():
    """SearchEngine's functions, by name."""
    return {
        name: value
        for name, value in vars(SearchEngine).items()
        if inspect.isfunction(value) and not name.startswith("_")
    }


def parameters(function, *, drop_self=False):
    """(name, kind, default) of each parameter: what a caller relies on. Annotations are
    the protocol's documentation, not compared (the engines' functions have none)."""
    found = list(inspect.signature(function).parameters.values())
    if drop_self:
        found = found[1:]
    return [(p.name, p.kind, p.default) for p in found]


def differences(engine):
    """{name: what is wrong} of the functions `engine` lacks, or provides with other
    parameters than SearchEngine's."""
    found = {}
    for name, member in members().items():
        provided = getattr(engine, name, None)
        if not callable(provided):
            found[name] = "missing"
        elif parameters(provided) != parameters(member, drop_self=True):
            found[name] = f"{inspect.signature(provided)}, not {inspect.signature(member)}"
    return found


def test_the_protocol_names_what_callers_use():
    assert set(members()) == {
        "session", "rank", "unknown_words", "unnamed", "suggest",
        "names_beginning_with", "names_with_forms",
        "vectors", "update_vectors",
        "bulk_writes", "insert_documents", "insert_names", "copy_typo_keys",
    }  # fmt: skip
    for name, member in members().items():
        assert inspect.getdoc(member), f"{name} says nothing of its contract"


@pytest.mark.parametrize("engine", ENGINES, ids=lambda engine: engine.__name__)
def test_each_engine_provides_every_function_with_its_parameters(engine):
    assert differences(engine) == {}


def test_a_drifting_engine_is_told_apart():
    drifting = SimpleNamespace(**{name: getattr(sqlite, name) for name in members()})
    del drifting.unnamed
    drifting.rank = lambda words, *, any_word, prefix, now, limit: []
    drifting.update_vectors = lambda article_ids: None  # no default any more
    found = differences(drifting)
    assert set(found) == {"rank", "unnamed", "update_vectors"}
    assert found["unnamed"] == "missing"
    assert found["rank"].startswith("(words, *, any_word, prefix, now, limit), not (self,")


def test_the_engine_in_use_is_one_of_them(db):
    assert engines.current_engine() in ENGINES
