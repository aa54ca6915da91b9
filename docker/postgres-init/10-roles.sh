#!/bin/bash
# Runs once, when the postgres volume is still empty (docker-entrypoint-initdb.d).
# Two roles, so that the application cannot undo the access log's guard (README,
# "Database roles"): cm_owner owns the schema and runs the migrations; cm_app, the role
# web, worker and beat run as, may read and write rows but owns nothing, so it can neither
# drop nor disable the access log's trigger, nor TRUNCATE (never granted).
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$CM_OWNER_PASSWORD" -v app_password="$CM_APP_PASSWORD" <<'SQL'
CREATE ROLE cm_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE cm_app LOGIN PASSWORD :'app_password';
CREATE DATABASE cm_portal OWNER cm_owner;
\connect cm_portal
ALTER DEFAULT PRIVILEGES FOR ROLE cm_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO cm_app;
ALTER DEFAULT PRIVILEGES FOR ROLE cm_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO cm_app;
SQL
