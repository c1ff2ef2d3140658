#!/usr/bin/env bash
# spacehook secrets / variables end to end: values on stdin, names-only listing,
# files 0600 in 0700 directories, refusals, usage, and the value never printed.
. "$SP_SOURCE/tests/lib/testlib.sh"

SH="$SP_BIN/spacehook"
STATE="$SANDBOX/state"
git config --global spacehook.stateDir "$STATE"
SPACE_DIR="$STATE/spaces/alice--demo"
SECRET="s3cr3t-Value-$$-zq"
ALL="$SANDBOX/all-output"
: >"$ALL"

# run [STDIN-FILE] -- ARGS...: sets $out, $err, $rc; all output also goes to $ALL.
run() {
	local input=/dev/null
	if [ "$1" != "--" ]; then input=$1; shift; fi
	shift
	rc=0
	"$SH" "$@" <"$input" >"$SANDBOX/out" 2>"$SANDBOX/err" || rc=$?
	out=$(cat "$SANDBOX/out")
	err=$(cat "$SANDBOX/err")
	cat "$SANDBOX/out" "$SANDBOX/err" >>"$ALL"
}

# stored_value KIND NAME: "match" when the stored value equals $SECRET (never printed).
stored_matches() {
	SECRET="$SECRET" python3 -c '
import json, os, sys
with open(sys.argv[1]) as f:
    data = json.load(f)
print("match" if data.get(sys.argv[2]) == os.environ["SECRET"] + sys.argv[3] else "differs")
' "$SPACE_DIR/$1.json" "$2" "${3:-}"
}

mode_of() { stat -c %a "$1"; }

# Set through stdin: the value never on the command line, never echoed.
printf '%s\n' "$SECRET" >"$SANDBOX/value"
run "$SANDBOX/value" -- secrets set --no-restart alice/demo HF_TOKEN
expect_eq "secrets set exits 0" 0 "$rc"
expect_contains "secrets set says what it did" "set secret HF_TOKEN of alice/demo" "$out"
expect_eq "stored value is stdin minus one newline" match "$(stored_matches secrets HF_TOKEN)"
expect_eq "secrets.json is 0600" 600 "$(mode_of "$SPACE_DIR/secrets.json")"
expect_eq "the Space directory is 0700" 700 "$(mode_of "$SPACE_DIR")"
expect_eq "the spaces directory is 0700" 700 "$(mode_of "$STATE/spaces")"
expect_eq "the state directory is 0700" 700 "$(mode_of "$STATE")"

# A value with inner newlines keeps them; only one trailing newline goes.
printf '%s\nline2\n\n' "$SECRET" >"$SANDBOX/value2"
run "$SANDBOX/value2" -- secrets set --no-restart alice/demo MULTI
expect_eq "multi-line secret set" 0 "$rc"
expect_eq "multi-line value kept whole" match "$(stored_matches secrets MULTI $'\nline2\n')"

# Restart after a change (the Space is not running: said so, exit 0).
run "$SANDBOX/value" -- secrets set alice/demo HF_TOKEN
expect_eq "set with restart exits 0" 0 "$rc"

run -- secrets list alice/demo
expect_eq "secrets list exits 0" 0 "$rc"
expect_eq "secrets list shows names only" "HF_TOKEN
MULTI" "$out"

# Variables: value from argv or stdin, listed as NAME=value.
run -- variables set --no-restart alice/demo MODEL_ID gpt2
expect_eq "variables set from argv" 0 "$rc"
printf 'from stdin\n' >"$SANDBOX/var"
run "$SANDBOX/var" -- variables set --no-restart alice/demo GREETING
expect_eq "variables set from stdin" 0 "$rc"
run -- variables list alice/demo
expect_eq "variables list" "GREETING=from stdin
MODEL_ID=gpt2" "$out"
expect_eq "variables.json is 0600" 600 "$(mode_of "$SPACE_DIR/variables.json")"

# A name is a secret or a variable, never both.
run -- variables set --no-restart alice/demo HF_TOKEN x
expect_eq "variable over a secret refused" 1 "$rc"
expect_contains "cross-kind message" "HF_TOKEN is already a secret of alice/demo" "$err"
run "$SANDBOX/value" -- secrets set --no-restart alice/demo MODEL_ID
expect_eq "secret over a variable refused" 1 "$rc"
expect_contains "cross-kind message (secret)" "MODEL_ID is already a variable of alice/demo" "$err"

# Bad names and Spaces: exit 1, nothing stored.
for name in 1ABC A-B "A B" "" "A=B" "$(printf 'A\001')"; do
	run "$SANDBOX/value" -- secrets set --no-restart alice/demo "$name"
	expect_eq "bad name [$name] refused" 1 "$rc"
	expect_contains "bad name [$name] message" "invalid name" "$err"
done
for space in a/b/c .. ../x alice "a b/c" Alice/.git; do
	run "$SANDBOX/value" -- secrets set --no-restart "$space" OK_NAME
	expect_eq "bad space [$space] refused" 1 "$rc"
	expect_contains "bad space [$space] message" "invalid space" "$err"
