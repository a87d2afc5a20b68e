# VidForge benchmarks against the physical limits (./run.sh bench). Sourced by run.sh, whose helpers
# (say, warn, die, ensure_*, build, apt_install) and process helpers (scripts/process.sh: start_process,
# stop_pid, wait_for) it uses. Every figure is measured against its
# limit in the same run, on the same data, on this machine; see docs/performance.md.
#
# `./run.sh bench serve` runs the serving section alone (cached throughput of a segment node and of
# ./run.sh up against nginx); `./run.sh bench scaling` instead measures how cost grows (clip length and rungs, claimers, concurrent
# connections); knobs BENCH_SCALING_CLIPS ("15x1080 30x1080 60x1080 30x720 30x480 30x240 10x2160": seconds x
# height), BENCH_SCALING_CLAIMERS ("1 2 4 8"), BENCH_SCALING_CONNECTIONS ("1 8 32 128 512").
#
# Environment knobs (defaults are the real sizes):
#   BENCH_CLIP_SECONDS=60      length of the 1080p source for time-to-ready
#   BENCH_MEDIA_ROUNDS=3       paired rounds (one ffmpeg command, then the platform) per worker count
#   BENCH_UPLOAD_MB=2048       size of the upload-throughput file
#   BENCH_WRK_SECONDS=6        duration of one wrk run; BENCH_WRK_ROUNDS=5 paired rounds (median of ratios)
#   BENCH_JIT_SECONDS=10       load on each serving node before its rounds (JIT warm-up)
#   BENCH_COLD_PAIRS=1         fresh `up` JVMs without and with SEGMENT_WARMUP_SECONDS, one paired round each (JIT-cold figure)
#   BENCH_MISS_ROUNDS=200      cache-miss pairs; BENCH_PLAYERS=5 concurrent sequential players (one per variant)
#   BENCH_WARM_ROUNDS=40       warm rounds (read-ahead on and off side by side); SERVE p99 ratio with a 90 % bootstrap interval
#   BENCH_CLAIM_TASKS=10000    tasks for the claim benchmark; BENCH_CLAIM_WORKERS=8
#   BENCH_DISPATCH_UPLOADS=30  uploads for the dispatch-latency benchmark
#   BENCH_SKIP="upload ..."    sections to leave out: media2 (2 workers), chunk (bench/chunk.sh), playable (bench/playable.sh), dispatch, claims, upload, serve, miss, readahead
#   BENCH_PORT_BASE=18400      ports used: base (S3), base+1 (nginx), base+10.. (nodes)
#   BENCH_DB=vidforge_bench    PostgreSQL database (dropped and re-created)

BENCH_DIR="${BENCH_DIR:-$ROOT/target/bench}"
BENCH_PORT_BASE="${BENCH_PORT_BASE:-18400}"
BENCH_DB="${BENCH_DB:-vidforge_bench}"
BENCH_S3_PORT=$BENCH_PORT_BASE
BENCH_NGINX_PORT=$((BENCH_PORT_BASE + 1))
BENCH_RESULTS="$BENCH_DIR/results.txt"
BENCH_CP=""

bench_skip() { case " ${BENCH_SKIP:-} " in *" $1 "*) return 0 ;; esac; return 1; }

# Runs the Java half; its RESULT lines are appended to the results file, progress goes to the terminal.
bench_java() {
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx2g -cp "$BENCH_CP" \
    -Djava.util.logging.config.file=/dev/null io.vidforge.bench.Bench "$@" 2> >(grep -v -E 'SLF4J|^WARNING|Helidon logging' >&2) \
    | tee -a "$BENCH_RESULTS" | sed -n 's/^RESULT \([^ ]*\) \(.*\)/      \1 = \2/p'
}

res() { sed -n "s/^RESULT $1 //p" "$BENCH_RESULTS" | tail -1; }
put() { echo "RESULT $1 $2" >>"$BENCH_RESULTS"; }

bench_env() {
  export DB_URL="jdbc:postgresql://127.0.0.1:5432/$BENCH_DB" DB_USER=postgres DB_PASSWORD=""
  export S3_ENDPOINT="http://127.0.0.1:$BENCH_S3_PORT" S3_ACCESS_KEY=vidforge S3_SECRET_KEY=vidforge-secret-key
  export S3_BUCKET=vidforge S3_REGION=us-east-1
}

# bench_node ID ROLE PORT [VAR=VALUE ...] [JOPTS=jvm-options]: one node process, waits until healthy.
bench_node() {
  local id=$1 role=$2 port=$3 kv jopts=""; shift 3
  (
    bench_env
    export DATA_DIR="$BENCH_DIR/data" NODE_ID="$id" PORT="$port" SHUTDOWN_GRACE_SECONDS=1 WORKER_GRACE_SECONDS=1
    for kv in "$@"; do
      case "$kv" in JOPTS=*) jopts=${kv#JOPTS=} ;; *) export "${kv?}" ;; esac
    done
    # shellcheck disable=SC2086
    start_process "$BENCH_DIR" "$id" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED $jopts -jar "$JAR" --role="$role"
  )
  wait_for 120 "$(cat "$BENCH_DIR/$id.pid")" health_up "http://127.0.0.1:$port" && return 0
  tail -20 "$BENCH_DIR/$id.out" >&2
  die "bench node $id did not become healthy (log: $BENCH_DIR/$id.out)"
}

bench_stop() {
  local id f
  for id in "$@"; do
    f="$BENCH_DIR/$id.pid"
    [ -f "$f" ] || continue
    stop_pid "$(cat "$f")" || true
    rm -f "$f"
  done
}

