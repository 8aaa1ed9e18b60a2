#!/usr/bin/env bash
# make backup: the PostgreSQL database of DATABASE_URL, in pg_dump's custom format (compressed, restorable
# table by table), into var/backups/ (or BACKUP_DIR) named with a UTC timestamp. Prints the file's path.
# Old backups are removed after BACKUP_KEEP_DAYS (30). Cron line in docs/DEPLOY.md.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?set DATABASE_URL=postgres://user@host:port/name (see .env.example)}"
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "backup: DATABASE_URL is not PostgreSQL; SQLite needs no pg_dump (copy var/portal.sqlite3)" >&2; exit 2 ;;
esac

DIR="${BACKUP_DIR:-${VAR_DIR:-var}/backups}"
mkdir -p "$DIR"
chmod 700 "$DIR"  # dumps hold personal data
umask 077
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
FILE="$DIR/portal-$STAMP.dump"

# Written under a temporary name and renamed when complete: a half-written dump never looks like a backup.
pg_dump --format=custom --no-owner --no-privileges --file="$FILE.partial" "$DATABASE_URL"
mv "$FILE.partial" "$FILE"
find "$DIR" -maxdepth 1 -name 'portal-*.dump' -mtime +"${BACKUP_KEEP_DAYS:-30}" -delete
echo "$FILE"
