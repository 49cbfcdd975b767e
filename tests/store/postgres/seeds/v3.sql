-- What a server at schema version 3 (003_embeds.sql) writes beyond v2.sql, for the
-- migration harness (test_migrations.py): the origins allowed to embed the site.
INSERT INTO site_embeds (site_id, origins) VALUES (7, 'https://blog.old.example');
