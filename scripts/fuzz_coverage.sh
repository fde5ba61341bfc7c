#!/bin/sh
# fuzz_coverage.sh COVDIR CORPUS HTMLDIR NAME... - which branches of each
# harness's parsers its corpus reaches (clang source-based coverage).
# COVDIR/fuzz_NAME is the harness built with -fprofile-instr-generate
# -fcoverage-mapping (and -fsanitize=fuzzer for libFuzzer's main, no
# ASan); -runs=0 runs each input of tests/fuzz/corpus/NAME and
# CORPUS/NAME once.  Prints llvm-cov's branch table of the parser files
# per harness, then one line per harness:
#   fuzz-coverage: NAME branches=COVERED/TOTAL (P%) in FILES
# and writes HTML: HTMLDIR/index.html (every harness merged) and
# HTMLDIR/NAME/index.html.
set -eu
cov_dir=$1
corpus_root=$2
html=$3
shift 3
profdata=$(command -v llvm-profdata || command -v llvm-profdata-14)
cov=$(command -v llvm-cov || command -v llvm-cov-14)

# The parser files each harness is there for (the rest it compiles is
# the test environment or has a harness of its own).
parsers() {
	case $1 in
	vmbus_ring) echo vmbus/ring.c ;;
	vmbus_msg) echo vmbus/msg.c ;;
	vmbus_dispatch) echo vmbus/connect.c vmbus/offer.c vmbus/channel.c vmbus/gpadl.c \
		vmbus/pm.c hv/synic.c ;;
	ic) echo drivers/ic.c drivers/heartbeat.c drivers/shutdown.c drivers/timesync.c \
		drivers/ic_decline.c drivers/kvp.c ;;
	scsi) echo drivers/scsi.c ;;
	gpt) echo drivers/gpt.c ;;
	storvsc) echo drivers/storvsc_status.c ;;
	storvsc_chan) echo drivers/storvsc.c drivers/storvsc_scan.c drivers/gpt_scan.c drivers/blk.c ;;
	balloon) echo drivers/balloon.c drivers/balloon_ops.c ;;
	kbd) echo drivers/hv_kbd.c drivers/kbd_decode.c ;;
	kvp) echo drivers/kvp_pool.c ;;
	image_reader) echo snapshot/image_check.c snapshot/image_read.c snapshot/restore_plan.c ;;
	*) echo "fuzz_coverage.sh: no parser files listed for $1" >&2; exit 1 ;;
	esac
}

mkdir -p "$html"
rm -f "$cov_dir"/*.profdata
profiles=""
objs=""
all_files=""
lines=""
for name in "$@"; do
	files=$(parsers "$name")
	rm -f "$cov_dir/$name".*.profraw
	mkdir -p "$corpus_root/$name"
	LLVM_PROFILE_FILE="$cov_dir/$name.%p.profraw" nice -n 19 "$cov_dir/fuzz_$name" -runs=0 \
		"tests/fuzz/corpus/$name" "$corpus_root/$name" >"$cov_dir/$name.log" 2>&1 ||
		{ echo "fuzz-coverage: $name failed on its corpus, see $cov_dir/$name.log" >&2; exit 1; }
	$profdata merge -sparse "$cov_dir/$name".*.profraw -o "$cov_dir/$name.profdata"
	echo "== $name"
	# shellcheck disable=SC2086 # files are separate arguments
	$cov report -use-color=false -instr-profile="$cov_dir/$name.profdata" "$cov_dir/fuzz_$name" \
		-show-branch-summary -show-region-summary=false -show-functions=false $files |
		tee "$cov_dir/$name.report"
	# shellcheck disable=SC2086
	$cov show -use-color=false -format=html -output-dir="$html/$name" -show-branches=count \
		-instr-profile="$cov_dir/$name.profdata" "$cov_dir/fuzz_$name" $files
	# TOTAL's last three columns: branches, missed, cover (one file: its row)
	row=$(grep '^TOTAL' "$cov_dir/$name.report" || tail -n 1 "$cov_dir/$name.report")
	total=$(echo "$row" | awk '{ print $(NF-2) }')
	missed=$(echo "$row" | awk '{ print $(NF-1) }')
	pct=$(echo "$row" | awk '{ print $NF }')
	lines="${lines}fuzz-coverage: $name branches=$((total - missed))/$total ($pct) in $(echo $files)
"
	profiles="$profiles $cov_dir/$name.profdata"
	objs="$objs -object $cov_dir/fuzz_$name"
	all_files="$all_files $files"
done
# Every harness together: a file several harnesses reach counts all of them.
# shellcheck disable=SC2086
$profdata merge -sparse $profiles -o "$cov_dir/all.profdata"
objs=${objs# -object }
# shellcheck disable=SC2086
$cov show -use-color=false -format=html -output-dir="$html" -show-branches=count \
	-instr-profile="$cov_dir/all.profdata" $objs $(echo $all_files | tr ' ' '\n' | sort -u)
printf '%s' "$lines"
echo "fuzz-coverage: HTML in $html/index.html"
