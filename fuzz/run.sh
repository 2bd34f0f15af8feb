#!/usr/bin/env bash
# Seeds the corpora and runs each fuzz target for RUNS executions (default
# 10^6), printing libFuzzer's own count per target. Needs cargo-fuzz and a
# nightly toolchain (`cargo install cargo-fuzz`; sanitizers are nightly-only).
#   fuzz/run.sh                 # all targets, 10^6 runs each
#   fuzz/run.sh run journal     # the targets beyond the parsers (fuzz/targets.rs)
#   RUNS=100000 fuzz/run.sh units
#   SANITIZER=none fuzz/run.sh scenario
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-1000000}
# address (the default) catches memory errors in unsafe code; none is several
# times faster, and pnrpsim's parsers have no unsafe code.
SANITIZER=${SANITIZER:-address}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario set units run journal)

mkdir -p corpus/scenario corpus/set corpus/units corpus/run corpus/journal
cp ../scenarios/*.toml corpus/scenario/
# run: a scenario's text, then --set arguments, separated by 0xFF bytes.
printf 'duration = "3min"\nwarmup = "30s"\n[hosts]\ncount = 12\n[metrics]\nmin_online = "30s"\n\377hosts.names_per_host=3' > corpus/run/seed-0
# journal: any bytes seed the journal and its damages.
printf '\001\002\003\004\005\006\007\010\000\001\002\003' > corpus/journal/seed-0
# --set arguments in the README's forms, one file per seed.
i=0
for arg in 'hosts.count=5000' 'pnrp.refresh_interval=12h' 'network.loss=0.1' \
    'network.latency={model="constant",delay="20ms"}' 'network.latency.model=uniform
network.latency.min=10ms
network.latency.max=50ms' 'churn.session={dist="pareto",mean="1h",shape=1.5}' \
    'sweep.values=[1,2,4]' 'metrics.connectivity_every=5min' 'name=x'; do
    printf '%s' "$arg" > "corpus/set/seed-$i"; i=$((i + 1))
done
i=0
for u in 15s 1.5h 250ms 7d 2min 90us 1d 4KB 4KiB 1188B 1MiB 2kbit/s 500B/s 1.5MB/s 1_000ms; do
    printf '%s' "$u" > "corpus/units/seed-$i"; i=$((i + 1))
done

for t in "${targets[@]}"; do
    echo "== $t ($RUNS runs)"
    cargo +nightly fuzz run -s "$SANITIZER" "$t" "corpus/$t" -- -runs="$RUNS" -max_len=4096 2>&1 |
        tee "$t.log" | grep -E '^(Done|==|SUMMARY|thread|.*panicked)' || true
done
