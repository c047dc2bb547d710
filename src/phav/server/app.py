"""The web app: a REST API for videos on demand and the page that uses it (FastAPI, ``phav[web]``).

Routes (the OpenAPI schema is at ``/openapi.json``, interactive docs at ``/docs``):

* ``GET /api/parameters``: every variable and its allowed values or ranges, with the sampling
  model's distributions.
* ``POST /api/videos``: a full or partial spec and a seed. The variables left out are sampled from
  the seed. 202 with the id and links (200 when the video is already in the cache); 422 with the
  reason for invalid input (400 for a body that is not JSON, 413 for one over :data:`MAX_BODY` bytes,
  415 for one not sent as ``application/json``);
  429 when the queue is full. Frames left out: as many as the action needs (capped by the server's most).
* ``GET /api/videos/{id}``: status (``queued``, ``running``, ``done``, ``failed`` with ``error``),
  the resolved spec and links.
* ``GET /api/videos/{id}/preview/{modality}.mp4``, ``.../video.zip``, ``.../params.json``,
  ``.../annotations.json``, ``.../frames/{kind}/{number}`` (a frame file as written, numbered from 1).
  HEAD answers as GET without the body (Content-Length, Range). A modality, kind, JSON name or frame
  number outside the schema's enums or minimum gets 422 (one field error); 404 a frame beyond the
  video's length or a file the video lacks.
* ``GET /``: the page.

The schema states this server's allowed values and bounds (``VideoRequest``'s enums, minima and
maxima; the resolver enforces them with a one-line reason) and links a created video to its status
and file routes (OpenAPI links). Files are served only from the job's folder in the cache: ids
must be 32 hex digits, modality and frame kinds come from fixed lists, and every path is checked to
lie inside the job's folder.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Literal, Optional, Union

from fastapi import FastAPI, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from phav.io import layout
from phav.sampling import SEED_LIMIT
from phav.server.jobs import JobManager, QueueFull
from phav.server.limits import Limits
from phav.server.previews import PREVIEW_MODALITIES
from phav.server.render_job import DONE, ZIP_FILE
from phav.server.resolve import NUMERIC, RequestError, Resolver

STATIC = Path(__file__).parent / "static"
#: Most bytes of a request body (a request is a few hundred bytes); more get 413 before any parsing.
MAX_BODY = 8192
#: Most characters of a refused value echoed back in a 422 answer.
MAX_ECHO = 200
_ID = PathParam(pattern=r"^[0-9a-f]{32}$", description="video id: 32 hex digits")
# The enums and the minimum below are checked by the framework: a value outside them gets 422 with
# one field error (as a malformed id does); 404 stays for a frame or file that this video lacks.
_MODALITY = PathParam(description="an image modality")
_KIND = PathParam(description="a frame file kind")
_NUMBER = PathParam(ge=1, description="frame number, from 1")
_JSON_NAME = PathParam(description="which JSON file")
#: The values of the file routes' path parameters (``Literal`` of a tuple: the same as listing them).
Modality = Literal[PREVIEW_MODALITIES]  # type: ignore[valid-type]
FrameKind = Literal[tuple(layout.FRAME_PATTERNS)]  # type: ignore[valid-type]
JsonName = Literal["params", "annotations"]

_NAME = Field(default=None, max_length=64)


class VideoRequest(BaseModel):
    """A full or partial spec and a seed; a variable left out (or null) is sampled from the seed."""

    model_config = ConfigDict(extra="forbid", strict=True)  # JSON types as written: no "5" or true for 5

    action: Optional[str] = _NAME
    clip: Optional[str] = _NAME
    actor: Optional[str] = _NAME
    environment: Optional[str] = _NAME
    camera: Optional[str] = _NAME
    day_phase: Optional[str] = _NAME
    weather: Optional[str] = _NAME
    variation: Optional[str] = _NAME
    frames: Optional[int] = Field(default=None, ge=1, description="default and bound: GET /api/parameters")
    fps: Optional[float] = Field(default=None, gt=0, allow_inf_nan=False)
    width: Optional[int] = Field(default=None, ge=1)
    height: Optional[int] = Field(default=None, ge=1)
    seed: int = Field(default=0, ge=0, le=SEED_LIMIT - 1)


class Reason(BaseModel):
    """Why a request was refused, in one line."""

    detail: str


class Refusal(BaseModel):
    """Invalid input: the reason in one line, or the framework's list of field errors."""

    detail: Union[str, list[dict[str, Any]]]


