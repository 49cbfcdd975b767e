-- What a server at schema version 6 (006_shields.sql) writes
-- beyond v5.sql, for the migration harness (test_migrations.py): shields and drops.
INSERT INTO site_shields (site_id, rules) VALUES (7, '{"ips":["10.0.0.0/8"]}');
INSERT INTO site_drops (site_id, reason, dropped) VALUES (7, 'ip_excluded', 3);
