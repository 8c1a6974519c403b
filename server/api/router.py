"""Every row of every endpoint table is served the same way: the router checks the caller's role
against the row, parses the path ids once, then calls the row's handler (or, for a queue action,
runs the row's command). Handlers never repeat roles."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from ..actions import runner
from ..actions.access import PRINCIPAL, authorize, bearer, principal_for_token
from ..actions.body import json_response, read_body
from .endpoints import Endpoint
from .fields import parse_fields
from .paths import path_ids

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
IDS = web.RequestKey("ids", dict)  # the path's ids as ints, set by the router


def add_endpoints(app: web.Application, endpoints: Iterable[Endpoint], handlers: dict[str, Handler]) -> None:
    for ep in endpoints:
        handler = handlers[ep.special] if ep.special else command_handler(ep)
        app.router.add_route(ep.method, ep.path, guarded(ep, handler), name=ep.operation_id)


def guarded(ep: Endpoint, handler: Handler) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        principal = principal_for_token(request.app, bearer(request))
        authorized = authorize(principal, ep.roles)
        if authorized is not None:
            request[PRINCIPAL] = authorized
        request[IDS] = path_ids(request.match_info)
        return await handler(request)
    handle.endpoint = ep  # type: ignore[attr-defined] - which row a route serves (tests derive access from it)
    return handle


def endpoint_of(route: web.AbstractRoute) -> Endpoint | None:
    """The endpoint row a route was added for, or None (static pages, sounds, the WebSocket)."""
    return getattr(route.handler, "endpoint", None)


def command_handler(ep: Endpoint) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        p = request[PRINCIPAL]
        body = parse_fields(ep.body or {}, await read_body(request))
        ids = request[IDS]
        return json_response(await runner.run_row(request.app, p, ep, body, ids))
    return handle
