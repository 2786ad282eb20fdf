"""python-socketio's AsyncServer with two holes closed that any client can reach (both found by
tests/test_fuzz_handlers.py):

- An EVENT named like a lifecycle event ("connect", "disconnect") ran that handler with the client's
  arguments: the connect handler raised (no answer), and "disconnect" would have dropped the client's
  streams while it stayed connected. An event named "*" called the catch-all handler without its
  event argument (no answer either). Such events now go to the namespace's catch-all handler, like
  any other unknown event (UNKNOWN_EVENT on /, READ_ONLY_NAMESPACE on /monitor).
- A binary packet whose placeholder names no attachment ({"_placeholder": true, "num": 7}) raised
  inside the library and left the half-built packet in place, so every later message of that client
  was refused: the connection stayed open but dead. The packet is now dropped and answered with an
  INVALID_PAYLOAD error, and the connection keeps working. Any other message the library cannot
  decode is answered the same way instead of being dropped silently.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio

from . import protocol as p

log = logging.getLogger("sts.server")


class GuardedAsyncServer(socketio.AsyncServer):
    async def _handle_event_internal(self, server: Any, sid: str, eio_sid: str, data: Any, namespace: str, id: Any):
        if data and (data[0] in self.reserved_events or data[0] == "*"):
            handler = self.handlers.get(namespace, {}).get("*")
            if handler is not None:
                await handler(data[0], sid, *data[1:])
            return None
        return await super()._handle_event_internal(server, sid, eio_sid, data, namespace, id)

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        pending = self._binary_packet.get(eio_sid)
        try:
            await super()._handle_eio_message(eio_sid, data)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            self._binary_packet.pop(eio_sid, None)
            namespace = (pending.namespace if pending is not None else None) or p.NAMESPACE
            sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
            log.info("undecodable Socket.IO message dropped: %s", exc, extra={"sid": sid})
            if sid is not None:
                err = p.ProtocolError(p.ErrorCode.INVALID_PAYLOAD, f"malformed Socket.IO message: {exc}")
                await self.emit(p.EV_ERROR, p.dump(err.to_event(None)), to=sid, namespace=namespace)
