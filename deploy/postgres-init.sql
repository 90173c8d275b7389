-- Run once by the postgres image when its data folder is first made (files in
-- /docker-entrypoint-initdb.d/), as the superuser, with psql. Passwords come from the
-- postgresql service's environment (deploy/.env), never from this file.
--
-- Temporal's role owns Temporal's two databases (its schema job then creates the tables in
-- them); lienthong's role owns the engine database (the API migrates it at start).

\getenv temporal_password TEMPORAL_DB_PASSWORD
\getenv lienthong_password LIENTHONG_DB_PASSWORD

CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';
CREATE ROLE lienthong LOGIN PASSWORD :'lienthong_password';

CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
CREATE DATABASE lienthong OWNER lienthong;
