#!/usr/bin/env bash
# make restore FILE=var/backups/portal-….dump: replace the database of DATABASE_URL with a backup.
# All or nothing: one transaction, stops at the first error (the database is unchanged then).
# Stop gunicorn first (docs/DEPLOY.md); at a terminal it asks to type the database name to confirm.
set -euo pipefail
cd "$(dirname "$0")/.."

FILE="${1:-}"
if [ -z "$FILE" ] || [ ! -f "$FILE" ]; then
  echo "usage: make restore FILE=var/backups/portal-YYYYmmddTHHMMSSZ.dump" >&2
  exit 2
fi
: "${DATABASE_URL:?set DATABASE_URL=postgres://user@host:port/name (see .env.example)}"

NAME="${DATABASE_URL##*/}"
NAME="${NAME%%\?*}"
if [ -t 0 ] && [ -z "${RESTORE_YES:-}" ]; then
  read -r -p "Replace every table of database '$NAME' with $FILE? Type the database name: " answer
  [ "$answer" = "$NAME" ] || { echo "restore: cancelled" >&2; exit 1; }
fi

pg_restore --list "$FILE" >/dev/null  # refuses a file that is not a custom-format dump before touching anything
pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
  --dbname="$DATABASE_URL" "$FILE"
# Cached figures are keyed on the tables' generations (parkportal/generations.py): the restore took them back
# to the backup's values, which entries cached since the backup also carry. Move them past anything used since.
psql "$DATABASE_URL" -q -v ON_ERROR_STOP=1 -c "UPDATE parkportal_generation SET n = n + 1000000000"
echo "restored $FILE into $NAME"
