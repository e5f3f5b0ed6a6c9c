#!/usr/bin/env bash
# mpirun for `minicnn train`, with a Ctrl-C that stops every rank cleanly (docs/SCALING.md).
#   scripts/mpirun.sh -np 2 build/minicnn train --out runs/x ...     (any mpirun options first)
#
# mpirun on its own turns Ctrl-C (SIGINT) and SIGTERM into "SIGTERM to every rank, SIGKILL one
# second later, exit code 1": a rank may be killed while rank 0 still saves. It does pass SIGUSR1
# and SIGUSR2 straight on to the ranks, and `minicnn train` takes those as SIGINT and SIGTERM. So
# this script runs mpirun in a session of its own (a terminal's Ctrl-C then reaches this script
# only) and forwards SIGINT as SIGUSR1 and SIGTERM as SIGUSR2: the ranks agree on a batch
# boundary, rank 0 saves a resumable checkpoint, all exit 130 (or 143), and so does this script.
# A second Ctrl-C ends the job at once, mpirun's way.
set -u
if ! command -v mpirun > /dev/null; then
  echo "scripts/mpirun.sh: mpirun not found; install Open MPI: apt-get install openmpi-bin libopenmpi-dev" >&2
  exit 127
fi
root=()
[ "$(id -u)" = 0 ] && root=(--allow-run-as-root)  # Open MPI refuses root without it
setsid mpirun "${root[@]}" "$@" < /dev/null &
job=$!
ctrl_c=0
trap 'ctrl_c=$((ctrl_c + 1)); if [ $ctrl_c = 1 ]; then kill -USR1 $job; else kill -INT $job; fi' INT
trap 'kill -USR2 $job' TERM
while :; do
  wait $job
  rc=$?
  kill -0 $job 2> /dev/null || break  # wait also returns when a trapped signal arrives
done
exit $rc
