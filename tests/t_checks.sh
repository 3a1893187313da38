#!/bin/bash
# The README's table of checks and observations against the guests' code:
# every check a guest makes with kb_check is listed as conformance, every
# kb_observe as an observation, and no name is in both classes.  Names built
# at run time are listed with {a,b} patterns, expanded here as bash does.
. "$(dirname "$0")/lib.sh"

readme="$SRC/README.md"
if [ ! -f "$readme" ] || [ ! -d "$SRC/guests" ]; then
	echo "1..0 # SKIP README.md and guests/ not found above $(dirname "$0")"
	exit 0
fi

# The table: rows "| guest:test | conformance | observation |".
sed -n '/^### Checks and observations$/,/^### /p' "$readme" | grep '^| [a-z]*:' >"$TMP/rows"
ok $([ -s "$TMP/rows" ]; echo $?) "the README has the table of checks ($(wc -l <"$TMP/rows") rows)"
names() {	# names COLUMN: the backticked words of that column, braces expanded
	awk -F'|' -v c="$1" '{ print $c }' "$TMP/rows" | grep -o '`[a-z0-9_{},.]*`' | tr -d '`' |
		while read -r w; do eval "printf '%s\n' $w"; done | sort -u
}
names 3 >"$TMP/conformance"
names 4 >"$TMP/observation"
comm -12 "$TMP/conformance" "$TMP/observation" >"$TMP/both"
ok $([ ! -s "$TMP/both" ]; echo $?) "no name is both a check and an observation"
sed 's/^/#   /' "$TMP/both"

# What the guests say: string literals passed to kb_check and kb_observe.
# Set-up checks (the test could not run as asked) and the selftest guest's
# deliberate failures are not in the table.
setup='^(params|setup|map|window|ws_setup|rounds|boot_info|test_lookup)$'
grep -rhoE 'kb_check\("[a-z0-9_.]+"' "$SRC"/guests/*/ --include=*.c |
	sed 's/.*("//; s/"$//' | sort -u | grep -vE "$setup" >"$TMP/checks"
grep -rhoE 'kb_check\("[a-z0-9_.]+"' "$SRC/guests/selftest" | sed 's/.*("//; s/"$//' |
	grep -vE '^(passing_check|deliberate_failure)$' | sort -u >"$TMP/deliberate"
grep -rhoE 'kb_observe\("[a-z0-9_.]+"' "$SRC"/guests/*/ --include=*.c |
	sed 's/.*("//; s/"$//' | sort -u >"$TMP/observes"
ok $([ -s "$TMP/checks" ] && [ -s "$TMP/observes" ]; echo $?) \
	"the guests make checks ($(wc -l <"$TMP/checks")) and observations ($(wc -l <"$TMP/observes"))"
while read -r c; do
	grep -qxF "$c" "$TMP/deliberate" && continue
	grep -qxF "$c" "$TMP/conformance"
	ok $? "check $c is in the table as conformance"
done <"$TMP/checks"
while read -r o; do
	grep -qxF "$o" "$TMP/observation"
	ok $? "observation $o is in the table as an observation"
done <"$TMP/observes"
# ...and the table names nothing the guests do not (literal names only).
while read -r o; do
	grep -qxF "$o" "$TMP/observes"
	ok $? "the table's observation $o is one a guest makes"
done <"$TMP/observation"
done_testing
