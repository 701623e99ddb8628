"""An opt-in event trace of one device, built on the public instrumentation API.

A :class:`Tracer` subscribes to every event type of a device's
``tee.instrument`` hub and turns each event into a :class:`TraceRecord`: a
timestamp, the lane it leaves and the lane it reaches (client, driver, monitor,
kernel, TA, supplicant; fixed by the event's type, never guessed from text),
a short label and a one-line message with the wire numbers decoded through
the ``tee.abi`` IntEnums. Three renderings read the records: OP-TEE-style log
text (:func:`render_text`), JSON lines (:func:`render_jsonl`) and an SVG
sequence diagram (:func:`render_svg`). See docs/instrumentation.md, "Tracing".
"""

from tee.tools.trace.record import LANES, TraceRecord, Tracer
from tee.tools.trace.render import render_jsonl, render_text, summarize
from tee.tools.trace.svg import render_svg

__all__ = ["LANES", "TraceRecord", "Tracer", "render_jsonl", "render_svg", "render_text", "summarize"]
