#!/usr/bin/env python3
"""The compositor case in two processes (tests/vm/vm_policy.sh).

compositor SOCK: accepts one client, receives its buffer fd, maps it,
    and after the client's attempt to shrink it reads the whole mapping
    (SIGBUS, and no answer, if the buffer was shrunk).
client SOCK: sends a memfd of 8192 bytes, waits until it is mapped, tries
    ftruncate(fd, 0), and prints "<outcome> <size> <compositor's answer>".
client-ro SOCK FILE: sends a read-only fd of FILE (someone else's) and
    prints the compositor's answer.
"""
import errno
import mmap
import os
import socket
import sys

SIZE = 8192


def compositor(path):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    print("listening", flush=True)
    conn, _ = srv.accept()
    _, fds, _, _ = socket.recv_fds(conn, 16, 1)
    view = mmap.mmap(fds[0], SIZE, mmap.MAP_SHARED, mmap.PROT_READ)
    conn.sendall(b"mapped")
    conn.recv(16)
    ok = view[:SIZE] == b"x" * SIZE  # SIGBUS here if the client shrank it
    conn.sendall(b"read-ok" if ok else b"read-bad")


def client_ro(path, victim):
    """Sends a read-only fd of someone else's file; prints the answer."""
    fd = os.open(victim, os.O_RDONLY)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    socket.send_fds(conn, [b"buffer"], [fd])
    conn.recv(16)
    conn.sendall(b"done")
    print(conn.recv(16).decode() or "compositor-died")


def client(path):
    fd = os.memfd_create("wl-buffer", 0)
    os.write(fd, b"x" * SIZE)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    socket.send_fds(conn, [b"buffer"], [fd])
    conn.recv(16)
    try:
        os.ftruncate(fd, 0)
        outcome = "truncated"
    except OSError as e:
        outcome = errno.errorcode[e.errno]
    conn.sendall(b"done")
    answer = conn.recv(16).decode() or "compositor-died"
    print(outcome, os.fstat(fd).st_size, answer)


if __name__ == "__main__":
    if sys.argv[1] == "client-ro":
        client_ro(sys.argv[2], sys.argv[3])
    else:
        {"compositor": compositor, "client": client}[sys.argv[1]](sys.argv[2])
