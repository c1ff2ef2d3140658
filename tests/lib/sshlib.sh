# shellcheck shell=bash
# OpenSSH's sshd for the e2e tests (sourced after e2elib.sh): on 127.0.0.1 at a
# free port, with its host key, config and log in $SSH_DIR, stopped by its PID.

SSH_DIR="$SANDBOX/ssh"
mkdir -p "$SSH_DIR" /run/sshd

# start_sshd AUTHORIZED_KEYS PERMIT_ROOT_LOGIN HOOK_HOME: start sshd letting root
# in with the keys in AUTHORIZED_KEYS (PermitRootLogin PERMIT_ROOT_LOGIN), with
# HOME=HOOK_HOME for the session, so the hooks read the settings there (the
# system gitconfig is not read). Sets SSH_PORT and SSHD_PID; stops it on exit.
start_sshd() {
	SSH_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	ssh-keygen -q -t ed25519 -N '' -C spacehook-test-host -f "$SSH_DIR/host_key"
	printf '%s\n' \
		"Port $SSH_PORT" \
		"ListenAddress 127.0.0.1" \
		"HostKey $SSH_DIR/host_key" \
		"PidFile $SSH_DIR/sshd.pid" \
		"AuthorizedKeysFile $1" \
		"AllowUsers root" \
		"PermitRootLogin $2" \
		"PubkeyAuthentication yes" \
		"PasswordAuthentication no" \
		"KbdInteractiveAuthentication no" \
		"UsePAM no" \
		"StrictModes no" \
		"X11Forwarding no" \
		"AllowTcpForwarding no" \
		"PrintMotd no" \
		"SetEnv HOME=$3 GIT_CONFIG_NOSYSTEM=1" >"$SSH_DIR/sshd_config"
	check "sshd accepts the config" /usr/sbin/sshd -t -f "$SSH_DIR/sshd_config"
	/usr/sbin/sshd -D -e -f "$SSH_DIR/sshd_config" 2>"$SSH_DIR/sshd.log" &
	SSHD_PID=$!
	trap sshd_cleanup EXIT
}

sshd_cleanup() {
	kill "$SSHD_PID" 2>/dev/null || true
	wait "$SSHD_PID" 2>/dev/null || true
	e2e_cleanup
}
