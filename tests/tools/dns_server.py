#!/usr/bin/python3
"""A small authoritative DNS server on 127.0.0.1 (UDP and TCP) for Portcullis tests.

    dns_server.py --port N --zone ZONE.json [--port-file PATH] [--query-log PATH] [-v]

--port 0 picks a port free for both UDP and TCP; the port actually used is written to
--port-file (atomically, once both sockets listen). Run it with Debian's /usr/bin/python3
(python3-dnslib).

The zone is a JSON object mapping names to lists of records:

    {
      "ad": true,                                   # optional: answers are "validated" (AD)
      "example.com": [{"type": "MX", "pref": 10, "value": "mx.example.com."},
                      {"type": "TXT", "value": "v=spf1 -all"}],
      "mx.example.com": [{"type": "A", "value": "127.0.0.1"},
                         {"type": "AAAA", "value": "::1", "ttl": 60}],
      "www.example.com": [{"type": "CNAME", "value": "mx.example.com."}],
      "*.dnsbl.example": [{"type": "A", "value": "127.0.0.2"}],
      "slow.example": [{"type": "DELAY", "ms": 300}, {"type": "A", "value": "127.0.0.3"}],
      "dead.example": [{"type": "TIMEOUT"}],
      "broken.example": [{"type": "SERVFAIL"}]
    }

Record types: A, AAAA, MX (pref, value), TXT (value: a string, split into 255-byte strings,
or a list of strings), PTR, CNAME, NS, TLSA (usage, selector, mtype, value as hex); and the
behaviours TIMEOUT (never answer), SERVFAIL, REFUSED, DELAY (answer after "ms" milliseconds),
and INSECURE (answers for this name never carry AD, as for a name in an unsigned zone).
With "ad", the server plays a DNSSEC-validating resolver: the AD bit is set on answers whose
names are all secure, and only when the query asked for it with AD or DO (RFC 6840 5.7/5.8).
Names are case-insensitive, with or without the final dot. A name missing from the zone is
NXDOMAIN (an ancestor of a listed name is NODATA); a name with no record of the asked type is
NODATA. CNAMEs are followed inside the zone and the chain is put in the answer.
UDP answers larger than 512 bytes (or the client's EDNS size) are truncated (TC) so the client
retries over TCP. The zone file is reloaded when it changes (checked on every query): replace
it atomically (write a temporary file, then rename) so the server never reads half a file.
"""
import argparse
import json
import os
import socket
import struct
import sys
import threading
import time

from dnslib import (AAAA, CNAME, DNSLabel, DNSRecord, EDNS0, MX, NS, PTR, QTYPE, RCODE, RR,
                    TLSA, TXT, A)

MAX_CHAIN = 8


def norm(name):
    return str(name).rstrip(".").lower()


class Zone:
    def __init__(self, path, verbose):
        self.path = path
        self.verbose = verbose
        self.lock = threading.Lock()
        self.stamp = None
        self.names = {}
        self.ancestors = set()
        self.ad = False
        self.refresh()

    def refresh(self):
        with self.lock:
            try:
                st = os.stat(self.path)
            except OSError:
                return
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
            if stamp == self.stamp:
                return
            try:
                with open(self.path, encoding="utf-8") as f:
                    data = json.load(f)
            except (OSError, ValueError) as e:
                print(f"dns_server: cannot load {self.path}: {e}", file=sys.stderr)
                return
            names, ancestors = {}, set()
            for key, value in data.items():
                if isinstance(value, list):
                    name = norm(key)
                    names[name] = value
                    labels = name.split(".")
                    for i in range(1, len(labels)):
                        ancestors.add(".".join(labels[i:]))
            self.names, self.ancestors = names, ancestors
            self.ad = data.get("ad") is True
            self.stamp = stamp
            if self.verbose:
                print(f"dns_server: loaded {len(names)} names", file=sys.stderr)

    def find(self, name):
        """Records for name (exact, else the closest wildcard), or None if it does not exist."""
        with self.lock:
            if name in self.names:
                return self.names[name]
            if name in self.ancestors:
                return []
            labels = name.split(".")
            for i in range(1, len(labels)):
                wild = "*." + ".".join(labels[i:])
                if wild in self.names:
                    return self.names[wild]
            return None


def make_rdata(rec):
    kind = rec["type"].upper()
    value = rec.get("value", "")
    if kind == "A":
        return A(value)
    if kind == "AAAA":
        return AAAA(value)
    if kind == "MX":
        return MX(value, int(rec.get("pref", 10)))
    if kind == "CNAME":
        return CNAME(value)
    if kind == "PTR":
        return PTR(value)
    if kind == "NS":
        return NS(value)
    if kind == "TXT":
        if isinstance(value, list):
            parts = [p.encode() if isinstance(p, str) else bytes(p) for p in value]
        else:
            raw = value.encode()
            parts = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
        return TXT(parts)
    if kind == "TLSA":
        return TLSA(int(rec.get("usage", 3)), int(rec.get("selector", 1)),
                    int(rec.get("mtype", 1)), bytes.fromhex(value))
    raise ValueError(f"unknown record type {kind}")


