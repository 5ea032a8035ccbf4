"""Signals: SIGTERM under load loses no acknowledged message and ends every session with 421;
a transaction under way may finish within timeouts.shutdown. SIGHUP (and `portcullis reload`)
re-read the config file: live keys take effect, start-up keys are reported, a broken file
changes nothing.

Run: PORTCULLIS_BIN_DIR=build/sanitize/daemon /usr/bin/python3 -m unittest -v test_signals
"""
import itertools
import os
import re
import signal
import smtplib
import sys
import threading
import time
import unittest

from harness import QUEUED_RE, GatewayCase, RawSMTP, make_message, wait_until
from test_durability import SeqScanner, send_seq

SHUTDOWN_BOUND = 4  # timeouts.shutdown in these tests, seconds


class SigtermTest(GatewayCase):
    CONNECTIONS = 8

    def test_sigterm_under_load_keeps_every_acknowledged_message_and_sends_421(self):
        dest = self.make_sink("dest")
        mx = self.make_sink("mx")
        dns = self.make_dns()
        gw = self.make_gateway(dns, mx.port, timeouts={"shutdown": SHUTDOWN_BOUND})
        gw.cli("domain", "add", "example.test", "--destination", f"127.0.0.1:{dest.port}")
        gw.start()

        # Sessions the test drives by hand: two idle ones (between transactions), one that is
        # in a transaction and finishes it after SIGTERM, one that stalls in its transaction.
        idle = [RawSMTP(gw.port) for _ in range(2)]
        finishing = RawSMTP(gw.port)
        stalled = RawSMTP(gw.port)
        for c in (*idle, finishing, stalled):
            self.addCleanup(c.close)
            c.ehlo()
        for c in (finishing, stalled):
            self.assertEqual(c.cmd("MAIL FROM:<hand@sender.test>").code, 250)
            self.assertEqual(c.cmd("RCPT TO:<user@example.test>").code, 250)

        lock = threading.Lock()
        counter = itertools.count(1)
        acked = {}        # seq -> queue id
        endings = []      # how each load session ended: ("421", text) | ("closed", repr)
        problems = []     # anything else before the signal
        stop = threading.Event()

        def worker(n):
            s = smtplib.SMTP("127.0.0.1", gw.port, local_hostname=f"load{n}.test", timeout=30)
            try:
                s.ehlo()
                for _ in range(100000):  # bounded; the signal ends it long before
                    with lock:
                        seq = next(counter)
                    code, resp, queue_id = send_seq(s, seq)
                    if code == 250:
                        with lock:
                            acked[seq] = queue_id
                        continue
                    with lock:
                        if code == 421:
                            endings.append(("421", resp.decode("utf-8", "replace")))
                        else:
                            problems.append((seq, code, resp))
                    return
            except smtplib.SMTPServerDisconnected as e:
                with lock:
                    endings.append(("closed", repr(e)))
            except (OSError, smtplib.SMTPException) as e:
                with lock:
                    (endings if stop.is_set() else problems).append(("error", repr(e)))
            finally:
                s.close()

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(self.CONNECTIONS)]
        for t in threads:
            t.start()
        wait_until(lambda: len(acked) >= 200 or problems, 120, "200 acknowledged messages under load",
                   diagnostics=lambda: gw.tail(30))
        self.assertEqual(problems, [])

        mark = gw.log_size()
        stop.set()
        t_signal = time.monotonic()
        os.kill(gw.pid, signal.SIGTERM)
        gw.wait_event("stopping", since=mark, timeout=10)

        # Idle sessions hear 421 at once, long before the bound.
        for c in idle:
            r = c.read_reply(timeout=SHUTDOWN_BOUND - 1)
            self.assertEqual(r.code, 421, r)
            self.assertIn("4.3.2", r.text)
            self.assertTrue(c.wait_closed(5))
        # A transaction under way may finish: its message is accepted, then the session ends.
        self.assertEqual(finishing.cmd("DATA").code, 354)
        r = finishing.cmd(make_message("finishing", ["sent after SIGTERM"],
                                       extra_headers=["X-Seq: 0"]).decode().rstrip("\r\n") + "\r\n.")
        self.assertEqual(r.code, 250, r)
        finishing_id = QUEUED_RE.search(r.text).group(1)
        self.assertEqual(finishing.cmd("MAIL FROM:<hand@sender.test>").code, 421)
        # The stalled one gets its 421 at the bound, not before.
        r = stalled.read_reply(timeout=SHUTDOWN_BOUND + 10)
        self.assertEqual(r.code, 421, r)
        self.assertGreaterEqual(time.monotonic() - t_signal, SHUTDOWN_BOUND - 0.5)
        self.assertTrue(gw.events("closing_sessions", since=mark), "421 before the bound was reached")

        for t in threads:
            t.join(timeout=30)
        self.assertFalse(any(t.is_alive() for t in threads), "load sessions did not end")
        gw.proc.wait(timeout=30)
        self.assertEqual(gw.stop(), 0)  # exit status and sanitizer reports
        self.assertEqual(problems, [])
        self.assertEqual(len(endings), self.CONNECTIONS)
        self.assertTrue(all(kind == "421" and "4.3.2" in text for kind, text in endings), endings)

        # Nothing acknowledged is lost: what was not delivered before the stop is still queued
        # and leaves after the restart.
        with lock:
            acked_now = dict(acked)
        acked_now[0] = finishing_id
        scanner = SeqScanner(dest)
        before = len(scanner.scan())
        gw.start()
        wait_until(lambda: all(seq in scanner.scan() for seq in acked_now), 120,
                   "every acknowledged message at the sink", interval=0.5,
                   diagnostics=lambda: f"missing {sorted(set(acked_now) - set(scanner.scan()))[:20]}\n{gw.tail(30)}")
        have = scanner.scan()
        dups = sum(n - 1 for n in have.values() if n > 1)
        print(f"\n[sigterm] acknowledged={len(acked_now)} delivered-before-stop={before} "
              f"after-restart={len(have)} duplicates={dups} "
              f"recovered={gw.events('queue_recovered', since=gw.start_offset)[0][2]}", file=sys.stderr)
        self.assertEqual(mx.count(), 0)


