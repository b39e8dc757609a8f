#!/usr/bin/env python3
"""A stand-in for EventGate's POST /v1/events, as spec/eventgate-contract.md describes it: every
request is answered 201 Created with an empty chunked body and no content-type, and idle
keep-alive connections are closed after 5 s. Each request body is appended as one line to
BODIES_FILE. Listens on 127.0.0.1, on an ephemeral port written to PORT_FILE, and exits by
itself after LIFETIME seconds."""
import http.server
import os
import sys
import threading


class EventGateHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.server.lock, open(self.server.bodies_file, "ab") as out:
            out.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(201, "Created")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args):
        pass


def main():
    port_file, bodies_file, lifetime = sys.argv[1], sys.argv[2], float(sys.argv[3])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EventGateHandler)
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.bodies_file = bodies_file
    open(bodies_file, "wb").close()
    threading.Timer(lifetime, server.shutdown).start()
    with open(port_file + ".tmp", "w") as out:
        out.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
