#!/usr/bin/env bash
# spacehook install: hooks linked into bare repositories, idempotent, never
# overwriting someone else's hook (refused, or chained with --chain and then
# both run on a real push), drop-in and custom hook directories, --global with
# core.hooksPath, an upgrade from another installation, the state directory.
. "$(dirname "$0")/../lib/testlib.sh"

SH="$SP_BIN/spacehook"
STATE="$SANDBOX/state"
git config --global spacehook.stateDir "$STATE"
# The repositories below are $SANDBOX/<name>.git: Spaces <sandbox>/<name>.
git config --global spacehook.reposRoot "$(dirname "$SANDBOX")"
cd "$SANDBOX"
# post-receive queues the build and starts "$SPACEHOOK_PROGRAM worker": no
# engine here, so that worker does nothing and pushes do not wait for it.
export SPACEHOOK_PROGRAM=/bin/true

# run CMD...: output (stdout and stderr) in $OUT, status in $RC.
run() {
	set +e
	OUT=$("$@" 2>&1)
	RC=$?
	set -e
}

# push_to REPO: push (not waiting for a build) a fresh commit of the Space in $SANDBOX/work to REPO's main.
push_to() {
	git -C "$SANDBOX/work" commit -q --allow-empty -m "change $RANDOM"
	run git -C "$SANDBOX/work" push -o spacehook.wait=no "$SANDBOX/$1" HEAD:main
}

git init -q "$SANDBOX/work"
write_space "$SANDBOX/work"
git -C "$SANDBOX/work" add -A
git -C "$SANDBOX/work" commit -q -m space

# Help and usage.
run "$SH" install --help
expect_eq "--help exits 0" 0 "$RC"
expect_contains "--help tells of --chain" "--chain" "$OUT"
run "$SH" install
expect_eq "no repository is a usage error" 2 "$RC"
run "$SH" install --global a.git
expect_eq "--global with a repository is a usage error" 2 "$RC"
run "$SH" install --frobnicate a.git
expect_eq "an unknown option is a usage error" 2 "$RC"
run "$SH" install --config x a.git
expect_eq "--config without --global is a usage error" 2 "$RC"

# A plain install.
git init -q --bare a.git
run "$SH" install a.git
expect_eq "install exits 0" 0 "$RC"
expect_contains "says what it did" "a.git: installed: a.git/hooks/pre-receive added" "$OUT"
expect_eq "pre-receive links to the program" "$(readlink -f "$SP_BIN/pre-receive")" \
	"$(readlink a.git/hooks/pre-receive)"
expect_eq "post-receive links to the program" "$(readlink -f "$SP_BIN/post-receive")" \
	"$(readlink a.git/hooks/post-receive)"
expect_eq "push options advertised" true "$(git -C a.git config receive.advertisePushOptions)"
expect_eq "state directory made 0700" 700 "$(stat -c %a "$STATE")"
expect_eq "state directory owned by the repository's owner" \
	"$(stat -c %u a.git)" "$(stat -c %u "$STATE")"
before=$(ls -l --time-style=full-iso a.git/hooks; stat -c %Y a.git/config; sha1sum a.git/config)
run "$SH" install a.git
expect_eq "a second run exits 0" 0 "$RC"
expect_eq "a second run says so" "a.git: already installed" "$OUT"
expect_eq "a second run changes nothing" "$before" \
	"$(ls -l --time-style=full-iso a.git/hooks; stat -c %Y a.git/config; sha1sum a.git/config)"
push_to a.git
expect_eq "a push through the installed hooks" 0 "$RC"
expect_contains "pre-receive ran" "README.md ok" "$OUT"

# Someone else's hook is refused by default, and nothing is touched.
git init -q --bare b.git
cat >b.git/hooks/post-receive <<'EOF'
#!/bin/sh
cat >"$(dirname "$0")/../post-receive-saw"
echo "their post-receive ran"
EOF
chmod +x b.git/hooks/post-receive
theirs=$(sha1sum <b.git/hooks/post-receive)
run "$SH" install b.git
expect_eq "another hook: refused" 1 "$RC"
expect_contains "the message names the hook" "'b.git/hooks/post-receive' is another hook" "$OUT"
expect_contains "the message names --chain" "add --chain" "$OUT"
check "pre-receive not installed either" test ! -e b.git/hooks/pre-receive
expect_eq "their hook untouched" "$theirs" "$(sha1sum <b.git/hooks/post-receive)"

# A repository that fails does not stop the others.
mkdir notrepo
git init -q --bare c.git
run "$SH" install notrepo c.git
expect_eq "one bad repository: exit 1" 1 "$RC"
expect_contains "not a bare repository" "'notrepo' is not a bare git repository" "$OUT"
check "the next repository still installed" test -L c.git/hooks/pre-receive

