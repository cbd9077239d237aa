"""Dataset dumps: ``GET /api/export?format=trig|nquads|turtle|jsonld``.

The export runs in a thread that writes into a bounded queue; the response
streams from the queue, so memory stays flat and a slow client slows the
writer down (and a gone client stops it).
"""

from __future__ import annotations

import io
import logging
import queue
import threading
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.deps import EngineDep
from api.export import EXPORT_FORMATS, check_graphs, export
from api.schemas_ld import body_content, problems

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["export"])

CHUNK = 64 * 1024
#: Seconds a writer waits for a stalled client before giving up.
STALL_S = 60.0


class _Gone(Exception):
    """The client went away; the writer stops."""


class _QueueWriter(io.RawIOBase):
    """A write-only binary stream into a bounded queue, in chunks."""

    def __init__(self, sink: queue.Queue[bytes | None], stop: threading.Event) -> None:
        self.sink = sink
        self.stop = stop
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buffer += bytes(data)
        if len(self.buffer) >= CHUNK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.buffer:
            chunk, self.buffer = bytes(self.buffer), bytearray()
            while True:
                if self.stop.is_set():
                    raise _Gone
                try:
                    self.sink.put(chunk, timeout=1.0)
                    return
                except queue.Full:
                    continue


def _produce(
    engine: Any,
    fmt: str,
    graphs: list[str] | None,
    sink: queue.Queue[bytes | None],
    stop: threading.Event,
) -> None:
    writer = _QueueWriter(sink, stop)
    try:
        export(engine.store, fmt, graphs, writer)  # type: ignore[arg-type]
        writer.flush()
    except _Gone:
        logger.info("export stopped: the client went away")
    except Exception:
        logger.exception("export failed")
    finally:
        try:
            sink.put(None, timeout=STALL_S)
        except queue.Full:
            pass


async def _stream(sink: queue.Queue[bytes | None], stop: threading.Event) -> AsyncIterator[bytes]:
    try:
        while True:
            chunk = await run_in_threadpool(sink.get, True, STALL_S)
            if chunk is None:
                return
            yield chunk
    finally:
        stop.set()


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The dataset, streamed.",
            "content": body_content([f.media_type for f in EXPORT_FORMATS.values()]),
        },
        **problems(404, 422),
    },
)
def export_dataset(
    engine: EngineDep,
    format: Annotated[  # noqa: A002 - URL name
        Literal["trig", "nquads", "turtle", "jsonld"], Query(description="Serialisation.")
    ] = "trig",
    graph: Annotated[
        list[str] | None,
        Query(
            max_length=100, description="Graph IRIs to export ('default' for the default graph)."
        ),
    ] = None,
) -> StreamingResponse:
    """Stream the whole dataset (or some graphs) as TriG, N-Quads, Turtle or JSON-LD."""
    spec = EXPORT_FORMATS[format]
    # Check the graph names before the 200 is sent: after that an error cannot be reported.
    if graph:
        check_graphs(engine.store, graph)
    sink: queue.Queue[bytes | None] = queue.Queue(maxsize=16)
    stop = threading.Event()
    threading.Thread(
        target=_produce, args=(engine, format, graph, sink, stop), daemon=True, name="export"
    ).start()
    return StreamingResponse(
        _stream(sink, stop),
        media_type=spec.media_type,
        headers={"Content-Disposition": f'attachment; filename="hankekg.{spec.extension}"'},
    )
