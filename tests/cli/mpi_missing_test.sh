#!/usr/bin/env bash
# Issue 20: a minicnn built without MPI still trains, and says how to get MPI when mpirun starts
# it or --distributed asks for it.
#   mpi_missing_test.sh BUILD/tests/minicnn_without_mpi SOURCE_DIR
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
if ! command -v mpirun > /dev/null; then
  echo "installing openmpi-bin for mpirun"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openmpi-bin > /dev/null ||
    fail "mpirun is missing and openmpi-bin could not be installed"
fi
if ldd "$M" | grep -q libmpi; then fail "$M links an MPI library"; fi
ok "the build without MPI links no MPI library"

"$M" train --data "$DATA" --limit 300 --test-limit 100 --epochs 1 --threads 1 --out alone > alone.log 2>&1 ||
  { cat alone.log; fail "a build without MPI does not train"; }
[ -f alone/model.npz ] || fail "no model.npz"
ok "a build without MPI trains as one process"

mpirun --allow-run-as-root --oversubscribe -np 2 --mca btl self,vader --mca oob_tcp_if_include lo \
  "$M" train --data "$DATA" --limit 300 --epochs 1 --out launched > launched.log 2>&1
rc=$?
[ $rc != 0 ] || fail "under mpirun, a build without MPI went ahead"
n=$(grep -c "built without MPI. Install Open MPI (apt-get install libopenmpi-dev openmpi-bin" launched.log)
[ "$n" = 1 ] || { cat launched.log; fail "expected the how-to-get-MPI line once (from rank 0), got it $n times"; }
grep -q "started by an MPI launcher (OMPI_COMM_WORLD_SIZE is set)" launched.log || { cat launched.log; fail "no reason given"; }
[ ! -e launched ] || fail "the ranks wrote a run folder"
ok "under mpirun: refused (exit $rc), one line saying how to get MPI, nothing written"

"$M" train --distributed --data "$DATA" --limit 300 --out asked > asked.log 2>&1
rc=$?
[ $rc = 2 ] || { cat asked.log; fail "--distributed without MPI should exit 2, got $rc"; }
grep -q "^minicnn train: --distributed: this minicnn was built without MPI. Install Open MPI" asked.log ||
  { cat asked.log; fail "--distributed without MPI does not say how to get it"; }
ok "--distributed in a build without MPI: exit 2 and how to get MPI"
echo "$pass passed, 0 failed"
