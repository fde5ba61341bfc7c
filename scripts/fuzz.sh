#!/bin/sh
# fuzz.sh DIR SECONDS NAME... - run each libFuzzer harness DIR/fuzz_NAME for
# SECONDS, growing DIR/corpus/NAME from the committed seeds in
# tests/fuzz/corpus/NAME (read, never written).  Crash inputs land in
# DIR/artifacts/NAME/, logs in DIR/logs/NAME.log.  Ends with one line per
# harness, "fuzz: NAME execs=N crashes=N", and exits non-zero if any
# harness crashed or did not run.  tests/fuzz/NAME.options, when there,
# holds more libFuzzer flags for that harness (lines starting with #
# are comments).
set -u
dir=$1
secs=$2
shift 2
summary=""
status=0
for name in "$@"; do
	bin="$dir/fuzz_$name"
	corpus="$dir/corpus/$name"
	seeds="tests/fuzz/corpus/$name"
	art="$dir/artifacts/$name"
	log="$dir/logs/$name.log"
	mkdir -p "$corpus" "$art" "$dir/logs"
	before=$(ls "$art" | wc -l)
	opts=""
	[ -f "tests/fuzz/$name.options" ] && opts=$(grep -v '^#' "tests/fuzz/$name.options")
	# shellcheck disable=SC2086 # opts are separate flags
	nice "$bin" $opts -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/" "$corpus" "$seeds" >"$log" 2>&1
	rc=$?
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
	echo "# fuzz $name: ${rate:-0} execs/s, corpus $(ls "$corpus" | wc -l) files"
	summary="${summary}fuzz: $name execs=$execs crashes=$crashes
"
done
printf '%s' "$summary"
exit $status
