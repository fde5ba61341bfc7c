#!/bin/sh
# mkimage.sh OUT.img LOADER.efi KERNEL.elf|- CMDLINE_TEXT [HIBERNATE_MIB]
# A raw GPT disk:
#   partition 1: FAT32 EFI system partition, 64 MiB at 1 MiB, with
#     \EFI\BOOT\BOOTX64.EFI   the loader (the removable-media default path)
#     \dormant\kernel.elf     the kernel (omitted when KERNEL is "-")
#     \dormant\cmdline.txt    the command line, editable with mtools
#   partition 2: "dormant hibernation", right after it, of dormant's own
#     type (drivers/gpt_wire.h DORMANT_HIBERNATE_TYPE), HIBERNATE_MIB MiB
#     (argument, else the environment, else 576): it holds the saved
#     (compressed) state, so make it a little more than the VM's memory
#     (576 MiB for the default 512 MiB).
# The file is sparse: made with truncate, and only the FAT image's
# non-zero blocks are written.  Needs no root: the FAT image is made apart
# and written into place.
set -eu
out=$1 loader=$2 kernel=$3 cmdline=$4
HIBERNATE_MIB=${5:-${HIBERNATE_MIB:-576}}
HIBERNATE_TYPE=5C2566B4-219A-44AE-B8C6-768E279AF5E1
ESP_MIB=64
case $HIBERNATE_MIB in
''|*[!0-9]*|0) echo "mkimage: HIBERNATE_MIB must be a positive number of MiB" >&2; exit 1 ;;
esac
esp="$out.esp"
rm -f "$out" "$esp"
truncate -s ${ESP_MIB}M "$esp"
mkfs.fat -F 32 -n DORMANT "$esp" >/dev/null
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/dormant
mcopy -i "$esp" "$loader" ::/EFI/BOOT/BOOTX64.EFI
[ "$kernel" = "-" ] || mcopy -i "$esp" "$kernel" ::/dormant/kernel.elf
printf '%s\n' "$cmdline" > "$esp.cmdline"
mcopy -i "$esp" "$esp.cmdline" ::/dormant/cmdline.txt
# 1 MiB before the ESP, 1 MiB after the last partition for the backup GPT
truncate -s $((ESP_MIB + HIBERNATE_MIB + 2))M "$out"
sgdisk -n 1:2048:+${ESP_MIB}M -t 1:ef00 -c 1:"EFI system partition" \
	-n 2:0:+${HIBERNATE_MIB}M -t 2:$HIBERNATE_TYPE -c 2:"dormant hibernation" "$out" >/dev/null
# (sgdisk -q silently skips writing the table: keep it verbose, discard output)
dd if="$esp" of="$out" bs=1M seek=1 conv=notrunc,sparse status=none
rm -f "$esp" "$esp.cmdline"