class SighupTest(GatewayCase):
    def size_in_ehlo(self, gw):
        with RawSMTP(gw.port) as c:
            text = "\n".join(c.ehlo().lines)
        m = re.search(r"^SIZE (\d+)$", text, re.M)
        return int(m.group(1)) if m else None

    def test_sighup_rereads_the_config_file(self):
        dns = self.make_dns()
        mx = self.make_sink("mx")
        gw = self.make_gateway(dns, mx.port, limits={"message_size": 100000})
        gw.start()
        self.assertEqual(self.size_in_ehlo(gw), 100000)

        # A live key: the next session sees it.
        gw.limits["message_size"] = 200000
        gw.write_config()
        mark = gw.log_size()
        os.kill(gw.pid, signal.SIGHUP)
        f = gw.wait_event("config_reloaded", since=mark)
        self.assertIn("limits", f["applied"].split(","))
        self.assertEqual(self.size_in_ehlo(gw), 200000)

        # A start-up key: kept, and the admin is told a restart is needed.
        gw.settings["seccomp"] = "log"
        gw.write_config()
        mark = gw.log_size()
        os.kill(gw.pid, signal.SIGHUP)
        f = gw.wait_event("config_needs_restart", since=mark)
        self.assertEqual(f["keys"], "seccomp")
        with open(f"/proc/{gw.pid}/status") as st:
            self.assertIn("Seccomp:\t2", st.read())

        # A broken file changes nothing; the daemon goes on.
        gw.config_path.write_text("[limits\nmessage_size = 5\n")
        mark = gw.log_size()
        os.kill(gw.pid, signal.SIGHUP)
        f = gw.wait_event("config_reload_failed", since=mark)
        self.assertIn("portcullis.toml", f["error"])
        self.assertEqual(self.size_in_ehlo(gw), 200000)

        # `portcullis reload` does the same as SIGHUP.
        gw.limits["message_size"] = 300000
        gw.write_config()
        mark = gw.log_size()
        gw.cli("reload")
        gw.wait_event("config_reloaded", since=mark)
        self.assertEqual(self.size_in_ehlo(gw), 300000)


if __name__ == "__main__":
    unittest.main()
