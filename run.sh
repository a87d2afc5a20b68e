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

# A process counts as alive unless it is gone or a zombie (a SIGKILLed child nobody reaped yet).
alive() {
  local pid=${1:-}
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  local state; state=$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' "/proc/$pid/stat" 2>/dev/null || true)
  [ "$state" != Z ]
}

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

# The bundled ffmpeg (org.bytedeco) links against libpulse; Debian's package provides it.
ensure_media_libs() {
  if ldconfig -p 2>/dev/null | grep -q 'libpulse.so.0'; then return 0; fi
  say "installing libpulse0 (needed by the bundled ffmpeg)"
  apt_install libpulse0 || die "the bundled ffmpeg needs libpulse.so.0 (apt-get install libpulse0)"
}

# Browser tests drive Debian's chromium through chromedriver (Selenium).
ensure_chromium() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then return 0; fi
  say "installing chromium and chromium-driver (browser tests)"
  apt_install chromium chromium-driver || die "browser tests need chromium and chromium-driver (apt-get install chromium chromium-driver)"
}

# Third-party JavaScript clients the tests drive under Node.js (tus-js-client), pinned by
# src/test/js/package-lock.json.
ensure_test_clients() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    say "installing Node.js and npm (tests drive tus-js-client)"
    apt_install nodejs npm || die "tests need Node.js and npm (apt-get install nodejs npm)"
  fi
  if [ ! -d src/test/js/node_modules/tus-js-client ]; then
    say "installing the test's JavaScript clients (npm ci in src/test/js)"
    (cd src/test/js && npm ci --no-audit --no-fund >/dev/null) || die "npm ci in src/test/js failed (tus-js-client is needed by TusJsClientTest)"
  fi
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
  ensure_media_libs
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
    if [ -n "$pid" ] && ! alive "$pid"; then printf '\n'; return 1; fi
    printf '.'; sleep 0.5
  done
  printf '\n'; return 1
}

