# Sourced by run.sh: ./run.sh mutation, mutation testing with PIT (docs/testing.md), and the mutation
# check ./run.sh test ends with.
#
#   ./run.sh mutation [all]   every target below with its tests; reports only (the scores in testing.md)
#   ./run.sh mutation core    tasks/ and orchestrator/, failing below MUTATION_THRESHOLD
#   ./run.sh mutation changed the classes of tasks/ and orchestrator/ changed since MUTATION_BASE, failing
#                             below MUTATION_THRESHOLD (what ./run.sh test runs; nothing when none changed)
# Environment: MUTATION_THRESHOLD (85, percent of mutants killed), MUTATION_BASE (the merge base with
# main; on main itself HEAD~1), MUTATION_THREADS (2). Reports: target/pit-reports/index.html (and mutations.xml).
# Only the H2 unit and module tests run against mutants: the cluster, browser and PostgreSQL-only tests
# take minutes each and PIT runs the covering tests once per mutant (pom.xml, profile "mutation").

# The coordination core: its score is the one CI holds to the threshold.
MUTATION_CORE_CLASSES="io.vidforge.tasks.*,io.vidforge.orchestrator.*"
MUTATION_CORE_TESTS="io.vidforge.tasks.*,io.vidforge.orchestrator.*,io.vidforge.worker.*"
# Everything measured by ./run.sh mutation: the core, the worker's fenced outcome and publish paths,
# content addressing and ingest of uploads, the segment cache and read-ahead.
MUTATION_ALL_CLASSES="$MUTATION_CORE_CLASSES,io.vidforge.worker.AttemptRunner,io.vidforge.worker.AttemptFailure,\
io.vidforge.worker.PublishHandler,io.vidforge.upload.ContentId,io.vidforge.upload.UploadIngest,\
io.vidforge.segment.SegmentCache,io.vidforge.segment.ReadAhead"
MUTATION_ALL_TESTS="$MUTATION_CORE_TESTS,io.vidforge.upload.*,io.vidforge.segment.*"

# pit CLASSES TESTS THRESHOLD: one PIT run; fails (non-zero) when fewer than THRESHOLD % are killed.
pit() {
  local classes=$1 tests=$2 threshold=$3 started=$SECONDS rc=0
  say "mutation testing (PIT): $classes; threshold $threshold %"
  mvn -B -q -Pmutation test-compile org.pitest:pitest-maven:mutationCoverage \
    -Dmutation.classes="$classes" -Dmutation.tests="$tests" -Dmutation.threshold="$threshold" \
    -Dmutation.threads="${MUTATION_THREADS:-2}" || rc=$?
  mutation_summary
  say "PIT took $((SECONDS - started)) s; report: target/pit-reports/index.html"
  return $rc
}

# Killed / total per package from PIT's XML report (timeouts and memory errors count as killed, as PIT does).
mutation_summary() {
  local xml=target/pit-reports/mutations.xml
  [ -f "$xml" ] || return 0
  grep -o '<mutation [^>]*status=[^>]*>.*</mutatedClass>' "$xml" \
    | sed -n 's/.*status=.\([A-Z_]*\).*<mutatedClass>\(.*\)\.[A-Za-z0-9$]*<\/mutatedClass>/\2 \1/p' \
    | awk '{t[$1]++; if ($2=="KILLED"||$2=="TIMED_OUT"||$2=="MEMORY_ERROR") k[$1]++; T++; if ($2=="KILLED"||$2=="TIMED_OUT"||$2=="MEMORY_ERROR") K++}
           END {for (p in t) printf "  %-28s %4d/%-4d killed (%.1f %%)\n", p, k[p], t[p], 100*k[p]/t[p];
                if (T) printf "  %-28s %4d/%-4d killed (%.1f %%)\n", "all", K, T, 100*K/T}'
}

# The classes of the core changed since the base, as PIT class names (comma-separated), or nothing.
changed_core_classes() {
  local base=${MUTATION_BASE:-}
  if [ -z "$base" ]; then
    # A branch: what it changed since it left main. Main itself (or no main): the last commit, which for
    # a merge is everything the merged branch brought.
    base=$(git merge-base HEAD main 2>/dev/null || true)
    if [ -z "$base" ] || [ "$base" = "$(git rev-parse HEAD)" ]; then
      base=$(git rev-parse HEAD~1 2>/dev/null || true)
    fi
  fi
  [ -n "$base" ] || return 0
  { git diff --name-only "$base" -- src/main/java/io/vidforge/tasks src/main/java/io/vidforge/orchestrator
    git ls-files --others --exclude-standard -- src/main/java/io/vidforge/tasks src/main/java/io/vidforge/orchestrator; } \
    | while read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done \
    | sed -e 's|^src/main/java/||' -e 's|\.java$|*|' -e 's|/|.|g' | sort -u | paste -sd, -
}

cmd_mutation() {
  ensure_java
  ensure_maven
  ensure_media_libs
  local what=${1:-all} threshold=${MUTATION_THRESHOLD:-85}
  case "$what" in
    all) pit "$MUTATION_ALL_CLASSES" "$MUTATION_ALL_TESTS" 0 ;;
    core) pit "$MUTATION_CORE_CLASSES" "$MUTATION_CORE_TESTS" "$threshold" ;;
    changed)
      local classes; classes=$(changed_core_classes)
      if [ -z "$classes" ]; then
        say "mutation check: no class of tasks/ or orchestrator/ changed since ${MUTATION_BASE:-the merge base with main}"
        return 0
      fi
      pit "$classes" "$MUTATION_CORE_TESTS" "$threshold" \
        || die "mutation check failed: fewer than $threshold % of the mutants of the changed classes were killed (docs/testing.md)"
      ;;
    *) die "usage: ./run.sh mutation [all|core|changed]" ;;
  esac
}