# Stops exactly what this run started (recorded PIDs and its own nginx), nothing else.
bench_cleanup() {
  local f
  if [ -f "$BENCH_DIR/nginx/nginx.pid" ]; then
    kill -QUIT "$(cat "$BENCH_DIR/nginx/nginx.pid")" 2>/dev/null || true
  fi
  for f in "$BENCH_DIR"/*.pid; do
    [ -e "$f" ] || continue
    bench_stop "$(basename "$f" .pid)"
  done
  bench_stop_up
}

bench_prereqs() {
  ensure_java
  ensure_maven
  ensure_media_libs
  ensure_postgres
  ensure_nginx
  if ! command -v wrk >/dev/null; then
    say "installing wrk (HTTP load generator)"
    apt_install wrk || die "the bench needs wrk (apt-get install wrk)"
  fi
  command -v psql >/dev/null || die "the bench needs psql (apt-get install postgresql-client)"
  build
  # Compiled again only when a driver source or the jar is newer than the last compile (CI runs several
  # short bench sections in a row, and each would otherwise spend ~13 s here).
  local stamp="$ROOT/target/bench-classes/.compiled"
  if [ ! -e "$stamp" ] || [ -n "$(find "$ROOT/bench/java" "$JAR" -newer "$stamp" -print -quit)" ]; then
    say "compiling the bench driver"
    rm -rf "$ROOT/target/bench-classes"; mkdir -p "$ROOT/target/bench-classes"
    "$JAVA_HOME/bin/javac" --release 21 -nowarn -d "$ROOT/target/bench-classes" -cp "$JAR:$ROOT/target/libs/*" \
      "$ROOT"/bench/java/io/vidforge/bench/*.java || die "the bench driver did not compile"
    touch "$stamp"
  fi
  BENCH_CP="$ROOT/target/bench-classes:$JAR:$ROOT/target/libs/*"
}

bench_fresh_state() {
  rm -rf "$BENCH_DIR"
  mkdir -p "$BENCH_DIR/data/logs"
  : >"$BENCH_RESULTS"
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $BENCH_DB" >/dev/null 2>&1 || true
  psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $BENCH_DB" >/dev/null \
    || die "cannot create database $BENCH_DB on 127.0.0.1:5432"
  (
    bench_env
    export DATA_DIR="$BENCH_DIR/data" EMBEDDED_S3_PORT="$BENCH_S3_PORT"
    start_process "$BENCH_DIR" s3 "$JAVA_HOME/bin/java" -cp "$JAR" io.vidforge.storage.S3ServerMain
  )
  wait_for 60 "$(cat "$BENCH_DIR/s3.pid")" log_says "$BENCH_DIR/s3.out" "listening on" && return 0
  die "the bench S3 server did not start (log: $BENCH_DIR/s3.out)"
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# CPU seconds used by the finished child processes (ffmpeg, ffprobe) of a bench node, from /proc.
child_cpu() {
  local pid; pid=$(cat "$BENCH_DIR/$1.pid")
  sed 's/.*) //' "/proc/$pid/stat" | awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}'
}

# ---- sections ------------------------------------------------------------------------------------

bench_media() {
  local secs=${BENCH_CLIP_SECONDS:-60} p=$((BENCH_PORT_BASE + 10)) rounds=${BENCH_MEDIA_ROUNDS:-3} r w workers="1"
  say "[media] generating a ${secs} s 1080p30 source clip (load $(loadavg))"
  bench_java clip "$BENCH_DIR/source.mp4" "$secs" || die "could not make the clip"
  say "[media] starting upload, orchestrator and one worker (PostgreSQL, S3 server)"
  bench_node upload-1 upload "$p"
  # The whole-ladder task, as this section's limit (one ffmpeg over the ladder) and performance.md's
  # history measure it, whatever the default plan; the chunk plan has its own section (bench/chunk.sh).
  bench_node orch-1 orchestrator $((p + 1)) TRANSCODE_SPLIT=ladder
  bench_node worker-1 worker $((p + 2)) WORKER_CONCURRENCY=1
  bench_skip media2 || workers="1 2"
  for w in $workers; do
    if [ "$w" = 2 ]; then bench_node worker-2 worker $((p + 3)) WORKER_CONCURRENCY=1; fi
    for r in $(seq 1 "$rounds"); do
      media_round "$w" "$r" "http://127.0.0.1:$p"
    done
    if [ "$w" = 1 ]; then
      bench_java task-times "$BENCH_DIR/data/logs" "$(res video_id)" >/dev/null
      put ttr1_task_sum_s "$(res task_sum_s)"
    fi
    put "ttr${w}_s" "$(median <"$BENCH_DIR/media-ttr-$w")"
    put "ttr${w}_ratio" "$(median <"$BENCH_DIR/media-ratio-$w")"
    put "ttr${w}_cpu_s" "$(median <"$BENCH_DIR/media-cpu-$w")"
    put "ttr${w}_cpu_ratio" "$(median <"$BENCH_DIR/media-cpu-ratio-$w")"
    put "ttr${w}_ratio_range" "$(sort -g "$BENCH_DIR/media-ratio-$w" | sed -n '1p;$p' | paste -sd- -)"
  done
  bench_skip media2 || bench_stop worker-2
  put baseline_s "$(cat "$BENCH_DIR"/media-limit-s-* | median)"
  put baseline_cpu_s "$(cat "$BENCH_DIR"/media-limit-cpu-* | median)"
  put media_rounds "$rounds"
}

# media_round WORKERS ROUND BASE: one paired round, the hand-written ffmpeg command and then the platform
# on the same source, back to back, so that load from elsewhere on the machine hits both sides of the
# ratio (the figure is the median of the per-round ratios). The first round uploads the clip; later rounds
# reprocess the same video (POST /videos/{id}/process?force=true), which runs the same plan from the raw
# object in S3.
media_round() {
  local w=$1 r=$2 base=$3 src cpu0 cpu1 n
  say "[media] ${w} worker(s), round $r: limit, one hand-written ffmpeg command writing the same ladder (load $(loadavg))"
  bench_java ladder-baseline "$BENCH_DIR/source.mp4" "$BENCH_DIR/baseline" || die "baseline ffmpeg failed"
  res baseline_s >>"$BENCH_DIR/media-limit-s-$w"
  res baseline_cpu_s >>"$BENCH_DIR/media-limit-cpu-$w"
  src=$(res video_id)
  [ -n "$src" ] || src="$BENCH_DIR/source.mp4"
  cpu0=0; for n in $(seq 1 "$w"); do cpu0=$(awk -v a="$cpu0" -v b="$(child_cpu "worker-$n")" 'BEGIN{print a + b}'); done
  say "[media] ${w} worker(s), round $r: time-to-ready (load $(loadavg))"
  bench_java ttr "$base" "$src" || die "time-to-ready failed"
  cpu1=0; for n in $(seq 1 "$w"); do cpu1=$(awk -v a="$cpu1" -v b="$(child_cpu "worker-$n")" 'BEGIN{print a + b}'); done
  res ttr_s >>"$BENCH_DIR/media-ttr-$w"
  awk -v a="$cpu1" -v b="$cpu0" 'BEGIN{printf "%.1f\n", a - b}' >>"$BENCH_DIR/media-cpu-$w"
  ratio "$(res ttr_s)" "$(res baseline_s)" >>"$BENCH_DIR/media-ratio-$w"
  ratio "$(tail -1 "$BENCH_DIR/media-cpu-$w")" "$(res baseline_cpu_s)" >>"$BENCH_DIR/media-cpu-ratio-$w"
  echo "      round $r: time-to-ready $(res ttr_s) s vs one command $(res baseline_s) s = $(tail -1 "$BENCH_DIR/media-ratio-$w");" \
    "ffmpeg/ffprobe CPU $(tail -1 "$BENCH_DIR/media-cpu-$w") s vs $(res baseline_cpu_s) s = $(tail -1 "$BENCH_DIR/media-cpu-ratio-$w")"
}

bench_dispatch() {
  local p=$((BENCH_PORT_BASE + 10))
  say "[dispatch] ${BENCH_DISPATCH_UPLOADS:-30} uploads; upload completion -> PROBE claimed (PostgreSQL NOTIFY)"
  bench_java dispatch "http://127.0.0.1:$p" "${BENCH_DISPATCH_UPLOADS:-30}" "$BENCH_DATA_LOGS" \
    || warn "dispatch benchmark failed"
}

bench_claims() {
  say "[claims] ${BENCH_CLAIM_WORKERS:-8} claimers, ${BENCH_CLAIM_TASKS:-10000} READY tasks on PostgreSQL"
  ( bench_env; bench_java claims "${BENCH_CLAIM_WORKERS:-8}" "${BENCH_CLAIM_TASKS:-10000}" ) \
    || warn "claim benchmark failed"
}

bench_upload() {
  local mb=${BENCH_UPLOAD_MB:-2048} p=$((BENCH_PORT_BASE + 20)) file="$BENCH_DIR/upload.bin"
  say "[upload] writing a ${mb} MB file"
  bench_java pseudo-video "$file" $((mb * 1024 * 1024)) >/dev/null
  bench_node upload-big upload "$p" JOPTS=-Xmx256m
  local pid; pid=$(cat "$BENCH_DIR/upload-big.pid")
  say "[upload] POST /upload to a node with -Xmx256m (load $(loadavg))"
  local t0 t1 code
  t0=$(date +%s.%N)
  code=$(curl -sS -o "$BENCH_DIR/upload-answer.json" -w '%{http_code}' -X POST -H 'Content-Type: video/mp4' \
    -H 'Expect:' -T "$file" "http://127.0.0.1:$p/upload?title=big")
  t1=$(date +%s.%N)
  [ "$code" = 201 ] || { cat "$BENCH_DIR/upload-answer.json" >&2; warn "upload answered $code"; }
  local s; s=$(awk "BEGIN{printf \"%.3f\", $t1 - $t0}")
  put node_upload_s "$s"
  put node_upload_mbps "$(awk "BEGIN{printf \"%.1f\", $mb * 1.048576 / $s}")"
  put node_upload_peak_rss_mb "$(awk '/VmHWM/ {printf "%d", $2/1024}' "/proc/$pid/status")"
  echo "      node_upload_s = $s; peak RSS $(res node_upload_peak_rss_mb) MB"
  say "[upload] limit: the same file straight to S3 with the MinIO client (load $(loadavg))"
  ( bench_env; bench_java put-direct "$file" )
  bench_stop upload-big
  rm -f "$file"
}

bench_nginx_conf() {
  mkdir -p "$BENCH_DIR/nginx/tmp"
  cat >"$BENCH_DIR/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $BENCH_DIR/nginx/nginx.pid;
error_log $BENCH_DIR/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  open_file_cache max=1000 inactive=60s;
  client_body_temp_path $BENCH_DIR/nginx/tmp;
  proxy_temp_path $BENCH_DIR/nginx/tmp;
  fastcgi_temp_path $BENCH_DIR/nginx/tmp;
  uwsgi_temp_path $BENCH_DIR/nginx/tmp;
  scgi_temp_path $BENCH_DIR/nginx/tmp;
  types { video/iso.segment m4s; video/mp4 mp4; application/vnd.apple.mpegurl m3u8; }
  server {
    listen 127.0.0.1:$BENCH_NGINX_PORT;
    root $BENCH_DIR/www;
  }
}
EOF
}

# wrk_rps URL CONNECTIONS: requests/s of one wrk run over every segment URL in turn.
wrk_rps() {
  wrk -t2 -c"$2" -d"${BENCH_WRK_SECONDS:-6}s" -s "$BENCH_DIR/urls.lua" "$1" 2>/dev/null \
    | awk '/Requests\/sec/ {print $2}'
}

# cpu_ticks PID...: user + system clock ticks of the processes and their direct children (nginx's workers).
cpu_ticks() {
  local p c t=0
  for p in "$@"; do
    for c in "$p" $(cat "/proc/$p/task/$p/children" 2>/dev/null); do
      [ -r "/proc/$c/stat" ] && t=$((t + $(sed 's/.*) //' "/proc/$c/stat" | awk '{print $12 + $13}')))
    done
  done
  echo "$t"
}

# wrk_cpu URL CONNECTIONS PID: "req/s cpu-ms-per-response" of one wrk run; the CPU is the server's
# (PID and its children) from /proc before and after, divided by the responses wrk counted. Unlike req/s,
# it is barely moved by load from elsewhere on the machine (docs/performance.md).
wrk_cpu() {
  local before after out
  before=$(cpu_ticks "$3")
  out=$(wrk -t2 -c"$2" -d"${BENCH_WRK_SECONDS:-6}s" -s "$BENCH_DIR/urls.lua" "$1" 2>/dev/null)
  after=$(cpu_ticks "$3")
  printf '%s\n' "$out" | awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    / requests in / {n = $1} /Requests\/sec/ {r = $2}
    END {printf "%s %s\n", r, (n > 0 ? sprintf("%.3f", t * 1000 / hz / n) : "-")}'
}

# median: of an even count, the mean of the two middle values (the lower one alone paired a ratio with
# times from another round in the tables).
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else printf "%.4g\n", (a[NR/2]+a[NR/2+1])/2}'; }

# The serving section: the same segment files on disk for nginx (the limit), a dedicated segment node
# (CACHE_BYTES=1 GiB, as a cluster's segment node) and the default deployment exactly as `./run.sh up`
# starts it (every role and the embedded S3 in one JVM, H2, its JVM options and SEGMENT_WARMUP_SECONDS:
# scripts/single.sh), holding the same video (uploaded to it: content addressing gives it the same id, so
# one URL list serves all three). First `up` JIT-cold, fresh JVMs without and with the start-up warm-up
# (paired rounds at 32 connections after one pass over every segment, what a newcomer sees first); then
# both nodes get the same load warm-up, and each round runs nginx, the node and `up` back to back, each
# ratio against the nginx run of its own round. Every run also records the server's CPU per response.
bench_serve() {
  local id=$1 p=$((BENCH_PORT_BASE + 30)) up=$((BENCH_PORT_BASE + 40)) ngx
  say "[serve] the same segment files on disk for nginx, a dedicated segment node and ./run.sh up"
  bench_java segments "$id" bench "$BENCH_DIR/www"
  write_urls_lua
  bench_nginx_conf
  "$(nginx_bin)" -p "$BENCH_DIR/nginx" -c "$BENCH_DIR/nginx/nginx.conf" -e "$BENCH_DIR/nginx/error.log" \
    || die "nginx did not start (see $BENCH_DIR/nginx/error.log)"
  ngx=$(cat "$BENCH_DIR/nginx/nginx.pid")
  bench_up "$up" "$id"
  local u port x n w r m c
  # What a newcomer sees first: `up` with its cache warm but its JIT not (a fresh JVM, one pass over
  # every segment, then one paired round at 32 connections), without the warm-up (0) and as `up` starts
  # (its SEGMENT_WARMUP_SECONDS), alternating, BENCH_COLD_PAIRS times. No goal; the issue measured this.
  for w in 0 up; do : >"$BENCH_DIR/cold-ratio-$w"; : >"$BENCH_DIR/cold-cpu-$w"; done
  : >"$BENCH_DIR/cold-cpu-nginx"
  for r in $(seq 1 "${BENCH_COLD_PAIRS:-1}"); do
    for w in 0 up; do
      bench_restart_up "$up" "$w"
      while read -r u; do curl -sf -o /dev/null "http://127.0.0.1:$up$u" || warn "warm pass of $u on :$up failed"; done <"$BENCH_DIR/www/urls.txt"
      read -r x c <<<"$(wrk_cpu "http://127.0.0.1:$BENCH_NGINX_PORT" 32 "$ngx")"; echo "$c" >>"$BENCH_DIR/cold-cpu-nginx"
      read -r n m <<<"$(wrk_cpu "http://127.0.0.1:$up" 32 "$(cat "$BENCH_DIR/up/run/all-1.pid")")"
      ratio "$n" "$x" >>"$BENCH_DIR/cold-ratio-$w"; echo "$m" >>"$BENCH_DIR/cold-cpu-$w"
      echo "      up JIT-cold (warm-up $w), 32 connections, pair $r: nginx $x req/s ($c ms CPU/response), up $n req/s ($m ms), ratio $(tail -1 "$BENCH_DIR/cold-ratio-$w") (load $(loadavg))"
    done
  done
  put up_cold_ratio_32 "$(median <"$BENCH_DIR/cold-ratio-up")"
  put up_cold_cpu_ms_32 "$(median <"$BENCH_DIR/cold-cpu-up")"
  put up_cold_nowarmup_ratio_32 "$(median <"$BENCH_DIR/cold-ratio-0")"
  put up_cold_nowarmup_cpu_ms_32 "$(median <"$BENCH_DIR/cold-cpu-0")"
  put up_cold_nginx_cpu_ms_32 "$(median <"$BENCH_DIR/cold-cpu-nginx")"
  bench_node segment-1 segment "$p" CACHE_BYTES=$((1024 * 1024 * 1024))
  for port in "$p" "$up"; do
    while read -r u; do curl -sf -o /dev/null "http://127.0.0.1:$port$u" || warn "warm-up of $u on :$port failed"; done <"$BENCH_DIR/www/urls.txt"
    while read -r u; do curl -sf -o /dev/null "http://127.0.0.1:$port$u"; done <"$BENCH_DIR/www/urls.txt"
    wrk -t2 -c128 -d"${BENCH_JIT_SECONDS:-10}s" -s "$BENCH_DIR/urls.lua" "http://127.0.0.1:$port" >/dev/null 2>&1 || true # JIT warm-up
  done
  wrk -t2 -c32 -d3s -s "$BENCH_DIR/urls.lua" "http://127.0.0.1:$BENCH_NGINX_PORT" >/dev/null 2>&1 || true
  # Rounds alternate nginx, node and up back to back; each figure is the median of the per-round ratios,
  # so a burst of load from elsewhere on the machine hits both sides of a ratio rather than one median.
  local nc uc
  for c in 32 128; do
    for m in nginx node up; do : >"$BENCH_DIR/rps-$m-$c"; : >"$BENCH_DIR/cpu-$m-$c"; done
    : >"$BENCH_DIR/rps-ratio-$c"; : >"$BENCH_DIR/rps-up-ratio-$c"
    for r in $(seq 1 "${BENCH_WRK_ROUNDS:-5}"); do
      read -r x m <<<"$(wrk_cpu "http://127.0.0.1:$BENCH_NGINX_PORT" "$c" "$ngx")"
      echo "$x" >>"$BENCH_DIR/rps-nginx-$c"; echo "$m" >>"$BENCH_DIR/cpu-nginx-$c"
      read -r n nc <<<"$(wrk_cpu "http://127.0.0.1:$p" "$c" "$(cat "$BENCH_DIR/segment-1.pid")")"
      echo "$n" >>"$BENCH_DIR/rps-node-$c"; echo "$nc" >>"$BENCH_DIR/cpu-node-$c"
      read -r u uc <<<"$(wrk_cpu "http://127.0.0.1:$up" "$c" "$(cat "$BENCH_DIR/up/run/all-1.pid")")"
      echo "$u" >>"$BENCH_DIR/rps-up-$c"; echo "$uc" >>"$BENCH_DIR/cpu-up-$c"
      ratio "$n" "$x" >>"$BENCH_DIR/rps-ratio-$c"
      ratio "$u" "$x" >>"$BENCH_DIR/rps-up-ratio-$c"
      echo "      $c connections, round $r: nginx $x req/s ($m ms CPU/response), segment node $n ($(tail -1 "$BENCH_DIR/rps-ratio-$c"); $nc ms), up $u ($(tail -1 "$BENCH_DIR/rps-up-ratio-$c"); $uc ms) (load $(loadavg))"
    done
    put "nginx_rps_$c" "$(median <"$BENCH_DIR/rps-nginx-$c")"
    put "node_rps_$c" "$(median <"$BENCH_DIR/rps-node-$c")"
    put "rps_ratio_$c" "$(median <"$BENCH_DIR/rps-ratio-$c")"
    put "rps_ratio_range_$c" "$(sort -g "$BENCH_DIR/rps-ratio-$c" | sed -n '1p;$p' | paste -sd- -)"
    put "up_rps_$c" "$(median <"$BENCH_DIR/rps-up-$c")"
    put "up_rps_ratio_$c" "$(median <"$BENCH_DIR/rps-up-ratio-$c")"
    put "up_rps_ratio_range_$c" "$(sort -g "$BENCH_DIR/rps-up-ratio-$c" | sed -n '1p;$p' | paste -sd- -)"
    for m in nginx node up; do put "${m}_cpu_ms_$c" "$(median <"$BENCH_DIR/cpu-$m-$c")"; done
  done
  put serve_load "$(cut -d' ' -f1 /proc/loadavg)"
  bench_stop segment-1
  bench_stop_up
  kill -QUIT "$ngx" 2>/dev/null || true
  rm -f "$BENCH_DIR/nginx/nginx.pid"
}

# bench_restart_up PORT WARMUP: the up node stopped and started again on its data (a fresh JVM), with
# SEGMENT_WARMUP_SECONDS=WARMUP ("up": as ./run.sh up sets it); returns once its warm-up has logged
# SEGMENT_WARMUP, or after the same 20 s without one, so both kinds of fresh JVM idle alike before load.
bench_restart_up() {
  local port=$1 w=$2 log="$BENCH_DIR/up/logs/all-1.jsonl" before i
  bench_stop_up
  before=$(grep -c '"event":"SEGMENT_WARMUP"' "$log" 2>/dev/null || true)
  (
    unset DB_URL DB_USER DB_PASSWORD S3_ENDPOINT S3_ACCESS_KEY S3_SECRET_KEY S3_BUCKET S3_REGION
    [ "$w" = up ] || export SEGMENT_WARMUP_SECONDS="$w"
    DATA_DIR="$BENCH_DIR/up"; RUN_DIR="$DATA_DIR/run"; PORT=$port
    start_all_in_one >/dev/null
  ) || die "the up node did not start again (log: $BENCH_DIR/up/run/all-1.out)"
  for i in $(seq 1 40); do
    [ "$(grep -c '"event":"SEGMENT_WARMUP"' "$log" 2>/dev/null || true)" -gt "${before:-0}" ] && break
    sleep 0.5
  done
  [ "$w" = 0 ] || grep '"event":"SEGMENT_WARMUP"' "$log" 2>/dev/null | tail -1 | sed 's/^/      /' || true
}

# bench_up PORT VIDEO_ID: the default deployment as `./run.sh up` starts it (start_all_in_one in
# scripts/single.sh: its JVM options, H2 and the embedded S3 under its own DATA_DIR, none of the bench's
# PostgreSQL or S3 settings), then the bench's source clip uploaded to it and processed there.
bench_up() {
  local port=$1 id=$2 answer got status i
  say "[serve] ./run.sh up's node (every role, embedded S3, H2) on :$port; uploading the source clip to it"
  (
    unset DB_URL DB_USER DB_PASSWORD S3_ENDPOINT S3_ACCESS_KEY S3_SECRET_KEY S3_BUCKET S3_REGION
    DATA_DIR="$BENCH_DIR/up"; RUN_DIR="$DATA_DIR/run"; PORT=$port
    start_all_in_one >/dev/null
  ) || die "the up node did not start (log: $BENCH_DIR/up/run/all-1.out)"
  answer=$(curl -sS -X POST -H 'Content-Type: video/mp4' -H 'Expect:' --data-binary @"$BENCH_DIR/source.mp4" \
    "http://127.0.0.1:$port/upload?title=bench") || die "upload to the up node failed"
  got=$(printf '%s' "$answer" | sed -n 's/.*"video_id":"\([^"]*\)".*/\1/p')
  [ "$got" = "$id" ] || die "the up node named the clip '$got', not $id (content addressing should agree): $answer"
  for i in $(seq 1 $((2 * ${BENCH_UP_READY_SECONDS:-900}))); do
    status=$(curl -sS "http://127.0.0.1:$port/videos/$id" | sed -n 's/^{"video_id":"[^"]*","status":"\([a-z]*\)".*/\1/p')
    case "$status" in ready) break ;; failed) die "the up node failed to process the clip" ;; esac
    sleep 0.5
  done
  [ "$status" = ready ] || die "the up node did not make the clip ready in time"
  echo "      ready on the up node after $((i / 2)) s"
}

