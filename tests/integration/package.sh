#!/usr/bin/env bash
# The Debian package: `cpack -G DEB` makes it with the right Depends, `apt
# install ./spacehook_*.deb` installs it cleanly, the installed spacehook runs
# and installs working hooks, and `apt-get purge` removes it. Needs root.
. "$(dirname "$0")/../lib/testlib.sh"

if [ "$(id -u)" -ne 0 ]; then
	fail "the package test installs a .deb: run it as root"
	finish
fi
if dpkg-query -W -f '${Status}' spacehook 2>/dev/null | grep -q "installed"; then
	fail "a spacehook package is already installed on this host; remove it first (apt-get purge spacehook)"
	finish
fi
if ! command -v cpack >/dev/null; then
	fail "no cpack: apt-get install cmake"
	finish
fi

# apt waits this long for another dpkg or apt to finish, then says so.
APT="apt-get -q -y -o DPkg::Lock::Timeout=120"
export DEBIAN_FRONTEND=noninteractive

# run CMD...: output in $OUT, status in $RC.
run() {
	set +e
	OUT=$("$@" 2>&1)
	RC=$?
	set -e
}

package_cleanup() {
	if dpkg-query -W -f '${Status}' spacehook 2>/dev/null | grep -q "installed"; then
		$APT purge spacehook >/dev/null 2>&1 || true
	fi
	cleanup_sandbox
}
trap package_cleanup EXIT

run cpack -G DEB -B "$SANDBOX/pkg" --config "$SP_BUILD/CPackConfig.cmake"
expect_eq "cpack -G DEB succeeds" 0 "$RC"
deb=$(ls "$SANDBOX"/pkg/spacehook_*.deb)
fields=$(dpkg-deb -f "$deb")
expect_contains "Depends" "Depends: libc6 (>= 2.34), libgit2-1.5, libyaml-0-2, libcurl4, libcjson1, libarchive13, libssl3, git" "$fields"
expect_contains "Depends on libmicrohttpd (spacehook serve)" "libmicrohttpd12" "$fields"
expect_contains "Recommends docker.io" "Recommends: docker.io" "$fields"
files=$(dpkg-deb -c "$deb")
expect_contains "spacehook in /usr/bin" "./usr/bin/spacehook" "$files"
expect_contains "pre-receive in /usr/lib/spacehook/hooks" "./usr/lib/spacehook/hooks/pre-receive" "$files"
expect_contains "the sudoers rule for nginx" "./usr/share/spacehook/sudoers.spacehook" "$files"
expect_contains "the gitolite command" "./usr/share/spacehook/gitolite/spacehook" "$files"
expect_contains "post-receive in /usr/lib/spacehook/hooks" "./usr/lib/spacehook/hooks/post-receive" "$files"
expect_contains "the man page" "./usr/share/man/man1/spacehook.1" "$files"
expect_contains "the unit of spacehook serve" "./usr/lib/systemd/system/spacehook-serve.service" "$files"

run $APT install "$deb"
if [ "$RC" -ne 0 ] && grep -q "lock" <<<"$OUT"; then
	fail "dpkg is busy (another apt or dpkg holds its lock): run the test again when it is done"
	printf '%s\n' "$OUT" >&2
	finish
fi
expect_eq "apt install ./spacehook_*.deb succeeds" 0 "$RC"
expect_eq "the package is installed" "install ok installed" "$(dpkg-query -W -f '${Status}' spacehook)"
run /usr/bin/spacehook --help
expect_eq "installed spacehook --help exits 0" 0 "$RC"
expect_contains "lists install" "install" "$OUT"
expect_contains "--version" "spacehook 0.1.0" "$(/usr/bin/spacehook --version)"
check "the serve unit is installed" test -f /usr/lib/systemd/system/spacehook-serve.service
check "man finds the page" test -n "$(man -w spacehook 2>/dev/null || ls /usr/share/man/man1/spacehook.1)"

# The installed command links the installed hooks; a push runs them.
git init -q --bare "$SANDBOX/a.git"
git config --global spacehook.stateDir "$SANDBOX/state"
run /usr/bin/spacehook install "$SANDBOX/a.git"
expect_eq "installed spacehook install exits 0" 0 "$RC"
expect_eq "linked to /usr/lib/spacehook/hooks" /usr/lib/spacehook/hooks/pre-receive \
	"$(readlink "$SANDBOX/a.git/hooks/pre-receive")"
git init -q "$SANDBOX/work"
write_space "$SANDBOX/work"
printf -- '---\nsdk: docker\napp_port: 0\n---\n' >"$SANDBOX/work/README.md"
git -C "$SANDBOX/work" add -A
git -C "$SANDBOX/work" commit -q -m bad
run git -C "$SANDBOX/work" push "$SANDBOX/a.git" HEAD:main
check "the installed pre-receive refuses a bad config" test "$RC" -ne 0
expect_contains "with its message" "app_port" "$OUT"

run $APT purge spacehook
expect_eq "apt-get purge succeeds" 0 "$RC"
check "spacehook is gone" test ! -e /usr/bin/spacehook
check "its hooks are gone" test ! -e /usr/lib/spacehook
check "its unit is gone" test ! -e /usr/lib/systemd/system/spacehook-serve.service

finish
