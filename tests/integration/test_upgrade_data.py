"""The upgrade keeps the data: the previous release's store migrated by this build.

The fixtures in tests/data/upgrade/schema-4 are the store of release 0.1.0 (schema 4) as an
administrator has it after a year — policy made with the 0.1.0 CLI, a message log and kv
counters written by the 0.1.0 daemon — dumped from SQLite and from MariaDB
(tests/data/upgrade/README.md; tests/data/upgrade/make-fixtures makes them). Each test loads a
dump into a fresh database and migrates it with this build:

  - `db status` / `db migrate` say what they should; every row of every schema-4 table is the
    same after the migration; the CLI shows the data (SQLite, MariaDB);
  - the daemon starts on the migrated store with the fixture's configuration and rules, relays
    mail by the old policy and rules, and the old message log is still there (SQLite);
  - the migrated schema is the schema of a fresh install of this build (SQLite, MariaDB).

Run: PORTCULLIS_BIN_DIR=build/sanitize/daemon /usr/bin/python3 -m unittest -v test_upgrade_data
"""
import datetime
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from harness import REPO, Gateway, GatewayCase, give_to_daemon_user, make_message, mx_zone, smtp_send, wait_until
from mariadb_server import CLIENT, MariaDB

FIXTURES = REPO / "tests" / "data" / "upgrade" / "schema-4"
PREV_SCHEMA = 4
# Every table of schema 4 (daemon/src/store/migrations.cpp, versions 1-4).
SCHEMA_4_TABLES = {"schema_version", "policy_serial", "settings", "domains", "recipients", "aliases",
                   "alias_targets", "relaynets", "messages", "message_rcpts", "greylist", "bans", "ip_ranges",
                   "admin_users", "kv", "tls_policies"}
# The admin accounts' passwords in the fixtures (tests/data/upgrade/README.md).
PASSWORDS = {"admin": "Fixture-Admin-2024!", "auditor": "auditor reads the logs every monday",
             "ops": "Ops-Team-Rotated-2025"}
DB_USER = "portcullis"  # the DEFINER of the triggers in mariadb.sql
DB_PASSWORD = "s3cret-for-upgrade-tests"


def fixture_config(listen_port, dns_port, mx_port, store=None, password_file=None):
    """schema-4/portcullis.toml with its placeholders filled in (the scheme in its header)."""
    text = (FIXTURES / "portcullis.toml").read_text()
    text = (text.replace("@LISTEN_PORT@", str(listen_port)).replace("@DNS_PORT@", str(dns_port))
            .replace("@MX_PORT@", str(mx_port)))
    if store is not None:
        text, n = re.subn(r"(?m)^store = .*$", f'store = "{store}"\nstore_password_file = "{password_file}"', text)
        assert n == 1, "schema-4/portcullis.toml: expected exactly one store line"
    assert not re.search(r"@[A-Z_]+@", re.sub(r"(?m)#.*$", "", text)), "a placeholder is left"
    return text


class FixtureGateway(Gateway):
    """A Gateway (harness) whose configuration and rules are the fixture's, not the harness's."""

    def __init__(self, workdir, *, store=None, password_file=None, **kw):
        self.fixture_store = store
        self.fixture_password_file = password_file
        super().__init__(workdir, store=store, **kw)
        for f in sorted((FIXTURES / "rules").glob("*.lua")):
            shutil.copy(f, self.rules_dir / f.name)

    def write_config(self):
        dns_port = int(self.delivery["resolvers"][0].rsplit(":", 1)[1])
        self.config_path.write_text(fixture_config(self.port, dns_port, self.delivery["mx_port"],
                                                   self.fixture_store, self.fixture_password_file))

    @property
    def sqlite_path(self):
        return self.root / "data" / "portcullis.db"


# --------------------------------------------------------------------------------------------
# The two backends, seen through SQL: tables, rows, schema

def rows_as_text(rows):
    return [tuple("NULL" if v is None else str(v) for v in r) for r in rows]