# `./run.sh bench serve`: the serving section alone. The clip is processed by upload, orchestrator and one
# worker (no limit measured for it), then served as in the full bench. ./run.sh test runs it short
# (bench_short in scripts/test.sh) so that it cannot rot.
bench_serve_alone() {
  local p=$((BENCH_PORT_BASE + 10))
  say "[serve] a ${BENCH_CLIP_SECONDS:-60} s 1080p30 source clip, processed by upload, orchestrator and one worker"
  bench_java clip "$BENCH_DIR/source.mp4" "${BENCH_CLIP_SECONDS:-60}" >/dev/null || die "could not make the clip"
  bench_node upload-1 upload "$p"
  bench_node orch-1 orchestrator $((p + 1))
  bench_node worker-1 worker $((p + 2)) WORKER_CONCURRENCY=1
  bench_java ttr "http://127.0.0.1:$p" "$BENCH_DIR/source.mp4" >/dev/null || die "time-to-ready failed"
  bench_stop worker-1 orch-1 upload-1
  bench_serve "$(res video_id)"
}

bench_stop_up() {
  local f="$BENCH_DIR/up/run/all-1.pid"
  [ -f "$f" ] || return 0
  stop_pid "$(cat "$f")" || true
  rm -f "$f"
}

bench_miss() {
  local id=$1 p=$((BENCH_PORT_BASE + 31))
  say "[miss] cache misses through a segment node (CACHE_BYTES=64 KiB) vs direct S3 GETs, paired"
  bench_node segment-miss segment "$p" CACHE_BYTES=65536
  ( bench_env; bench_java miss "http://127.0.0.1:$p" "$id" "${BENCH_MISS_ROUNDS:-200}" )
  bench_stop segment-miss
}

