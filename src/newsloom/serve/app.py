"""The application: the API under /api/, feeds under /feeds/ and the reader everywhere else, over one ``Server``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from newsloom.config import Settings
from newsloom.present.pages import STATIC
from newsloom.serve.api import router as api_router
from newsloom.serve.digests import router as digests_router
from newsloom.serve.feeds_out import router as feeds_router
from newsloom.serve.reader import router as reader_router
from newsloom.serve.server import CacheFront, HostCheck, SecurityHeaders, Server
from newsloom.store import StoreError
from newsloom.version import __version__


def create_app(location: str, settings: Settings | None = None) -> FastAPI:
    """The API under /api/, feeds under /feeds/ and the reader everywhere else, over the store at ``location``."""
    settings = settings or Settings()
    server = Server(location, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        server.pool.close()

    app = FastAPI(
        lifespan=lifespan,
        title="newsloom",
        version=__version__,
        description="Stories from many outlets, each with one neutral brief in which every sentence cites its "
        "sources. Reads are open; writes need the server's bearer token.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # the interactive pages load scripts from elsewhere, which the security policy forbids
        redoc_url=None,
    )
    app.state.server = server
    for router in (api_router, feeds_router, digests_router, reader_router):
        app.include_router(router)
        server.answer_keys.learn(router.routes)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or request.url.path.startswith("/feeds/"):
            return JSONResponse({"error": error.detail}, status_code=error.status_code, headers=error.headers)
        body = server.render("error.html", status=error.status_code, message=error.detail, query="")
        return Response(body, status_code=error.status_code, media_type="text/html; charset=utf-8")

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError) -> Response:
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg', 'invalid')}"
            for e in error.errors()
        ]
        message = "; ".join(problems) or "invalid request"
        if request.url.path.startswith("/api/") or request.url.path.startswith("/feeds/"):
            return JSONResponse({"error": message}, status_code=422)
        body = server.render("error.html", status=422, message=message, query="")
        return Response(body, status_code=422, media_type="text/html; charset=utf-8")

    @app.exception_handler(StoreError)
    async def store_error(request: Request, error: StoreError) -> Response:
        return JSONResponse({"error": str(error)}, status_code=400)

    app.add_middleware(CacheFront, server=server)  # inside CORS: cached answers get its headers too
    if settings.serve.origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.serve.origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(HostCheck, server=server)  # before the cache: a refused Host never reads a cached answer
    app.add_middleware(SecurityHeaders)
    return app
