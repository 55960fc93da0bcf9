#!/usr/bin/env python3
"""A real git server for tests: `git http-backend` (smart HTTP) behind a small
threaded HTTP server on loopback.

    git_http_server.py --root DIR [--auth PATH_PREFIX:USER:PASSWORD_FILE]... [--log FILE]
                       [--tls-cert PEM --tls-key PEM] [--bind ADDR]

Serves every repository below DIR (GIT_PROJECT_ROOT, GIT_HTTP_EXPORT_ALL) at
http://ADDR:PORT/<path> (ADDR 127.0.0.1 unless --bind says otherwise). Requests whose path starts with PATH_PREFIX need
HTTP Basic auth with USER and the content of PASSWORD_FILE (401 with
WWW-Authenticate otherwise). Binds port 0 and prints "PORT <n>" on stdout
once it listens, so a test reads the port instead of sleeping. Each request
is logged to --log as one line: METHOD PATH auth=<none|ok|bad> STATUS from=CLIENT_ADDR.
"""
import argparse
import base64
import http.server
import os
import ssl
import subprocess
import sys
import threading


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--auth", action="append", default=[])
    p.add_argument("--log")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--bind", default="127.0.0.1")
    return p.parse_args()


ARGS = parse_args()
AUTH = []
for spec in ARGS.auth:
    prefix, user, pwfile = spec.split(":", 2)
    with open(pwfile) as f:
        AUTH.append((prefix, user, f.read().rstrip("\n")))
LOG_LOCK = threading.Lock()


def log_line(text):
    if ARGS.log:
        with LOG_LOCK, open(ARGS.log, "a") as f:
            f.write(text + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def auth_state(self, path):
        rules = [r for r in AUTH if path.startswith(r[0])]
        header = self.headers.get("Authorization", "")
        if not rules:
            return "none" if not header else "sent-unasked", True
        if not header.startswith("Basic "):
            return "none", False
        try:
            user, _, pw = base64.b64decode(header[6:]).decode().partition(":")
        except Exception:
            return "bad", False
        ok = any(user == r[1] and pw == r[2] for r in rules)
        return ("ok" if ok else "bad"), ok

    def reply(self, status, headers, body):
        # Status line, headers and body in one write, as most servers send a
        # small response.
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self._headers_buffer.append(b"\r\n")
        self.wfile.write(b"".join(self._headers_buffer) + body)
        self._headers_buffer = []

    def handle_git(self, method):
        path, _, query = self.path.partition("?")
        state, allowed = self.auth_state(path)
        if not allowed:
            log_line(f"{method} {path} auth={state} 401 from={self.client_address[0]}")
            self.reply(401, [("WWW-Authenticate", 'Basic realm="git"')], b"authentication required\n")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        env = dict(os.environ, GIT_PROJECT_ROOT=ARGS.root, GIT_HTTP_EXPORT_ALL="1",
                   PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD=method,
                   CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   CONTENT_LENGTH=str(len(body)), REMOTE_ADDR=self.client_address[0],
                   HTTP_CONTENT_ENCODING=self.headers.get("Content-Encoding", ""),
                   GIT_PROTOCOL=self.headers.get("Git-Protocol", ""))
        out = subprocess.run(["git", "http-backend"], input=body, env=env,
                             stdout=subprocess.PIPE, check=False).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = out.partition(b"\n\n")
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            k, _, v = line.partition(":")
            if k.lower() == "status":
                status = int(v.split()[0])
            elif k:
                headers.append((k, v.strip()))
        log_line(f"{method} {path} auth={state} {status} from={self.client_address[0]}")
        self.reply(status, headers, payload)

    def do_GET(self):
        self.handle_git("GET")

    def do_POST(self):
        self.handle_git("POST")


def main():
    server = http.server.ThreadingHTTPServer((ARGS.bind, 0), Handler)
    if ARGS.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls_cert, ARGS.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