bench_readahead() {
  local id=$1 p=$((BENCH_PORT_BASE + 32)) mode n=${BENCH_PLAYERS:-5} gap=${BENCH_PLAYER_GAP_MS:-200}
  for mode in on off; do
    say "[read-ahead $mode] $n sequential players (one per variant) on a cold segment node"
    bench_node "segment-ra-$mode" segment "$p"
    bench_java players "http://127.0.0.1:$p" "$id" "$n" "$gap" "$mode" cold
    [ "$mode" = off ] || bench_stop "segment-ra-$mode"
  done
  # The same players asking for segment 0 the moment the init segment has arrived (loopback, no round
  # trip): segment 0 then usually joins the read the playlist started (X-Cache MISS, but only the rest of
  # a read to wait for).
  say "[read-ahead on] $n players asking for segment 0 at once after the init segment, on a cold node"
  bench_node segment-ra-at-once segment $((p + 1))
  bench_java players "http://127.0.0.1:$((p + 1))" "$id" "$n" "$gap" on cold0 0
  bench_stop segment-ra-at-once
  # The cost of read-ahead on the serving path: the same warm node, sessions with read-ahead on and off
  # interleaved round by round, so both see the same machine.
  say "[read-ahead] warm cache: ${BENCH_WARM_ROUNDS:-40} rounds of $n players with read-ahead on and $n with it off, side by side"
  bench_java players-mixed "http://127.0.0.1:$p" "$id" "$n" "$gap" "${BENCH_WARM_ROUNDS:-40}" warm >/dev/null
  bench_stop segment-ra-off
  bench_java serve-stats "$BENCH_DATA_LOGS/segment-ra-on.jsonl" "cold-on-" "ra_on_cold"
  bench_java serve-stats "$BENCH_DATA_LOGS/segment-ra-off.jsonl" "cold-off-" "ra_off_cold"
  bench_java serve-stats "$BENCH_DATA_LOGS/segment-ra-off.jsonl" "warm-on-" "ra_on_warm"
  bench_java serve-stats "$BENCH_DATA_LOGS/segment-ra-off.jsonl" "warm-off-" "ra_off_warm"
  bench_java serve-p99-ratio "$BENCH_DATA_LOGS/segment-ra-off.jsonl" "warm-on-" "warm-off-" "ra_warm"
}

