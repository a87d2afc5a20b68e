#!/usr/bin/env bash
# VidForge command line. See README.md; the contract is ../shared/CONTRACT.md (docs/api.md).
#   ./run.sh demo | up | stop | test | cluster [roles.conf] | status | kill NODE | start NODE | report [...]
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

# ---------------------------------------------------------------------------------------------
# Prerequisites
# ---------------------------------------------------------------------------------------------

java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }

# Finds a JDK >= 21 (the default java here may be 17): JAVA_HOME, then every JDK under /usr/lib/jvm.
find_java() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    local m; m=$(java_major "$c/bin/java")
    if [ -n "$m" ] && [ "$m" -ge 21 ]; then export JAVA_HOME="$c"; return 0; fi
  done
  return 1
}

apt_install() {
  command -v apt-get >/dev/null || return 1
  [ "$(id -u)" = 0 ] || return 1
  if [ ! -f "$DATA_DIR/.apt-updated" ] && [ -z "${APT_UPDATED:-}" ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    mkdir -p "$DATA_DIR" && touch "$DATA_DIR/.apt-updated"
    export APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_java() {
  find_java && return 0
  say "no JDK >= 21 found; installing one"
  apt_install openjdk-21-jdk-headless 2>/dev/null || apt_install openjdk-25-jdk-headless 2>/dev/null || true
  find_java || die "VidForge needs a JDK >= 21 (set JAVA_HOME). The default java here is $(java_major java 2>/dev/null || echo none)."
}

ensure_maven() {
  command -v mvn >/dev/null && return 0
  say "installing Maven"
  apt_install maven || die "Maven is required to build (apt-get install maven)."
}

pg_ready() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }

ensure_postgres() {
  pg_ready && return 0
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    say "installing PostgreSQL"
    apt_install postgresql || true
  fi
  if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
    say "starting PostgreSQL on 127.0.0.1:5432"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start >/dev/null 2>&1 || true
  fi
  local i
  for i in $(seq 1 60); do pg_ready && break; sleep 0.5; done
  pg_ready || die "PostgreSQL is required on 127.0.0.1:5432 (tests run on H2 and PostgreSQL) and could not be started."
  # Trust auth and the 'test' database, as the tests expect.
  if command -v psql >/dev/null && ! psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1; then
    su postgres -c "psql -c 'CREATE DATABASE test'" >/dev/null 2>&1 || true
  fi
}

# ---------------------------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------------------------

build() {
  ensure_java
  ensure_maven
  if [ -f "$JAR" ] && [ -z "$(find src pom.xml player -newer "$JAR" -type f 2>/dev/null | head -1)" ]; then
    return 0
  fi
  say "building target/vidforge.jar (first build downloads dependencies)"
  mvn -B -q -DskipTests package || die "build failed"
}

jvm() { "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:-} "$@"; }

# ---------------------------------------------------------------------------------------------
# Single-process mode: up, demo, stop
# ---------------------------------------------------------------------------------------------

# wait_health URL SECONDS PID: waits until /health answers UP, showing progress; fails if PID dies.
wait_health() {
  local url=$1 secs=$2 pid=${3:-} i
  for i in $(seq 1 $((secs * 2))); do
    if curl -sf -o /dev/null "$url/health"; then printf '\n'; return 0; fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then printf '\n'; return 1; fi
    printf '.'; sleep 0.5
  done
  printf '\n'; return 1
}

start_all_in_one() {
  mkdir -p "$RUN_DIR" "$DATA_DIR/logs"
  if [ -f "$RUN_DIR/all-1.pid" ] && kill -0 "$(cat "$RUN_DIR/all-1.pid")" 2>/dev/null; then
    die "already running (pid $(cat "$RUN_DIR/all-1.pid")); ./run.sh stop first"
  fi
  say "starting every role in one JVM on http://127.0.0.1:$PORT (data in $DATA_DIR)"
  NODE_ID=all-1 PORT="$PORT" nohup "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:-} \
    -jar "$JAR" --role=all >"$RUN_DIR/all-1.out" 2>&1 &
  echo $! >"$RUN_DIR/all-1.pid"
  printf 'waiting for health'
  wait_health "http://127.0.0.1:$PORT" 180 "$(cat "$RUN_DIR/all-1.pid")" \
    || { tail -30 "$RUN_DIR/all-1.out" >&2; die "the node did not become healthy; log: $RUN_DIR/all-1.out"; }
}

serve_until_interrupted() {
  local pid; pid=$(cat "$RUN_DIR/all-1.pid")
  trap 'printf "\n"; cmd_stop; exit 0' INT TERM
  say "serving; Ctrl-C stops (or ./run.sh stop from another terminal). Log: $RUN_DIR/all-1.out"
  while kill -0 "$pid" 2>/dev/null; do sleep 1; done
  rm -f "$RUN_DIR/all-1.pid"
}

cmd_up() {
  build
  start_all_in_one
  print_endpoints
  serve_until_interrupted
}

print_endpoints() {
  cat <<EOF
  API:      http://127.0.0.1:$PORT/videos
  Upload:   curl -F file=@my.mp4 http://127.0.0.1:$PORT/upload
  Health:   http://127.0.0.1:$PORT/health
  Logs:     $DATA_DIR/logs/
EOF
}

json_field() { sed -n "s/.*\"$1\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" | head -1; }

cmd_demo() {
  build
  start_all_in_one
  local sample="$DATA_DIR/sample.mp4"
  if [ -n "${DEMO_VIDEO:-}" ]; then
    sample="$DEMO_VIDEO"; say "using $sample"
  elif [ ! -s "$sample" ]; then
    say "generating a 20 s sample clip with the bundled ffmpeg"
    jvm -cp "$JAR" io.vidforge.tools.SampleClip "$sample" 20 >/dev/null || die "could not generate the sample clip"
  fi
  say "uploading $(basename "$sample") ($(du -h "$sample" | cut -f1))"
  local resp id
  resp=$(curl -sS -# -X POST -H 'Content-Type: video/mp4' --data-binary @"$sample" \
    "http://127.0.0.1:$PORT/upload?title=Demo%20clip&filename=$(basename "$sample")")
  echo "  $resp"
  id=$(printf '%s' "$resp" | json_field video_id)
  [ -n "$id" ] || die "upload failed"
  say "uploading the same file again: content addressing makes it a duplicate"
  echo "  $(curl -sS -X POST -H 'Content-Type: video/mp4' --data-binary @"$sample" \
    "http://127.0.0.1:$PORT/upload?title=Same%20bytes%20again")"
  say "waiting until the video is ready"
  local status progress v i
  for i in $(seq 1 1200); do
    v=$(curl -sS "http://127.0.0.1:$PORT/videos/$id")
    status=$(printf '%s' "$v" | json_field status)
    progress=$(printf '%s' "$v" | json_field progress)
    printf '\r  status=%-10s progress=%3s%%' "$status" "$(awk "BEGIN{printf \"%d\", ${progress:-0}*100}")"
    case "$status" in
      ready) printf '\n'; break ;;
      failed) printf '\n'; echo "$v"; die "processing failed (see error above)";;
    esac
    sleep 0.5
  done
  [ "$status" = ready ] || die "the video did not become ready in time"
  cat <<EOF

  Video:     http://127.0.0.1:$PORT/videos/$id
  Master:    http://127.0.0.1:$PORT/play/$id/master.m3u8
  Player:    http://127.0.0.1:$PORT/player/?v=$id
  Report:    ./run.sh report --video $id

  Open the player; use its "cap bandwidth" control (or your browser's network throttling) to watch
  hls.js switch rungs, then ./run.sh report to see the switches the segment node logged.
EOF
  serve_until_interrupted
}

# Stops only processes this script started, by the PIDs it recorded.
cmd_stop() {
  [ -d "$RUN_DIR" ] || { echo "nothing running"; return 0; }
  local f pid name stopped=0
  for f in "$RUN_DIR"/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid); pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
      echo "stopped $name (pid $pid)"; stopped=$((stopped + 1))
    fi
    rm -f "$f"
  done
  [ "$stopped" -gt 0 ] || echo "nothing running"
}

# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------

cmd_test() {
  ensure_java
  ensure_maven
  ensure_postgres
  say "JDK: $JAVA_HOME ($(java_major "$JAVA_HOME/bin/java")); PostgreSQL: 127.0.0.1:5432 up"
  # Drop schemas left by earlier runs (each test makes its own schema in database 'test').
  if command -v psql >/dev/null; then
    psql -h 127.0.0.1 -U postgres -d test -Atc "select 'DROP SCHEMA ' || nspname || ' CASCADE;' from pg_namespace where nspname like 't\\_%'" 2>/dev/null \
      | psql -h 127.0.0.1 -U postgres -d test -q >/dev/null 2>&1 || true
  fi
  say "running the test suite: every test on H2, database tests again on PostgreSQL"
  local rc=0
  mvn -B ${MVN_TEST_ARGS:-} test "$@" || rc=$?
  summarize_tests
  return $rc
}

summarize_tests() {
  local db f t=0 fl=0 e=0 s=0
  for db in h2 postgres; do
    for f in target/surefire-reports/$db/TEST-*.xml; do
      [ -e "$f" ] || continue
      local line; line=$(head -2 "$f" | tr ' ' '\n')
      t=$((t + $(echo "$line" | sed -n 's/^tests="\([0-9]*\)".*/\1/p' | head -1)))
      fl=$((fl + $(echo "$line" | sed -n 's/^failures="\([0-9]*\)".*/\1/p' | head -1)))
      e=$((e + $(echo "$line" | sed -n 's/^errors="\([0-9]*\)".*/\1/p' | head -1)))
      s=$((s + $(echo "$line" | sed -n 's/^skipped="\([0-9]*\)".*/\1/p' | head -1)))
    done
  done
  echo "tests: $((t - fl - e - s)) passed, $((fl + e)) failed, $s skipped"
}

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

cmd_report() {
  build
  jvm -cp "$JAR" io.vidforge.report.ReportMain --logs "$DATA_DIR/logs" "$@"
}

usage() {
  cat <<EOF
usage: ./run.sh COMMAND
  demo                 build, start every role in one JVM, upload a sample, wait until ready, serve
  up                   the same without the sample
  stop                 stop what up/demo/cluster started (by recorded PID)
  test                 the whole test suite (installs/starts prerequisites)
  report [--session S] [--video V]   playback timeline per session from the event logs
EOF
}

main() {
  local cmd=${1:-}; shift || true
  case "$cmd" in
    demo) cmd_demo "$@" ;;
    up) cmd_up "$@" ;;
    stop) cmd_stop "$@" ;;
    test) cmd_test "$@" ;;
    report) cmd_report "$@" ;;
    build) build ;;
    ""|-h|--help|help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
