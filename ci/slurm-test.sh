#!/usr/bin/env bash
# Real Slurm integration test: a single-node cluster on this machine runs the
# shipped deploy/slurm/sweep.sbatch (unchanged; paths passed as variables),
# then the merged output is compared byte for byte with a local sweep.
#
#   ci/slurm-test.sh [path/to/pnrpsim]     (default: target/release/pnrpsim)
#
# Needs root (it installs Debian's slurmctld, slurmd, slurm-client and munge
# if missing, and runs the daemons as root). It stops the daemons it started,
# by PID, whatever the outcome.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN=$(realpath "${1:-target/release/pnrpsim}")
SHARDS=3
started=$(date +%s)

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
fi

WORK=$(mktemp -d /tmp/pnrpsim-slurm.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
}
trap cleanup EXIT

# munge: a fresh key and socket in the work directory.
mkdir -p "$WORK/munge"
dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
chmod 700 "$WORK/munge"; chmod 400 "$WORK/munge/munge.key"
SOCKET="$WORK/munge/munge.socket"
munged --force --key-file="$WORK/munge/munge.key" --socket="$SOCKET" \
    --pid-file="$WORK/munge/munged.pid" --log-file="$WORK/munge/munged.log" \
    --seed-file="$WORK/munge/munge.seed"
for _ in $(seq 50); do [ -s "$WORK/munge/munged.pid" ] && break; sleep 0.1; done
PIDS+=("$(cat "$WORK/munge/munged.pid")")

# slurm.conf: one node with this machine's CPUs and memory.
HOST=$(hostname -s)
CPUS=$(nproc)
MEM=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
mkdir -p "$WORK/state" "$WORK/spool" "$WORK/log"
CONF="$WORK/slurm.conf"
cat >"$CONF" <<CONF
ClusterName=pnrpsim-ci
SlurmctldHost=$HOST
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
DependencyParameters=kill_invalid_depend
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=ci Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$CONF"
slurmctld -i -f "$CONF"
for _ in $(seq 100); do [ -s "$WORK/slurmctld.pid" ] && break; sleep 0.1; done
PIDS+=("$(cat "$WORK/slurmctld.pid")")
slurmd -f "$CONF"
for _ in $(seq 100); do [ -s "$WORK/slurmd.pid" ] && break; sleep 0.1; done
PIDS+=("$(cat "$WORK/slurmd.pid")")
for _ in $(seq 100); do
    sinfo -h -o %T 2>/dev/null | grep -qE '^idle' && break
    sleep 0.3
done
sinfo -h -o %T | grep -qE '^idle' || { echo "the Slurm node did not come up:"; sinfo; tail -20 "$WORK/log/"*.log; exit 1; }

# The study: the small scenario that tests/shard.rs runs too.
cp "$ROOT/tests/data/small-sweep.toml" "$WORK/study.toml"

cd "$WORK"
job=$(sbatch --parsable --array=0-$((SHARDS - 1)) \
    --export=ALL,PNRPSIM="$BIN",SCENARIO="$WORK/study.toml",OUT="$WORK/out" \
    "$ROOT/deploy/slurm/sweep.sbatch")
job=${job%%;*}
echo "submitted array job $job ($SHARDS tasks)"
# Wait for the array and the merge job its first task submitted.
for _ in $(seq 600); do
    [ -z "$(squeue -h)" ] && break
    sleep 1
done
if [ -n "$(squeue -h)" ]; then echo "jobs still queued:"; squeue; exit 1; fi
cat pnrpsim-sweep-*.out pnrpsim-merge-*.out 2>/dev/null || true

"$BIN" sweep "$WORK/study.toml" --out "$WORK/local" --threads 1 >/dev/null
n=0
for f in "$WORK"/local/*; do
    name=$(basename "$f")
    [ "$name" = sweep-journal.log ] && continue
    cmp "$f" "$WORK/out/$name"
    n=$((n + 1))
done
[ "$n" -ge 4 ] || { echo "only $n files to compare"; exit 1; }
shards=$(ls "$WORK"/out/shard-*-of-$SHARDS.journal | wc -l)
[ "$shards" -eq "$SHARDS" ] || { echo "$shards shard files, expected $SHARDS"; exit 1; }
echo "slurm test passed: $SHARDS array tasks + 1 merge job, $n files byte-identical to a local sweep, $(( $(date +%s) - started )) s"
rm -rf "$WORK"
