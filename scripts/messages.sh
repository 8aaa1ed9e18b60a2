#!/usr/bin/env bash
# Extract translatable strings, fill the Chinese catalogue from locale/parts/*.po, compile.
#
# Each app keeps its Chinese translations in locale/parts/<app>.po (plain msgid/msgstr pairs), so
# work on different apps never edits the same lines; the catalogue Django reads,
# locale/zh_Hans/LC_MESSAGES/django.po, is generated from the sources and those parts.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export DEBUG=1
$PY manage.py makemessages -l zh_Hans -l en --no-obsolete --no-location \
  --ignore='.venv/*' --ignore='var/*' --ignore='tests/*' --ignore='scripts/*' --ignore='staticfiles/*' >/dev/null
ZH=locale/zh_Hans/LC_MESSAGES/django.po
if ls locale/parts/*.po >/dev/null 2>&1; then
  # Parts come first, so a part is the one place to change a translation; the catalogue's own
  # message list (from the sources) decides which entries exist.
  msgcat --use-first -o /tmp/portal-merged.po locale/parts/*.po "$ZH"
  msgmerge --quiet --no-fuzzy-matching --no-location -o "$ZH.new" /tmp/portal-merged.po "$ZH"
  mv "$ZH.new" "$ZH"
fi
$PY manage.py compilemessages --ignore='.venv/*' >/dev/null
untranslated=$(msgattrib --untranslated --no-obsolete "$ZH" | grep -c '^msgid ' || true)
# A fuzzy entry (makemessages' guess from a similar string) is not compiled: as good as untranslated.
fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$ZH" | grep -c '^msgid ' || true)
echo "zh_Hans: $((untranslated > 0 ? untranslated - 1 : 0)) untranslated strings, $((fuzzy > 0 ? fuzzy - 1 : 0)) fuzzy"
