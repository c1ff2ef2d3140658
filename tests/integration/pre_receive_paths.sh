#!/usr/bin/env bash
# pre-receive: repositories whose paths hold a space and a ':' (git quotes them in the hook environment), loose and packed pushes.
source "$SP_SOURCE/tests/lib/testlib.sh"
source "$SP_SOURCE/tests/lib/pushlib.sh"

cd "$SANDBOX"

for dir in "with space" "with:colon" "both: of them"; do
	mkdir -p "$dir"
	make_checked_bare "$dir/repo.git"
	rm -rf work
	write_space work
	git -C work init -q

	# Loose objects in the quarantine.
	printf -- '---\nsdk: docker\napp_port: 0\n---\n' >work/README.md
	commit_all work "bad"
	push work "$SANDBOX/$dir/repo.git" main
	expect_eq "[$dir] bad loose push exits 1" 1 "$rc"
	expect_contains "[$dir] bad loose push read from quarantine" \
		'remote: README.md:3:11: error: "app_port" must be an integer from 1 to 65535 (got "0")' "$out"
	write_space work 8080
	commit_all work "good"
	push work "$SANDBOX/$dir/repo.git" main
	expect_eq "[$dir] good loose push exits 0" 0 "$rc"
	expect_eq "[$dir] good loose push ok" \
		"remote: spacehook: README.md ok (sdk: docker, app_port: 8080)" "$out"

	# A pack in the quarantine (git keeps pushes of 100 objects and more packed).
	for i in $(seq 1 120); do printf '%s\n' "$i" >"work/f$i"; done
	printf -- '---\nsdk: gradio\n---\n' >work/README.md
	commit_all work "bad packed"
	push work "$SANDBOX/$dir/repo.git" main
	expect_eq "[$dir] bad packed push exits 1" 1 "$rc"
	expect_contains "[$dir] bad packed push says why" "Sorry, your push was rejected" "$out"
	expect_eq "[$dir] bad packed push leaves main" \
		"$(ref_of work HEAD~1)" "$(ref_of "$dir/repo.git" main)"
	write_space work
	commit_all work "good packed"
	push work "$SANDBOX/$dir/repo.git" main
	expect_eq "[$dir] good packed push exits 0" 0 "$rc"
	expect_contains "[$dir] good packed push ok" "remote: spacehook: README.md ok" "$out"
	check "[$dir] the push was kept as a pack" \
		compgen -G "$dir/repo.git/objects/pack/*.pack" >/dev/null
	expect_eq "[$dir] good packed push moves main" \
		"$(ref_of work HEAD)" "$(ref_of "$dir/repo.git" main)"
done

finish
