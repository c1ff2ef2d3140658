#!/usr/bin/env bash
# Real Space READMEs (tests/data/readmes, sources in its SOURCES file): spacehook validate
# accepts every one. A Docker Space has no error; another sdk has exactly one, the refusal
# of its sdk, so that every other key is checked too. Warnings are allowed and listed.
source "$SP_SOURCE/tests/lib/testlib.sh"

data="$SP_SOURCE/tests/data/readmes"
cd "$SANDBOX"

# Every file has its source, every source its file.
listed=$(grep -v '^#' "$data/SOURCES" | cut -f1 | sort)
present=$(cd "$data" && ls -- *.md | sort)
expect_eq "SOURCES lists every file, and only those" "$present" "$listed"
bad_rows=$(grep -v '^#' "$data/SOURCES" | awk -F'\t' 'NF != 4 || length($4) != 40 || $4 ~ /[^0-9a-f]/' || true)
expect_eq "each source names repository, path and commit" "" "$bad_rows"

count=0
docker=0
warnings=""
for file in "$data"/*.md; do
	name=${file##*/}
	count=$((count + 1))
	# The first "sdk:" line: its number and value.
	read -r sdk_line sdk < <(awk '/^sdk:/ { v = $2; sub(/\r$/, "", v); print NR, v; exit }' "$file")
	set +e
	out=$("$SP_BIN/spacehook" validate "$file" 2>&1)
	rc=$?
	set -e
	errors=$(grep -F ': error: ' <<<"$out" || true)
	if [ "$sdk" = docker ]; then
		docker=$((docker + 1))
		expect_eq "$name: accepted" 0 "$rc"
		expect_eq "$name: no error" "" "$errors"
	else
		expect_eq "$name: refused only for its sdk" 1 "$rc"
		expect_eq "$name: its one error is the sdk" \
			"$file:$sdk_line:6: error: \"sdk\" is \"$sdk\", but this server serves only Docker Spaces (\"sdk: docker\" with a Dockerfile)" \
			"$errors"
	fi
	warned=$(grep -F ': warning: ' <<<"$out" | sed "s|^$data/||" || true)
	if [ -n "$warned" ]; then
		warnings+="$warned"$'\n'
	fi
done

# At least 30 READMEs, most of them Docker Spaces.
check "at least 30 READMEs ($count)" test "$count" -ge 30
check "at least 30 Docker Spaces ($docker)" test "$docker" -ge 30
echo "real READMEs: $count ($docker with sdk: docker)"
if [ -n "$warnings" ]; then
	echo "warnings:"
	printf '%s' "$warnings" | sed 's/^/    /'
fi

finish
