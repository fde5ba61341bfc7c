#!/bin/sh
# fuzz_merge.sh CORPUS DIR NAME... - move what a campaign found into the
# committed seeds: libFuzzer's -merge=1 adds to tests/fuzz/corpus/NAME
# only the inputs of CORPUS/NAME that reach new coverage (edges, without
# hit counts, so that the committed corpus stays small); nothing there is
# removed (named seeds and regression inputs stay).  Prints one line per
# harness: "fuzz-merge: NAME +N files, now F files, K KiB", then the total.
set -eu
corpus_root=$1
dir=$2
shift 2
total=0
for name in "$@"; do
	seeds="tests/fuzz/corpus/$name"
	grown="$corpus_root/$name"
	mkdir -p "$seeds" "$dir/logs"
	before=$(ls "$seeds" | wc -l)
	if [ -d "$grown" ]; then
		rm -f "$dir/logs/$name.merge"	# (a stale one would be resumed)
		nice -n 19 "$dir/fuzz_$name" -merge=1 -use_counters=0 \
			-merge_control_file="$dir/logs/$name.merge" "$seeds" "$grown" \
			>"$dir/logs/$name.merge.log" 2>&1 ||
			{ echo "fuzz-merge: $name failed, see $dir/logs/$name.merge.log" >&2; exit 1; }
	fi
	after=$(ls "$seeds" | wc -l)
	kib=$(( $(du -sb "$seeds" | cut -f1) / 1024 ))
	total=$((total + kib))
	echo "fuzz-merge: $name +$((after - before)) files, now $after files, $kib KiB"
done
echo "fuzz-merge: committed corpus $total KiB"
