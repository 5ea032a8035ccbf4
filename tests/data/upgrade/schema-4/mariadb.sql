/*M!999999\- enable the sandbox mode */ 

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;
DROP TABLE IF EXISTS `admin_users`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `admin_users` (
  `name` varchar(190) NOT NULL,
  `password_hash` varchar(512) NOT NULL,
  `role` enum('admin','viewer') NOT NULL,
  `created` bigint(20) NOT NULL,
  PRIMARY KEY (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `admin_users` WRITE;
/*!40000 ALTER TABLE `admin_users` DISABLE KEYS */;
INSERT INTO `admin_users` VALUES
('admin','$scrypt$ln=17,r=8,p=1$h+pPMzIglQ2m/JX/zWCNUA$5nOZ3OXioSjga2OWCAlE0YhRcKB+HEYKyWGa1wC1Fjs','admin',1730711700),
('auditor','$scrypt$ln=17,r=8,p=1$T8fxdyyvQ3MEIpPhsmG4oQ$zvEf/G0LBFThSRFGeV7t8LUXSeAO2OgKVcyvSUIE9kA','viewer',1733148000),
('ops','$scrypt$ln=17,r=8,p=1$etIVh2p6MfA4JZQeYEmU8w$2NVwFkIy2MMikdyEqi7cduKPPC/Lt76wefus5uc9iFs','admin',1742207400);
/*!40000 ALTER TABLE `admin_users` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `alias_targets`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `alias_targets` (
  `alias` varchar(320) NOT NULL,
  `position` int(11) NOT NULL,
  `target` varchar(320) NOT NULL,
  PRIMARY KEY (`alias`,`position`),
  CONSTRAINT `alias_targets_ibfk_1` FOREIGN KEY (`alias`) REFERENCES `aliases` (`address`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `alias_targets` WRITE;
/*!40000 ALTER TABLE `alias_targets` DISABLE KEYS */;
INSERT INTO `alias_targets` VALUES
('@example.net',0,'helpdesk@example.org'),
('abuse@example.org',0,'mail-admins@corp.example'),
('info@example.net',0,'ceo@example.net'),
('info@example.net',1,'finance@example.net'),
('info@example.net',2,'Partner.Desk@partner.example'),
('postmaster@example.org',0,'mail-admins@corp.example'),
('root@example.org',0,'mail-admins@corp.example'),
('sales@example.org',0,'amy@example.org'),
('sales@example.org',1,'bob@example.org'),
('support@example.org',0,'helpdesk@example.org'),
('support@example.org',1,'jane.roe@example.org'),
('team@example.org',0,'john.doe@example.org'),
('team@example.org',1,'jane.roe@example.org'),
('team@example.org',2,'amy@example.org');
/*!40000 ALTER TABLE `alias_targets` ENABLE KEYS */;
UNLOCK TABLES;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS alias_targets_ai_serial AFTER INSERT ON alias_targets FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS alias_targets_au_serial AFTER UPDATE ON alias_targets FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS alias_targets_ad_serial AFTER DELETE ON alias_targets FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
DROP TABLE IF EXISTS `aliases`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `aliases` (
  `address` varchar(320) NOT NULL,
  PRIMARY KEY (`address`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `aliases` WRITE;
/*!40000 ALTER TABLE `aliases` DISABLE KEYS */;
INSERT INTO `aliases` VALUES
('@example.net'),
('abuse@example.org'),
('info@example.net'),
('postmaster@example.org'),
('root@example.org'),
('sales@example.org'),
('support@example.org'),
('team@example.org');
/*!40000 ALTER TABLE `aliases` ENABLE KEYS */;
UNLOCK TABLES;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS aliases_ai_serial AFTER INSERT ON aliases FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS aliases_au_serial AFTER UPDATE ON aliases FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS aliases_ad_serial AFTER DELETE ON aliases FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
DROP TABLE IF EXISTS `bans`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `bans` (
  `ip` varchar(64) NOT NULL,
  `until` bigint(20) NOT NULL,
  `reason` text NOT NULL,
  `created` bigint(20) NOT NULL,
  PRIMARY KEY (`ip`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `bans` WRITE;
/*!40000 ALTER TABLE `bans` DISABLE KEYS */;
INSERT INTO `bans` VALUES
('198.51.100.23',1893456000,'auto-ban: dictionary attack',1761362055),
('2001:db8:bad::1',1893456000,'manual: open proxy',1756720800),
('203.0.113.66',1760961600,'auto-ban: 10 protocol errors',1760958000);
/*!40000 ALTER TABLE `bans` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `domains`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `domains` (
  `name` varchar(255) NOT NULL,
  `destination_host` varchar(255) NOT NULL,
  `destination_port` int(11) NOT NULL CHECK (`destination_port` between 1 and 65535),
  `recipient_mode` enum('all','specified') NOT NULL,
  PRIMARY KEY (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `domains` WRITE;
/*!40000 ALTER TABLE `domains` DISABLE KEYS */;
INSERT INTO `domains` VALUES
('branch.example.org','10.30.0.5',587,'all'),
('example.net','2001:db8::25',2525,'specified'),
('example.org','exchange.example.org',25,'specified'),
('shop.example','192.0.2.25',25,'all');
/*!40000 ALTER TABLE `domains` ENABLE KEYS */;
UNLOCK TABLES;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS domains_ai_serial AFTER INSERT ON domains FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS domains_au_serial AFTER UPDATE ON domains FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS domains_ad_serial AFTER DELETE ON domains FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
DROP TABLE IF EXISTS `greylist`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `greylist` (
  `client_net` varchar(64) NOT NULL,
  `sender` varchar(320) NOT NULL,
  `recipient` varchar(320) NOT NULL,
  `first_seen` bigint(20) NOT NULL,
  `last_seen` bigint(20) NOT NULL,
  `passed` int(10) unsigned NOT NULL,
  PRIMARY KEY (`client_net`,`sender`,`recipient`),
  KEY `greylist_last_seen` (`last_seen`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `greylist` WRITE;
/*!40000 ALTER TABLE `greylist` DISABLE KEYS */;
INSERT INTO `greylist` VALUES
('198.51.100.0/24','news@shop.example','john.doe@example.org',1761462000,1761462600,1),
('203.0.113.0/24','winner@lottery.example','amy@example.org',1761523140,1761523140,0);
/*!40000 ALTER TABLE `greylist` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `ip_ranges`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `ip_ranges` (
  `name` varchar(190) NOT NULL,
  `cidr` varchar(64) NOT NULL,
  `priority` int(11) NOT NULL,
  `action` enum('allow','deny') NOT NULL,
  `expires` bigint(20) NOT NULL,
  `note` text NOT NULL,
  PRIMARY KEY (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `ip_ranges` WRITE;
/*!40000 ALTER TABLE `ip_ranges` DISABLE KEYS */;
INSERT INTO `ip_ranges` VALUES
('bulletproof-hosting','203.0.113.0/24',10,'deny',1782777600,'spam runs, review in June'),
('lab-v6','2001:db8:77::/48',5,'deny',0,''),
('partner-mx','198.51.100.0/24',20,'allow',0,'partner MX hosts');
/*!40000 ALTER TABLE `ip_ranges` ENABLE KEYS */;
UNLOCK TABLES;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS ip_ranges_ai_serial AFTER INSERT ON ip_ranges FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS ip_ranges_au_serial AFTER UPDATE ON ip_ranges FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS ip_ranges_ad_serial AFTER DELETE ON ip_ranges FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
DROP TABLE IF EXISTS `kv`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `kv` (
  `k` varbinary(255) NOT NULL,
  `value` mediumblob NOT NULL,
  `expires` bigint(20) NOT NULL DEFAULT 0,
  `updated` bigint(20) NOT NULL,
  PRIMARY KEY (`k`),
  KEY `kv_expires` (`expires`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `kv` WRITE;
/*!40000 ALTER TABLE `kv` DISABLE KEYS */;
INSERT INTO `kv` VALUES
('lua:bounced:example.org','1',0,1761554100),
('lua:delivered:example.org','3',0,1761554100),
('lua:delivered:sender.example','1',0,1761554100),
('lua:delivered:shop.example','2',0,1761554100),
('lua:senders:external.example','1',0,1761554100),
('lua:senders:partner.example','1',0,1761554100),
('lua:senders:sender.example','2',0,1761554100);
/*!40000 ALTER TABLE `kv` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `message_rcpts`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `message_rcpts` (
  `queue_id` varchar(32) NOT NULL,
  `position` int(11) NOT NULL,
  `recipient` varchar(320) NOT NULL,
  `status` varchar(16) NOT NULL,
  `reply` text NOT NULL,
  `relay` varchar(300) NOT NULL,
  `attempts` int(10) unsigned NOT NULL,
  `updated` bigint(20) NOT NULL,
  `tls` varchar(128) NOT NULL DEFAULT '',
  PRIMARY KEY (`queue_id`,`recipient`),
  KEY `message_rcpts_recipient` (`recipient`),
  CONSTRAINT `message_rcpts_ibfk_1` FOREIGN KEY (`queue_id`) REFERENCES `messages` (`queue_id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `message_rcpts` WRITE;
/*!40000 ALTER TABLE `message_rcpts` DISABLE KEYS */;
INSERT INTO `message_rcpts` VALUES
('36H4S7E3N7VEZ9GD',0,'john.doe@example.org','delivered','250 2.0.0 OK: stored as 1','127.0.0.1[127.0.0.1]:10025',1,1761553802,''),
('36H4SB39PFPXYK0T',0,'amy@example.org','delivered','250 2.0.0 OK: stored as 2','127.0.0.1[127.0.0.1]:10025',1,1761553862,''),
('36H4SB39PFPXYK0T',1,'bob@example.org','delivered','250 2.0.0 OK: stored as 2','127.0.0.1[127.0.0.1]:10025',1,1761553862,''),
('36H4SERFSQJCXWH7',0,'former.employee@example.org','bounced','550 5.1.1 <former.employee@example.org>: mailbox removed','127.0.0.1[127.0.0.1]:10025',1,1761553922,''),
('36H4SJDNTZDVX61M',0,'carol@sender.example','delivered','250 2.0.0 OK: stored as 1','mx.sender.example[127.0.0.1]:10026',1,1761553982,''),
('36H4SP2VW79AWFJ1',1,'billing@shop.example','delivered','250 2.0.0 OK: stored as 3','127.0.0.1[127.0.0.1]:10025',1,1761554042,''),
('36H4SP2VW79AWFJ1',0,'orders@shop.example','delivered','250 2.0.0 OK: stored as 3','127.0.0.1[127.0.0.1]:10025',1,1761554042,'');
/*!40000 ALTER TABLE `message_rcpts` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `messages`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `messages` (
  `queue_id` varchar(32) NOT NULL,
  `received` bigint(20) NOT NULL,
  `client_ip` varchar(64) NOT NULL,
  `helo` varchar(255) NOT NULL,
  `tls` varchar(128) NOT NULL,
  `sender` varchar(320) NOT NULL,
  `size` bigint(20) unsigned NOT NULL,
  `verdict` varchar(16) NOT NULL,
  `score` double NOT NULL,
  `symbols` text NOT NULL,
  `gateway` varchar(255) NOT NULL,
  PRIMARY KEY (`queue_id`),
  KEY `messages_received` (`received`),
  KEY `messages_sender` (`sender`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `messages` WRITE;
/*!40000 ALTER TABLE `messages` DISABLE KEYS */;
INSERT INTO `messages` VALUES
('36H4S7E3N7VEZ9GD',1761553800,'127.0.0.1','mail.partner.example','','alice@partner.example',404,'accept',0.5,'RULE_PARTNER_MAIL PARTNER_MAIL','mx1.example.org'),
('36H4SB39PFPXYK0T',1761553860,'127.0.0.1','mx.sender.example','','bob@sender.example',361,'accept',0,'','mx1.example.org'),
('36H4SERFSQJCXWH7',1761553920,'127.0.0.1','mx.sender.example','','carol@sender.example',378,'accept',0,'','mx1.example.org'),
('36H4SJDNTZDVX61M',1761553980,'local','','','',0,'accept',0,'DSN original=36H4SERFSQJCXWH7','mx1.example.org'),
('36H4SP2VW79AWFJ1',1761554040,'127.0.0.1','smtp.external.example','','dave@external.example',334,'accept',0,'','mx1.example.org');
/*!40000 ALTER TABLE `messages` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `policy_serial`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `policy_serial` (
  `id` int(11) NOT NULL CHECK (`id` = 1),
  `serial` bigint(20) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `policy_serial` WRITE;
/*!40000 ALTER TABLE `policy_serial` DISABLE KEYS */;
INSERT INTO `policy_serial` VALUES
(1,88);
/*!40000 ALTER TABLE `policy_serial` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `recipients`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `recipients` (
  `address` varchar(320) NOT NULL,
  PRIMARY KEY (`address`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `recipients` WRITE;
/*!40000 ALTER TABLE `recipients` DISABLE KEYS */;
INSERT INTO `recipients` VALUES
('amy@example.org'),
('bob@example.org'),
('ceo@example.net'),
('finance@example.net'),
('former.employee@example.org'),
('helpdesk@example.org'),
('jane.roe@example.org'),
('john.doe@example.org');
/*!40000 ALTER TABLE `recipients` ENABLE KEYS */;
UNLOCK TABLES;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS recipients_ai_serial AFTER INSERT ON recipients FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS recipients_au_serial AFTER UPDATE ON recipients FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS recipients_ad_serial AFTER DELETE ON recipients FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
DROP TABLE IF EXISTS `relaynets`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `relaynets` (
  `cidr` varchar(64) NOT NULL,
  `note` text NOT NULL,
  PRIMARY KEY (`cidr`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `relaynets` WRITE;
/*!40000 ALTER TABLE `relaynets` DISABLE KEYS */;
INSERT INTO `relaynets` VALUES
('10.20.0.0/16','Exchange servers (head office)'),
('192.0.2.0/24','DMZ relay'),
('198.51.100.10/32','scanner on floor 3'),
('2001:db8:25::/48','IPv6 servers');
/*!40000 ALTER TABLE `relaynets` ENABLE KEYS */;
UNLOCK TABLES;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS relaynets_ai_serial AFTER INSERT ON relaynets FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS relaynets_au_serial AFTER UPDATE ON relaynets FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS relaynets_ad_serial AFTER DELETE ON relaynets FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
DROP TABLE IF EXISTS `schema_version`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `schema_version` (
  `version` int(11) NOT NULL,
  `description` varchar(200) NOT NULL,
  `applied_at` varchar(32) NOT NULL,
  PRIMARY KEY (`version`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `schema_version` WRITE;
/*!40000 ALTER TABLE `schema_version` DISABLE KEYS */;
INSERT INTO `schema_version` VALUES
(1,'policy tables: settings, domains, recipients, aliases, relay networks','2024-11-04T09:12:00Z'),
(2,'message log, greylist, bans, IP ranges, admin users','2024-11-04T09:12:00Z'),
(3,'key/value store for Lua rules','2024-11-04T09:12:00Z'),
(4,'outbound TLS policies; TLS of each delivery','2024-11-04T09:12:00Z');
/*!40000 ALTER TABLE `schema_version` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `settings`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `settings` (
  `key` varchar(190) NOT NULL,
  `value` text NOT NULL,
  PRIMARY KEY (`key`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `settings` WRITE;
/*!40000 ALTER TABLE `settings` DISABLE KEYS */;
INSERT INTO `settings` VALUES
('admin-email','mail-admins@corp.example'),
('bounce-sender','mailer-daemon@example.org'),
('encrypt-keyword','[secure]'),
('hostname','mx1.example.org'),
('internal-display-names','Jane Roe, John Doe, Finance Team'),
('postmaster','postmaster@example.org'),
('rules.partner-domain','partner.example'),
('telemetry','off'),
('tls-certificate','mx1');
/*!40000 ALTER TABLE `settings` ENABLE KEYS */;
UNLOCK TABLES;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS settings_ai_serial AFTER INSERT ON settings FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS settings_au_serial AFTER UPDATE ON settings FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS settings_ad_serial AFTER DELETE ON settings FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
DROP TABLE IF EXISTS `tls_policies`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `tls_policies` (
  `domain` varchar(255) NOT NULL,
  `mode` enum('none','may','encrypt','verify') NOT NULL,
  `match_names` text NOT NULL,
  `note` text NOT NULL,
  PRIMARY KEY (`domain`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `tls_policies` WRITE;
/*!40000 ALTER TABLE `tls_policies` DISABLE KEYS */;
INSERT INTO `tls_policies` VALUES
('*','may','','default'),
('.bank.example','verify','','every subdomain of the bank'),
('gov.example','encrypt','','required by the agency'),
('legacy-crm.example','none','','broken STARTTLS since 2023'),
('partner.example','verify','mx1.partner.example,mx2.partner.example','contract 2024-17');
/*!40000 ALTER TABLE `tls_policies` ENABLE KEYS */;
UNLOCK TABLES;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS tls_policies_ai_serial AFTER INSERT ON tls_policies FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS tls_policies_au_serial AFTER UPDATE ON tls_policies FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`portcullis`@`localhost`*/ /*!50003 TRIGGER IF NOT EXISTS tls_policies_ad_serial AFTER DELETE ON tls_policies FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