done
expect_eq "no stray Space directories" "alice--demo" "$(ls "$STATE/spaces")"

# Bad values: empty, too big, a NUL byte.
run -- secrets set --no-restart alice/demo EMPTY
expect_eq "empty value refused" 1 "$rc"
expect_contains "empty value message" "empty value for EMPTY" "$err"
{ printf '%s' "$SECRET"; head -c 70000 /dev/zero | tr '\0' 'v'; } >"$SANDBOX/big"
run "$SANDBOX/big" -- secrets set --no-restart alice/demo BIG
expect_eq "too big value refused" 1 "$rc"
expect_contains "too big message" "larger than 65536 bytes" "$err"
{ printf '%s' "$SECRET"; printf '\0x'; } >"$SANDBOX/nul"
run "$SANDBOX/nul" -- secrets set --no-restart alice/demo NUL
expect_eq "NUL value refused" 1 "$rc"
expect_contains "NUL value: nothing stored" "holds a NUL byte: nothing is stored" "$err"
expect_contains "NUL value: how to pass binary data" \
	"encode binary data first, e.g. base64 -w0 FILE | spacehook secrets set alice/demo NUL" "$err"
{ printf '%s' "$SECRET"; printf '\xe9\xff\n'; } >"$SANDBOX/latin1"
run "$SANDBOX/latin1" -- secrets set --no-restart alice/demo LATIN1
expect_eq "non-UTF-8 value refused" 1 "$rc"
expect_contains "non-UTF-8 message" "the value of LATIN1 is not valid UTF-8: nothing is stored" "$err"
expect_contains "non-UTF-8: base64 named" "base64 -w0 FILE | spacehook secrets set alice/demo LATIN1" "$err"
{ printf '%s' "$SECRET"; printf '\xed\xa0\x80'; } >"$SANDBOX/surrogate"
run "$SANDBOX/surrogate" -- secrets set --no-restart alice/demo SURROGATE
expect_eq "encoded surrogate refused" 1 "$rc"
run "$SANDBOX/latin1" -- variables set --no-restart alice/demo LATIN1
expect_eq "non-UTF-8 variable from stdin refused" 1 "$rc"
expect_contains "variable message names variables set" "spacehook variables set alice/demo LATIN1" "$err"
run -- variables set --no-restart alice/demo LATIN1 "$(printf 'caf\xe9')"
expect_eq "non-UTF-8 variable from argv refused" 1 "$rc"
expect_contains "non-UTF-8 variable message" "the value of LATIN1 is not valid UTF-8" "$err"
run -- secrets list alice/demo
expect_eq "refused values stored nothing" "HF_TOKEN
MULTI" "$out"
run -- variables list alice/demo
expect_eq "refused variables stored nothing" "GREETING=from stdin
MODEL_ID=gpt2" "$out"

# UTF-8 text is fine, whatever the script.
printf '%s-caf\xc3\xa9-\xf0\x9f\x9a\x80\n' "$SECRET" >"$SANDBOX/utf8"
run "$SANDBOX/utf8" -- secrets set --no-restart alice/demo UTF8_SECRET
expect_eq "UTF-8 secret stored" 0 "$rc"
expect_eq "UTF-8 secret: no warning" "" "$err"
run -- secrets unset --no-restart alice/demo UTF8_SECRET

# A short secret is stored with a warning that says why; never printed.
printf 'pw12\n' >"$SANDBOX/short"
run "$SANDBOX/short" -- secrets set --no-restart alice/demo SHORT_PW
expect_eq "short secret stored" 0 "$rc"
expect_contains "short secret: stored" "set secret SHORT_PW of alice/demo" "$out"
expect_contains "short secret: warned" \
	"spacehook: warning: the secret SHORT_PW is stored, but it is shorter than 8 bytes: logs cannot hide so short a value safely" "$err"
expect_not_contains "short secret: value not printed" "pw12" "$out$err"
run -- secrets unset --no-restart alice/demo SHORT_PW
printf '%s\nab\n%s-2\nxy\n' "$SECRET" "$SECRET" >"$SANDBOX/shortlines"
run "$SANDBOX/shortlines" -- secrets set --no-restart alice/demo SHORT_LINES
expect_eq "secret with short lines stored" 0 "$rc"
expect_contains "short lines warned" \
	"warning: the secret SHORT_LINES is stored, but 2 of its lines are shorter than 4 bytes" "$err"
run -- secrets unset --no-restart alice/demo SHORT_LINES
run -- variables set --no-restart alice/demo SHORT_VAR x
expect_eq "a short variable: no warning" "0:" "$rc:$err"
run -- variables unset --no-restart alice/demo SHORT_VAR