class SqliteDb:
    def __init__(self, path):
        self.path = Path(path)

    def load(self, dump):
        with sqlite3.connect(self.path) as c:
            c.executescript(dump.read_text(encoding="utf-8"))

    def query(self, sql, args=()):
        c = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            return [tuple(r) for r in c.execute(sql, args)]
        finally:
            c.close()

    def execute(self, script):
        c = sqlite3.connect(self.path)
        try:
            c.executescript("BEGIN;\n" + script + "\nCOMMIT;\n")
        finally:
            c.close()

    def tables(self):
        return {r[0] for r in self.query("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite_%'")}

    def columns(self, table):
        return [r[1] for r in self.query(f"PRAGMA table_info('{table}')")]

    def select(self, table, columns):
        cols = ", ".join(f'"{c}"' for c in columns)
        order = ", ".join(str(i + 1) for i in range(len(columns)))
        return rows_as_text(self.query(f'SELECT {cols} FROM "{table}" ORDER BY {order}'))

    def schema(self):
        """Every table's columns, foreign keys and CHECKs, every index and trigger, as a set."""
        out = set()
        for type_, name, table, sql in self.query("SELECT type, name, tbl_name, sql FROM sqlite_master"):
            if type_ == "table":
                for cid, col, ctype, notnull, default, pk, hidden in self.query(f"PRAGMA table_xinfo('{name}')"):
                    out.add(("column", name, col, ctype, notnull, default, pk, hidden))
                for fk in self.query(f"PRAGMA foreign_key_list('{name}')"):
                    out.add(("foreign key", name) + tuple(fk[2:]))
                checks = re.findall(r"CHECK\s*\((?:[^()]|\([^()]*\))*\)", sql or "")
                out.add(("checks", name, tuple(sorted(re.sub(r"\s+", " ", c) for c in checks))))
            elif type_ == "index":
                unique = [r[2] for r in self.query(f"PRAGMA index_list('{table}')") if r[1] == name]
                cols = tuple(r[2] for r in self.query(f"PRAGMA index_info('{name}')"))
                out.add(("index", name, table, tuple(unique), cols))
            else:
                out.add((type_, name, table, re.sub(r"\s+", " ", sql or "").strip()))
        return out


class MariaDbDb:
    def __init__(self, server, name):
        self.server, self.name = server, name

    def load(self, dump):
        with open(dump, "rb") as f:
            r = subprocess.run([CLIENT, "--no-defaults", f"--socket={self.server.socket}", "-uroot", self.name],
                               stdin=f, capture_output=True, timeout=120)
        if r.returncode != 0:
            raise AssertionError(f"loading {dump} failed: {r.stderr.decode(errors='replace')}")

    def query(self, sql):
        out = self.server.sql(sql, database=self.name).stdout.decode("utf-8")
        return [tuple(line.split("\t")) for line in out.splitlines()]

    def execute(self, script):
        self.server.sql(script, database=self.name)

    def tables(self):
        return {r[0] for r in self.query("SELECT TABLE_NAME FROM information_schema.TABLES "
                                         "WHERE TABLE_SCHEMA = DATABASE()")}

    def columns(self, table):
        return [r[0] for r in self.query("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE "
                                         f"TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}' "
                                         "ORDER BY ORDINAL_POSITION")]

    def select(self, table, columns):
        cols = ", ".join(f"`{c}`" for c in columns)
        order = ", ".join(str(i + 1) for i in range(len(columns)))
        return self.query(f"SELECT {cols} FROM `{table}` ORDER BY {order}")

    # information_schema views and the columns that describe the schema (positions left out:
    # the order of columns and of rows does not matter).
    SCHEMA_VIEWS = {
        "TABLES": "TABLE_NAME, TABLE_TYPE, ENGINE, ROW_FORMAT, TABLE_COLLATION, CREATE_OPTIONS",
        "COLUMNS": "TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, CHARACTER_SET_NAME, "
                   "COLLATION_NAME, COLUMN_KEY, EXTRA, IS_GENERATED, GENERATION_EXPRESSION",
        "STATISTICS": "TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE, SUB_PART, COLLATION, "
                      "NULLABLE, INDEX_TYPE",
        "TRIGGERS": "TRIGGER_NAME, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_TIMING, ACTION_ORIENTATION, "
                    "ACTION_STATEMENT, SQL_MODE, DEFINER, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, "
                    "DATABASE_COLLATION",
        "REFERENTIAL_CONSTRAINTS": "CONSTRAINT_NAME, TABLE_NAME, REFERENCED_TABLE_NAME, UNIQUE_CONSTRAINT_NAME, "
                                   "MATCH_OPTION, UPDATE_RULE, DELETE_RULE",
        "KEY_COLUMN_USAGE": "CONSTRAINT_NAME, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, REFERENCED_TABLE_NAME, "
                            "REFERENCED_COLUMN_NAME",
        "CHECK_CONSTRAINTS": "CONSTRAINT_NAME, TABLE_NAME, LEVEL, CHECK_CLAUSE",
    }
    SCHEMA_COLUMN = {"TABLES": "TABLE_SCHEMA", "COLUMNS": "TABLE_SCHEMA", "STATISTICS": "TABLE_SCHEMA",
                     "TRIGGERS": "TRIGGER_SCHEMA", "REFERENTIAL_CONSTRAINTS": "CONSTRAINT_SCHEMA",
                     "KEY_COLUMN_USAGE": "TABLE_SCHEMA", "CHECK_CONSTRAINTS": "CONSTRAINT_SCHEMA"}

    def schema(self):
        out = set()
        for view, cols in self.SCHEMA_VIEWS.items():
            for row in self.query(f"SELECT {cols} FROM information_schema.{view} "
                                  f"WHERE {self.SCHEMA_COLUMN[view]} = DATABASE()"):
                out.add((view,) + row)
        return out


