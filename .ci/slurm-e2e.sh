#!/usr/bin/env bash
# End-to-end check of entente on a real Slurm: a one-node cluster on localhost runs the job
# array and the merge job written by `entente slurm`, and the merged results must equal a
# single-process `entente run` byte for byte (manifest times aside).
#
# Needs root and Debian/Ubuntu (installs slurm-wlm and munge with apt-get when missing).
# Starts munged, slurmctld and slurmd in the foreground as background jobs of this script,
# and stops exactly those PIDs at the end, also on failure. Nothing is left running and
# nothing outside a temporary folder is configured (the packages stay installed).
#
#   .ci/slurm-e2e.sh                 build entente (debug) and check
#   ENTENTE=path/to/entente .ci/slurm-e2e.sh     check that binary
#   KEEP=1 .ci/slurm-e2e.sh          keep the temporary folder for inspection
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
t0=$(date +%s)
say() { printf '[slurm-e2e %3ss] %s\n' "$(($(date +%s) - t0))" "$*"; }
fail() { say "FAILED: $*"; exit 1; }

runs=${RUNS:-400}
tasks=${TASKS:-4}
scenario="$repo/scenarios/vostok-2018.toml"

[ "$(id -u)" = 0 ] || fail "needs root (it installs packages and starts Slurm's daemons)"

# --- entente -----------------------------------------------------------------------------
if [ -z "${ENTENTE:-}" ]; then
    say "building entente"
    cargo build --locked --quiet
    ENTENTE="${CARGO_TARGET_DIR:-$repo/target}/debug/entente"
fi
ENTENTE=$(readlink -f "$ENTENTE")
[ -x "$ENTENTE" ] || fail "no entente binary at $ENTENTE"

# --- packages ----------------------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
    || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
    say "installing slurm-wlm and munge"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        slurm-wlm munge >/dev/null
fi
[ -r /etc/munge/munge.key ] || fail "no /etc/munge/munge.key (the munge package creates it)"

# --- a private folder for everything the cluster writes ------------------------------------
work=$(mktemp -d /tmp/entente-slurm.XXXXXX)
chmod 755 "$work" # munged runs as the munge user and must reach its folder
pids=()