# --chain keeps their hook as .local; both run on a push with the same input.
cat >b.git/hooks/pre-receive <<'EOF'
#!/bin/sh
input=$(cat)
printf '%s\n' "$input" >"$(dirname "$0")/../pre-receive-saw"
echo "their pre-receive ran"
case "$input" in *refs/heads/blocked*) echo "their hook says no"; exit 1;; esac
exit 0
EOF
chmod +x b.git/hooks/pre-receive
run "$SH" install --chain b.git
expect_eq "--chain exits 0" 0 "$RC"
expect_contains "says pre-receive chained" "b.git/hooks/pre-receive chained (the previous hook is now b.git/hooks/pre-receive.local)" "$OUT"
expect_contains "says post-receive chained" "b.git/hooks/post-receive chained" "$OUT"
expect_eq "their pre-receive kept as .local" "$theirs" "$(sha1sum <b.git/hooks/post-receive.local)"
check "the wrapper is executable" test -x b.git/hooks/pre-receive
run "$SH" install --chain b.git
expect_eq "--chain again: already installed" "b.git: already installed" "$OUT"
push_to b.git
expect_eq "chained: a good push is accepted" 0 "$RC"
expect_contains "their pre-receive ran" "their pre-receive ran" "$OUT"
expect_contains "ours ran after it" "README.md ok" "$OUT"
expect_contains "their post-receive ran" "their post-receive ran" "$OUT"
expect_contains "our post-receive ran after it" "build of" "$OUT"
head=$(git -C "$SANDBOX/work" rev-parse HEAD)
expect_contains "their pre-receive saw the ref line" "$head refs/heads/main" "$(cat b.git/pre-receive-saw)"
expect_contains "their post-receive saw the same ref line" "$head refs/heads/main" "$(cat b.git/post-receive-saw)"
git -C "$SANDBOX/work" commit -q --allow-empty -m blocked
run git -C "$SANDBOX/work" push "$SANDBOX/b.git" HEAD:refs/heads/blocked
check "their refusal refuses the push" test "$RC" -ne 0
expect_contains "their message shown" "their hook says no" "$OUT"
check "the ref was not made" test -z "$(git -C b.git for-each-ref refs/heads/blocked)"
printf -- '---\nsdk: docker\napp_port: 99999\n---\n' >"$SANDBOX/work/README.md"
git -C "$SANDBOX/work" add README.md
push_to b.git
check "ours refuses a bad config after theirs accepted" test "$RC" -ne 0
expect_contains "their hook ran first" "their pre-receive ran" "$OUT"
expect_contains "our message shown" "app_port" "$OUT"
git -C "$SANDBOX/work" reset -q --hard HEAD~2

# Gitea / Forgejo drop-ins and GitLab custom_hooks.
git init -q --bare d.git
run "$SH" install --dropin d.git
expect_eq "--dropin exits 0" 0 "$RC"
expect_eq "pre-receive.d/spacehook" "$(readlink -f "$SP_BIN/pre-receive")" \
	"$(readlink d.git/hooks/pre-receive.d/spacehook)"
expect_eq "post-receive.d/spacehook" "$(readlink -f "$SP_BIN/post-receive")" \
	"$(readlink d.git/hooks/post-receive.d/spacehook)"
git init -q --bare e.git
run "$SH" install --hook-dir custom_hooks e.git
expect_eq "--hook-dir exits 0" 0 "$RC"
check "custom_hooks/pre-receive" test -L e.git/custom_hooks/pre-receive
check "custom_hooks/post-receive" test -L e.git/custom_hooks/post-receive
run "$SH" install --hook-dir custom_hooks --dropin e.git
check "custom_hooks/pre-receive.d/spacehook" test -L e.git/custom_hooks/pre-receive.d/spacehook

# An upgrade: links to another installation's hooks are replaced.
cmake --install "$SP_BUILD" --prefix "$SANDBOX/prefix" >/dev/null
check "cmake --install: spacehook in bin" test -x "$SANDBOX/prefix/bin/spacehook"
check "cmake --install: hooks in lib/spacehook/hooks" test -x "$SANDBOX/prefix/lib/spacehook/hooks/post-receive"
check "cmake --install: the man page" test -f "$SANDBOX/prefix/share/man/man1/spacehook.1"
check "post-receive finds spacehook from there" test -x "$SANDBOX/prefix/lib/spacehook/hooks/../../../bin/spacehook"
git init -q --bare f.git
run "$SANDBOX/prefix/bin/spacehook" install f.git
expect_eq "the installed copy links its own hooks" "$SANDBOX/prefix/lib/spacehook/hooks/pre-receive" \
	"$(readlink f.git/hooks/pre-receive)"
