# Sourced by run.sh: ./run.sh test, the whole suite with its prerequisites, and its summary.

cmd_test() {
  ensure_java
  ensure_maven
  ensure_media_libs
  ensure_postgres
  ensure_nginx
  ensure_chromium
  ensure_test_clients
  say "JDK: $JAVA_HOME ($(java_major "$JAVA_HOME/bin/java")); PostgreSQL: 127.0.0.1:5432 up"
  # Drop schemas left by earlier runs (each test makes its own schema in database 'test').
  if command -v psql >/dev/null; then
    psql -h 127.0.0.1 -U postgres -d test -Atc "select 'DROP SCHEMA ' || nspname || ' CASCADE;' from pg_namespace where nspname like 't\\_%'" 2>/dev/null \
      | psql -h 127.0.0.1 -U postgres -d test -q >/dev/null 2>&1 || true
  fi
  # The summary below reads these reports: never count an earlier run's.
  rm -rf target/surefire-reports
  say "running the test suite: every test on H2, database tests again on PostgreSQL"
  local rc=0
  mvn -B ${MVN_TEST_ARGS:-} test "$@" || rc=$?
  summarize_tests
  [ "$rc" = 0 ] || return $rc
  # The whole suite passed: hold the coordination core's changed classes to the mutation threshold
  # (PIT over all of tasks/ and orchestrator/ takes longer than the suite's budget: docs/testing.md).
  if [ $# -eq 0 ]; then
    bench_serve_short || return 1
    bench_chunk_short || return 1
    bench_playable_short || return 1
    cmd_mutation changed
  fi
}

# The serving bench (./run.sh bench serve) in short, so that it cannot rot: a 6 s clip, one 3 s round per
# figure. Its figures are printed, not judged (speed goals live in ./run.sh bench, docs/performance.md).
bench_serve_short() {
  say "the serving bench, short (./run.sh bench serve; figures only)"
  ( export BENCH_CLIP_SECONDS=6 BENCH_WRK_SECONDS=3 BENCH_WRK_ROUNDS=1 BENCH_JIT_SECONDS=3; cmd_bench serve )
}

# The split-and-stitch bench (./run.sh bench chunk) in short, for the same reason: a 12 s 240p clip in 2 s
# segments and 4 s chunks (three chunks), one round. Figures printed, not judged: on a clip this small the
# chunk plan's fixed costs dominate; the goals are read from the full-size run (docs/performance.md).
bench_chunk_short() {
  say "the split-and-stitch bench, short (./run.sh bench chunk; figures only)"
  ( export BENCH_CHUNK_CLIP_SECONDS=12 BENCH_CHUNK_HEIGHT=240 BENCH_CHUNK_ROUNDS=1 SEGMENT_SECONDS=2 CHUNK_SECONDS=4
    cmd_bench chunk )
}

# The time-to-playable bench (./run.sh bench playable) in short, for the same reason: a 12 s 240p clip in
# 2 s segments and 2 s chunks, one round per worker count; figures printed, not judged.
bench_playable_short() {
  say "the time-to-playable bench, short (./run.sh bench playable; figures only)"
  ( export BENCH_PLAYABLE_CLIP_SECONDS=12 BENCH_PLAYABLE_HEIGHT=240 BENCH_PLAYABLE_CHUNK_SECONDS=2 SEGMENT_SECONDS=2
    cmd_bench playable )
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

# ./run.sh netfaults: every network-fault case on test hosts (NetworkFaultTest, the long ones included;
# ./run.sh test runs the short ones). Needs root, ip, iptables and socat (installed when missing).
cmd_netfaults() {
  ensure_java
  ensure_maven
  ensure_media_libs
  ensure_postgres
  ensure_nginx
  ensure_net_tools
  rm -rf target/surefire-reports
  say "network faults on test hosts: NetworkFaultTest, every case"
  local rc=0
  mvn -B ${MVN_TEST_ARGS:-} test -Dtest='NetworkFaultTest' -DskipPostgresTests=true -Dh2.excludedGroups=postgres-only \
    -Dsurefire.failIfNoSpecifiedTests=false "$@" || rc=$?
  summarize_tests
  grep -h '^NetworkFaultTest' target/cluster-measurements.txt 2>/dev/null || true
  return $rc
}
