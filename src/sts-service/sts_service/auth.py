"""The shared secret (STS_AUTH_TOKEN) every Socket.IO namespace asks for on connect, checked in one
place for `/` and `/monitor`. A refusal is counted (sts_errors_total{code="UNAUTHORIZED"}) and logged
with why (no token, or a wrong one) and from where, never with what was given or expected."""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING, Any

from . import protocol as p

if TYPE_CHECKING:  # pragma: no cover
    from .metrics import Metrics

log = logging.getLogger("sts.auth")


def given_token(environ: dict[str, Any], auth: Any) -> str:
    """The token a client sent: `{"token": ...}` in its CONNECT packet, else `Authorization: Bearer`."""
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        return auth["token"]
    header = environ.get("HTTP_AUTHORIZATION", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def check(token: str, environ: dict[str, Any], auth: Any, metrics: Metrics, namespace: str) -> None:
    """Raises the UNAUTHORIZED refusal when `token` is set and the client did not send it."""
    if not token:
        return
    given = given_token(environ, auth)
    if hmac.compare_digest(given.encode(), token.encode()):
        return
    metrics.errors.labels("UNAUTHORIZED").inc()
    reason = "wrong token" if given else "no token"
    log.warning(
        "connection refused: %s",
        reason,
        extra={
            "code": "UNAUTHORIZED",
            "reason": reason,
            "namespace": namespace,
            "remote_addr": environ.get("REMOTE_ADDR", ""),
        },
    )
    raise p.unauthorized()
