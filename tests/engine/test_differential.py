"""The engine answers the differential corpus exactly as when it was recorded
(tests/engine/corpus.py): a refactoring that changes an answer fails here."""

import itertools

from tests.engine import corpus


def test_the_engine_answers_the_corpus_as_recorded() -> None:
    recorded = corpus.recorded()
    documents = list(corpus.documents())
    assert len(documents) == len(recorded) > 10_000
    changed = [
        (index, document)
        for index, (document, before) in enumerate(
            zip(documents, recorded, strict=True)
        )
        if corpus.digest(corpus.derive(document)) != before
    ]
    shown = list(itertools.islice(changed, 3))
    assert not changed, f"{len(changed)} answers changed, first: {shown}"