# ---- the table -------------------------------------------------------------------------------------

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'; }
meets() { awk -v v="$1" -v op="$2" -v g="$3" 'BEGIN { if (v == "-" || v == "") { print "n/a"; exit }
  ok = (op == ">=") ? (v + 0 >= g + 0) : (v + 0 <= g + 0); print ok ? "yes" : "NO" }'; }

bench_row() { printf '%-44s %-30s %-30s %-9s %-9s %s\n' "$@"; }

bench_table() {
  local r
  echo
  say "results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load at end $(loadavg))"
  bench_row "figure" "measured" "limit (same run)" "ratio" "goal" "met"
  # Far above the cores' worth of runnable threads, the scheduler's share per thread decides the req/s of
  # nginx (2 workers) and of the JVM (many threads), not their cost per response: not judged then.
  local c judged=yes
  if [ -n "$(res serve_load)" ] && awk -v l="$(res serve_load)" -v n="$(nproc)" 'BEGIN { exit !(l > 3 * n) }'; then
    judged="n/a (load $(res serve_load) on $(nproc) cores)"
  fi
  for c in 32 128; do
    [ -n "$(res "node_rps_$c")" ] || continue
    r=$(res "rps_ratio_$c")
    bench_row "cached segments, $c conn., segment node" "$(res "node_rps_$c") req/s" "nginx $(res "nginx_rps_$c") req/s" "$r ($(res "rps_ratio_range_$c"))" ">= 0.9" "$([ "$judged" = yes ] && meets "$r" '>=' 0.9 || echo "$judged")"
    r=$(res "up_rps_ratio_$c")
    bench_row "cached segments, $c conn., ./run.sh up" "$(res "up_rps_$c") req/s" "nginx $(res "nginx_rps_$c") req/s" "$r ($(res "up_rps_ratio_range_$c"))" ">= 0.9" "$([ "$judged" = yes ] && meets "$r" '>=' 0.9 || echo "$judged")"
    bench_row "  CPU per response, $c conn., node / up" "$(res "node_cpu_ms_$c") / $(res "up_cpu_ms_$c") ms" "nginx $(res "nginx_cpu_ms_$c") ms" "-" "-" "-"
  done
  if [ -n "$(res up_cold_ratio_32)" ]; then
    bench_row "  up JIT-cold, 32 conn., with warm-up" "$(res up_cold_cpu_ms_32) ms CPU/resp." "nginx $(res up_cold_nginx_cpu_ms_32) ms" "$(res up_cold_ratio_32)" "-" "-"
    bench_row "  up JIT-cold, 32 conn., without warm-up" "$(res up_cold_nowarmup_cpu_ms_32) ms CPU/resp." "nginx $(res up_cold_nginx_cpu_ms_32) ms" "$(res up_cold_nowarmup_ratio_32)" "-" "-"
  fi
  if [ -n "$(res miss_added_p50_ms)" ]; then
    bench_row "cache miss, added p50" "$(res miss_node_p50_ms) ms" "S3 GET $(res miss_direct_p50_ms) ms" "+$(res miss_added_p50_ms) ms" "<= 5 ms" "$(meets "$(res miss_added_p50_ms)" '<=' 5)"
    bench_row "cache miss, added p99" "$(res miss_node_p99_ms) ms" "S3 GET $(res miss_direct_p99_ms) ms" "+$(res miss_added_p99_ms) ms" "-" "-"
  fi
  if [ -n "$(res players_cold_on_hit_ratio)" ]; then
    bench_row "read-ahead hits, sequential players" "$(res players_cold_on_hit_ratio) %" "off: $(res players_cold_off_hit_ratio) %" "-" ">= 95 %" "$(meets "$(res players_cold_on_hit_ratio)" '>=' 95)"
    bench_row "  same, segments after the 1st" "$(res players_cold_on_hit_ratio_after_first) %" "off: $(res players_cold_off_hit_ratio_after_first) %" "-" "(>= 95 %)" "$(meets "$(res players_cold_on_hit_ratio_after_first)" '>=' 95)"
    bench_row "  same, segment 0 asked at once after init" "$(res players_cold0_on_hit_ratio) %" "-" "-" "(>= 95 %)" "$(meets "$(res players_cold0_on_hit_ratio)" '>=' 95)"
    r=$(res ra_warm_p99_ratio)
    bench_row "SERVE p99 read-ahead on/off (warm, n=$(res ra_on_warm_serve_n))" "$(res ra_on_warm_serve_p99_ms) ms" "off $(res ra_off_warm_serve_p99_ms) ms" "$r ($(res ra_warm_p99_ratio_interval))" "<= 1.05" "$(meets "$r" '<=' 1.05)"
    r=$(ratio "$(res ra_on_cold_serve_p99_ms)" "$(res ra_off_cold_serve_p99_ms)")
    bench_row "  same, cold players (n=$(res ra_on_cold_serve_n))" "$(res ra_on_cold_serve_p99_ms) ms" "off $(res ra_off_cold_serve_p99_ms) ms" "$r" "(<= 1.05)" "$(meets "$r" '<=' 1.05)"
  fi
  if [ -n "$(res node_upload_mbps)" ]; then
    r=$(ratio "$(res node_upload_mbps)" "$(res direct_put_mbps)")
    bench_row "upload ${BENCH_UPLOAD_MB:-2048} MB, node -Xmx256m" "$(res node_upload_mbps) MB/s (RSS $(res node_upload_peak_rss_mb) MB)" "MinIO put $(res direct_put_mbps) MB/s" "$r" ">= 0.8" "$(meets "$r" '>=' 0.8)"
  fi
  for w in 1 2; do
    [ -n "$(res "ttr${w}_s")" ] || continue
    r=$(res "ttr${w}_ratio")
    bench_row "time-to-ready ${BENCH_CLIP_SECONDS:-60} s 1080p, $w worker(s)" "$(res "ttr${w}_s") s" "one ffmpeg $(res baseline_s) s" "$r ($(res "ttr${w}_ratio_range"))" "<= 1.2" "$(meets "$r" '<=' 1.2)"
    bench_row "  ffmpeg CPU for it (load-independent)" "$(res "ttr${w}_cpu_s") s" "one ffmpeg $(res baseline_cpu_s) s" "$(res "ttr${w}_cpu_ratio")" "-" "-"
  done
  if [ -n "$(res dispatch_p50_ms)" ]; then
    bench_row "dispatch upload -> claim (PostgreSQL)" "p50 $(res dispatch_p50_ms) ms, p99 $(res dispatch_p99_ms) ms" "-" "-" "p50 <= 200" "$(meets "$(res dispatch_p50_ms)" '<=' 200)"
  fi
  if [ -n "$(res claims_per_s)" ]; then
    bench_row "claims, ${BENCH_CLAIM_WORKERS:-8} workers x ${BENCH_CLAIM_TASKS:-10000} tasks" "$(res claims_per_s) claims/s" "double claims: $(res claims_double)" "-" ">= 1000/s" "$(meets "$(res claims_per_s)" '>=' 1000)$([ "$(res claims_double)" = 0 ] || echo ' (DOUBLE CLAIMS)')"
  fi
  echo
  echo "raw results: $BENCH_RESULTS"
}

