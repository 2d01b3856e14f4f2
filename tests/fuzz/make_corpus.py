#!/usr/bin/env python3
"""Writes the seed corpus: one valid message per request type and a few
replies, each prefixed by the harness's selector byte.  The layout follows
user/protocol.h (checked by tests/unit/test_protocol.c)."""
import os
import struct
import sys

MAGIC, VERSION = 0x53474431, 2
ADD, GET, STATUS, LIST, SUBSCRIBE, RELOAD = 1, 2, 3, 4, 5, 6
EVENT, ERROR = 0x100, 0x101
STATUS_BODY, EVENT_BODY, RELOAD_BODY, ENTRY = 168, 80 + 256, 264, 296


def msg(type_, body=b"", seq=1, result=0, flags=0):
    return struct.pack("<IHHIIiI", MAGIC, VERSION, type_, 24 + len(body), seq, result, flags) + body


# Selector bits 5-7: fix the size, fix magic and version, size a LIST
# reply from its count (see tests/fuzz/fuzz_decode.c).
FIX_SIZE, FIX_MAGIC, LIST_SIZED = 0x20, 0x40, 0x80


def selector(nfds, expect_index, fix=0):
    return bytes([fix | (expect_index << 2) | nfds])


seeds = {
    "req-add": selector(1, 0) + msg(ADD, struct.pack("<II", 0x8, 0)),
    "req-get": selector(1, 1) + msg(GET),
    "req-status": selector(0, 2) + msg(STATUS),
    "req-list": selector(0, 3) + msg(LIST, bytes(16) + struct.pack("<II", 48, 0)),
    "req-list-after": selector(0, 3) + msg(LIST, struct.pack("<IIQII", 0, 42, 7, 48, 0), flags=1),
    "req-subscribe": selector(0, 4) + msg(SUBSCRIBE),
    "req-reload": selector(0, 5) + msg(RELOAD),
    "rep-add-ebusy": selector(0, 0) + msg(ADD, result=-16),
    "rep-get": selector(0, 1) + msg(GET, result=0x0c),
    "rep-status": selector(0, 2) + msg(STATUS, bytes(STATUS_BODY)),
    "rep-list-2": selector(0, 3) + msg(LIST, struct.pack("<II", 2, 1) + bytes(2 * ENTRY)),
    # Header and count only: the harness adds the 2 entries.
    "rep-list-sized": selector(0, 3, FIX_SIZE | FIX_MAGIC | LIST_SIZED)
    + msg(LIST, struct.pack("<II", 2, 0))[:32],
    "rep-event": selector(0, 4) + msg(EVENT, bytes(EVENT_BODY), seq=0),
    "rep-error": selector(0, 0) + msg(ERROR, seq=0, result=-11),
    "rep-reload": selector(0, 5) + msg(RELOAD, bytes(RELOAD_BODY), result=-22),
    "v1-request": selector(1, 1) + struct.pack("<IHHII", MAGIC, 1, 2, 8, 0),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
