#!/usr/bin/env python3
"""Plays systemd's side of sd_notify: binds a datagram socket at SOCKET_PATH that any user may
send to (the daemon runs as eventbus) and appends every message to OUT_FILE, one line per state
assignment (READY=1, STOPPING=1, ...). Exits by itself after LIFETIME seconds."""
import os
import socket
import sys
import time


def main():
    socket_path, out_file, lifetime = sys.argv[1], sys.argv[2], float(sys.argv[3])
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(socket_path)
    os.chmod(socket_path, 0o777)
    deadline = time.monotonic() + lifetime
    while time.monotonic() < deadline:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            message = sock.recv(4096)
        except socket.timeout:
            continue
        with open(out_file, "ab") as out:
            out.write(message.rstrip(b"\n") + b"\n")


if __name__ == "__main__":
    main()
