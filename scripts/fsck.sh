# shellcheck shell=bash
# ./run.sh fsck: the bucket against the database (io.vidforge.tools.FsckMain), read-only.
#   With a cluster running (or its cluster.env left behind): its PostgreSQL and S3.
#   Otherwise: the environment's DB_URL/S3_* or the single node's data directory (./run.sh up must be
#   stopped then: its H2 file database admits one process).
# Exit 0: nothing referenced is missing (orphans are reported, not an error); 1: data loss or a database
# and bucket that do not belong together; 2: could not check.

cmd_fsck() {
  if [ -f "$RUN_DIR/cluster.env" ]; then
    # No build here: the running nodes use this jar, and rewriting it under them could break them.
    [ -f "$JAR" ] || [ -n "${VIDFORGE_CLASSPATH:-}" ] || die "no $JAR: ./run.sh build first"
    say "fsck of the cluster's database and bucket ($RUN_DIR/cluster.env)"
    # shellcheck disable=SC1091
    ( . "$RUN_DIR/cluster.env"
      NODE_ID=fsck "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "${VIDFORGE_CLASSPATH:-$JAR}" \
        io.vidforge.tools.FsckMain "$@" )
    return
  fi
  if [ -z "${DB_URL:-}" ] && [ -f "$RUN_DIR/all-1.pid" ] && alive "$(cat "$RUN_DIR/all-1.pid")"; then
    die "./run.sh up is running on the H2 file database, which admits one process: ./run.sh stop first"
  fi
  build
  say "fsck of $DATA_DIR"
  NODE_ID=fsck jvm -cp "$JAR" io.vidforge.tools.FsckMain "$@"
}

# ./run.sh soak [SECONDS] [SEED]: the delete/clean-up chaos run (DeleteChaosTest) for longer than the
# suite's (default 900 s) on a real cluster; SEED (printed by every run) repeats a run's choices.
cmd_soak() {
  ensure_java
  ensure_maven
  ensure_media_libs
  ensure_postgres
  ensure_nginx
  local seconds=${1:-900} seed=${2:-}
  say "chaos soak for $seconds s (DeleteChaosTest)"
  build
  mvn -B ${MVN_TEST_ARGS:-} test -Dtest=DeleteChaosTest -Dsurefire.failIfNoSpecifiedTests=false -DskipPostgresTests=true \
    -Dchaos.seconds="$seconds" ${seed:+-Dchaos.seed="$seed"}
}
