"""kill -9 durability: every message acknowledged with 250 is delivered after a restart.

Run: PORTCULLIS_BIN_DIR=build/sanitize/daemon /usr/bin/python3 -m unittest -v test_durability
PORTCULLIS_DURABILITY_N overrides the number of messages (default 3000).
"""
import itertools
import os
import re
import smtplib
import sys
import threading
import time
import unittest

from harness import GatewayCase, QUEUED_RE, make_message, wait_until

SEQ_RE = re.compile(rb"\r\nX-Seq: (\d+)\r\n")


class SeqScanner:
    """Incrementally reads the sink folder and counts arrivals per X-Seq."""

    def __init__(self, sink):
        self.sink = sink
        self.done = set()
        self.count = {}
        self.other = 0

    def scan(self):
        if not self.sink.dir.is_dir():
            return self.count
        for meta in self.sink.dir.glob("*.json"):
            if meta.stem in self.done:
                continue
            try:
                data = (self.sink.dir / f"{meta.stem}.eml").read_bytes()
            except OSError:
                continue
            self.done.add(meta.stem)
            m = SEQ_RE.search(data)
            if m:
                seq = int(m.group(1))
                self.count[seq] = self.count.get(seq, 0) + 1
            else:
                self.other += 1
        return self.count


def send_seq(s, seq):
    """One numbered message (X-Seq: seq) over an open smtplib session: (code, reply, queue id
    or None)."""
    data = make_message(f"load {seq}", [f"message number {seq}"], extra_headers=[f"X-Seq: {seq}"])
    code, resp = s.mail("load@sender.test")
    if code == 250:
        code, resp = s.rcpt("user@example.test")
    if code == 250:
        code, resp = s.data(data)
    if code != 250:
        return code, resp, None
    m = QUEUED_RE.search(resp.decode("utf-8", "replace"))
    return code, resp, m.group(1) if m else "?"


class DurabilityTest(GatewayCase):
    N = int(os.environ.get("PORTCULLIS_DURABILITY_N", "3000"))
    CONNECTIONS = 20

    def test_kill9_loses_nothing_acknowledged(self):
        dest = self.make_sink("dest")
        mx = self.make_sink("mx")
        dns = self.make_dns()
        gw = self.make_gateway(dns, mx.port)
        gw.cli("domain", "add", "example.test", "--destination", f"127.0.0.1:{dest.port}")
        gw.start()

        lock = threading.Lock()
        counter = itertools.count(1)
        acked = {}            # seq -> queue id
        refused = []          # non-250 answers before the kill
        errors_before = []    # exceptions before the kill
        killed = threading.Event()

        def worker(n):
            try:
                s = smtplib.SMTP("127.0.0.1", gw.port, local_hostname=f"load{n}.test", timeout=30)
                s.ehlo()
            except (OSError, smtplib.SMTPException) as e:
                if not killed.is_set():
                    with lock:
                        errors_before.append(f"connect: {e!r}")
                return
            try:
                while not killed.is_set():
                    with lock:
                        seq = next(counter)
                    if seq > self.N:
                        break
                    code, resp, queue_id = send_seq(s, seq)
                    if code == 250:
                        with lock:
                            acked[seq] = queue_id
                    else:
                        if not killed.is_set():
                            with lock:
                                refused.append((seq, code, resp))
                        s.rset()
                s.quit()
            except (OSError, smtplib.SMTPException) as e:
                if not killed.is_set():
                    with lock:
                        errors_before.append(f"{e!r}")
            finally:
                s.close()

        t0 = time.monotonic()
        threads = [threading.Thread(target=worker, args=(i,), daemon=True)
                   for i in range(self.CONNECTIONS)]
        for t in threads:
            t.start()

        def halfway():
            with lock:
                if errors_before:
                    raise AssertionError(f"load failed before the kill: {errors_before[:5]}")
                return len(acked) >= self.N // 2
        wait_until(halfway, 150, f"{self.N // 2} acknowledged messages",
                   diagnostics=lambda: gw.tail(30))
        killed.set()
        gw.kill9()
        t_kill = time.monotonic()
        for t in threads:
            t.join(timeout=40)
        self.assertFalse(any(t.is_alive() for t in threads), "load threads did not finish")
        with lock:
            acked_now = dict(acked)
        self.assertEqual(refused, [], "messages refused under load before the kill")
        self.assertEqual(errors_before, [])
        self.assertGreaterEqual(len(acked_now), self.N // 2)
        self.assertLess(len(acked_now), self.N, "the kill came after the load had finished")

        scanner = SeqScanner(dest)
        at_kill = len(scanner.scan())
        gw.start()

        def all_arrived():
            have = scanner.scan()
            return all(seq in have for seq in acked_now)
        try:
            wait_until(all_arrived, 120, "every acknowledged message at the sink", interval=0.5)
        except AssertionError:
            pass  # reported precisely below
        have = scanner.scan()
        recovered = gw.events("queue_recovered", since=gw.start_offset)
        missing = sorted(seq for seq in acked_now if seq not in have)
        dups = {seq: n for seq, n in have.items() if n > 1}
        unacked_delivered = sorted(seq for seq in have if seq not in acked_now)
        print(f"\n[durability] N={self.N} acknowledged={len(acked_now)} "
              f"delivered-before-kill={at_kill} distinct-delivered={len(have)} "
              f"duplicates={len(dups)} (extra copies {sum(n - 1 for n in dups.values())}) "
              f"delivered-but-not-acknowledged={len(unacked_delivered)} "
              f"missing={len(missing)} recovered={recovered[0][2] if recovered else None} "
              f"load={t_kill - t0:.1f}s drain={time.monotonic() - t_kill:.1f}s",
              file=sys.stderr)
        if missing:
            lost = [(seq, acked_now[seq]) for seq in missing[:20]]
            self.fail(f"{len(missing)} acknowledged message(s) lost after kill -9; "
                      f"first (seq, queue id): {lost}\n{gw.tail(40)}")
        self.assertEqual(scanner.other, 0, "messages without X-Seq at the sink")
        self.assertEqual(mx.count(), 0)


if __name__ == "__main__":
    unittest.main()
