#!/bin/sh
# coverage.sh OUTDIR - line and branch coverage of the pure kernel, boot and
# hv/ files by the host unit tests, with clang's source-based coverage.
# Builds each test again (without sanitizers), runs it, merges the profiles
# and prints one row per source file under test and a total.
set -eu
out=${1:-build/coverage}
cc=clang
profdata=$(command -v llvm-profdata || command -v llvm-profdata-14)
cov=$(command -v llvm-cov || command -v llvm-cov-14)
# -Wno-format: the tests pass out-of-range values to %hh/%h on purpose.
flags="-std=gnu11 -O0 -g -Wall -Wextra -Werror -Wno-format -Wno-format-security -Ikernel -Iboot -Ibuild/deps/include -fprofile-instr-generate -fcoverage-mapping"
hv="hv/clock.c hv/crash.c hv/detect.c hv/hv.c hv/hypercall.c hv/stimer.c hv/synic.c"
hvsim="tests/hvsim/core.c tests/hvsim/synic.c tests/hvsim/timers.c tests/hvsim/seam.c tests/unit/hv_host.c kernel/pm.c"

mkdir -p "$out"
rm -f "$out"/*.profraw
# name: the sources the test compiles (as in the Makefile's unit rules)
tests="frame:kernel/frame.c heap:kernel/heap.c aml:kernel/aml.c fmt:kernel/fmt.c
cmdline:kernel/cmdline.c,kernel/fmt.c bootmem:boot/bootmem.c elfimage:boot/elfimage.c
hv:$(echo $hv $hvsim | tr ' ' ',')
gpt:drivers/gpt.c,drivers/crc32.c,drivers/gpt_scan.c,drivers/blk.c,kernel/fmt.c,kernel/wait.c
scsi:drivers/scsi.c storvsc:drivers/storvsc_status.c,drivers/scsi.c,kernel/fmt.c
kbd:drivers/kbd_decode.c kvp:drivers/kvp_pool.c,kernel/fmt.c
image:snapshot/image_csum.c,snapshot/image_write.c,snapshot/image_check.c,snapshot/image_read.c,build/deps/lz4/lib/lz4.c,tests/unit/image_env.c
image_check:snapshot/image_csum.c,snapshot/image_write.c,snapshot/image_check.c,snapshot/image_read.c,build/deps/lz4/lib/lz4.c,tests/unit/image_env.c
restore_plan:snapshot/restore_plan.c"
objs=""
for t in $tests; do
	name=${t%%:*}
	srcs=$(echo "${t#*:}" | tr ',' ' ')
	$cc $flags -o "$out/test_$name" "tests/unit/test_$name.c" $srcs -lcmocka
	args=""
	[ "$name" = elfimage ] && [ -f build/dormant.elf ] && args=build/dormant.elf
	LLVM_PROFILE_FILE="$out/$name.profraw" "$out/test_$name" $args >"$out/$name.log" 2>&1 ||
		{ echo "coverage: test_$name failed, see $out/$name.log" >&2; exit 1; }
	objs="$objs -object $out/test_$name"
done
$profdata merge -sparse "$out"/*.profraw -o "$out/all.profdata"
# The first -object is positional for llvm-cov.
objs=${objs# -object }
$cov report -instr-profile="$out/all.profdata" $objs \
	-show-branch-summary -show-region-summary=false -show-functions=false \
	kernel/frame.c kernel/heap.c kernel/aml.c kernel/fmt.c kernel/cmdline.c \
	boot/bootmem.c boot/elfimage.c $hv drivers/gpt.c drivers/crc32.c drivers/gpt_scan.c \
	drivers/scsi.c drivers/storvsc_status.c drivers/kbd_decode.c drivers/kvp_pool.c \
	snapshot/image_write.c snapshot/image_check.c snapshot/image_read.c snapshot/restore_plan.c
