# Sourced by start.sh and stop.sh.
# The newest installed server's bin folder, "" when none: a glob, not ls,
# whose failure on a fresh machine would end the script under pipefail.
find_bin() {
	local d found=""
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && found=$(printf '%s\n%s\n' "$found" "$d" | sed '/^$/d' | sort -V | tail -n 1)
	done
	printf '%s' "$found"
}
