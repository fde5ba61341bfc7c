#!/bin/sh
# rundisk.sh RUN.img BASE.img LOADER.efi KERNEL.elf [CMDLINE]
# Prepare the disk that `make run` boots.  It persists between runs (a
# hibernated VM resumes from it on the next run), so it is made from BASE
# only when it is missing, when FRESH=1, or when BASE's size changed (a
# new disk layout).  Otherwise the loader and kernel files on it are
# replaced in place (mtools) when they differ from the build, and nothing
# else on the disk is touched.  CMDLINE, when given (even empty), is
# written to \dormant\cmdline.txt; when omitted, the disk keeps its own.
set -eu
run=$1 base=$2 loader=$3 kernel=$4
esp="$run@@1M"		# scripts/mkimage.sh puts the ESP at 1 MiB

if [ "${FRESH:-0}" = 1 ] || [ ! -f "$run" ] ||
   [ "$(stat -c %s "$run")" != "$(stat -c %s "$base")" ]; then
	why="new disk"
	[ "${FRESH:-0}" = 1 ] && why="new disk (FRESH=1)"
	[ -f "$run" ] && [ "${FRESH:-0}" != 1 ] && why="new disk (the image layout changed)"
	cp --sparse=always "$base" "$run"
	echo "run: $why: $run"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
refresh() {	# refresh FILE ESP-PATH WHAT
	if ! mcopy -n -i "$esp" "$2" "$tmp/old" 2>/dev/null || ! cmp -s "$1" "$tmp/old"; then
		mcopy -o -i "$esp" "$1" "$2"
		echo "run: $3 on $run updated from the build"
	fi
	rm -f "$tmp/old"
}
refresh "$loader" ::/EFI/BOOT/BOOTX64.EFI loader
refresh "$kernel" ::/dormant/kernel.elf kernel

if [ $# -ge 5 ]; then
	printf '%s\n' "$5" > "$tmp/cmdline.txt"
	mcopy -o -i "$esp" "$tmp/cmdline.txt" ::/dormant/cmdline.txt
fi
mcopy -n -i "$esp" ::/dormant/cmdline.txt "$tmp/now" 2>/dev/null || : > "$tmp/now"
echo "run: $run, command line \"$(tr -d '\r\n' < "$tmp/now")\""
