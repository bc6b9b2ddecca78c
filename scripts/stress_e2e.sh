#!/usr/bin/env bash
# The E2E stress run: the start, progress and cancel suites, STRESS_RUNS times in a row (3 unless
# set), while two busy processes load both cores. Every run is reported; the exit status is 0 only
# when every run passed. The busy processes are this script's children and are ended by their pids
# when it exits, whatever the outcome (a failed run, Ctrl-C, SIGTERM).
#   PYTHON   the interpreter for the busy processes (python3 unless set)
#   UV       how to call uv (python3 -m uv unless set)
set -uo pipefail

runs="${STRESS_RUNS:-3}"
python="${PYTHON:-python3}"
read -r -a uv <<<"${UV:-python3 -m uv}"
suites=(e2e/test_e2e_start.py e2e/test_e2e_progress.py e2e/test_e2e_cancel.py)
load=()

end_load() {
  if ((${#load[@]})); then
    kill "${load[@]}" 2>/dev/null
    wait "${load[@]}" 2>/dev/null
    load=()
  fi
}
trap end_load EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for _ in 1 2; do
  "$python" -c 'while True: pass' &
  load+=("$!")
done
echo "stress: ${#load[@]} busy processes (pids ${load[*]}) load the cores; ${runs} runs of ${suites[*]}"

passed=0
for run in $(seq 1 "$runs"); do
  echo "stress: run ${run} of ${runs}"
  if "${uv[@]}" run pytest "${suites[@]}" -q; then
    passed=$((passed + 1))
    echo "stress: run ${run} passed"
  else
    echo "stress: run ${run} FAILED"
  fi
done
echo "stress: ${passed} of ${runs} runs passed"
((passed == runs))
