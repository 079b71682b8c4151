"""Identifier-like vs natural-language queries, and the names a query may mean."""

from __future__ import annotations

from server.indexing.query_shape import fusion_weights, normalise, shape


def test_normalise_joins_every_spelling() -> None:
    assert normalise("APIRouter") == normalise("api_router") == normalise("ApiRouter")
    assert normalise("APIRouter") == "apirouter"


def test_identifier_queries() -> None:
    for query in ("APIRouter", "inferProcedureInput", "field_validator", "Depends"):
        s = shape(query)
        assert s.identifier == 1.0, query
        assert normalise(query) in s.strong_names


def test_split_words_name_a_symbol() -> None:
    s = shape("api router")
    assert s.identifier == 1.0
    assert "apirouter" in s.strong_names


def test_dotted_names_give_both_parts() -> None:
    s = shape("BaseModel.model_validate")
    assert {"basemodel", "modelvalidate"} <= s.strong_names


def test_questions_are_natural_language() -> None:
    s = shape("how does dependency injection work")
    assert s.identifier == 0.0
    assert not s.strong_names
    assert "dependencyinjection" in s.names  # runs of words may still name a definition
    assert "dependency" not in s.names  # single words of a question do not


def test_a_question_with_an_identifier_is_partly_identifier() -> None:
    s = shape("where is HTTPException raised")
    assert 0.0 < s.identifier < 1.0
    assert "httpexception" in s.strong_names


def test_fusion_weights_follow_the_shape() -> None:
    assert fusion_weights(0.0, 1.0, 0.5) == (1.0, 0.5)
    assert fusion_weights(1.0, 1.0, 0.5) == (1.0, 1.0)
    assert fusion_weights(1.0, 0.5, 1.0) == (0.5, 1.0)  # never lowers a keyword weight


def test_empty_query() -> None:
    s = shape("  ?! ")
    assert s.identifier == 0.0 and not s.names


def test_normalise_drops_a_dollar_prefix() -> None:
    assert normalise("$ZodError") == normalise("ZodError") == "zoderror"
