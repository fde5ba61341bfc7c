#!/bin/sh
# mkimage.sh OUT.img LOADER.efi KERNEL.elf|- CMDLINE_TEXT
# A raw GPT disk: one FAT32 EFI system partition (64 MiB at 1 MiB) with
#   \EFI\BOOT\BOOTX64.EFI   the loader (the removable-media default path)
#   \dormant\kernel.elf     the kernel (omitted when KERNEL is "-")
#   \dormant\cmdline.txt    the command line, editable with mtools
# Needs no root: the FAT image is made apart and written into place.
set -eu
out=$1 loader=$2 kernel=$3 cmdline=$4
ESP_MIB=64
esp="$out.esp"
rm -f "$out" "$esp"
truncate -s ${ESP_MIB}M "$esp"
mkfs.fat -F 32 -n DORMANT "$esp" >/dev/null
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/dormant
mcopy -i "$esp" "$loader" ::/EFI/BOOT/BOOTX64.EFI
[ "$kernel" = "-" ] || mcopy -i "$esp" "$kernel" ::/dormant/kernel.elf
printf '%s\n' "$cmdline" > "$esp.cmdline"
mcopy -i "$esp" "$esp.cmdline" ::/dormant/cmdline.txt
truncate -s $((ESP_MIB + 2))M "$out"
sgdisk -n 1:2048:+${ESP_MIB}M -t 1:ef00 -c 1:"EFI system partition" "$out" >/dev/null
# (sgdisk -q silently skips writing the table: keep it verbose, discard output)
dd if="$esp" of="$out" bs=1M seek=1 conv=notrunc status=none
rm -f "$esp" "$esp.cmdline"
