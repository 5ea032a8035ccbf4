#!/usr/bin/python3
"""A tiny HTTPS server for Portcullis tests (MTA-STS policies): serves one file at one path.

    https_server.py --port N --cert C --key K --path /.well-known/mta-sts.txt --file F
                    [--content-type text/plain] [--port-file P]

Any other path gets 404. The file is re-read on every request, so a test can change it.
"""
import argparse
import http.server
import os
import ssl


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--path", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--content-type", default="text/plain")
    ap.add_argument("--port-file")
    args = ap.parse_args()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != args.path:
                self.send_response(404)
                self.end_headers()
                return
            with open(args.file, "rb") as f:
                body = f.read()
            self.send_response(200)
            self.send_header("Content-Type", args.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *a):
            print("https: " + fmt % a, flush=True)

    server = http.server.HTTPServer(("127.0.0.1", args.port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{server.server_address[1]}\n")
        os.replace(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
