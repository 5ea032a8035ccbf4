#!/usr/bin/python3
"""An SMTP sink for Portcullis tests: accepts mail on 127.0.0.1 and stores it.

    sink.py --port N --dir D [--rcpt-reply "550 5.1.1 no such user"]
            [--rcpt-match REGEX] [--data-reply "451 4.3.0 try later"] [--port-file P]
            [--address 127.0.0.1] [--tls-cert C --tls-key K]

--port 0 picks a free port. Once listening, the port is written to --port-file (atomically)
and "sink: listening on ADDRESS:PORT" is printed on stdout.

Each accepted message is stored as D/<seq>.eml, the exact octets received after
dot-unstuffing (aiosmtpd's envelope.original_content), and then D/<seq>.json with
{"seq", "mail_from" ("" for the null sender), "rcpt_tos", "mail_options", "rcpt_options",
"peer", "size", "time"}.
The .json file is written last (write + rename), so a reader that sees it sees a complete
message. Sequence numbers continue after the highest one already in D, so a sink restarted
on the same directory never overwrites earlier messages.

--rcpt-reply makes every RCPT TO answer with that reply, or only those whose address matches
--rcpt-match (Python regex, searched case-insensitively); the others are accepted.
--data-reply makes every end of data answer with that reply (nothing is stored then).
With --tls-cert/--tls-key the sink offers STARTTLS with that certificate; the .json then has
"tls": [cipher, protocol, bits] for a message received over TLS (null otherwise). --tls-max 1.1
makes it a peer that only speaks TLS 1.1 or older.
SMTPUTF8 and 8BITMIME are announced and accepted. Run it with Debian's /usr/bin/python3 (python3-aiosmtpd).
"""
import argparse
import asyncio
import json
import os
import re
import signal
import sys
import time

from aiosmtpd.smtp import SMTP


class LenientSMTP(SMTP):
    # The gateway's line lengths are not this sink's business: accept long lines.
    line_length_limit = 1 << 20


class Handler:
    def __init__(self, directory, rcpt_reply, data_reply, rcpt_match=None):
        self.dir = directory
        self.rcpt_reply = rcpt_reply
        self.rcpt_match = re.compile(rcpt_match, re.I) if rcpt_match else None
        self.data_reply = data_reply
        self.seq = 0
        for name in os.listdir(directory):
            m = re.fullmatch(r"(\d+)\.(eml|json)", name)
            if m:
                self.seq = max(self.seq, int(m.group(1)))

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply and (self.rcpt_match is None or self.rcpt_match.search(address)):
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        self.seq += 1
        seq = self.seq
        base = os.path.join(self.dir, str(seq))
        data = envelope.original_content or b""
        with open(base + ".eml.tmp", "wb") as f:
            f.write(data)
        os.replace(base + ".eml.tmp", base + ".eml")
        meta = {
            "seq": seq,
            # aiosmtpd reports the null reverse-path as "<>"; store it as "".
            "mail_from": "" if envelope.mail_from in (None, "<>") else envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "mail_options": list(envelope.mail_options),
            "rcpt_options": list(envelope.rcpt_options),
            "peer": list(session.peer) if session.peer else None,
            "size": len(data),
            "tls": list(session.ssl["cipher"]) if getattr(session, "ssl", None) else None,
            "time": time.time(),
        }
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(meta, f, ensure_ascii=False)
        os.replace(base + ".json.tmp", base + ".json")
        return "250 2.0.0 OK: stored as %d" % seq


async def serve(args):
    os.makedirs(args.dir, exist_ok=True)
    handler = Handler(args.dir, args.rcpt_reply, args.data_reply, args.rcpt_match)
    loop = asyncio.get_running_loop()

    tls_context = None
    if args.tls_cert:
        import ssl
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls_max == "1.1":  # a peer stuck on an old protocol: its handshakes with us fail
            tls_context.set_ciphers("ALL:@SECLEVEL=0")
            tls_context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            tls_context.maximum_version = ssl.TLSVersion.TLSv1_1

    def factory():
        return LenientSMTP(handler, enable_SMTPUTF8=True, decode_data=False,
                           hostname="sink.test", ident="Portcullis test sink",
                           data_size_limit=256 << 20, tls_context=tls_context)

    server = await loop.create_server(factory, host=args.address, port=args.port,
                                      reuse_address=True)
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(f"{port}\n")
        os.replace(tmp, args.port_file)
    print(f"sink: listening on {args.address}:{port}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


def main():
    ap = argparse.ArgumentParser(description="SMTP sink for Portcullis tests")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--rcpt-reply")
    ap.add_argument("--rcpt-match")
    ap.add_argument("--data-reply")
    ap.add_argument("--port-file")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--tls-max", choices=["1.1"])
    args = ap.parse_args()
    for reply in (args.rcpt_reply, args.data_reply):
        if reply is not None and not re.fullmatch(r"[2-5]\d\d( .*)?", reply):
            ap.error(f"a reply must start with a 3-digit code: {reply!r}")
    try:
        asyncio.run(serve(args))
    except OSError as e:
        print(f"sink: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
