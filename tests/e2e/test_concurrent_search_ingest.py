"""Searches running while an ingest commits, in the same process, succeed and never see
half a document.

One thread ingests three new documents (each mentioning a made-up word no seed has);
the main thread keeps searching for that word through ``api.services.search`` (what
``/api/search`` runs) until the ingest is done. Every answer must be well formed, and
every hit's document must be whole at that moment: in the graph with its project
names, and in the index with all its chunks.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from api import services
from api.engine import Engine
from tests.conftest import SEEDS, make_settings

WORD = "Zyxwankuntoutus"


def _documents(folder: Path) -> None:
    folder.mkdir()
    for i, place in enumerate(["Kuopio", "Oulu", "Lahti"]):
        (folder / f"new{i}.txt").write_text(
            f"Hankkeen nimi\n\n{WORD} {place}\n\nRahoittaja\n\nKela\n\nHankkeen tiivistelmä\n\n"
            f"Hankkeessa kehitettiin {WORD}-mallia {place} alueella yhdessä järjestöjen kanssa.\n",
            "utf-8",
        )


def _whole(engine: Engine, document: str) -> bool:
    snapshot = engine.snapshot
    if snapshot is None or document not in snapshot.manifest.documents:
        return False
    entry = snapshot.manifest.documents[document]
    if not all(cid in snapshot.chunks for cid in entry.chunk_ids):
        return False
    names = engine.store.ask(
        f"ASK {{ GRAPH <{document}> {{ ?p <http://www.w3.org/ns/prov#wasDerivedFrom> <{document}> ;"
        " <https://schema.org/name> ?n } }"
    )
    return bool(names)


def test_searches_during_an_ingest_see_only_whole_documents(tmp_path: Path) -> None:
    engine = Engine(make_settings(tmp_path / "home"))
    try:
        assert not engine.ingest_paths([SEEDS]).failed
        engine.warm_up()
        folder = tmp_path / "new"
        _documents(folder)
        errors: list[BaseException] = []

        def ingest() -> None:
            try:
                report = engine.ingest_paths([folder])
                assert len(report.added) == 3, report
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                errors.append(exc)

        worker = threading.Thread(target=ingest)
        searches = 0
        seen_new = 0
        worker.start()
        deadline = time.monotonic() + 120
        while worker.is_alive() and time.monotonic() < deadline:
            for mode in ("lexical", "hybrid"):
                response = services.search(engine, WORD, k=10, mode=mode)  # type: ignore[arg-type]
                searches += 1
                for hit in response.results:
                    assert hit.document is not None
                    assert _whole(engine, hit.document), f"half-ingested {hit.document}"
                    seen_new += WORD.lower() in (hit.name or "").lower()
        worker.join(timeout=120)
        assert not errors, errors
        assert searches >= 2, "the ingest finished before any search ran"
        final = services.search(engine, WORD, k=10, mode="lexical")
        found = {h.source for h in final.results}
        assert {f"new{i}.txt" for i in range(3)} <= found
    finally:
        engine.close()