def snapshot(db):
    """{table: (columns, rows)} of every table, rows ordered, values as text."""
    out = {}
    for t in sorted(db.tables()):
        cols = db.columns(t)
        out[t] = (cols, db.select(t, cols))
    return out


def as_dicts(snap, table):
    cols, rows = snap[table]
    return [dict(zip(cols, r)) for r in rows]


def split_columns(line):
    """A `list` line of the CLI: columns separated by two or more spaces."""
    return re.split(r"\s{2,}", line.strip())


# --------------------------------------------------------------------------------------------

class UpgradeDataCase(GatewayCase):
    """The checks shared by both backends."""

    maxDiff = None

    def latest_version(self, gw, fresh_store):
        """The schema version this build knows, from `db status` of an empty store."""
        out = gw.cli("--store", fresh_store, "db", "status").stdout.decode()
        version = int(re.search(r"(?m)^build-version\s+(\d+)$", out).group(1))
        self.assertGreaterEqual(version, 5, out)  # 0.2.0 added migration 5
        return version

    def check_fixture_is_a_real_one(self, snap):
        """The fixture is the store of a year: guards against an empty or thinned-out regeneration."""
        self.assertEqual(set(snap), SCHEMA_4_TABLES, "the fixture's tables are schema 4's")
        versions = [int(r["version"]) for r in as_dicts(snap, "schema_version")]
        self.assertEqual(versions, [1, 2, 3, 4])
        for table in SCHEMA_4_TABLES:
            self.assertTrue(snap[table][1], f"the fixture has rows in {table}")
        domains = as_dicts(snap, "domains")
        self.assertGreaterEqual(len(domains), 4)
        self.assertEqual({d["recipient_mode"] for d in domains}, {"all", "specified"})
        self.assertGreater(len({d["destination_port"] for d in domains}), 1)
        targets = [r["alias"] for r in as_dicts(snap, "alias_targets")]
        self.assertTrue(any(targets.count(a) >= 3 for a in targets), "an alias with several targets")
        self.assertTrue(any(r["note"] for r in as_dicts(snap, "relaynets")))
        self.assertEqual({r["role"] for r in as_dicts(snap, "admin_users")}, {"admin", "viewer"})
        self.assertEqual({r["mode"] for r in as_dicts(snap, "tls_policies")}, {"none", "may", "encrypt", "verify"})
        self.assertGreaterEqual(len(snap["messages"][1]), 4)
        self.assertTrue({"delivered", "bounced"} <= {r["status"] for r in as_dicts(snap, "message_rcpts")})

    def migrate_and_compare(self, gw, db, latest):
        """db status / db migrate on the loaded fixture; the rows before and after."""
        before = snapshot(db)
        self.check_fixture_is_a_real_one(before)

        status = gw.cli("db", "status").stdout.decode()
        self.assertRegex(status, rf"(?m)^schema-version\s+{PREV_SCHEMA}$")
        self.assertRegex(status, rf"(?m)^build-version\s+{latest}$")
        self.assertRegex(status, r"(?m)^state\s+needs migrate$")
        # Until then the other commands refuse the old schema and say what to run.
        refused = gw.cli("domain", "list", check=False)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("db migrate", refused.stderr.decode())
        self.assertEqual(snapshot(db), before, "a refused command changed the store")

        migrated = gw.cli("db", "migrate").stdout.decode()
        self.assertEqual(migrated.strip(), f"migrated schema from version {PREV_SCHEMA} to {latest}")
        status = gw.cli("db", "status").stdout.decode()
        self.assertRegex(status, rf"(?m)^schema-version\s+{latest}$")
        self.assertRegex(status, r"(?m)^state\s+current$")
        self.assertEqual(gw.cli("db", "migrate").stdout.decode().strip(), f"schema is current (version {latest})")

        # Every row of every schema-4 table, read with the columns it had, is unchanged.
        for table, (cols, rows) in before.items():
            after = db.select(table, cols)
            if table == "schema_version":
                self.assertEqual([r for r in after if int(r[0]) <= PREV_SCHEMA], rows)
                self.assertEqual([int(r[0]) for r in after], list(range(1, latest + 1)))
            else:
                self.assertEqual(after, rows, f"rows of {table} after the migration")
        return before

    def check_cli_shows_fixture(self, gw, snap):
        """The CLI lists the fixture's data after the migration."""
        def lines(*args):
            return gw.cli(*args).stdout.decode().splitlines()

        def dest(d):
            host = d["destination_host"]
            host = f"[{host}]" if ":" in host and not host.startswith("[") else host
            return f"{host}:{d['destination_port']}"

        self.assertEqual(sorted(split_columns(l) for l in lines("domain", "list")),
                         sorted([d["name"], dest(d), d["recipient_mode"]] for d in as_dicts(snap, "domains")))
        self.assertEqual(sorted(lines("recipient", "list")), sorted(r["address"] for r in as_dicts(snap, "recipients")))
        targets = {}
        for t in sorted(as_dicts(snap, "alias_targets"), key=lambda t: (t["alias"], int(t["position"]))):
            targets.setdefault(t["alias"], []).append(t["target"])
        self.assertEqual(sorted(a["address"] for a in as_dicts(snap, "aliases")), sorted(targets))
        self.assertEqual(sorted(split_columns(l) for l in lines("alias", "list")),
                         sorted([a, " ".join(t)] for a, t in targets.items()))
        self.assertEqual(sorted(split_columns(l) for l in lines("relaynet", "list")),
                         sorted([r["cidr"], r["note"]] if r["note"] else [r["cidr"]]
                                for r in as_dicts(snap, "relaynets")))
        settings = {r["key"]: r["value"] for r in as_dicts(snap, "settings")}
        self.assertEqual(dict(split_columns(l) for l in lines("settings", "list")), settings)
        self.assertEqual(lines("settings", "get", "tls-certificate"), [settings["tls-certificate"]])
        self.assertEqual(sorted(split_columns(l) for l in lines("user", "list")),
                         sorted([u["name"], u["role"]] for u in as_dicts(snap, "admin_users")))
        for name, password in PASSWORDS.items():
            self.assertEqual(gw.cli("user", "verify", name, input=(password + "\n").encode()).returncode, 0, name)
        self.assertEqual(gw.cli("user", "verify", "admin", input=b"Fixture-Admin-2025!\n", check=False).returncode, 1)
        tls = {l.split()[0]: l for l in lines("tlspolicy", "list")}
        self.assertEqual(set(tls), {p["domain"] for p in as_dicts(snap, "tls_policies")})
        for p in as_dicts(snap, "tls_policies"):
            self.assertEqual(split_columns(tls[p["domain"]]),
                             [x for x in (p["domain"], p["mode"], p["match_names"], p["note"]) if x], tls[p["domain"]])

        # The message log: every message with its recipients, at its time.
        log = gw.cli("log", "search", "--limit", "1000").stdout.decode()
        messages = as_dicts(snap, "messages")
        heads = [l for l in log.splitlines() if not l.startswith(" ")]
        self.assertEqual(len(heads), len(messages), log)
        for m in messages:
            when = datetime.datetime.fromtimestamp(int(m["received"]), datetime.timezone.utc)
            self.assertRegex(log, rf"(?m)^{when:%Y-%m-%dT%H:%M:%S}Z  {m['queue_id']}  {m['verdict']}  "
                                  rf"from=<{re.escape(m['sender'])}>  client={re.escape(m['client_ip'])}")
            one = gw.cli("log", "search", "--queue-id", m["queue_id"]).stdout.decode().splitlines()
            self.assertIn(m["queue_id"], one[0])
            rcpts = [r for r in as_dicts(snap, "message_rcpts") if r["queue_id"] == m["queue_id"]]
            self.assertEqual(sorted(l.split()[:2] for l in one[1:]), sorted([r["recipient"], r["status"]] for r in rcpts))
        self.assertRegex(log, r"DSN original=" + r"[0-9A-Z]{16}")