# ---- scaling (./run.sh bench scaling) ---------------------------------------------------------------
# How cost grows with video length, number of variants, workers (claimers) and concurrent players,
# measured on this machine: docs/performance.md "How cost grows". Each point is one run, not a ratio:
# read it as a shape (linear, flat), not as a goal.

BENCH_SCALING_CLIPS="${BENCH_SCALING_CLIPS:-15x1080 30x1080 60x1080 30x720 30x480 30x240 10x2160}"
BENCH_SCALING_CLAIMERS="${BENCH_SCALING_CLAIMERS:-1 2 4 8}"
BENCH_SCALING_CONNECTIONS="${BENCH_SCALING_CONNECTIONS:-1 8 32 128 512}"

# write_urls_lua: a wrk script cycling over every URL of $BENCH_DIR/www/urls.txt.
write_urls_lua() {
  cat >"$BENCH_DIR/urls.lua" <<EOF
local paths = {}
for line in io.lines("$BENCH_DIR/www/urls.txt") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
EOF
}

bench_scaling() {
  local p=$((BENCH_PORT_BASE + 10)) spec secs h cpu0 cpu1 c w id="" f u
  say "[scaling] upload, orchestrator and one worker (PostgreSQL, S3 server)"
  bench_node upload-1 upload "$p"
  bench_node orch-1 orchestrator $((p + 1)) TRANSCODE_SPLIT=ladder  # the figures of capacity.md: whole ladder
  bench_node worker-1 worker $((p + 2)) WORKER_CONCURRENCY=1
  for spec in $BENCH_SCALING_CLIPS; do
    secs=${spec%x*}; h=${spec#*x}; f="$BENCH_DIR/scale-$spec.mp4"
    say "[scaling] a ${secs} s ${h}p clip: upload -> ready (load $(loadavg))"
    bench_java clip "$f" "$secs" "$h" >/dev/null || die "could not make the clip"
    cpu0=$(child_cpu worker-1)
    bench_java ttr "http://127.0.0.1:$p" "$f" >/dev/null || die "time-to-ready failed"
    cpu1=$(child_cpu worker-1)
    put "scale_${spec}_rungs" "$(res rungs)"
    put "scale_${spec}_ttr_s" "$(res ttr_s)"
    put "scale_${spec}_cpu_s" "$(awk -v a="$cpu1" -v b="$cpu0" 'BEGIN{printf "%.1f", a - b}')"
    if [ "$spec" = 60x1080 ]; then id=$(res video_id); fi
    echo "      ${secs} s ${h}p: $(res rungs) rungs, ready in $(res ttr_s) s, worker ffmpeg CPU $(res "scale_${spec}_cpu_s") s"
  done
  bench_stop worker-1 orch-1 upload-1
  for w in $BENCH_SCALING_CLAIMERS; do
    say "[scaling] claims with $w claimer(s), 5000 READY tasks"
    if ( bench_env; bench_java claims "$w" 5000 ) >/dev/null; then
      put "scale_claims_$w" "$(res claims_per_s)"
      echo "      $w claimer(s): $(res claims_per_s) claims/s, double claims $(res claims_double)"
    else
      warn "claim benchmark with $w claimer(s) failed"
    fi
  done
  if [ -z "$id" ]; then
    warn "BENCH_SCALING_CLIPS has no 60x1080 clip: the connections section (which plays it) is left out"
    return 0
  fi
  p=$((BENCH_PORT_BASE + 30))
  say "[scaling] cached segments of the 60 s 1080p video by concurrent connections (one segment node)"
  bench_java segments "$id" bench "$BENCH_DIR/www" >/dev/null
  write_urls_lua
  bench_node segment-1 segment "$p" CACHE_BYTES=$((1024 * 1024 * 1024))
  while read -r u; do curl -sf -o /dev/null "http://127.0.0.1:$p$u" || warn "warm-up of $u failed"; done <"$BENCH_DIR/www/urls.txt"
  wrk -t2 -c32 -d10s -s "$BENCH_DIR/urls.lua" "http://127.0.0.1:$p" >/dev/null 2>&1 || true # JIT warm-up
  for c in $BENCH_SCALING_CONNECTIONS; do
    wrk -t$((c < 2 ? c : 2)) -c"$c" -d"${BENCH_WRK_SECONDS:-6}s" --latency -s "$BENCH_DIR/urls.lua" "http://127.0.0.1:$p" \
      >"$BENCH_DIR/wrk-scale-$c.txt" 2>&1 || { warn "wrk with $c connections failed: $(tail -1 "$BENCH_DIR/wrk-scale-$c.txt")"; continue; }
    put "scale_conn_${c}_rps" "$(awk '/Requests\/sec/ {print $2}' "$BENCH_DIR/wrk-scale-$c.txt")"
    put "scale_conn_${c}_p50" "$(awk '$1 == "50%" {print $2}' "$BENCH_DIR/wrk-scale-$c.txt")"
    put "scale_conn_${c}_p99" "$(awk '$1 == "99%" {print $2}' "$BENCH_DIR/wrk-scale-$c.txt")"
    echo "      $c connection(s): $(res "scale_conn_${c}_rps") req/s, latency p50 $(res "scale_conn_${c}_p50"), p99 $(res "scale_conn_${c}_p99") (load $(loadavg))"
  done
  bench_stop segment-1
}

bench_scaling_table() {
  local spec w c
  echo
  say "how cost grows ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
  printf '%-12s %-7s %-16s %-22s %s\n' "clip" "rungs" "time-to-ready" "worker ffmpeg CPU" "CPU per clip second"
  for spec in $BENCH_SCALING_CLIPS; do
    [ -n "$(res "scale_${spec}_ttr_s")" ] || continue
    printf '%-12s %-7s %-16s %-22s %s\n' "${spec%x*} s ${spec#*x}p" "$(res "scale_${spec}_rungs")" \
      "$(res "scale_${spec}_ttr_s") s" "$(res "scale_${spec}_cpu_s") s" \
      "$(awk -v c="$(res "scale_${spec}_cpu_s")" -v s="${spec%x*}" 'BEGIN{printf "%.2f s", c / s}')"
  done
  echo
  for w in $BENCH_SCALING_CLAIMERS; do
    if [ -n "$(res "scale_claims_$w")" ]; then printf 'claims, %s claimer(s): %s/s\n' "$w" "$(res "scale_claims_$w")"; fi
  done
  echo
  for c in $BENCH_SCALING_CONNECTIONS; do
    if [ -n "$(res "scale_conn_${c}_rps")" ]; then
      printf 'cached segments, %s connection(s): %s req/s, p50 %s, p99 %s\n' "$c" \
        "$(res "scale_conn_${c}_rps")" "$(res "scale_conn_${c}_p50")" "$(res "scale_conn_${c}_p99")"
    fi
  done
  echo
  echo "raw results: $BENCH_RESULTS"
}

bench_main() {
  bench_prereqs
  bench_env
  say "VidForge bench: every figure against its limit, same run, same machine ($(nproc) cores, load $(loadavg))"
  bench_fresh_state
  trap 'bench_cleanup' EXIT
  trap 'bench_cleanup; exit 130' INT TERM
  BENCH_DATA_LOGS="$BENCH_DIR/data/logs"
  put started "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  put load_start "$(loadavg | tr ' ' '/')"
  local started=$SECONDS
  # shellcheck source=bench/chunk.sh
  . "$ROOT/bench/chunk.sh"
  # shellcheck source=bench/playable.sh
  . "$ROOT/bench/playable.sh"
  if [ "${1:-}" = playable ]; then
    bench_playable; bench_row "figure" "measured" "limit (same run)" "ratio" "goal" "met"; bench_playable_table
    return 0
  fi
  if [ "${1:-}" = serve ]; then
    bench_serve_alone
    bench_table
    say "serving bench finished in $((SECONDS - started)) s"
    return 0
  fi
  if [ "${1:-}" = chunk ]; then
    bench_chunk; bench_row "figure" "measured" "limit (same run)" "ratio" "goal" "met"; bench_chunk_table
    return 0
  fi
  if [ "${1:-}" = scaling ]; then
    bench_scaling
    bench_scaling_table
    say "scaling bench finished in $((SECONDS - started)) s"
    return 0
  fi
  bench_media
  local id; id=$(res video_id)
  bench_skip dispatch || bench_dispatch
  bench_stop worker-1 orch-1 upload-1
  bench_skip chunk || bench_chunk
  bench_skip playable || bench_playable
  bench_skip claims || bench_claims
  bench_skip serve || bench_serve "$id"
  bench_skip miss || bench_miss "$id"
  bench_skip readahead || bench_readahead "$id"
  bench_skip upload || bench_upload
  put load_end "$(loadavg | tr ' ' '/')"
  bench_table
  bench_chunk_table
  bench_playable_table
  say "bench finished in $((SECONDS - started)) s"
}
