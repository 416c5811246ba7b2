#!/usr/bin/env bash
# Prints the SQL migration from the committed schema (HEAD:prisma/schema.prisma) to the working
# copy, offline. Save it as prisma/migrations/<YYYYMMDDHHMMSS>_<name>/migration.sql, then `npm run generate`.
#   npm run db:diff                      # print
#   npm run db:diff -- add_widgets       # write a new migration directory and print its path
set -euo pipefail
cd "$(dirname "$0")/.."
old="$(mktemp --suffix=.prisma)"
trap 'rm -f "$old"' EXIT
git show HEAD:prisma/schema.prisma >"$old"
sql="$(DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}" npx prisma migrate diff --config prisma/prisma.config.ts \
  --from-schema-datamodel "$old" --to-schema-datamodel prisma/schema.prisma --script)"
if [ -z "${1:-}" ]; then
  printf '%s\n' "$sql"
  exit 0
fi
if ! grep -qv '^--' <<<"$sql" || [ -z "$(grep -v '^--' <<<"$sql" | tr -d '[:space:]')" ]; then
  echo "No schema changes since HEAD; nothing written." >&2
  exit 1
fi
dir="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_$1"
mkdir -p "$dir"
printf '%s\n' "$sql" >"$dir/migration.sql"
echo "$dir/migration.sql"