class VideoStatus(BaseModel):
    """A job: its id, status, the resolved spec, the reason of a failure and the links to its files."""

    id: str = Field(pattern=r"^[0-9a-f]{32}$")
    status: Literal["queued", "running", "done", "failed"]
    spec: dict[str, Any]
    error: Optional[str] = None
    frames: Optional[int] = None
    seconds: Optional[float] = None
    links: dict[str, Any]


def _reason(description: str) -> dict[str, Any]:
    return {"description": description, "model": Reason}


#: The error answers of the file routes.
_FILE_ERRORS = {404: _reason("no such video or file"), 409: _reason("the video is not done (yet)"),
                422: {"description": "malformed id, or a path value outside the schema's enums or minimum",
                      "model": Refusal}}


def _content(media_type: str, description: str) -> dict[str, Any]:
    body = {"type": "object"} if media_type == "application/json" else {"type": "string", "format": "binary"}
    return {"description": description, "content": {media_type: {"schema": body}}}


#: OpenAPI links from a created video to its status and files (clients and schema fuzzers follow them).
_VIDEO_LINKS = {
    "status": {"operationId": "video_status", "parameters": {"video_id": "$response.body#/id"}},
    "zip": {"operationId": "video_zip", "parameters": {"video_id": "$response.body#/id"}},
    "json": {"operationId": "video_json", "parameters": {"video_id": "$response.body#/id"}},
    "preview": {"operationId": "preview", "parameters": {"video_id": "$response.body#/id"}},
    "frame": {"operationId": "frame", "parameters": {"video_id": "$response.body#/id"}},
}


def _document_request(schema: dict[str, Any], parameters: dict[str, Any]) -> None:
    """Write this server's allowed values and numeric bounds into ``VideoRequest`` of the OpenAPI
    ``schema`` (in place). The resolver enforces them and says why a value is refused (422)."""
    properties = schema["components"]["schemas"]["VideoRequest"]["properties"]
    for name, info in parameters["variables"].items():
        values = info.get("values")
        if values is None:  # clip: every action's clips
            values = sorted({c for clips in info["values_by_action"].values() for c in clips})
        properties[name]["enum"] = [*values, None]
    seed = properties["seed"]
    seed.update(minimum=0, maximum=SEED_LIMIT - 1)  # integers, not the framework's floats
    for name in NUMERIC:
        bounds = parameters["numeric"][name]
        number = next(s for s in properties[name]["anyOf"] if s.get("type") != "null")
        number.update(minimum=bounds["min"], maximum=bounds["max"])