start_all_in_one() {
  mkdir -p "$RUN_DIR" "$DATA_DIR/logs"
  if [ -f "$RUN_DIR/all-1.pid" ] && alive "$(cat "$RUN_DIR/all-1.pid")"; then
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
  while alive "$pid"; do sleep 1; done
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

# A scripted playback session, as a player would fetch it: the master, the lowest rung's first segments,
# then a switch to the highest rung for the rest, paced like real playback so read-ahead can work.
# Each line shows what the segment node answered (X-Cache, X-Node-Id); the report then shows the same
# session from the node's own event log: the variant switch, cache hits and misses, read-ahead results.
demo_playback() {
  local id=$1 session="demo-$(date +%s)" base="http://127.0.0.1:$PORT"
  say "playing the video as session $session (lowest rung first, then a switch to the highest)"
  local master low high
  master=$(curl -sS "$base/play/$id/master.m3u8?session=$session") || die "could not fetch the master playlist"
  # Rungs by BANDWIDTH (the master lists the start rung first, not the lowest).
  local rungs
  rungs=$(printf '%s\n' "$master" | awk -F'BANDWIDTH=' '/^#EXT-X-STREAM-INF/ {split($2, b, ","); bw=b[1]; next}
    /^[^#]/ && bw != "" {print bw, $0; bw=""}' | sort -n | cut -d' ' -f2)
  low=$(printf '%s\n' "$rungs" | head -1)
  high=$(printf '%s\n' "$rungs" | tail -1)
  local variant seg i playlist dir
  for variant in "$low" "$high"; do
    playlist=$(curl -sS "$base$variant")
    dir=${variant%/index.m3u8}
    demo_fetch "$base$dir/init.mp4"
    i=0
    for seg in $(printf '%s\n' "$playlist" | grep '^seg_'); do
      i=$((i + 1))
      # Segments 1-3 from the low rung, the rest from the high one: a player's up-switch.
      if [ "$variant" = "$low" ] && [ "$i" -gt 3 ]; then break; fi
      if [ "$variant" = "$high" ] && [ "$i" -le 3 ]; then continue; fi
      demo_fetch "$base$dir/$seg"
      sleep 0.3
    done
  done
  say "the segment node's log of that session (./run.sh report --session $session)"
  jvm -cp "$JAR" io.vidforge.report.ReportMain --logs "$DATA_DIR/logs" --out "$DATA_DIR/report.html" \
    --session "$session" | sed 's/^/  /'
}

demo_fetch() {
  curl -sS -o /dev/null -D - "$1" | tr -d '\r' | awk -v url="${1#http://127.0.0.1:*/s/}" '
    /^HTTP/ {status=$2} tolower($1)=="x-cache:" {cache=$2} tolower($1)=="x-node-id:" {node=$2}
    tolower($1)=="content-length:" {len=$2}
    END {printf "  %-3s %-5s %-7s %9s B  %s\n", status, cache, node, len, url}'
}

cmd_demo() {
  build
  start_all_in_one
  local sample="$DATA_DIR/sample.mp4"
  if [ -n "${DEMO_VIDEO:-}" ]; then
    sample="$DEMO_VIDEO"; say "using $sample"
  elif [ ! -s "$sample" ]; then
    say "generating a 30 s sample clip with the bundled ffmpeg"
    jvm -cp "$JAR" io.vidforge.tools.SampleClip "$sample" 30 >/dev/null || die "could not generate the sample clip"
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
  demo_playback "$id"
  cat <<EOF

  Video:     http://127.0.0.1:$PORT/videos/$id
  Master:    http://127.0.0.1:$PORT/play/$id/master.m3u8
  Player:    http://127.0.0.1:$PORT/player/?v=$id
  Report:    ./run.sh report --video $id    (one playback: --session S, S as shown on the page)

  Watch adaptive bitrate switch rungs (the clip loops; docs/abr.md explains what you see):
    1. Open the player. hls.js starts at 480p and climbs to 720p; the chart plots the played level,
       the loading level, the bandwidth estimate and the cap.
    2. Set "cap bandwidth" to 500 kb/s: the segment node slows this session only (POST /s/S/shape).
       The loading level drops to 240p within seconds; the played level follows once the 10 s
       buffer has played out.
    3. Set it back to "none": hls.js climbs back, rung by rung, to 720p.
    4. ./run.sh report --session S prints the switches the segment node logged and writes the chart
       (data/report.html, data/report-S.svg).
  The cap works in every browser, Safari included; DevTools network throttling works too.
EOF
  serve_until_interrupted
}

# Stops only processes this script started, by the PIDs it recorded.
cmd_stop() {
  [ -d "$RUN_DIR" ] || { echo "nothing running"; return 0; }
  # A cluster stops in order, or one node alone: cluster_stop in the cluster section.
  if [ -f "$RUN_DIR/cluster.env" ] || [ $# -gt 0 ]; then cluster_stop "$@"; return 0; fi
  local f pid name stopped=0
  for f in "$RUN_DIR"/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid); pid=$(cat "$f")
    if alive "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do alive "$pid" || break; sleep 0.25; done
      if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
      echo "stopped $name (pid $pid)"; stopped=$((stopped + 1))
    fi
    rm -f "$f"
  done
  rm -f "$RUN_DIR"/*.node "$RUN_DIR/cluster.env"
  [ "$stopped" -gt 0 ] || echo "nothing running"
}

# ---------------------------------------------------------------------------------------------
# Cluster mode: several processes per roles.conf on PostgreSQL and S3, nginx in front
# ---------------------------------------------------------------------------------------------
#
# Everything needed to start a process of the cluster again identically lives in RUN_DIR:
# cluster.env (the environment every node shares), roles.conf (the layout it was started with),
# ID.node ("ID ROLE PORT"), ID.pid and ID.out (its output; the previous run's is kept as ID.out.1).
# Environment read here, on top of the nodes' own settings (docs/api.md):
#   PORT                  nginx's port (8080)
#   DATA_DIR              logs, S3 data, nginx prefix and run files (./data)
#   DB_URL, DB_USER, DB_PASSWORD   default jdbc:postgresql://127.0.0.1:5432/vidforge, created if missing
#   S3_ENDPOINT           unset: the embedded S3 server runs as its own process on S3_PORT (9000)
#   NODE_JAVA_OPTS        JVM flags of every node (default below, plus JAVA_OPTS)
#   NODE_CDS_DIR          where each node keeps its class-data archive ($DATA_DIR/run/cds; "off": none)
#   VIDFORGE_CLASSPATH    run the nodes from this class path instead of target/vidforge.jar (the tests
#                         do, so they need no packaged jar); nothing is built then
#   STOP_TIMEOUT_SECONDS  how long ./run.sh stop lets a node drain before SIGKILL (30)

# Node settings passed through to every node when set (names as in docs/api.md and the role guides).
CLUSTER_SETTINGS="SEGMENT_SECONDS LEASE_SECONDS HEARTBEAT_SECONDS STALL_SECONDS MAX_ATTEMPTS POLL_MILLIS
  LEADER_LEASE_SECONDS BACKOFF_BASE_SECONDS BACKOFF_MAX_SECONDS WORKER_CONCURRENCY WORKER_GRACE_SECONDS
  SHUTDOWN_GRACE_SECONDS CACHE_BYTES PREFETCH_DEPTH PREFETCH_THREADS PREFETCH_QUEUE VIDEO_CACHE_SECONDS
  MAX_UPLOAD_BYTES UPLOAD_PART_BYTES TUS_EXPIRY_SECONDS TUS_JANITOR_SECONDS DB_POOL_SIZE LOG_DIR
  FFMPEG_PATH FFPROBE_PATH FFMPEG_X264_PRESET FFMPEG_STALL_SECONDS FFMPEG_TIMEOUT_BASE_SECONDS
  FFMPEG_TIMEOUT_PER_SOURCE_SECOND FFPROBE_TIMEOUT_SECONDS WORK_DIR_MAX_BYTES"

# Nine JVMs share one small machine: the serial collector and the client compiler (C1) start a node
# in about half the CPU time of the defaults, and the per-node class-data archive halves it again.
DEFAULT_NODE_JAVA_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k"

ensure_nginx() {
  command -v nginx >/dev/null && return 0
  [ -x /usr/sbin/nginx ] && return 0
  say "installing nginx"
  apt_install nginx || die "nginx is required for cluster mode (apt-get install nginx)."
}

nginx_bin() { command -v nginx 2>/dev/null || echo /usr/sbin/nginx; }

kv() { printf 'export %s=%q\n' "$1" "$2"; }

# The environment every cluster node shares, kept so ./run.sh start NODE starts it identically.
write_cluster_env() {
  {
    kv JAVA_HOME "$JAVA_HOME"
    kv DATA_DIR "$DATA_DIR"
    kv CLUSTER_PORT "$PORT"
    kv DB_URL "${DB_URL:-jdbc:postgresql://127.0.0.1:5432/vidforge}"
    kv DB_USER "${DB_USER:-postgres}"
    kv DB_PASSWORD "${DB_PASSWORD:-}"
    kv S3_ENDPOINT "${S3_ENDPOINT:-http://127.0.0.1:${S3_PORT:-9000}}"
    kv S3_ACCESS_KEY "${S3_ACCESS_KEY:-vidforge}"
    kv S3_SECRET_KEY "${S3_SECRET_KEY:-vidforge-secret-key}"
    kv S3_BUCKET "${S3_BUCKET:-vidforge}"
    kv S3_REGION "${S3_REGION:-us-east-1}"
    kv NODE_JAVA_OPTS "${NODE_JAVA_OPTS:-$DEFAULT_NODE_JAVA_OPTS${JAVA_OPTS:+ $JAVA_OPTS}}"
    kv NODE_CDS_DIR "${NODE_CDS_DIR:-$RUN_DIR/cds}"
    kv VIDFORGE_CLASSPATH "${VIDFORGE_CLASSPATH:-}"
    # Every node is behind this cluster's nginx: a draining node answers nginx's X-Failover-Status.
    kv BEHIND_PROXY true
    local v
    for v in $CLUSTER_SETTINGS; do
      if [ -n "${!v:-}" ]; then kv "$v" "${!v}"; fi
    done
  } >"$RUN_DIR/cluster.env"
}

ensure_cluster_database() {
  local url=${DB_URL:-jdbc:postgresql://127.0.0.1:5432/vidforge}
  case "$url" in
    jdbc:postgresql://127.0.0.1:5432/*|jdbc:postgresql://localhost:5432/*)
      ensure_postgres
      local db; db=$(printf '%s' "$url" | sed 's#^jdbc:postgresql://[^/]*/\([^/?]*\).*#\1#')
      [[ $db =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "unsupported database name '$db' in DB_URL"
      command -v psql >/dev/null || die "psql is needed to create database $db (apt-get install postgresql-client)"
      if ! psql -h 127.0.0.1 -U "${DB_USER:-postgres}" -d "$db" -c 'select 1' >/dev/null 2>&1; then
        say "creating database $db"
        psql -h 127.0.0.1 -U "${DB_USER:-postgres}" -d postgres -c "CREATE DATABASE $db" >/dev/null 2>&1 \
          || su postgres -c "psql -c 'CREATE DATABASE $db'" >/dev/null 2>&1 \
          || psql -h 127.0.0.1 -U "${DB_USER:-postgres}" -d "$db" -c 'select 1' >/dev/null 2>&1 \
          || die "cannot create database $db"
      fi ;;
    jdbc:postgresql:*) ;;
    *) die "cluster mode needs PostgreSQL (DB_URL=jdbc:postgresql://…): several processes share one database" ;;
  esac
}

# start_process ID COMMAND...: runs in the background, detached from this shell, output and PID in RUN_DIR.
start_process() {
  local id=$1; shift
  if [ -f "$RUN_DIR/$id.out" ]; then mv -f "$RUN_DIR/$id.out" "$RUN_DIR/$id.out.1"; fi
  nohup "$@" >"$RUN_DIR/$id.out" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$id.pid"
}

# start_java ID MAIN_CLASS ARGS...: a JVM of the cluster, from the jar or VIDFORGE_CLASSPATH (cluster.env).
start_java() {
  local id=$1 main=$2; shift 2
  # shellcheck disable=SC1091
  ( . "$RUN_DIR/cluster.env"
    local -a opts=()
    read -r -a opts <<<"${NODE_JAVA_OPTS:-}"
    if [ "${NODE_CDS_DIR:-off}" != off ]; then
      mkdir -p "$NODE_CDS_DIR"
      opts+=(-XX:+AutoCreateSharedArchive "-XX:SharedArchiveFile=$NODE_CDS_DIR/$id.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off)
    fi
    start_process "$id" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED "${opts[@]}" \
      -cp "${VIDFORGE_CLASSPATH:-$JAR}" "$main" "$@" )
}

start_node() {
  local id=$1 role=$2 port=$3
  NODE_ID="$id" PORT="$port" start_java "$id" io.vidforge.Main --role="$role"
  printf '%s %s %s\n' "$id" "$role" "$port" >"$RUN_DIR/$id.node"
}

start_s3() {
  local port=$1 i
  EMBEDDED_S3_PORT="$port" start_java s3 io.vidforge.storage.S3ServerMain
  printf 's3 s3 %s\n' "$port" >"$RUN_DIR/s3.node"
  for i in $(seq 1 240); do
    grep -q "listening on" "$RUN_DIR/s3.out" 2>/dev/null && return 0
    alive "$(cat "$RUN_DIR/s3.pid")" || break
    sleep 0.5
  done
  tail -20 "$RUN_DIR/s3.out" >&2; die "the S3 server did not start (log: $RUN_DIR/s3.out)"
}

# The layout: "ID ROLE PORT" per line, comments and blank lines ignored.
roles_of() { grep -vE '^\s*(#|$)' "$1" | awk 'NF>=3 {print $1, $2, $3}'; }

check_roles() {
  local conf=$1 id role port ids=" " ports=" $PORT " n=0
  while read -r id role port; do
    [[ $id =~ ^[A-Za-z0-9_.-]{1,64}$ ]] || die "$conf: bad node id '$id'"
    case "$id" in s3|nginx) die "$conf: '$id' is reserved";; esac
    case "$role" in upload|orchestrator|worker|segment|all) ;; *) die "$conf: $id has unknown role '$role'";; esac
    [[ $port =~ ^[0-9]+$ ]] && [ "$port" -gt 0 ] && [ "$port" -lt 65536 ] || die "$conf: $id has bad port '$port'"
    [[ $ids == *" $id "* ]] && die "$conf: node id $id appears twice"
    [[ $ports == *" $port "* ]] && die "$conf: port $port is used twice (nginx listens on PORT=$PORT)"
    ids+="$id "; ports+="$port "; n=$((n + 1))
  done < <(roles_of "$conf")
  [ "$n" -gt 0 ] || die "$conf names no node"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

port_of() { local p; read -r _ _ p <"$RUN_DIR/$1.node" 2>/dev/null && echo "$p"; }

# wait_gone PID [PORT] [SECONDS]: until the process is gone and its port refuses connections. A killed
# JVM's main thread shows as a zombie while its other threads may still hold its sockets for a moment.
wait_gone() {
  local pid=$1 port=${2:-} secs=${3:-10} i
  for i in $(seq 1 $((secs * 20))); do
    if ! alive "$pid" && { [ -z "$port" ] || ! port_in_use "$port"; }; then return 0; fi
    sleep 0.05
  done
  return 1
}

# Server lines for one upstream: every node of the role, with the parameters the template gives.
servers_of() {
  local conf=$1 want=$2 params=$3 id role port out=""
  while read -r id role port; do
    if [ "$role" = "$want" ] || [ "$role" = all ]; then
      out+="${out:+$'\n'        }server 127.0.0.1:$port${params:+ $params};"
    fi
  done < <(roles_of "$conf")
  printf '%s' "$out"
}

# Fills nginx/nginx.conf.template: {{UPLOAD_SERVERS params}} / {{SEGMENT_SERVERS params}} become one
# "server 127.0.0.1:PORT params;" line per node of that role; {{PREFIX}}, {{RUN_DIR}}, {{PORT}}.
render_nginx() {
  local conf=$1 prefix="$DATA_DIR/nginx" t list
  mkdir -p "$prefix/tmp"
  t=$(cat "$ROOT/nginx/nginx.conf.template")
  local re='\{\{(UPLOAD|SEGMENT)_SERVERS( [^}]*)?\}\}'
  while [[ $t =~ $re ]]; do
    local whole=${BASH_REMATCH[0]} kind=${BASH_REMATCH[1]} params=${BASH_REMATCH[2]# }
    list=$(servers_of "$conf" "${kind,,}" "$params")
    [ -n "$list" ] || die "$conf has no ${kind,,} node (nginx needs one)"
    t=${t/"$whole"/"$list"}
  done
  t=${t//\{\{PREFIX\}\}/$prefix}
  t=${t//\{\{RUN_DIR\}\}/$RUN_DIR}
  t=${t//\{\{PORT\}\}/$PORT}
  printf '%s\n' "$t" >"$prefix/nginx.conf"
}

start_nginx() {
  local port=$1 conf="$DATA_DIR/nginx/nginx.conf" i
  "$(nginx_bin)" -t -q -p "$DATA_DIR/nginx" -c "$conf" -e "$DATA_DIR/nginx/error.log" \
    || die "nginx refuses $conf (see $DATA_DIR/nginx/error.log)"
  "$(nginx_bin)" -p "$DATA_DIR/nginx" -c "$conf" -e "$DATA_DIR/nginx/error.log" \
    || die "nginx did not start (see $DATA_DIR/nginx/error.log)"
  printf 'nginx router %s\n' "$port" >"$RUN_DIR/nginx.node"
  for i in $(seq 1 40); do
    [ -s "$RUN_DIR/nginx.pid" ] && port_in_use "$port" && return 0
    sleep 0.25
  done
  die "nginx did not listen on 127.0.0.1:$port (see $DATA_DIR/nginx/error.log)"
}

cmd_cluster() {
  local conf=${1:-$ROOT/roles.conf}
  [ -f "$conf" ] || die "no such roles file: $conf"
  conf="$(cd "$(dirname "$conf")" && pwd)/$(basename "$conf")"
  check_roles "$conf"
  if [ -n "${VIDFORGE_CLASSPATH:-}" ]; then ensure_java; ensure_media_libs; else build; fi
  ensure_nginx
  ensure_cluster_database
  mkdir -p "$RUN_DIR" "$DATA_DIR/logs"
  local f id role port
  for f in "$RUN_DIR"/*.pid; do
    [ -e "$f" ] || continue
    if alive "$(cat "$f")"; then die "already running ($(basename "$f" .pid)); ./run.sh stop first"; fi
  done
  rm -f "$RUN_DIR"/*.pid "$RUN_DIR"/*.node
  # A port taken by something else would only show as a node that never becomes healthy.
  local ports="$PORT"
  [ -n "${S3_ENDPOINT:-}" ] || ports+=" ${S3_PORT:-9000}"
  while read -r id role port; do ports+=" $port"; done < <(roles_of "$conf")
  for port in $ports; do
    if port_in_use "$port"; then die "127.0.0.1:$port is already in use (PORT, S3_PORT and $conf choose the ports)"; fi
  done
  write_cluster_env
  cp "$conf" "$RUN_DIR/roles.conf"
  # From here on a failure stops whatever this command started.
  trap 'cluster_stop >/dev/null 2>&1 || true' EXIT
  if [ -z "${S3_ENDPOINT:-}" ]; then
    say "starting the S3 server (port ${S3_PORT:-9000}, data in $DATA_DIR/s3)"
    start_s3 "${S3_PORT:-9000}"
  fi
  while read -r id role port; do
    say "starting $id ($role) on 127.0.0.1:$port"
    start_node "$id" "$role" "$port"
  done < <(roles_of "$conf")
  render_nginx "$conf"
  say "starting nginx on 127.0.0.1:$PORT"
  start_nginx "$PORT"
  printf 'waiting for every node to be healthy'
  while read -r id role port; do
    wait_health "http://127.0.0.1:$port" 240 "$(cat "$RUN_DIR/$id.pid")" \
      || { tail -30 "$RUN_DIR/$id.out" >&2; die "$id did not become healthy (log: $RUN_DIR/$id.out)"; }
  done < <(roles_of "$conf")
  trap - EXIT
  cmd_status
  say "cluster up: http://127.0.0.1:$PORT (./run.sh status | kill NODE | start NODE | stop [NODE])"
}

cmd_status() {
  [ -d "$RUN_DIR" ] || { echo "nothing running"; return 0; }
  printf '%-16s %-13s %-8s %-6s %s\n' NODE ROLE PID PORT HEALTH
  local f id role port pid health
  for f in "$RUN_DIR"/*.node; do
    [ -e "$f" ] || continue
    read -r id role port <"$f"
    pid=$(cat "$RUN_DIR/$id.pid" 2>/dev/null || echo -)
    if [ "$pid" != - ] && alive "$pid"; then
      case "$role" in
        s3|router) if port_in_use "$port"; then health=UP; else health=DOWN; fi ;;
        *) health=$(curl -s -m 2 "http://127.0.0.1:$port/health" 2>/dev/null | sed -n 's/.*"status":"\([A-Z]*\)".*/\1/p' || true) ;;
      esac
      health=${health:-DOWN}
    else
      health=DEAD; pid=-
    fi
    printf '%-16s %-13s %-8s %-6s %s\n' "$id" "$role" "$pid" "$port" "$health"
  done
}

role_of() { local r; read -r _ r _ <"$RUN_DIR/$1.node" 2>/dev/null && echo "$r"; }

# Ids of the cluster's processes whose role is one of the arguments.
ids_with_role() {
  local f id role port want
  for f in "$RUN_DIR"/*.node; do
    [ -e "$f" ] || continue
    read -r id role port <"$f"
    for want in "$@"; do if [ "$role" = "$want" ]; then echo "$id"; fi; done
  done
  return 0
}

# stop_ids ID...: SIGTERM to all at once (nodes drain: docs/routing.md), then waits; SIGKILL after
# STOP_TIMEOUT_SECONDS.
stop_ids() {
  local id pid t0 limit=${STOP_TIMEOUT_SECONDS:-30}
  local -a pids=() names=()
  for id in "$@"; do
    pid=$(cat "$RUN_DIR/$id.pid" 2>/dev/null || true)
    if alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); names+=("$id"); fi
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  t0=$SECONDS
  local i left
  while :; do
    left=0
    for pid in "${pids[@]}"; do alive "$pid" && left=$((left + 1)); done
    [ "$left" -eq 0 ] && break
    if [ $((SECONDS - t0)) -ge "$limit" ]; then
      for i in "${!pids[@]}"; do
        if alive "${pids[$i]}"; then
          warn "${names[$i]} did not stop within ${limit} s: SIGKILL"; kill -KILL "${pids[$i]}" 2>/dev/null || true
        fi
      done
      break
    fi
    sleep 0.2
  done
  for i in "${!pids[@]}"; do
    wait_gone "${pids[$i]}" "$(port_of "${names[$i]}")" 5 || warn "${names[$i]}: port $(port_of "${names[$i]}") still open"
    echo "stopped ${names[$i]} (pid ${pids[$i]})"
  done
}

# ./run.sh stop (cluster): front nodes drain first while nginx still routes around them, then nginx,
# then the back end; S3 last, because draining workers may still write to it. ./run.sh stop NODE:
# that node alone, gracefully (SIGTERM: it drains), so ./run.sh start NODE brings it back.
cluster_stop() {
  if [ $# -gt 0 ]; then
    local id=$1
    [ -f "$RUN_DIR/$id.node" ] || die "no node $id in this cluster (see ./run.sh status)"
    alive "$(cat "$RUN_DIR/$id.pid" 2>/dev/null || true)" || die "$id is not running"
    stop_ids "$id"
    return 0
  fi
  stop_ids $(ids_with_role upload segment all)
  stop_ids $(ids_with_role router)
  stop_ids $(ids_with_role worker orchestrator)
  stop_ids $(ids_with_role s3)
  local f rest=()
  for f in "$RUN_DIR"/*.pid; do [ -e "$f" ] && rest+=("$(basename "$f" .pid)"); done
  [ ${#rest[@]} -eq 0 ] || stop_ids "${rest[@]}"
  rm -f "$RUN_DIR"/*.pid "$RUN_DIR"/*.node "$RUN_DIR/cluster.env"
}

cmd_kill() {
  local id=${1:?usage: ./run.sh kill NODE}
  [ -f "$RUN_DIR/$id.pid" ] || die "no node $id (see ./run.sh status)"
  local pid; pid=$(cat "$RUN_DIR/$id.pid")
  alive "$pid" || die "$id is not running"
  local children=""
  # nginx's workers outlive a SIGKILLed master: take them down with it.
  if [ "$(role_of "$id")" = router ]; then children=$(ps -o pid= --ppid "$pid" 2>/dev/null || true); fi
  kill -KILL "$pid" $children 2>/dev/null || true
  wait_gone "$pid" "$(port_of "$id")" 10 || warn "$id: still not gone 10 s after SIGKILL"
  echo "killed $id (pid $pid) with SIGKILL"
}

cmd_start() {
  local id=${1:?usage: ./run.sh start NODE}
  [ -f "$RUN_DIR/$id.node" ] || die "no node $id in this cluster (see ./run.sh status)"
  if [ -f "$RUN_DIR/$id.pid" ] && alive "$(cat "$RUN_DIR/$id.pid")"; then die "$id is already running"; fi
  local role port; read -r _ role port <"$RUN_DIR/$id.node"
  # shellcheck disable=SC1091
  JAVA_HOME=$(. "$RUN_DIR/cluster.env"; echo "$JAVA_HOME")
  [ -x "$JAVA_HOME/bin/java" ] || ensure_java
  if port_in_use "$port"; then die "127.0.0.1:$port is in use"; fi
  case "$role" in
    s3) start_s3 "$port"; echo "started s3 (pid $(cat "$RUN_DIR/s3.pid"))"; return 0 ;;
    router) start_nginx "$port"; echo "started nginx (pid $(cat "$RUN_DIR/nginx.pid"))"; return 0 ;;
  esac
  start_node "$id" "$role" "$port"
  printf 'waiting for %s' "$id"
  wait_health "http://127.0.0.1:$port" 240 "$(cat "$RUN_DIR/$id.pid")" \
    || { tail -30 "$RUN_DIR/$id.out" >&2; die "$id did not become healthy (log: $RUN_DIR/$id.out)"; }
  echo "started $id (pid $(cat "$RUN_DIR/$id.pid"))"
}

# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------

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
  test                 the whole test suite (installs/starts prerequisites)
  cluster [roles.conf] several processes per roles.conf on PostgreSQL + S3 with nginx in front
  status               each node of the cluster: role, id, pid, port, health
  kill NODE | start NODE   SIGKILL one node / start it again (failure demos)
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
    bench) cmd_bench "$@" ;;
    cluster) cmd_cluster "$@" ;;
    status) cmd_status "$@" ;;
    kill) cmd_kill "$@" ;;
    start) cmd_start "$@" ;;
    build) build ;;
    ""|-h|--help|help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
