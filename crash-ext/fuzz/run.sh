#!/bin/sh
# run.sh BUILD SECONDS HARNESS...: run each libFuzzer harness BUILD/fuzz_HARNESS for SECONDS
# over its corpus (BUILD/corpus-HARNESS, seeded from fuzz/corpus/HARNESS and the recording's
# seeds in BUILD/seeds.d/HARNESS).  One line per harness (executions, exec/s, coverage, crash
# or not), then "N passed, N failed, N skipped" for tests/run.py --external.  A harness that
# cannot be built (no clang / libFuzzer runtime) is a counted skip.  FUZZ_RUNS=N also stops each
# harness after N executions.  Logs: BUILD/fuzz-HARNESS.log.
cd "$(dirname "$0")/.." || exit 2
build=$1 secs=$2
shift 2
passed=0 failed=0 skipped=0
for h in "$@"; do
	bin=$build/fuzz_$h
	if [ ! -x "$bin" ]; then
		# no clang or no libFuzzer runtime: a prerequisite missing (skip); else a build error
		cc=$(command -v clang-14 || command -v clang)
		if [ -z "$cc" ] || [ ! -f "$("$cc" -print-resource-dir)/lib/linux/libclang_rt.fuzzer-$(uname -m).a" ]; then
			echo "SKIP fuzz_$h: no clang with libFuzzer (clang-14 and libclang-rt-14-dev needed)"
			skipped=$((skipped + 1))
		else
			echo "FAIL fuzz_$h: $bin did not build"
			failed=$((failed + 1))
		fi
		continue
	fi
	corpus=$build/corpus-$h
	log=$build/fuzz-$h.log
	mkdir -p "$corpus"
	extra=
	for d in fuzz/corpus/"$h" "$build/seeds.d/$h"; do
		[ -d "$d" ] && extra="$extra $d"
	done
	# -timeout: one input running longer is a hang (the walks are bounded)
	nice -n 10 "$bin" -max_total_time="$secs" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$build/crash-$h-" \
		"$corpus" $extra >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	units=$(ls "$corpus" | wc -l)
	if [ "$rc" -eq 0 ] && [ -n "$execs" ]; then
		echo "PASS fuzz_$h: ${execs} executions in $(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1 | awk '{print $5}')s (${rate}/s), cov ${cov} ft ${ft}, corpus ${units}, 0 crashes"
		passed=$((passed + 1))
	else
		echo "FAIL fuzz_$h: exit $rc after ${execs:-?} executions: $(grep -m1 -E 'ERROR|SUMMARY|deadly|timeout' "$log")  (log $log, artifacts $build/crash-$h-*)"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed, $skipped skipped"
