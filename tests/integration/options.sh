#!/usr/bin/env bash
# spacehook's options as getopt_long reads them: anywhere among the operands, --opt=value and --opt value alike, -- ends them; usage errors exit 2.
source "$SP_SOURCE/tests/lib/testlib.sh"

cd "$SANDBOX"

# sh ARGS...: run spacehook; sets $out (stdout and stderr) and $rc.
sh_run() {
	set +e
	out=$("$SP_BIN/spacehook" "$@" 2>&1)
	rc=$?
	set -e
}

# spacehook's own options come before the command.
sh_run --version
expect_eq "--version exits 0" 0 "$rc"
expect_contains "--version names it" "spacehook " "$out"
sh_run -h
expect_eq "-h exits 0" 0 "$rc"
expect_contains "-h shows the commands" "usage: spacehook <command>" "$out"
sh_run --bogus status
expect_eq "an unknown option of spacehook exits 2" 2 "$rc"
expect_eq "an unknown option of spacehook explained" \
	"spacehook: unknown option '--bogus' (see 'spacehook --help')" "$out"
sh_run
expect_eq "no command exits 2" 2 "$rc"

# A value after '=' or as the next argument, before or after the operand.
for args in "logs alice/demo --tail=x" "logs alice/demo --tail x" "logs --tail=x alice/demo" "logs --tail= alice/demo"; do
	# shellcheck disable=SC2086
	sh_run $args
	expect_eq "'$args' exits 2" 2 "$rc"
	expect_contains "'$args' names the value" "spacehook: --tail takes a number of lines (got '" "$out"
done
sh_run logs alice/demo --tail
expect_eq "--tail without its value exits 2" 2 "$rc"
expect_contains "--tail without its value: usage" "usage: spacehook logs SPACE" "$out"

# Unknown options are named, a value after '=' never.
sh_run status --bogus
expect_eq "status --bogus exits 2" 2 "$rc"
expect_eq "status --bogus: usage" "spacehook: usage: spacehook status [SPACE] [--json]" "$out"
sh_run secrets set alice/demo NAME --token=hunter2hunter2
expect_eq "an option with a value exits 2" 2 "$rc"
expect_contains "only the option is named" "spacehook: secrets set: unknown option '--token'" "$out"
expect_not_contains "the value is not shown" "hunter2" "$out"
sh_run secrets list -q alice/demo
expect_contains "a short option is named" "spacehook: secrets list: unknown option '-q'" "$out"
sh_run variables list --no-restart alice/demo
expect_eq "--no-restart is no option of list" 2 "$rc"
expect_contains "--no-restart on list named" "unknown option '--no-restart'" "$out"
sh_run context --nope repo main
expect_eq "context --nope exits 2" 2 "$rc"
expect_contains "context --nope named" "spacehook: context: unknown option '--nope'" "$out"

# Commands without options refuse one, and take operands after --.
for cmd in rebuild stop start cancel worker; do
	sh_run "$cmd" -x alice/demo
	expect_eq "$cmd -x exits 2" 2 "$rc"
	expect_contains "$cmd -x: usage" "usage: spacehook $cmd SPACE" "$out"
done
sh_run gc extra
expect_eq "gc with an operand exits 2" 2 "$rc"
sh_run rebind alice/demo
expect_eq "rebind with one operand exits 2" 2 "$rc"
sh_run stop -- -x
expect_eq "stop -- -x: an operand, checked as a Space id" 2 "$rc"
expect_not_contains "stop -- -x is no usage error" "usage:" "$out"

# Options before or after the operands.
write_space space
sh_run validate --rev=HEAD space
expect_eq "validate --rev=HEAD with a path exits 2" 2 "$rc"
expect_contains "validate: both explained" "give a path or --rev, not both" "$out"
sh_run validate space --rev HEAD
expect_eq "validate PATH --rev HEAD exits 2" 2 "$rc"
expect_contains "validate: both explained, option last" "give a path or --rev, not both" "$out"
sh_run validate -- --rev
expect_eq "validate -- --rev: a path" 1 "$rc"
expect_not_contains "validate -- --rev is no usage error" "usage:" "$out"

finish
