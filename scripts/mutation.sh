# Sourced by run.sh: ./run.sh mutation, mutation testing with PIT (docs/testing.md), and the mutation
# check ./run.sh test ends with.
#
#   ./run.sh mutation [all]   every group below, one PIT run after the other; reports only (the scores in
#                             testing.md)
#   ./run.sh mutation GROUP.. the named groups only (tasks, orchestrator, worker, upload, segment)
#   ./run.sh mutation core    tasks/ and orchestrator/ in one run, failing below MUTATION_THRESHOLD
#   ./run.sh mutation changed the classes of tasks/ and orchestrator/ changed since MUTATION_BASE, failing
#                             below MUTATION_THRESHOLD (what ./run.sh test runs; nothing when none changed)
# Environment: MUTATION_THRESHOLD (85, percent of mutants killed), MUTATION_BASE (the merge base with
# main; on main itself HEAD~1), MUTATION_THREADS (2), MUTATION_VERBOSITY (QUIET_WITH_PROGRESS; VERBOSE shows
# why a class has no coverage: docs/testing.md). Reports: target/pit-reports/index.html (and
# mutations.xml); a group's own run: target/pit-reports/GROUP/.
# Only the H2 unit and module tests run against mutants: the cluster, browser and PostgreSQL-only tests
# take minutes each and PIT runs the covering tests once per mutant (pom.xml, profile "mutation").

# The coordination core: its score is the one CI holds to the threshold.
MUTATION_CORE_CLASSES="io.vidforge.tasks.*,io.vidforge.orchestrator.*"
MUTATION_CORE_TESTS="io.vidforge.tasks.*,io.vidforge.orchestrator.*,io.vidforge.worker.*"
MUTATION_GROUPS="tasks orchestrator worker upload segment"

# The classes each group mutates, and the tests that exercise them: narrowed so each group is one run of
# minutes on a shared machine. PIT's first, unmutated run times every listed test, and each mutant then
# runs the covering tests fastest first, so a slow test listed here costs little unless it alone covers.
mutation_group_classes() {
  case "$1" in
    tasks) echo "io.vidforge.tasks.*" ;;
    orchestrator) echo "io.vidforge.orchestrator.*" ;;
    # The worker's fenced outcome and publish paths.
    worker) echo "io.vidforge.worker.AttemptRunner*,io.vidforge.worker.AttemptFailure*,io.vidforge.worker.PublishHandler*" ;;
    # Content addressing and ingest of uploads.
    upload) echo "io.vidforge.upload.ContentId*,io.vidforge.upload.UploadIngest*" ;;
    # The segment cache and read-ahead.
    segment) echo "io.vidforge.segment.SegmentCache*,io.vidforge.segment.ReadAhead*" ;;
    *) return 1 ;;
  esac
}

mutation_group_tests() {
  case "$1" in
    # TaskKind's and TranscodeSplit's plans are asserted where they are made (the planner's tests).
    tasks) echo "io.vidforge.tasks.*,io.vidforge.orchestrator.ChunkPlanTest,io.vidforge.orchestrator.TranscodeSplitTest" ;;
    orchestrator) echo "io.vidforge.orchestrator.*" ;;
    # Not ClockSkewTest: it waits on real 4 s leases, so every mutant that breaks its flow costs a PIT
    # timeout and a new minion; its guarantee is the heartbeat's, not this group's classes'.
    worker) echo "io.vidforge.worker.AttemptRunnerTest,io.vidforge.worker.AttemptFailureTest,io.vidforge.worker.PublishHandlerTest,\
io.vidforge.worker.LeaseFencingTest,io.vidforge.worker.RetryPolicyTest,io.vidforge.worker.ScratchLimitTest,\
io.vidforge.worker.StuckTaskTest" ;;
    # Re-uploads after a delete, repairs and the storage clean-up's races are the deletion tests'.
    upload) echo "io.vidforge.upload.UploadIngestTest,io.vidforge.upload.ContentAddressingTest,io.vidforge.upload.UploadIdempotencyTest,\
io.vidforge.upload.BadRequestTest,io.vidforge.upload.StreamingUploadTest,io.vidforge.deletion.VideoDeletionTest,\
io.vidforge.deletion.StorageCollectorTest" ;;
    # Not ReadAheadTest: its node-level runs (seconds each, and every survivor of the unit tests runs them)
    # made the group take over 20 minutes; ReadAheadSchedulingTest asserts the same read-ahead directly.
    segment) echo "io.vidforge.segment.SegmentCacheTest,io.vidforge.segment.ReadAheadSchedulingTest" ;;
    *) return 1 ;;
  esac
}

