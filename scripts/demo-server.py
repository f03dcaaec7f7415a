#!/usr/bin/env python3
"""A stand-in for a production API on 127.0.0.2: records every request it receives to a log."""
import http.server, sys

log_path = sys.argv[2]

class Handler(http.server.BaseHTTPRequestHandler):
    def _record(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode(errors="replace") if n else ""
        with open(log_path, "a") as f:
            f.write(f"{self.command} {self.path} {body}\n")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"data":{"volume":{"id":"vol-1","name":"prod-db"}}}\n')
    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _record
    def log_message(self, *a): pass

srv = http.server.ThreadingHTTPServer(("127.0.0.2", int(sys.argv[1])), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
