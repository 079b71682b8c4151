"""What a query looks like: a symbol name or a question, and which names it could mean.

`APIRouter`, `inferProcedureInput` or `BaseModel.model_validate` name a definition: the
keyword index (which sees the name's parts and the joined form) finds it better than the
embedding, and the developer wants the definition first. "how does dependency injection
work" is a question: the embedding carries it and the keyword half adds noise. So the fusion
weights follow the query's shape, and the names a query could mean (its identifiers, and
runs of its words joined: "api router" -> `apirouter`, which is how `APIRouter`,
`api_router` and `ApiRouter` all normalise) are looked up as definitions.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from server.indexing.identifiers import STOPWORDS, split_identifier

_TOKEN = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
_CAMEL = re.compile(r"[a-z0-9][A-Z]|[A-Z]{2}[a-z]")
_NOT_ALNUM = re.compile(r"[\W_]+")
MAX_RUN = 3  # words joined into one candidate name
MIN_NAME = 3  # shorter joined names ("id", "io") match too much


@dataclass(frozen=True)
class QueryShape:
    identifier: float  # 0: plain question .. 1: nothing but identifiers
    names: frozenset[str]  # normalised names the query may refer to (see `normalise`)
    strong_names: frozenset[str]  # of those, the ones written as identifiers


@functools.lru_cache(maxsize=1 << 16)  # called per candidate of every search
def normalise(name: str) -> str:
    """The form names are compared in: lower case, letters and digits only (`API_Router` ->
    apirouter; `$ZodError`, a JavaScript convention for internals, -> zoderror)."""
    return _NOT_ALNUM.sub("", "".join(split_identifier(name)))


def looks_like_identifier(word: str) -> bool:
    """Written as code: camelCase, PascalCase with a second capital, snake_case or dotted."""
    core = word.strip("$_")
    return "_" in core or "." in core or bool(_CAMEL.search(core))


def shape(query: str) -> QueryShape:
    tokens = _TOKEN.findall(query)
    if not tokens:
        return QueryShape(0.0, frozenset(), frozenset())
    coded = [t for t in tokens if looks_like_identifier(t)]
    words = [t for t in tokens if t.lower() not in STOPWORDS]
    strong: set[str] = set()
    for token in coded:
        strong.add(normalise(token.rsplit(".", 1)[-1]))
        strong.add(normalise(token.split(".", 1)[0]))
    # A short query without stopwords is a name even when written as plain words: "Depends",
    # "api router". A question's content words still name things in runs of two or three.
    terse = len(tokens) <= MAX_RUN and len(words) == len(tokens)
    names = set(strong)
    for size in range(1 if terse else 2, MAX_RUN + 1):
        for start in range(len(words) - size + 1):
            names.add("".join(normalise(w) for w in words[start : start + size]))
    if terse:
        strong |= {normalise("".join(words))}
    identifier = 1.0 if terse else len(coded) / len(tokens)
    keep = {n for n in names if len(n) >= MIN_NAME}
    return QueryShape(identifier, frozenset(keep), frozenset(n for n in strong if n in keep))


def fusion_weights(identifier: float, dense: float, keyword: float) -> tuple[float, float]:
    """The configured (dense, keyword) RRF weights shifted by the query's shape: an
    identifier query raises the keyword weight up to the dense one; a question keeps them."""
    return dense, keyword + max(dense - keyword, 0.0) * identifier