def answer(zone, request):
    """Returns (reply, delay_seconds), or (None, 0) to stay silent."""
    zone.refresh()
    reply = request.reply()  # QR, RD copied, RA set, same id and question
    reply.header.aa = 1
    reply.header.ra = 0
    reply.header.ad = 0
    wants_ad = request.header.ad == 1 or any(
        rr.rtype == QTYPE.OPT and (rr.ttl & 0x8000) for rr in request.ar)
    secure = zone.ad and wants_ad
    if not request.questions:
        reply.header.rcode = RCODE.FORMERR
        return reply, 0
    q = request.q
    qtype = QTYPE[q.qtype]
    name = norm(q.qname)
    delay = 0.0
    for _ in range(MAX_CHAIN):
        recs = zone.find(name)
        if recs is None:
            reply.header.rcode = RCODE.NXDOMAIN
            break
        kinds = {r.get("type", "").upper() for r in recs}
        if "INSECURE" in kinds:
            secure = False
        if "TIMEOUT" in kinds:
            return None, 0
        for r in recs:
            if r.get("type", "").upper() == "DELAY":
                delay += int(r.get("ms", 0)) / 1000.0
        if "SERVFAIL" in kinds or "REFUSED" in kinds:
            reply.header.rcode = RCODE.SERVFAIL if "SERVFAIL" in kinds else RCODE.REFUSED
            return reply, delay
        owner = DNSLabel(name + ".")
        matches = [r for r in recs if r.get("type", "").upper() == qtype or
                   (qtype == "ANY" and r.get("type", "").upper() in QTYPE.reverse)]
        if matches:
            for r in matches:
                reply.add_answer(RR(owner, QTYPE.reverse[r["type"].upper()],
                                    rdata=make_rdata(r), ttl=int(r.get("ttl", 300))))
            break
        cnames = [r for r in recs if r.get("type", "").upper() == "CNAME"]
        if not cnames:
            break  # NODATA
        reply.add_answer(RR(owner, QTYPE.CNAME, rdata=make_rdata(cnames[0]),
                            ttl=int(cnames[0].get("ttl", 300))))
        name = norm(cnames[0]["value"])
    if secure and reply.header.rcode in (RCODE.NOERROR, RCODE.NXDOMAIN):
        reply.header.ad = 1
    return reply, delay


def udp_limit(request):
    for rr in request.ar:
        if rr.rtype == QTYPE.OPT:
            return max(512, rr.rclass)
    return 512


def has_edns(request):
    return any(rr.rtype == QTYPE.OPT for rr in request.ar)


def respond(zone, data, verbose, log, proto):
    """Parses a query; returns (request, reply, delay) or None."""
    try:
        request = DNSRecord.parse(data)
    except Exception as e:  # malformed packets are dropped
        if verbose:
            print(f"dns_server: bad packet: {e}", file=sys.stderr)
        return None
    try:
        reply, delay = answer(zone, request)
    except Exception as e:  # a bad record in the zone: say so, answer SERVFAIL, keep serving
        print(f"dns_server: zone error: {e!r}", file=sys.stderr)
        reply, delay = request.reply(), 0
        reply.header.rcode = RCODE.SERVFAIL
    if request.questions:
        line = f"{norm(request.q.qname)} {QTYPE[request.q.qtype]}"
        if verbose:
            print(f"dns_server: {proto} {line} -> "
                  f"{'(silent)' if reply is None else RCODE[reply.header.rcode]}", file=sys.stderr)
        if log:
            with open(log, "a", encoding="utf-8") as f:
                f.write(line + "\n")
    if reply is not None and has_edns(request):
        reply.add_ar(EDNS0(udp_len=1232))
    return request, reply, delay


def serve_udp(sock, zone, verbose, log):
    while True:
        data, peer = sock.recvfrom(65535)
        result = respond(zone, data, verbose, log, "udp")
        if result is None or result[1] is None:
            continue
        request, reply, delay = result
        packed = reply.pack()
        if len(packed) > udp_limit(request):
            reply.rr, reply.auth = [], []
            reply.header.tc = 1
            packed = reply.pack()
        if delay > 0:
            threading.Timer(delay, sock.sendto, (packed, peer)).start()
        else:
            sock.sendto(packed, peer)


def recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def serve_tcp_conn(conn, zone, verbose, log):
    with conn:
        while True:
            head = recv_exact(conn, 2)
            if head is None:
                return
            data = recv_exact(conn, struct.unpack("!H", head)[0])
            if data is None:
                return
            result = respond(zone, data, verbose, log, "tcp")
            if result is None or result[1] is None:
                continue
            _, reply, delay = result
            if delay > 0:
                time.sleep(delay)
            packed = reply.pack()
            try:
                conn.sendall(struct.pack("!H", len(packed)) + packed)
            except OSError:
                return


def serve_tcp(sock, zone, verbose, log):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve_tcp_conn, args=(conn, zone, verbose, log),
                         daemon=True).start()


def bind(port):
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # bursts of hundreds of queries must not overflow the default receive buffer
        udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        udp.bind(("127.0.0.1", port))
        actual = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind(("127.0.0.1", actual))
        except OSError:
            udp.close()
            tcp.close()
            if port:
                raise
            continue
        tcp.listen(64)
        return udp, tcp, actual
    raise OSError("no port free for both UDP and TCP")


def main():
    ap = argparse.ArgumentParser(description="loopback DNS server for tests")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--zone", required=True)
    ap.add_argument("--port-file")
    ap.add_argument("--query-log", help="append 'name TYPE' for every query to this file")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    zone = Zone(args.zone, args.verbose)
    udp, tcp, port = bind(args.port)
    for target, sock in ((serve_udp, udp), (serve_tcp, tcp)):
        threading.Thread(target=target, args=(sock, zone, args.verbose, args.query_log),
                         daemon=True).start()
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(f"{port}\n")
        os.replace(tmp, args.port_file)
    if args.verbose:
        print(f"dns_server: listening on 127.0.0.1:{port}", file=sys.stderr)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