run "$SH" install f.git
expect_contains "another installation's links are updated" "f.git/hooks/pre-receive updated" "$OUT"
expect_eq "now linked to this one" "$(readlink -f "$SP_BIN/pre-receive")" "$(readlink f.git/hooks/pre-receive)"

# --global: core.hooksPath in the config file given.
GLOBAL="$HOME/.gitconfig"
run "$SH" install --global --config "$GLOBAL"
expect_eq "--global exits 0" 0 "$RC"
expect_eq "core.hooksPath set" "$(dirname "$(readlink -f "$SP_BIN/pre-receive")")" \
	"$(git config --file "$GLOBAL" core.hooksPath)"
expect_eq "push options on" true "$(git config --file "$GLOBAL" receive.advertisePushOptions)"
run "$SH" install --global --config "$GLOBAL"
expect_eq "--global again: already installed" "$GLOBAL: already installed" "$OUT"
git init -q --bare g.git
push_to g.git
expect_eq "a repository without hooks runs them through core.hooksPath" 0 "$RC"
expect_contains "pre-receive ran" "README.md ok" "$OUT"
git config --file "$GLOBAL" core.hooksPath "$SANDBOX/site-hooks"
mkdir "$SANDBOX/site-hooks"
run "$SH" install --global --config "$GLOBAL"
expect_eq "another core.hooksPath: refused" 1 "$RC"
expect_contains "names --hook-dir" "--hook-dir '$SANDBOX/site-hooks'" "$OUT"
run "$SH" install --global --config "$GLOBAL" --hook-dir "$SANDBOX/site-hooks"
expect_eq "--global --hook-dir exits 0" 0 "$RC"
check "hooks linked into it" test -L "$SANDBOX/site-hooks/pre-receive"
git config --file "$GLOBAL" --unset core.hooksPath

# Without receive.advertisePushOptions a push with -o fails (the symptom the
# admin guide names); spacehook install sets it.
git config --file "$GLOBAL" --unset receive.advertisePushOptions
git init -q --bare k.git
ln -s "$SP_BIN/pre-receive" k.git/hooks/pre-receive
push_to k.git
check "push options refused before install" test "$RC" -ne 0
expect_contains "with git's message" "the receiving end does not support push options" "$OUT"
run "$SH" install k.git
expect_contains "install sets it" "receive.advertisePushOptions set" "$OUT"
push_to k.git
expect_eq "push options taken after install" 0 "$RC"

# Backup and restore of the state directory, as the admin guide shows.
printf '{"A":"b"}' >"$STATE/probe.json"
chmod 0600 "$STATE/probe.json"
tar -C "$SANDBOX" -czpf "$SANDBOX/spacehook-state.tgz" state
mkdir "$SANDBOX/restore"
tar -C "$SANDBOX/restore" -xzpf "$SANDBOX/spacehook-state.tgz"
expect_eq "restored directory keeps 0700" 700 "$(stat -c %a "$SANDBOX/restore/state")"
expect_eq "restored file keeps 0600" 600 "$(stat -c %a "$SANDBOX/restore/state/probe.json")"
expect_eq "restored content" '{"A":"b"}' "$(cat "$SANDBOX/restore/state/probe.json")"
rm "$STATE/probe.json"

# An existing state directory open to others is closed.
git init -q --bare j.git
git -C j.git config spacehook.stateDir "$SANDBOX/state-open"
mkdir -m 0755 "$SANDBOX/state-open"
run "$SH" install j.git
expect_contains "says it closed it" "state directory $SANDBOX/state-open closed to others" "$OUT"
expect_eq "now 0700" 700 "$(stat -c %a "$SANDBOX/state-open")"

# --user (root only: the state directory is given to that user).
if [ "$(id -u)" -eq 0 ]; then
	git init -q --bare h.git
	git -C h.git config spacehook.stateDir "$SANDBOX/state-nobody"
	run "$SH" install --user nobody h.git
	expect_eq "--user exits 0" 0 "$RC"
	expect_eq "state directory owned by --user" nobody "$(stat -c %U "$SANDBOX/state-nobody")"
	git init -q --bare i.git
	run "$SH" install --user nobody i.git
	expect_eq "a state directory of another user: refused" 1 "$RC"
	expect_contains "with the chown to run" "run chown -R nobody: '$STATE'" "$OUT"
	printf '[spacehook]\n\tstateDir = %s\n' "$SANDBOX/state-global" >"$SANDBOX/system.gitconfig"
	run "$SH" install --global --user nobody --config "$SANDBOX/system.gitconfig"
	expect_eq "--global --user exits 0" 0 "$RC"
	expect_eq "its state directory owned by --user" nobody "$(stat -c %U "$SANDBOX/state-global")"
else
	echo "note: --user cases need root; not run"
fi

