#!/usr/bin/env bash
# A real push over SSH: OpenSSH's sshd on 127.0.0.1 with its own config, host
# key and authorized key in the sandbox, repositories set up by `spacehook
# install`; a refused config shows its messages on the client, an accepted one
# ends with the Space serving on its port.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/../lib/e2elib.sh"

SSHD=/usr/sbin/sshd
if [ ! -x "$SSHD" ]; then
	fail "no $SSHD: install openssh-server (apt-get install openssh-server)"
	finish
fi
if [ "$(id -u)" -ne 0 ]; then
	fail "this test logs in over SSH as root: run it as root"
	finish
fi

. "$(dirname "$0")/../lib/sshlib.sh"
ssh-keygen -q -t ed25519 -N '' -C spacehook-test-client -f "$SSH_DIR/client_key"
cp "$SSH_DIR/client_key.pub" "$SSH_DIR/authorized_keys"
# The hooks run as the ssh user: HOME points its git config (the settings
# e2elib wrote) at the sandbox.
start_sshd "$SSH_DIR/authorized_keys" prohibit-password "$HOME"

export GIT_SSH_COMMAND="ssh -i $SSH_DIR/client_key -o IdentitiesOnly=yes -o BatchMode=yes \
-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p $SSH_PORT"
for _ in $(seq 100); do
	if $GIT_SSH_COMMAND root@127.0.0.1 true 2>/dev/null; then
		break
	fi
	sleep 0.1
done
check "sshd answers a login with the sandbox key" $GIT_SSH_COMMAND root@127.0.0.1 true

# ssh_space NAME: a bare repository set up by `spacehook install`, its work tree
# pushing to it over ssh://.
ssh_space() {
	local bare="$REPOS/e2e-$SP_TEST_NAME/$1.git"
	mkdir -p "$REPOS/e2e-$SP_TEST_NAME"
	git init -q --bare "$bare"
	spacehook install "$bare" >/dev/null
	git init -q "$SANDBOX/work/$1"
	git -C "$SANDBOX/work/$1" remote add origin "ssh://root@127.0.0.1:$SSH_PORT$bare"
	write_space "$SANDBOX/work/$1"
}

ssh_space web
id=$(space_id web)
bare="$REPOS/e2e-$SP_TEST_NAME/web.git"
check "hooks installed by spacehook install" test -L "$bare/hooks/post-receive"

# A wrong config is refused; the pusher reads why.
printf -- '---\ntitle: Demo\nsdk: docker\napp_port: 99999\n---\n' >"$SANDBOX/work/web/README.md"
set_app web 'exec httpd -f -p 7860 -h /tmp'
push web
check "refused push fails on the client" test "$RC" -ne 0
expect_contains "the message reaches the client" "remote: README.md:4:" "$OUT"
expect_contains "it names the key" "app_port" "$OUT"
expect_contains "the ref is refused" "[remote rejected] HEAD -> main (pre-receive hook declined)" "$OUT"
check "main was not made" test -z "$(git -C "$bare" for-each-ref refs/heads/main)"

# A valid Space is built and served.
write_space "$SANDBOX/work/web"
set_app web 'mkdir -p /tmp/w; echo served-over-ssh > /tmp/w/index.html; exec httpd -f -p 7860 -h /tmp/w'
push web
expect_eq "accepted push exits 0" 0 "$RC"
expect_contains "pre-receive spoke" "remote: spacehook: README.md ok" "$OUT"
expect_contains "the build log reaches the client" "remote: ===== Build queued at" "$OUT"
expect_contains "the client is told where it runs" "remote: spacehook: $id is RUNNING on http://127.0.0.1:" "$OUT"
expect_eq "stage RUNNING" RUNNING "$(state web stage)"
url=$(state web url)
expect_eq "the Space serves on its port" served-over-ssh "$(http "$url/index.html")"
expect_eq "main points at the pushed commit" "$(git -C "$SANDBOX/work/web" rev-parse HEAD)" \
	"$(git -C "$bare" rev-parse main)"
expect_contains "the push went through sshd" "Accepted publickey for root" "$(cat "$SSH_DIR/sshd.log")"

finish
