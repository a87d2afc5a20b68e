#!/usr/bin/env bash
# VidForge command line. See README.md; the contract is ../shared/CONTRACT.md (docs/api.md).
#   ./run.sh demo | up | stop | test | cluster [roles.conf] | status | kill NODE | start NODE | report [...] | fsck
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
export DATA_DIR="${DATA_DIR:-$ROOT/data}"
RUN_DIR="$DATA_DIR/run"
PORT="${PORT:-8080}"
JAR="$ROOT/target/vidforge.jar"

say()  { printf '\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf '\033[33m!!  %s\033[0m\n' "$*" >&2; }
die()  { printf '\033[31mxx  %s\033[0m\n' "$*" >&2; exit 1; }

# The commands live in scripts/, sourced here; bench/bench.sh shares their process helpers.
# shellcheck source=scripts/process.sh
. "$ROOT/scripts/process.sh"
# shellcheck source=scripts/prereqs.sh
. "$ROOT/scripts/prereqs.sh"
# shellcheck source=scripts/single.sh
. "$ROOT/scripts/single.sh"
# shellcheck source=scripts/cluster.sh
. "$ROOT/scripts/cluster.sh"
# shellcheck source=scripts/net.sh
. "$ROOT/scripts/net.sh"
# shellcheck source=scripts/test.sh
. "$ROOT/scripts/test.sh"
# shellcheck source=scripts/fsck.sh
. "$ROOT/scripts/fsck.sh"
# shellcheck source=scripts/mutation.sh
. "$ROOT/scripts/mutation.sh"

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

cmd_report() {
  build
  jvm -cp "$JAR" io.vidforge.report.ReportMain --logs "$DATA_DIR/logs" --out "$DATA_DIR/report.html" "$@"
}

# ---------------------------------------------------------------------------------------------
# Benchmarks (not part of ./run.sh test): bench/bench.sh, docs/performance.md
# ---------------------------------------------------------------------------------------------

cmd_bench() {
  # shellcheck disable=SC1091
  . "$ROOT/bench/bench.sh"
  bench_main "$@"
}

usage() {
  cat <<EOF
usage: ./run.sh COMMAND
  demo                 build, start every role in one JVM, upload a sample, wait until ready, serve
  up                   the same without the sample
  stop [NODE]          stop what up/demo/cluster started (by recorded PID); NODE: that cluster node alone, drained
  test                 the whole test suite (installs/starts prerequisites), then the mutation check
  mutation [all|core|changed]   mutation testing with PIT (docs/testing.md)
  node ROLE            one node of ROLE (upload, orchestrator, worker, segment, all) in the foreground
  netfaults            every network-fault case on test hosts (the suite runs the short ones)
  cluster [roles.conf] several processes per roles.conf on PostgreSQL + S3 with nginx in front
  status               each node of the cluster: role, id, pid, port, health
  kill NODE | start NODE   SIGKILL one node / start it again (failure demos)
  report [--session S] [--video V]   playback timeline per session from the event logs
  fsck                 the bucket against the database: missing objects (exit 1), orphans by reason and age
  soak [SECONDS] [SEED]  the delete/clean-up chaos run on a real cluster for longer (default 900 s)
  net NODE partition|heal|clear [--from db|s3|nginx|NODE]   cut one test host off (all of it, or one path)
  net NODE delay MS [JITTER_MS] [LOSS_PCT] [--from ...]    slow one test host's paths (docs/failures.md)
EOF
}

main() {
  local cmd=${1:-}; shift || true
  case "$cmd" in
    demo) cmd_demo "$@" ;;
    up) cmd_up "$@" ;;
    stop) cmd_stop "$@" ;;
    test) cmd_test "$@" ;;
    mutation) cmd_mutation "$@" ;;
    node) cmd_node "$@" ;;
    report) cmd_report "$@" ;;
    fsck) cmd_fsck "$@" ;;
    soak) cmd_soak "$@" ;;
    bench) cmd_bench "$@" ;;
    cluster) cmd_cluster "$@" ;;
    status) cmd_status "$@" ;;
    kill) cmd_kill "$@" ;;
    start) cmd_start "$@" ;;
    net) cmd_net "$@" ;;
    netfaults) cmd_netfaults "$@" ;;
    build) build ;;
    ""|-h|--help|help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