# --nginx: the system nginx's include, nginxDir for the git user, the sudoers
# rule only when asked. As root only (the non-root refusal is shown too).
run "$SH" install --nginx a.git
expect_eq "--nginx with a repository is a usage error" 2 "$RC"
run "$SH" install --sudoers a.git
expect_eq "--sudoers without --nginx is a usage error" 2 "$RC"
run "$SH" install --nginx --sudoers-file "$SANDBOX/sudo"
expect_eq "--sudoers-file without --sudoers is a usage error" 2 "$RC"
if [ "$(id -u)" -eq 0 ]; then
	NGX="$SANDBOX/ngx"
	mkdir -p "$NGX/conf.d" "$NGX/sudoers.d"
	git config --global spacehook.nginxDir "$SANDBOX/state-ngx/nginx"
	run "$SH" install --nginx --user nobody --nginx-conf "$NGX/conf.d/spacehook.conf"
	expect_eq "--nginx exits 0" 0 "$RC"
	expect_contains "says it made nginxDir" "$SANDBOX/state-ngx/nginx: made, owned by the git user" "$OUT"
	expect_contains "says it wrote the include" "$NGX/conf.d/spacehook.conf: written" "$OUT"
	expect_contains "tells to set the domain" "spacehook.domain" "$OUT"
	expect_eq "nginxDir owned by the git user" nobody "$(stat -c %U "$SANDBOX/state-ngx/nginx")"
	expect_contains "the include names nginxDir" "include $SANDBOX/state-ngx/nginx/*.conf;" \
		"$(cat "$NGX/conf.d/spacehook.conf")"
	check "no sudoers rule unless asked" test ! -e "$NGX/sudoers.d/spacehook"
	# nginx itself takes the include inside http {}.
	printf 'server { listen 127.0.0.1:1; server_name x.test; return 204; }\n' \
		>"$SANDBOX/state-ngx/nginx/spacehook.conf"
	printf 'pid %s/nginx.pid; error_log %s/error.log; events {}\nhttp { access_log off; include %s; }\n' \
		"$NGX" "$NGX" "$NGX/conf.d/*.conf" >"$NGX/nginx.conf"
	run nginx -t -q -e "$NGX/error.log" -c "$NGX/nginx.conf" -p "$NGX"
	expect_eq "nginx -t accepts the include and nginxDir's files: $OUT" 0 "$RC"
	run "$SH" install --nginx --user nobody --nginx-conf "$NGX/conf.d/spacehook.conf"
	expect_contains "again: already there" "$NGX/conf.d/spacehook.conf: already there" "$OUT"
	run "$SH" install --nginx --user nobody --nginx-conf "$NGX/conf.d/spacehook.conf" \
		--sudoers --sudoers-file "$NGX/sudoers.d/spacehook"
	expect_eq "--sudoers exits 0" 0 "$RC"
	expect_contains "tells the nginxTest to set" "spacehook.nginxTest 'sudo -n /usr/sbin/nginx -t'" "$OUT"
	expect_contains "tells the nginxReload to set" "spacehook.nginxReload 'sudo -n /usr/sbin/nginx -s reload'" "$OUT"
	expect_contains "the rule is the user's and narrow" \
		"nobody ALL=(root) NOPASSWD: /usr/sbin/nginx -t, /usr/sbin/nginx -s reload" \
		"$(cat "$NGX/sudoers.d/spacehook")"
	expect_eq "the rule is 0440" 440 "$(stat -c %a "$NGX/sudoers.d/spacehook")"
	printf 'server { listen 80; }\n' >"$NGX/conf.d/other.conf"
	run "$SH" install --nginx --user nobody --nginx-conf "$NGX/conf.d/other.conf"
	expect_eq "another's file: refused" 1 "$RC"
	expect_contains "saying it is not spacehook's" "not spacehook's" "$OUT"
	run "$SH" install --nginx --user nobody --nginx-conf "$NGX/nowhere/spacehook.conf"
	expect_eq "a missing conf directory: refused" 1 "$RC"
	expect_contains "saying what to do" "--nginx-conf PATH" "$OUT"
	run "$SH" install --nginx --user nobody --nginx-conf "relative.conf"
	expect_eq "a relative path: refused" 1 "$RC"
	if command -v setpriv >/dev/null; then
		chmod 755 "$SANDBOX"
		run setpriv --reuid=65534 --regid=65534 --clear-groups \
			env HOME="$HOME" "$SH" install --nginx --nginx-conf "$NGX/conf.d/spacehook.conf"
		expect_eq "not root: refused" 1 "$RC"
		expect_contains "saying to run it as root" "run it as root" "$OUT"
	fi
	git config --global --unset spacehook.nginxDir
else
	echo "note: --nginx cases need root; not run"
fi

finish