# pit CLASSES TESTS THRESHOLD [REPORTS]: one PIT run; fails (non-zero) when fewer than THRESHOLD % are
# killed. REPORTS: the report directory (target/pit-reports).
pit() {
  local classes=$1 tests=$2 threshold=$3 reports=${4:-target/pit-reports} started=$SECONDS rc=0
  say "mutation testing (PIT): $classes; threshold $threshold %"
  rm -f "$reports/mutations.xml"
  mvn -B -q -Pmutation test-compile org.pitest:pitest-maven:mutationCoverage \
    -Dmutation.classes="$classes" -Dmutation.tests="$tests" -Dmutation.threshold="$threshold" \
    -Dmutation.threads="${MUTATION_THREADS:-2}" -Dmutation.reports="$ROOT/$reports" \
    -Dmutation.verbosity="${MUTATION_VERBOSITY:-QUIET_WITH_PROGRESS}" || rc=$?
  mutation_summary "$reports/mutations.xml"
  say "PIT took $((SECONDS - started)) s; report: $reports/index.html"
  return $rc
}

# Killed / total per class and per package from PIT's XML reports (timeouts and memory errors count as
# killed, as PIT does), then the survivors and the mutants no test reached, each with its method and line.
mutation_summary() {
  local xml files=()
  for xml in "$@"; do [ -f "$xml" ] && files+=("$xml"); done
  [ ${#files[@]} -gt 0 ] || return 0
  cat "${files[@]}" | grep -o '<mutation [^>]*status=[^>]*>.*</mutation>' \
    | sed -n 's/.*status=.\([A-Z_]*\).*<mutatedClass>\([^<]*\)<\/mutatedClass><mutatedMethod>\([^<]*\)<\/mutatedMethod>.*<lineNumber>\([0-9]*\)<\/lineNumber><mutator>[^<]*\.\([A-Za-z_]*\)<\/mutator>.*/\2 \1 \3 \4 \5/p' \
    | awk '{cls=$1; sub(/\$.*/, "", cls); pkg=cls; sub(/\.[A-Za-z0-9_]*$/, "", pkg); short=cls; sub(/.*\./, "", short)
            killed=($2=="KILLED"||$2=="TIMED_OUT"||$2=="MEMORY_ERROR")
            tc[short]++; kc[short]+=killed; tp[pkg]++; kp[pkg]+=killed; T++; K+=killed
            if (!killed) left[++n]=sprintf("    %-12s %s.%s line %s (%s)", $2, short, $3, $4, $5)}
           END {for (c in tc) printf "  %-28s %4d/%-4d killed (%.1f %%)\n", c, kc[c], tc[c], 100*kc[c]/tc[c]
                for (p in tp) printf "  %-28s %4d/%-4d killed (%.1f %%)\n", p, kp[p], tp[p], 100*kp[p]/tp[p]
                if (T) printf "  %-28s %4d/%-4d killed (%.1f %%)\n", "all", K, T, 100*K/T
                if (n) print "  not killed:"; for (i = 1; i <= n; i++) print left[i]}'
}

# mutation_groups GROUP...: one PIT run per group, one after the other (never two at once: each takes
# both cores), reports under target/pit-reports/GROUP/, then the summary over all of them.
mutation_groups() {
  local g reports=() started=$SECONDS
  for g in "$@"; do
    mutation_group_classes "$g" >/dev/null || die "no such mutation group: $g (groups: $MUTATION_GROUPS)"
  done
  for g in "$@"; do
    pit "$(mutation_group_classes "$g")" "$(mutation_group_tests "$g")" 0 "target/pit-reports/$g" \
      || die "PIT failed for group $g"
    reports+=("target/pit-reports/$g/mutations.xml")
  done
  if [ $# -gt 1 ]; then
    say "mutation testing, all groups ($*), $((SECONDS - started)) s:"
    mutation_summary "${reports[@]}"
  fi
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
    # shellcheck disable=SC2086 # the group list splits into words
    all) mutation_groups $MUTATION_GROUPS ;;
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
    tasks|orchestrator|worker|upload|segment) mutation_groups "$@" ;;
    *) die "usage: ./run.sh mutation [all|core|changed|GROUP...] (groups: $MUTATION_GROUPS)" ;;
  esac
}