# --------------------------------------------------------------------------------------------

class SqliteUpgradeTest(UpgradeDataCase):

    def gateway(self, name="gw", dns_port=53, mx_port=25):
        gw = FixtureGateway(self.work, name=name, dns_port=dns_port, mx_port=mx_port, hostname="mx1.example.org")
        self.addCleanup(self._stop_gateway, gw)
        return gw

    def load_fixture(self, gw):
        db = SqliteDb(gw.sqlite_path)
        db.load(FIXTURES / "sqlite.sql")
        give_to_daemon_user(gw.root)
        return db

    def test_sqlite_store_of_0_1_0_is_migrated_with_its_data(self):
        gw = self.gateway()
        db = self.load_fixture(gw)
        latest = self.latest_version(gw, f"sqlite:{gw.root / 'data' / 'fresh.db'}")
        before = self.migrate_and_compare(gw, db, latest)
        index = db.query("SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name = 'bans_until'")
        self.assertEqual(index, [("bans",)])
        self.assertEqual([r[2] for r in db.query("PRAGMA index_info('bans_until')")], ["until"])
        self.check_cli_shows_fixture(gw, before)

    def test_daemon_runs_on_the_migrated_store(self):
        dest = self.make_sink("dest")
        mx = self.make_sink("mx")
        dns = self.make_dns(mx_zone("partner.example", "sender.example", "external.example"))
        gw = self.gateway(dns_port=dns.port, mx_port=mx.port)
        self.gw_for_diagnostics = gw
        db = self.load_fixture(gw)
        old_ids = [r[0] for r in db.query("SELECT queue_id FROM messages ORDER BY received")]
        counter = db.query("SELECT value FROM kv WHERE k = 'lua:senders:partner.example'")
        self.assertEqual(counter, [("1",)], "the fixture counted one message from partner.example")

        gw.cli("db", "migrate")
        # The certificate folder is not part of the store: make mx1 again, as the gateway's
        # certs folder would have it after the upgrade (the store says tls-certificate = mx1).
        gw.cli("cert", "selfsign", "mx1", "--dns", "mx1.example.org,mail.example.org", "--key", "ec")
        # The fixture's message log is from 2025, and the daemon prunes what is older than
        # tracking.retention (365d): make it an hour old, so the test does not age.
        newest = max(int(r[0]) for r in db.query("SELECT received FROM messages"))
        shift = int(time.time()) - 3600 - newest
        db.execute(f"UPDATE messages SET received = received + {shift};\n"
                   f"UPDATE message_rcpts SET updated = updated + {shift};")
        # The admin points example.org at this test's sink (its server in the fixture is fictional).
        gw.cli("domain", "set", "example.org", "--destination", f"127.0.0.1:{dest.port}")
        give_to_daemon_user(gw.root)
        gw.start()
        self.assertEqual(gw.wait_event("rules_loaded")["scripts"], "2")
        self.assertEqual(gw.wait_event("tls_loaded")["certificate"], "mx1")

        # The old policy: the alias with three targets; an unknown recipient of a `specified` domain.
        t = smtp_send(gw.port, "alice@partner.example", ["team@example.org", "nobody@example.org"],
                      make_message("after the upgrade", ["still here"], sender="alice@partner.example",
                                   to="team@example.org"), ehlo="mail.partner.example")
        self.assertEqual(t.rcpts[0][0], 250, t)
        self.assertEqual(t.rcpts[1][0], 550, t)
        self.assertIn("5.1.1", t.rcpts[1][1])
        self.assertEqual(t.data[0], 250, t)
        wait_until(lambda: sum(len(m.rcpt_tos) for m in dest.messages()) >= 3, 30, "the alias's three targets",
                   diagnostics=self.diag(dest))
        msgs = dest.messages()
        self.assertEqual(sorted(r for m in msgs for r in m.rcpt_tos),
                         ["amy@example.org", "jane.roe@example.org", "john.doe@example.org"])
        for m in msgs:
            # The fixture's rules and the setting they read (rules.partner-domain).
            self.assertEqual(m.header("X-Partner-Mail"), "yes")
            self.assertIn(b"after the upgrade", m.data)

        # The new message is logged next to the old ones, which are all still there.
        def logged():
            out = gw.cli("log", "search", "--queue-id", t.queue_id).stdout.decode()
            return out if out.count("delivered") == 3 else None
        out = wait_until(logged, 30, f"{t.queue_id} delivered in the message log", interval=0.3,
                         diagnostics=gw.tail)
        self.assertIn("PARTNER_MAIL", out)
        log = gw.cli("log", "search", "--limit", "1000").stdout.decode()
        for qid in old_ids + [t.queue_id]:
            self.assertIn(f"  {qid}  ", log)
        self.assertLess(log.index(t.queue_id), min(log.index(q) for q in old_ids), "newest first")
        # The rules' kv counter of the fixture goes on counting.
        wait_until(lambda: db.query("SELECT value FROM kv WHERE k = 'lua:senders:partner.example'") == [("2",)],
                   10, "the kv counter at 2", diagnostics=lambda: repr(db.query("SELECT * FROM kv")))
        gw.stop()

    def test_migrated_schema_is_a_fresh_install_schema(self):
        gw = self.gateway()
        db = self.load_fixture(gw)
        gw.cli("db", "migrate")
        fresh_path = gw.root / "data" / "fresh.db"  # where the CLI's own user may write
        gw.cli("--store", f"sqlite:{fresh_path}", "db", "migrate")
        fresh = SqliteDb(fresh_path)
        migrated, new = db.schema(), fresh.schema()
        self.assertIn(("index", "bans_until", "bans", (0,), ("until",)), new)
        self.assertEqual(sorted(migrated - new), [], "in the migrated store, not in a fresh one")
        self.assertEqual(sorted(new - migrated), [], "in a fresh store, not in the migrated one")


