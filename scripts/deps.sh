#!/bin/sh
# deps.sh - install what dormant needs from Debian's packages, if missing.
# Idempotent and quick when everything is there (dpkg-query only).
set -eu
PKGS="gcc make binutils python3 gnu-efi qemu-system-x86 ovmf mtools dosfstools
gdisk qemu-utils newlib-source libcmocka-dev console-setup-linux xz-utils
libxxhash-dev clang llvm socat dpkg-dev"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" = 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: not root and no sudo; run as root: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
