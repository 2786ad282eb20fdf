"""Socket.IO v5 / Engine.IO v4 frame encoding as the service does it (python-socketio's packet
codec with the protocol's canonical JSON), plus the vector conventions for binary values.

Used by scripts/gen-vectors to write docs/protocol/vectors/wire.json and by the contract tests to
check that the running codec still produces and accepts exactly those frames."""

from __future__ import annotations

import copy
from typing import Any

from socketio import packet as sio_packet

from .server import CanonicalJson

PACKET_NAMES = dict(enumerate(sio_packet.packet_names))


class _Packet(sio_packet.Packet):
    json = CanonicalJson


# ------------------------------------------------------------ vector <-> python values


def from_vector(value: Any) -> Any:
    """Vector JSON -> python value: {"_binary_hex": ".."} -> bytes, {"_binary_zeros": n} -> n zero bytes."""
    if isinstance(value, dict):
        if set(value) == {"_binary_hex"}:
            return bytes.fromhex(value["_binary_hex"])
        if set(value) == {"_binary_zeros"}:
            return bytes(value["_binary_zeros"])
        return {k: from_vector(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_vector(v) for v in value]
    return value


def to_vector(value: Any) -> Any:
    """Python value -> vector JSON (bytes -> {"_binary_hex": ...})."""
    if isinstance(value, (bytes, bytearray)):
        return {"_binary_hex": bytes(value).hex()}
    if isinstance(value, dict):
        return {k: to_vector(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_vector(v) for v in value]
    return value


# ------------------------------------------------------------ Socket.IO packets over Engine.IO websocket frames


def encode(packet_type: int, namespace: str = "/", data: Any = None, ack_id: int | None = None) -> list[dict[str, str]]:
    """Encode one Socket.IO packet as the websocket frames that carry it: a text frame "4" + packet,
    then one binary frame per attachment."""
    pkt = _Packet(packet_type, data=copy.deepcopy(data), namespace=namespace, id=ack_id)
    enc = pkt.encode()
    parts = enc if isinstance(enc, list) else [enc]
    frames = [{"type": "text", "data": "4" + parts[0]}]
    frames += [{"type": "binary", "hex": bytes(b).hex()} for b in parts[1:]]
    return frames


def encode_event(event: str, payload: Any, namespace: str = "/", ack_id: int | None = None) -> list[dict[str, str]]:
    return encode(sio_packet.EVENT, namespace, [event, payload], ack_id)


def decode(frames: list[dict[str, str]]) -> dict[str, Any]:
    """Websocket frames of one Socket.IO packet -> {packet_type, namespace, data, ack_id}."""
    first = frames[0]
    if first["type"] != "text" or not first["data"].startswith("4"):
        raise ValueError("first frame must be an Engine.IO message (text starting with '4')")
    pkt = _Packet(encoded_packet=first["data"][1:])
    rest = frames[1:]
    if len(rest) != pkt.attachment_count:
        raise ValueError(f"packet announces {pkt.attachment_count} attachments, got {len(rest)} binary frames")
    for f in rest:
        if f["type"] != "binary":
            raise ValueError("attachment frames must be binary")
        pkt.add_attachment(bytes.fromhex(f["hex"]))
    return {
        "packet_type": PACKET_NAMES[pkt.packet_type],
        "namespace": pkt.namespace or "/",
        "data": pkt.data,
        "ack_id": pkt.id,
    }