class MariadbUpgradeTest(UpgradeDataCase):
    """One private mariadbd for the class; fresh databases for each test."""

    @classmethod
    def setUpClass(cls):
        cls.db_dir = Path(tempfile.mkdtemp(prefix="pc-upgrade-mariadb-"))
        cls.db_dir.chmod(0o755)  # the CLI's own user reaches the server's socket in it
        cls.server = MariaDB(cls.db_dir)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.db_dir, ignore_errors=True)

    def setUp(self):
        super().setUp()
        self.password_file = self.work / "db.password"
        self.password_file.write_text(DB_PASSWORD + "\n")
        self.password_file.chmod(0o600)

    def database(self, suffix):
        name = f"pc_{self._testMethodName[5:30]}_{suffix}"
        self.server.sql(f"DROP DATABASE IF EXISTS `{name}`")
        self.server.create_database(name, DB_USER, DB_PASSWORD)
        return MariaDbDb(self.server, name), f"mariadb://{DB_USER}@unix:{self.server.socket}/{name}"

    def gateway(self, uri):
        gw = FixtureGateway(self.work, dns_port=53, mx_port=25, hostname="mx1.example.org", store=uri,
                            password_file=self.password_file)
        self.addCleanup(self._stop_gateway, gw)
        return gw

    def test_mariadb_store_of_0_1_0_is_migrated_with_its_data(self):
        db, uri = self.database("fixture")
        db.load(FIXTURES / "mariadb.sql")
        gw = self.gateway(uri)
        _, fresh_uri = self.database("fresh")
        latest = self.latest_version(gw, fresh_uri)
        before = self.migrate_and_compare(gw, db, latest)
        index = db.query("SELECT COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS WHERE "
                         "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'bans' AND INDEX_NAME = 'bans_until'")
        self.assertEqual(index, [("until", "1")])
        self.check_cli_shows_fixture(gw, before)

    def test_migrated_schema_is_a_fresh_install_schema(self):
        db, uri = self.database("fixture")
        db.load(FIXTURES / "mariadb.sql")
        gw = self.gateway(uri)
        gw.cli("db", "migrate")
        fresh, fresh_uri = self.database("fresh")
        gw.cli("--store", fresh_uri, "db", "migrate")
        migrated, new = db.schema(), fresh.schema()
        self.assertTrue(any(r[0] == "STATISTICS" and r[2] == "bans_until" for r in new), "bans_until in a fresh store")
        self.assertEqual(sorted(migrated - new), [], "in the migrated store, not in a fresh one")
        self.assertEqual(sorted(new - migrated), [], "in a fresh store, not in the migrated one")


if __name__ == "__main__":
    unittest.main()
