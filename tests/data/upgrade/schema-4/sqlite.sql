PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE schema_version (
  version     INTEGER PRIMARY KEY,
  description TEXT NOT NULL,
  applied_at  TEXT NOT NULL
);
INSERT INTO schema_version VALUES(1,'policy tables: settings, domains, recipients, aliases, relay networks','2024-11-04T09:12:00Z');
INSERT INTO schema_version VALUES(2,'message log, greylist, bans, IP ranges, admin users','2024-11-04T09:12:00Z');
INSERT INTO schema_version VALUES(3,'key/value store for Lua rules','2024-11-04T09:12:00Z');
INSERT INTO schema_version VALUES(4,'outbound TLS policies; TLS of each delivery','2024-11-04T09:12:00Z');
CREATE TABLE policy_serial (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  serial INTEGER NOT NULL
);
INSERT INTO policy_serial VALUES(1,85);
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT INTO settings VALUES('admin-email','mail-admins@corp.example');
INSERT INTO settings VALUES('postmaster','postmaster@example.org');
INSERT INTO settings VALUES('hostname','mx1.example.org');
INSERT INTO settings VALUES('telemetry','off');
INSERT INTO settings VALUES('tls-certificate','mx1');
INSERT INTO settings VALUES('bounce-sender','mailer-daemon@example.org');
INSERT INTO settings VALUES('internal-display-names','Jane Roe, John Doe, Finance Team');
INSERT INTO settings VALUES('encrypt-keyword','[secure]');
INSERT INTO settings VALUES('rules.partner-domain','partner.example');
CREATE TABLE domains (
  name             TEXT PRIMARY KEY,
  destination_host TEXT NOT NULL,
  destination_port INTEGER NOT NULL CHECK (destination_port BETWEEN 1 AND 65535),
  recipient_mode   TEXT NOT NULL CHECK (recipient_mode IN ('all', 'specified'))
);
INSERT INTO domains VALUES('example.org','exchange.example.org',25,'specified');
INSERT INTO domains VALUES('example.net','2001:db8::25',2525,'specified');
INSERT INTO domains VALUES('branch.example.org','10.30.0.5',587,'all');
INSERT INTO domains VALUES('shop.example','192.0.2.25',25,'all');
CREATE TABLE recipients (
  address TEXT PRIMARY KEY
);
INSERT INTO recipients VALUES('john.doe@example.org');
INSERT INTO recipients VALUES('jane.roe@example.org');
INSERT INTO recipients VALUES('amy@example.org');
INSERT INTO recipients VALUES('bob@example.org');
INSERT INTO recipients VALUES('helpdesk@example.org');
INSERT INTO recipients VALUES('former.employee@example.org');
INSERT INTO recipients VALUES('ceo@example.net');
INSERT INTO recipients VALUES('finance@example.net');
CREATE TABLE aliases (
  address TEXT PRIMARY KEY
);
INSERT INTO aliases VALUES('postmaster@example.org');
INSERT INTO aliases VALUES('abuse@example.org');
INSERT INTO aliases VALUES('root@example.org');
INSERT INTO aliases VALUES('sales@example.org');
INSERT INTO aliases VALUES('team@example.org');
INSERT INTO aliases VALUES('info@example.net');
INSERT INTO aliases VALUES('@example.net');
INSERT INTO aliases VALUES('support@example.org');
CREATE TABLE alias_targets (
  alias    TEXT NOT NULL REFERENCES aliases (address) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  target   TEXT NOT NULL,
  PRIMARY KEY (alias, position)
);
INSERT INTO alias_targets VALUES('sales@example.org',0,'amy@example.org');
INSERT INTO alias_targets VALUES('sales@example.org',1,'bob@example.org');
INSERT INTO alias_targets VALUES('team@example.org',0,'john.doe@example.org');
INSERT INTO alias_targets VALUES('team@example.org',1,'jane.roe@example.org');
INSERT INTO alias_targets VALUES('team@example.org',2,'amy@example.org');
INSERT INTO alias_targets VALUES('info@example.net',0,'ceo@example.net');
INSERT INTO alias_targets VALUES('info@example.net',1,'finance@example.net');
INSERT INTO alias_targets VALUES('info@example.net',2,'Partner.Desk@partner.example');
INSERT INTO alias_targets VALUES('@example.net',0,'helpdesk@example.org');
INSERT INTO alias_targets VALUES('support@example.org',0,'helpdesk@example.org');
INSERT INTO alias_targets VALUES('support@example.org',1,'jane.roe@example.org');
INSERT INTO alias_targets VALUES('postmaster@example.org',0,'mail-admins@corp.example');
INSERT INTO alias_targets VALUES('abuse@example.org',0,'mail-admins@corp.example');
INSERT INTO alias_targets VALUES('root@example.org',0,'mail-admins@corp.example');
CREATE TABLE relaynets (
  cidr TEXT PRIMARY KEY,
  note TEXT NOT NULL DEFAULT ''
);
INSERT INTO relaynets VALUES('10.20.0.0/16','Exchange servers (head office)');
INSERT INTO relaynets VALUES('192.0.2.0/24','DMZ relay');
INSERT INTO relaynets VALUES('2001:db8:25::/48','IPv6 servers');
INSERT INTO relaynets VALUES('198.51.100.10/32','scanner on floor 3');
CREATE TABLE messages (
  queue_id  TEXT PRIMARY KEY,
  received  INTEGER NOT NULL,
  client_ip TEXT NOT NULL,
  helo      TEXT NOT NULL,
  tls       TEXT NOT NULL,
  sender    TEXT NOT NULL,
  size      INTEGER NOT NULL,
  verdict   TEXT NOT NULL,
  score     REAL NOT NULL,
  symbols   TEXT NOT NULL,
  gateway   TEXT NOT NULL
);
INSERT INTO messages VALUES('36H4S7E3N7VEZ9GD',1761553800,'127.0.0.1','mail.partner.example','','alice@partner.example',404,'accept',0.5,'RULE_PARTNER_MAIL PARTNER_MAIL','mx1.example.org');
INSERT INTO messages VALUES('36H4SB39PFPXYK0T',1761553860,'127.0.0.1','mx.sender.example','','bob@sender.example',361,'accept',0.0,'','mx1.example.org');
INSERT INTO messages VALUES('36H4SERFSQJCXWH7',1761553920,'127.0.0.1','mx.sender.example','','carol@sender.example',378,'accept',0.0,'','mx1.example.org');
INSERT INTO messages VALUES('36H4SJDNTZDVX61M',1761553980,'local','','','',0,'accept',0.0,'DSN original=36H4SERFSQJCXWH7','mx1.example.org');
INSERT INTO messages VALUES('36H4SP2VW79AWFJ1',1761554040,'127.0.0.1','smtp.external.example','','dave@external.example',334,'accept',0.0,'','mx1.example.org');
CREATE TABLE message_rcpts (
  queue_id  TEXT NOT NULL REFERENCES messages (queue_id) ON DELETE CASCADE,
  position  INTEGER NOT NULL,
  recipient TEXT NOT NULL,
  status    TEXT NOT NULL,
  reply     TEXT NOT NULL,
  relay     TEXT NOT NULL,
  attempts  INTEGER NOT NULL,
  updated   INTEGER NOT NULL, tls TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (queue_id, recipient)
);
INSERT INTO message_rcpts VALUES('36H4S7E3N7VEZ9GD',0,'john.doe@example.org','delivered','250 2.0.0 OK: stored as 1','127.0.0.1[127.0.0.1]:10025',1,1761553802,'');
INSERT INTO message_rcpts VALUES('36H4SB39PFPXYK0T',0,'amy@example.org','delivered','250 2.0.0 OK: stored as 2','127.0.0.1[127.0.0.1]:10025',1,1761553862,'');
INSERT INTO message_rcpts VALUES('36H4SB39PFPXYK0T',1,'bob@example.org','delivered','250 2.0.0 OK: stored as 2','127.0.0.1[127.0.0.1]:10025',1,1761553862,'');
INSERT INTO message_rcpts VALUES('36H4SERFSQJCXWH7',0,'former.employee@example.org','bounced','550 5.1.1 <former.employee@example.org>: mailbox removed','127.0.0.1[127.0.0.1]:10025',1,1761553922,'');
INSERT INTO message_rcpts VALUES('36H4SJDNTZDVX61M',0,'carol@sender.example','delivered','250 2.0.0 OK: stored as 1','mx.sender.example[127.0.0.1]:10026',1,1761553982,'');
INSERT INTO message_rcpts VALUES('36H4SP2VW79AWFJ1',0,'orders@shop.example','delivered','250 2.0.0 OK: stored as 3','127.0.0.1[127.0.0.1]:10025',1,1761554042,'');
INSERT INTO message_rcpts VALUES('36H4SP2VW79AWFJ1',1,'billing@shop.example','delivered','250 2.0.0 OK: stored as 3','127.0.0.1[127.0.0.1]:10025',1,1761554042,'');
CREATE TABLE greylist (
  client_net TEXT NOT NULL,
  sender     TEXT NOT NULL,
  recipient  TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL,
  passed     INTEGER NOT NULL,
  PRIMARY KEY (client_net, sender, recipient)
);
INSERT INTO greylist VALUES('198.51.100.0/24','news@shop.example','john.doe@example.org',1761462000,1761462600,1);
INSERT INTO greylist VALUES('203.0.113.0/24','winner@lottery.example','amy@example.org',1761523140,1761523140,0);
CREATE TABLE bans (
  ip      TEXT PRIMARY KEY,
  until   INTEGER NOT NULL,
  reason  TEXT NOT NULL,
  created INTEGER NOT NULL
);
INSERT INTO bans VALUES('203.0.113.66',1760961600,'auto-ban: 10 protocol errors',1760958000);
INSERT INTO bans VALUES('198.51.100.23',1893456000,'auto-ban: dictionary attack',1761362055);
INSERT INTO bans VALUES('2001:db8:bad::1',1893456000,'manual: open proxy',1756720800);
CREATE TABLE ip_ranges (
  name     TEXT PRIMARY KEY,
  cidr     TEXT NOT NULL,
  priority INTEGER NOT NULL,
  action   TEXT NOT NULL CHECK (action IN ('allow', 'deny')),
  expires  INTEGER NOT NULL,
  note     TEXT NOT NULL
);
INSERT INTO ip_ranges VALUES('partner-mx','198.51.100.0/24',20,'allow',0,'partner MX hosts');
INSERT INTO ip_ranges VALUES('bulletproof-hosting','203.0.113.0/24',10,'deny',1782777600,'spam runs, review in June');
INSERT INTO ip_ranges VALUES('lab-v6','2001:db8:77::/48',5,'deny',0,'');
CREATE TABLE admin_users (
  name          TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
  created       INTEGER NOT NULL
);
INSERT INTO admin_users VALUES('admin','$scrypt$ln=17,r=8,p=1$JDpIIx0LX1/v0sSM9+GJnQ$nAOwtE01rHlfq6d0JLphR5evI0M2LZFGpm9weEUaIZY','admin',1730711700);
INSERT INTO admin_users VALUES('auditor','$scrypt$ln=17,r=8,p=1$gsWwAUkEelNLlkVI3cFsAQ$YZ9rX37W23cfGqdCD7cMfsN1j4KiQx3dC9pNmUqaUME','viewer',1733148000);
INSERT INTO admin_users VALUES('ops','$scrypt$ln=17,r=8,p=1$8tZcj2yFuEe3BpKcm/OUBA$5XO/oNl8Znyjkz1SuVCYdl49Eg43PEIB+tuN87Swbro','admin',1742207400);
CREATE TABLE kv (
  k       TEXT PRIMARY KEY,
  value   TEXT NOT NULL,
  expires INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL
);
INSERT INTO kv VALUES('lua:bounced:example.org','1',0,1761554100);
INSERT INTO kv VALUES('lua:delivered:example.org','3',0,1761554100);
INSERT INTO kv VALUES('lua:delivered:sender.example','1',0,1761554100);
INSERT INTO kv VALUES('lua:delivered:shop.example','2',0,1761554100);
INSERT INTO kv VALUES('lua:senders:external.example','1',0,1761554100);
INSERT INTO kv VALUES('lua:senders:partner.example','1',0,1761554100);
INSERT INTO kv VALUES('lua:senders:sender.example','2',0,1761554100);
CREATE TABLE tls_policies (
  domain      TEXT PRIMARY KEY,
  mode        TEXT NOT NULL CHECK (mode IN ('none', 'may', 'encrypt', 'verify')),
  match_names TEXT NOT NULL,
  note        TEXT NOT NULL
);
INSERT INTO tls_policies VALUES('*','may','','default');
INSERT INTO tls_policies VALUES('partner.example','verify','mx1.partner.example,mx2.partner.example','contract 2024-17');
INSERT INTO tls_policies VALUES('.bank.example','verify','','every subdomain of the bank');
INSERT INTO tls_policies VALUES('gov.example','encrypt','','required by the agency');
INSERT INTO tls_policies VALUES('legacy-crm.example','none','','broken STARTTLS since 2023');
CREATE TRIGGER settings_ai_serial AFTER INSERT ON settings BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER settings_au_serial AFTER UPDATE ON settings BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER settings_ad_serial AFTER DELETE ON settings BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER domains_ai_serial AFTER INSERT ON domains BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER domains_au_serial AFTER UPDATE ON domains BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER domains_ad_serial AFTER DELETE ON domains BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER recipients_ai_serial AFTER INSERT ON recipients BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER recipients_au_serial AFTER UPDATE ON recipients BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER recipients_ad_serial AFTER DELETE ON recipients BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER aliases_ai_serial AFTER INSERT ON aliases BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER aliases_au_serial AFTER UPDATE ON aliases BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER aliases_ad_serial AFTER DELETE ON aliases BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER alias_targets_ai_serial AFTER INSERT ON alias_targets BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER alias_targets_au_serial AFTER UPDATE ON alias_targets BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER alias_targets_ad_serial AFTER DELETE ON alias_targets BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER relaynets_ai_serial AFTER INSERT ON relaynets BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER relaynets_au_serial AFTER UPDATE ON relaynets BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER relaynets_ad_serial AFTER DELETE ON relaynets BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE INDEX messages_received ON messages (received);
CREATE INDEX messages_sender ON messages (sender);
CREATE INDEX message_rcpts_recipient ON message_rcpts (recipient);
CREATE INDEX greylist_last_seen ON greylist (last_seen);
CREATE TRIGGER ip_ranges_ai_serial AFTER INSERT ON ip_ranges BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER ip_ranges_au_serial AFTER UPDATE ON ip_ranges BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER ip_ranges_ad_serial AFTER DELETE ON ip_ranges BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE INDEX kv_expires ON kv (expires);
CREATE TRIGGER tls_policies_ai_serial AFTER INSERT ON tls_policies BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER tls_policies_au_serial AFTER UPDATE ON tls_policies BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
CREATE TRIGGER tls_policies_ad_serial AFTER DELETE ON tls_policies BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;
COMMIT;
