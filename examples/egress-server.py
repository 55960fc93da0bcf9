"""egress-server.py PORT_FILE LOG_FILE: the demo's stand-in for the internet.

A tiny HTTP server on 127.0.0.1 (a free port, written to PORT_FILE once it
listens). The demo's workers resolve both allowed.example and forbidden.example
to it (egress_resolve), so every request that reaches it is logged with the
Host it asked for: a forbidden host must never appear in LOG_FILE.
Stops on SIGTERM or SIGINT."""
import http.server
import os
import signal
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = self.headers.get("Host", "-")
        body = ("hello from %s: this answer came through the Airlock egress proxy\n" % host).encode()
        with open(self.server.log_path, "a") as log:
            log.write("GET host=%s path=%s\n" % (host, self.path))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


def main(port_file, log_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.log_path = log_path
    open(log_path, "a").close()
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, port_file)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
