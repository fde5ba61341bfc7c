#!/bin/sh
# fuzz.sh [-s SECONDS] [-r RUNS] [-c CORPUS] DIR NAME... - run each
# libFuzzer harness DIR/fuzz_NAME, one process at a time at the lowest
# priority, for SECONDS (-max_total_time) and/or RUNS executions (-runs;
# whichever ends first; neither: 60 s), growing CORPUS/NAME (default
# DIR/corpus/NAME, kept from run to run, so that a campaign spans
# sessions) from the committed seeds in tests/fuzz/corpus/NAME (read,
# never written).  tests/fuzz/NAME.options, when there, holds more
# libFuzzer flags for that harness (lines starting with # are comments).
#
# Crash inputs land in DIR/artifacts/NAME/, logs in DIR/logs/NAME.log;
# each run appends a line to DIR/history (date, harness, executions,
# crashes, seconds, corpus files), the campaign's record across sessions.
# Ends with one line per harness, "fuzz: NAME execs=N crashes=N", and
# exits non-zero if any harness crashed or did not run.
set -u
secs=""
runs=""
corpus_root=""
while getopts s:r:c: opt; do
	case $opt in
	s) secs=$OPTARG ;;
	r) runs=$OPTARG ;;
	c) corpus_root=$OPTARG ;;
	*) echo "usage: fuzz.sh [-s SECONDS] [-r RUNS] [-c CORPUS] DIR NAME..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
dir=$1
shift
[ -n "$secs" ] || [ -n "$runs" ] || secs=60
[ -n "$corpus_root" ] || corpus_root=$dir/corpus
budget=""
[ -n "$secs" ] && budget="-max_total_time=$secs"
[ -n "$runs" ] && budget="$budget -runs=$runs"
summary=""
status=0
for name in "$@"; do
	bin="$dir/fuzz_$name"
	corpus="$corpus_root/$name"
	seeds="tests/fuzz/corpus/$name"
	art="$dir/artifacts/$name"
	log="$dir/logs/$name.log"
	mkdir -p "$corpus" "$art" "$dir/logs"
	before=$(ls "$art" | wc -l)
	opts=""
	[ -f "tests/fuzz/$name.options" ] && opts=$(grep -v '^#' "tests/fuzz/$name.options")
	start=$(date +%s)
	# shellcheck disable=SC2086 # budget and opts are separate flags
	nice -n 19 "$bin" $opts $budget -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/" "$corpus" "$seeds" >"$log" 2>&1
	rc=$?
	took=$(( $(date +%s) - start ))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	crashes=$(( $(ls "$art" | wc -l) - before ))
	[ -n "$execs" ] || execs=0
	if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
		crashes=1	# died without an artifact: count it, see the log
	fi
	if [ "$crashes" -ne 0 ]; then
		status=1
		echo "# fuzz $name: crashed, see $log and $art/" >&2
	fi
	files=$(ls "$corpus" | wc -l)
	kib=$(( $(du -sb "$corpus" | cut -f1) / 1024 ))
	echo "# fuzz $name: ${rate:-0} execs/s, $took s, corpus $files files ($kib KiB)"
	echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $name execs=$execs crashes=$crashes secs=$took corpus=$files" \
		>>"$dir/history"
	summary="${summary}fuzz: $name execs=$execs crashes=$crashes
"
done
printf '%s' "$summary"
exit $status