cleanup() {
    status=$?
    set +e
    if [ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ]; then
        # Job steps outlive slurmd: cancel the jobs before stopping the daemons.
        scancel --quiet --full "--user=$(id -un)" 2>/dev/null
        sleep 0.5
    fi
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill "${pids[i]}" 2>/dev/null
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [ "$status" != 0 ]; then
        for log in "$work"/log/* "$work"/munge/munged.log "$work"/study/logs/*.out; do
            [ -f "$log" ] || continue
            echo "---- $log (last 30 lines)"
            tail -n 30 "$log"
        done
    fi
    if [ -n "${KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- munge ---------------------------------------------------------------------------------
# munged refuses to run as root with the packaged key (owned by munge): run it as munge.
mkdir -p "$work/munge" "$work/log" "$work/state" "$work/spool"
chown munge:munge "$work/munge"
chmod 755 "$work/munge"
socket="$work/munge/munge.socket.2"
setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F \
    --socket="$socket" --pid-file="$work/munge/munged.pid" \
    --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed" \
    >"$work/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || fail "munged did not start"
say "munged up (pid ${pids[0]})"

# --- slurm.conf ----------------------------------------------------------------------------
cpus=$(nproc)
memory=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
memory=$((memory > 1024 ? memory - 512 : 1))
export SLURM_CONF="$work/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=entente-ci
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=sched_interval=1
MailProg=/bin/true
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

# --- slurmctld and slurmd ------------------------------------------------------------------
slurmctld -D -i >"$work/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost >"$work/log/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    state=$(sinfo -h -N -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.2
done
[ "$state" = idle ] || fail "the node did not become idle (state: ${state:-none})"
say "slurmctld (pid ${pids[1]}) and slurmd (pid ${pids[2]}) up, node idle, $cpus CPUs"

# --- the study, through entente slurm -------------------------------------------------------
wait_for_queue() {
    deadline=$(($(date +%s) + ${WAIT_SECONDS:-60}))
    while [ -n "$(squeue -h -o %i)" ]; do
        [ "$(date +%s)" -lt "$deadline" ] || { squeue; fail "jobs still queued after the timeout"; }
        sleep 0.5
    done
}
study="$work/study"
"$ENTENTE" slurm "$scenario" --runs "$runs" --tasks "$tasks" --cpus-per-task 1 \
    --time 00:05:00 --out "$study"
last=$((tasks - 1))

# First as if shard `last` had failed: submit the others only. The merge runs (they all
# succeeded) and must refuse, naming the missing shard; then resubmit just that shard.
sh "$study/submit.sh" "0-$((last - 1))"
say "submitted shards 0-$((last - 1)) of $tasks and the merge; waiting"
wait_for_queue
[ ! -e "$study/results/manifest.json" ] || fail "the merge accepted an incomplete study"
grep -h "missing shard $last of $tasks" "$study"/logs/merge-*.out \
    || fail "the merge did not name the missing shard $last"
say "the merge refused the incomplete study, naming shard $last; resubmitting it alone"
sh "$study/submit.sh" "$last"
wait_for_queue
say "all jobs left the queue"
ls "$study/parts"
[ -f "$study/results/manifest.json" ] || { cat "$study"/logs/*.out; fail "no merged results"; }

# --- compare with a single-process run ------------------------------------------------------
"$ENTENTE" run "$scenario" --runs "$runs" --quiet --out "$work/single"
for f in summary.csv timeseries.csv states.csv camps.csv; do
    cmp "$work/single/$f" "$study/results/$f" || fail "$f differs from the single run"
done
strip_times() {
    grep -Ev '^  "(threads|started|finished|wall_seconds|shards)":' "$1"
}
cmp <(strip_times "$work/single/manifest.json") <(strip_times "$study/results/manifest.json") \
    || fail "manifest.json differs from the single run beyond times"
grep -q "^  \"shards\": $tasks,\$" "$study/results/manifest.json" \
    || fail "the merged manifest does not record $tasks shards"
[ "$(find "$study/results" -type f ! -name .entente.lock | wc -l)" = 5 ] || fail "unexpected files in the results"
say "OK: $tasks Slurm array tasks merged equal the single run byte for byte ($runs runs)"

# --- srun as a plain launcher: --shard auto reads SLURM_PROCID / SLURM_NTASKS -----------------
srun --ntasks=2 --cpus-per-task=1 --time=00:05:00 \
    "$ENTENTE" run "$scenario" --runs "$runs" --shard auto --threads 1 --quiet --out "$work/srun"
"$ENTENTE" merge "$work/srun" --out "$work/srun-merged" --quiet
for f in summary.csv timeseries.csv states.csv camps.csv; do
    cmp "$work/single/$f" "$work/srun-merged/$f" || fail "srun: $f differs from the single run"
done
say "OK: 2 srun tasks with --shard auto merged equal the single run"

# --- a sweep through entente slurm: its design points split among the array tasks ------------
sweep="$work/sweep"
sweep_args=("$scenario" --vary pair.CHN-RUS.mistrust=0.2:0.8 --vary d0=800:1200 --design morris:3 --runs 50)
"$ENTENTE" slurm --tasks 3 --cpus-per-task 1 --time 00:05:00 --out "$sweep" -- "${sweep_args[@]}"
sh "$sweep/submit.sh"
wait_for_queue
[ -f "$sweep/results/manifest.json" ] || { cat "$sweep"/logs/*.out; fail "no merged sweep"; }
"$ENTENTE" sweep "${sweep_args[@]}" --quiet --out "$work/sweep-single"
for f in design.csv sweep.csv sensitivity.csv; do
    cmp "$work/sweep-single/$f" "$sweep/results/$f" || fail "sweep: $f differs from the single sweep"
done
say "OK: a sweep's 9 design points in 3 Slurm array tasks merged equal the single sweep"