# Names the build machinery reads are refused at set, before any value is read.
for name in BUILDKIT_SYNTAX BUILDKIT_INLINE_CACHE buildkit_x; do
	run "$SANDBOX/value" -- secrets set --no-restart alice/demo "$name"
	expect_eq "secret name $name refused" 1 "$rc"
	expect_contains "secret name $name: why" \
		"the name '$name' is reserved: BuildKit reads build arguments starting with BUILDKIT_ as options of the build itself; choose another name" "$err"
	run -- variables set --no-restart alice/demo "$name" docker/dockerfile:1
	expect_eq "variable name $name refused" 1 "$rc"
done
run -- variables set --no-restart alice/demo SPACEHOOK_SECRET_HF_TOKEN x
expect_eq "SPACEHOOK_ name refused" 1 "$rc"
expect_contains "SPACEHOOK_ name: why" "names starting with SPACEHOOK_ are spacehook's own" "$err"
run -- variables list alice/demo
expect_eq "reserved names stored nothing" "GREETING=from stdin
MODEL_ID=gpt2" "$out"
# One stored before the rule (written directly) can still be unset.
python3 - "$SPACE_DIR/variables.json" <<'EOP'
import json, sys
with open(sys.argv[1]) as f:
    data = json.load(f)
data["BUILDKIT_SYNTAX"] = "evil/frontend"
with open(sys.argv[1], "w") as f:
    json.dump(data, f)
EOP
run -- variables unset --no-restart alice/demo BUILDKIT_SYNTAX
expect_eq "a stored reserved name can be unset" 0 "$rc"

# Usage errors: exit 2.
run -- secrets
expect_eq "no subcommand: usage" 2 "$rc"
run -- secrets frob alice/demo
expect_eq "unknown subcommand: usage" 2 "$rc"
run -- secrets list
expect_eq "missing SPACE: usage" 2 "$rc"
run -- secrets unset alice/demo
expect_eq "missing NAME: usage" 2 "$rc"
run -- secrets list --force alice/demo
expect_eq "unknown option: usage" 2 "$rc"
run -- secrets set alice/demo HF_TOKEN "$SECRET"
expect_eq "secret value on the command line refused" 2 "$rc"
expect_contains "argv value message" "never from the command line" "$err"
run -- secrets set alice/demo HF_TOKEN "--token=$SECRET"
expect_eq "value-looking option refused" 2 "$rc"
run -- variables set alice/demo A b c
expect_eq "too many arguments: usage" 2 "$rc"
run -- secrets --help
expect_eq "secrets --help exits 0" 0 "$rc"
expect_contains "secrets --help shows usage" "spacehook secrets set" "$out"
run -- variables unset --help
expect_eq "variables unset --help exits 0" 0 "$rc"

# Unset.
run -- secrets unset --no-restart alice/demo MULTI
expect_eq "secrets unset exits 0" 0 "$rc"
run -- secrets unset --no-restart alice/demo MULTI
expect_eq "unset of a missing name exits 1" 1 "$rc"
expect_contains "unset missing message" "MULTI is not a secret of alice/demo" "$err"
run -- secrets unset --no-restart bob/never NAME
expect_eq "unset on an unknown Space exits 1" 1 "$rc"
run -- secrets list bob/never
expect_eq "list of an unknown Space is empty" "0:" "$rc:$out"
expect_eq "listing created nothing" "alice--demo" "$(ls "$STATE/spaces")"
run -- secrets list alice/demo
expect_eq "list after unset" "HF_TOKEN" "$out"

# A damaged file is a clear error naming it, never the value, never a crash.
cp "$SPACE_DIR/secrets.json" "$SANDBOX/secrets.keep"
printf '{"HF_TOKEN": "%s"' "$SECRET" >"$SPACE_DIR/secrets.json"
run -- secrets list alice/demo
expect_eq "damaged secrets.json: exit 1" 1 "$rc"
expect_contains "damaged secrets.json named" "secrets.json" "$err"
cp "$SANDBOX/secrets.keep" "$SPACE_DIR/secrets.json"

# Bad settings: a clear error naming the key.
git config --global spacehook.portRange 9-1
run -- secrets list alice/demo
expect_eq "bad setting: exit 1" 1 "$rc"
expect_contains "bad setting named" "spacehook.portRange" "$err"
git config --global --unset spacehook.portRange

# On a terminal the value is read with echo off.
if command -v script >/dev/null; then
	printf 'tty-%s\n' "$SECRET" >"$SANDBOX/ttyvalue"
	{ sleep 1; cat "$SANDBOX/ttyvalue"; sleep 1; } |
		script -qec "'$SH' secrets set --no-restart alice/demo TTY_SECRET" /dev/null \
			>"$SANDBOX/tty-out" 2>&1 || true
	cat "$SANDBOX/tty-out" >>"$ALL"
	expect_contains "terminal prompt" "Secret TTY_SECRET of alice/demo:" "$(cat "$SANDBOX/tty-out")"
	expect_eq "terminal value stored" match \
		"$(SECRET="tty-$SECRET" stored_matches secrets TTY_SECRET)"
fi

# Never: the value in any output of any command above.
check "the secret value never appears in any output" \
	bash -c '! grep -qF -- "$1" "$2"' _ "$SECRET" "$ALL"

finish
