#!/usr/bin/env bash
# Install the Debian packages spacehook needs to build, test and run (as root).
set -euo pipefail

packages=(
	build-essential cmake pkg-config git clang
	libgit2-dev libyaml-dev libcurl4-openssl-dev libcjson-dev libarchive-dev libssl-dev libmicrohttpd-dev check
	docker.io docker-registry busybox-static iproute2 iptables curl python3 python3-yaml openssh-server bc
	gitolite3 time clang-format shellcheck
	nginx chromium fonts-dejavu-core python3-websocket
)

if [ "$(id -u)" -ne 0 ]; then
	echo "install/deps.sh: run as root (it installs Debian packages)" >&2
	exit 1
fi
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install/deps.sh: all packages present"
	exit 0
fi
echo "install/deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install/deps.sh: done"