def _json_safe(value: Any) -> Any:
    """``value`` with non-finite floats written as strings (``"nan"``, ``"inf"``): JSON has no such numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _short(value: Any) -> Any:
    """``value``, or the start of its JSON text when that is longer than :data:`MAX_ECHO` characters."""
    text = json.dumps(value)
    return value if len(text) <= MAX_ECHO else text[:MAX_ECHO] + f"... ({len(text)} characters)"


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """422 with the framework's field errors, the offending input included even when it is NaN or
    infinite (Python's JSON parser accepts ``NaN`` and ``Infinity``, which JSON cannot write back)
    and cut short when long; 400 with one line for a body that is not JSON."""
    assert isinstance(exc, RequestValidationError)
    errors = _json_safe(jsonable_encoder(exc.errors()))
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/json", "") and any(tuple(e.get("loc", ())) == ("body",) for e in errors):
        return JSONResponse({"detail": f"the body is sent as {kind}; send JSON with Content-Type: application/json"},
                            status_code=415)
    if kind == "" and any(e.get("type") == "model_attributes_type" for e in errors):
        return JSONResponse({"detail": "the body has no Content-Type; send JSON with Content-Type: application/json"},
                            status_code=415)
    for error in errors:
        if error.get("type") == "json_invalid":
            return JSONResponse({"detail": f"the body is not JSON ({error.get('ctx', {}).get('error', 'invalid')} at "
                                           f"character {error['loc'][-1]}); send a JSON object"}, status_code=400)
        if "input" in error:
            error["input"] = _short(error["input"])
    return JSONResponse({"detail": errors}, status_code=422)


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes gets 413 before the app reads it."""

    def __init__(self, app: Any, limit: int = MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length", b"0")
        messages, size = [], int(length) if length.isdigit() else self.limit + 1
        while size <= self.limit:  # read the whole (small) body first: a chunked one has no length
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size = max(size, sum(len(m.get("body", b"")) for m in messages))
            if not message.get("more_body"):
                break
        if size > self.limit:
            response = JSONResponse({"detail": f"the request body is over {self.limit} bytes; a request is a small "
                                               "JSON object (GET /api/parameters lists its fields)"}, status_code=413)
            return await response(scope, receive, send)

        async def replay() -> dict[str, Any]:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def _links(record: dict[str, Any]) -> dict[str, Any]:
    base = f"/api/videos/{record['id']}"
    links: dict[str, Any] = {"self": base}
    if record.get("status") == DONE:
        links.update(
            zip=f"{base}/video.zip", params=f"{base}/params.json", annotations=f"{base}/annotations.json",
            previews={m: f"{base}/preview/{m}.mp4" for m in record.get("previews", [])},
            frames=f"{base}/frames/{{kind}}/{{number}}",
        )
    return links


def _status(record: dict[str, Any]) -> dict[str, Any]:
    return {"id": record["id"], "status": record["status"], "spec": record.get("spec", {}),
            "error": record.get("error"), "frames": record.get("frames"), "seconds": record.get("seconds"),
            "links": _links(record)}


def create_app(cache: str | Path, *, workers: int = 1, limits: Limits = Limits(), max_finished: int = 512,
               max_cache_mb: int | None = None, jobs: JobManager | None = None,
               resolver: Resolver | None = None) -> FastAPI:
    """The app serving videos from ``cache``; ``jobs``/``resolver`` replace the defaults (tests).

    ``max_finished`` finished jobs stay in memory (the rest are read back from the cache on request);
    ``max_cache_mb`` bounds the cache (least recently used finished videos deleted; ``None``: unbounded).
    The job manager's workers stop when the app shuts down.
    """
    jobs = jobs or JobManager(cache, workers=workers, max_queue=limits.max_queue, quality=limits.quality,
                              max_finished=max_finished,
                              max_cache_bytes=None if max_cache_mb is None else max_cache_mb * 1024 * 1024)
    resolver = resolver or Resolver(limits)
    app = FastAPI(title="phav", version="1", summary="Synthetic human action videos on demand (PHAV).")
    app.state.jobs, app.state.resolver = jobs, resolver
    app.router.add_event_handler("shutdown", jobs.close)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_middleware(BodyLimit)
    framework_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _document_request(framework_openapi(), resolver.parameters())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    def done_folder(job_id: str) -> tuple[Path, dict[str, Any]]:
        record = jobs.get(job_id)
        if record is None:
            raise HTTPException(404, f"no video {job_id}; POST /api/videos to make it")
        if record["status"] != DONE:
            raise HTTPException(409, f"video {job_id} is {record['status']}; its files exist once it is done")
        return jobs.folder(job_id), record

    def send(folder: Path, relative: str, media_type: str | None = None, filename: str | None = None) -> FileResponse:
        path = (folder / relative).resolve()
        if not path.is_relative_to(folder.resolve()) or not path.is_file():
            raise HTTPException(404, f"no file {relative} in this video")
        return FileResponse(path, media_type=media_type, filename=filename)

    def get_and_head(path: str, **kwargs: Any) -> Any:
        """``app.get(path, **kwargs)`` that also answers HEAD like GET (the headers, Content-Length
        and Range answers included, no body: FileResponse sends none for HEAD). HEAD is left out of
        the schema, where it would repeat each GET operation under the same operationId."""
        def register(endpoint: Any) -> Any:
            app.add_api_route(path, endpoint, methods=["HEAD"], include_in_schema=False,
                              response_class=kwargs.get("response_class", FileResponse))
            return app.get(path, **kwargs)(endpoint)
        return register

    @app.get("/api/parameters", tags=["videos"], operation_id="parameters")
    def parameters() -> dict[str, Any]:
        """Every variable, its allowed values (or range) and the distribution it is sampled from."""
        return resolver.parameters()

    @app.post("/api/videos", status_code=202, response_model=VideoStatus, tags=["videos"], operation_id="create_video",
              responses={200: {"description": "already in the cache", "model": VideoStatus, "links": _VIDEO_LINKS},
                         202: {"description": "queued (or waiting, rendering, failed)", "links": _VIDEO_LINKS},
                         400: _reason("the body is not JSON"),
                         413: _reason(f"the body is over {MAX_BODY} bytes"),
                         415: _reason("the body is not sent as application/json"),
                         503: _reason("the server is shutting down or cannot start its workers"),
                         422: {"description": "invalid request (the reason)", "model": Refusal},
                         429: _reason("the queue is full")})
    def create_video(request: VideoRequest) -> Any:
        """Queue a video (variables left out are sampled from the seed); the same request gives the same id."""
        try:
            spec = resolver.resolve(request.model_dump(exclude_none=True))
        except RequestError as exc:
            raise HTTPException(422, str(exc)) from None
        try:
            record, created = jobs.submit(spec)
        except QueueFull as exc:
            raise HTTPException(429, str(exc), headers={"Retry-After": "5"}) from None
        except RuntimeError as exc:  # shutting down, or no worker pool could be started
            raise HTTPException(503, str(exc), headers={"Retry-After": "5"}) from None
        body = _status(record)
        return JSONResponse(body, status_code=200 if record["status"] == DONE and not created else 202)

    @app.get("/api/videos/{video_id}", response_model=VideoStatus, tags=["videos"], operation_id="video_status",
             responses={404: _reason("no such video"), 422: _FILE_ERRORS[422]})
    def video_status(video_id: str = _ID) -> Any:
        """A video's status, resolved spec, failure reason and links."""
        record = jobs.refresh(video_id)
        if record is None:
            raise HTTPException(404, f"no video {video_id}; POST /api/videos to make it")
        return _status(record)

    @get_and_head("/api/videos/{video_id}/preview/{modality}.mp4", tags=["files"], response_class=FileResponse,
                   operation_id="preview", responses={200: _content("video/mp4", "the preview"), **_FILE_ERRORS})
    def preview(modality: Modality = _MODALITY, video_id: str = _ID) -> FileResponse:
        """H.264 preview of one image modality (depth, flow and labels coloured)."""
        folder, _ = done_folder(video_id)
        return send(folder, f"preview_{modality}.mp4", "video/mp4")

    @get_and_head("/api/videos/{video_id}/video.zip", tags=["files"], response_class=FileResponse,
                   operation_id="video_zip", responses={200: _content("application/zip", "the zip"), **_FILE_ERRORS})
    def video_zip(video_id: str = _ID) -> FileResponse:
        """Every file of the video folder (all modalities, params.json, annotations.json)."""
        folder, record = done_folder(video_id)
        name = Path(record.get("video_folder") or video_id).name  # several downloads do not collide
        return send(folder, ZIP_FILE, "application/zip", filename=f"{name}.zip")

    @get_and_head("/api/videos/{video_id}/{name}.json", tags=["files"], response_class=FileResponse,
                   operation_id="video_json", responses={200: _content("application/json", "the file"), **_FILE_ERRORS})
    def video_json(name: JsonName = _JSON_NAME, video_id: str = _ID) -> FileResponse:
        """``params.json`` or ``annotations.json``."""
        folder, record = done_folder(video_id)
        return send(folder, f"{record['video_folder']}/{name}.json", "application/json")

    @get_and_head("/api/videos/{video_id}/frames/{kind}/{number}", tags=["files"], response_class=FileResponse,
                   operation_id="frame", responses={200: {"description": "the frame file", "content": {
                       "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                       "image/png": {"schema": {"type": "string", "format": "binary"}}}}, **_FILE_ERRORS})
    def frame(kind: FrameKind = _KIND, number: int = _NUMBER, video_id: str = _ID) -> FileResponse:
        """One frame file as written (``img``, ``raw``: JPEG; the others PNG), numbered from 1."""
        folder, record = done_folder(video_id)
        if not 1 <= number <= int(record.get("frames") or 0):
            raise HTTPException(404, f"frame {number} does not exist; frames are 1..{record.get('frames')}")
        name = layout.frame_file(kind, number)
        return send(folder, f"{record['video_folder']}/{name}",
                    "image/jpeg" if name.endswith(".jpg") else "image/png")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
