"""The domain's phrase matchers as vectorised functions over Arrow arrays, for both engines.

The normalisation (NFKC, case, traditional to simplified, non-word characters, denials) stays in
`stockout.domain.chat`: the engines call `PhraseMatcher.find`, once per distinct text of a batch.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from stockout.domain.chat import PhraseMatcher

_CACHE_SIZE = 200_000


def find_phrases(matcher: PhraseMatcher, texts: pa.Array | pa.ChunkedArray,
                 cache: dict[str, str | None] | None = None) -> pa.Array:
    """`matcher.find` of every text (None where none matches), each distinct text matched once
    (and once per run with a `cache`: chat templates repeat across batches)."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    distinct = pc.unique(texts)
    found: list[str | None] = []
    for text in distinct.to_pylist():
        if cache is None or text is None:
            found.append(matcher.find(text))
            continue
        hit = cache.get(text, cache)
        if hit is cache:
            if len(cache) >= _CACHE_SIZE:
                cache.clear()
            hit = cache[text] = matcher.find(text)
        found.append(hit)  # type: ignore[arg-type]
    return pc.take(pa.array(found, type=pa.string()), pc.index_in(texts, value_set=distinct))


def cached_finder(matcher: PhraseMatcher) -> Callable[[str | None], str | None]:
    """`matcher.find` of one text, remembering the last texts seen (an engine's row UDF)."""
    return lru_cache(maxsize=_CACHE_SIZE)(matcher.find)


def batch_finder(matcher: PhraseMatcher) -> Callable[[pa.Array], pa.Array]:
    """`find_phrases` with a cache of its own, for an engine's Arrow UDF."""
    cache: dict[str, str | None] = {}
    return lambda texts: find_phrases(matcher, texts, cache)


def pandas_finder(matcher: PhraseMatcher) -> Any:
    """`find_phrases` as a function of a pandas Series, for a Spark pandas UDF."""

    finder = batch_finder(matcher)

    def find(texts: Any) -> Any:
        return finder(pa.array(texts, type=pa.string())).to_pandas()

    return find
