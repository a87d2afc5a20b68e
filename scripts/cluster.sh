# Sourced by run.sh: cluster mode (./run.sh cluster, status, kill NODE, start NODE, stop [NODE]).

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

# Node settings passed through to every node when set: the settings io.vidforge.config.Setting marks
# PASSED (SettingsCatalogueTest keeps the two equal).
CLUSTER_SETTINGS="SEGMENT_SECONDS TRANSCODE_SPLIT CHUNK_SECONDS MAX_RUNG LEASE_SECONDS HEARTBEAT_SECONDS STALL_SECONDS MAX_ATTEMPTS
  POLL_MILLIS LEADER_LEASE_SECONDS BACKOFF_BASE_SECONDS BACKOFF_MAX_SECONDS WORKER_CONCURRENCY WORKER_GRACE_SECONDS
  SHUTDOWN_GRACE_SECONDS CACHE_BYTES PREFETCH_DEPTH PREFETCH_THREADS PREFETCH_QUEUE VIDEO_CACHE_SECONDS SEGMENT_WARMUP_SECONDS
  MAX_UPLOAD_BYTES UPLOAD_PART_BYTES MAX_CONCURRENT_UPLOADS TUS_EXPIRY_SECONDS TUS_JANITOR_SECONDS DB_POOL_SIZE
  DB_IDLE_IN_TRANSACTION_SECONDS DB_LOCK_TIMEOUT_SECONDS
  LOG_DIR LOG_MAX_BYTES LOG_KEEP_FILES FFMPEG_PATH FFPROBE_PATH FFMPEG_X264_PRESET FFMPEG_STALL_SECONDS
  FFMPEG_TIMEOUT_BASE_SECONDS FFMPEG_TIMEOUT_PER_SOURCE_SECOND FFPROBE_TIMEOUT_SECONDS WORK_DIR_MAX_BYTES
  GC_GRACE_SECONDS GC_INTERVAL_SECONDS GC_BATCH GC_DELETES_PER_SECOND DEPLOYMENT_ADOPT
  WEBHOOK_URLS WEBHOOK_SECRET WEBHOOK_TIMEOUT_SECONDS WEBHOOK_LEASE_SECONDS WEBHOOK_BACKOFF_BASE_SECONDS
  WEBHOOK_BACKOFF_MAX_SECONDS WEBHOOK_MAX_AGE_SECONDS WEBHOOK_POLL_SECONDS WEBHOOK_CONCURRENCY SSE_POLL_MILLIS
  SSE_HEARTBEAT_SECONDS API_TOKEN"

# Nine JVMs share one small machine: the serial collector and the client compiler (C1) start a node
# in about half the CPU time of the defaults, and the per-node class-data archive halves it again.
DEFAULT_NODE_JAVA_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k"

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
    # NODE_SETTINGS_<ID> (the id with - and . as _): "KEY=VALUE ..." for that node alone (tests: a
    # worker's CLOCK_OFFSET_MS).
    for v in $(compgen -v NODE_SETTINGS_ || true); do kv "$v" "${!v}"; done
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
    if [ -f "$RUN_DIR/$id.out" ]; then mv -f "$RUN_DIR/$id.out" "$RUN_DIR/$id.out.1"; fi
    # This node's own settings (NODE_SETTINGS_<ID>, kept in cluster.env).
    if [ -n "${NODE_OWN_SETTINGS:-}" ] && [ -n "${!NODE_OWN_SETTINGS:-}" ]; then
      local kvp
      for kvp in ${!NODE_OWN_SETTINGS}; do export "${kvp?}"; done
    fi
    # A node on a test host: its address, the database and S3 as that host reaches them (scripts/net.sh).
    local host; host=$(host_of_id "$id")
    local -a in_ns=()
    if [[ $host == netns:* ]]; then
      eval "$(net_node_env "$host")"
      in_ns=(ip netns exec "$NODE_NETNS")
    fi
    start_process "$RUN_DIR" "$id" "${in_ns[@]}" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED "${opts[@]}" \
      -cp "${VIDFORGE_CLASSPATH:-$JAR}" "$main" "$@" )
}

start_node() {
  local id=$1 role=$2 port=$3
  local own="NODE_SETTINGS_${id//[-.]/_}"
  NODE_ID="$id" PORT="$port" NODE_OWN_SETTINGS="$own" start_java "$id" io.vidforge.Main --role="$role"
  printf '%s %s %s\n' "$id" "$role" "$port" >"$RUN_DIR/$id.node"
}

start_s3() {
  local port=$1
  EMBEDDED_S3_PORT="$port" start_java s3 io.vidforge.storage.S3ServerMain
  printf 's3 s3 %s\n' "$port" >"$RUN_DIR/s3.node"
  wait_for 120 "$(cat "$RUN_DIR/s3.pid")" log_says "$RUN_DIR/s3.out" "listening on" && return 0
  tail -20 "$RUN_DIR/s3.out" >&2; die "the S3 server did not start (log: $RUN_DIR/s3.out)"
}

# The layout: "ID ROLE PORT [HOST]" per line, comments and blank lines ignored (HOST: scripts/net.sh).
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


# The port a process holds on this machine's loopback; none for one on a test host (the 127.0.0.1 port
# there is its control forwarder's, which stays open while the node is down).
port_of() {
  [ "$(host_of_id "$1")" = local ] || return 0
  local p; read -r _ _ p <"$RUN_DIR/$1.node" 2>/dev/null && echo "$p"
}

# Server lines for one upstream: every node of the role, with the parameters the template gives.
servers_of() {
  local conf=$1 want=$2 params=$3 id role port out=""
  while read -r id role port; do
    if [ "$role" = "$want" ] || [ "$role" = all ]; then
      local addr=127.0.0.1 host
      host=$(awk -v i="$id" '$1==i {print $2}' < <(hosts_of "$conf"))
      if [[ $host == netns:* ]]; then addr=$(net_host_ip "${host#netns:}"); fi
      out+="${out:+$'\n'        }server $addr:$port${params:+ $params};"
    fi
  done < <(roles_of "$conf")
  printf '%s' "$out"
}

# Fills nginx/nginx.conf.template: {{UPLOAD_SERVERS params}} / {{SEGMENT_SERVERS params}} become one
# "server ADDRESS:PORT params;" line per node of that role; {{PREFIX}}, {{RUN_DIR}}, {{LISTEN}}.
# render_nginx CONF [K]: front door K (default 1) under DATA_DIR/nginx (K > 1: nginx-K). On test hosts
# it listens on a UNIX socket in its own namespace (the root's 127.0.0.1:PORT+K-1 forwards to it).
render_nginx() {
  local conf=$1 k=${2:-1} t list prefix listen
  prefix=$(nginx_prefix "$k")
  if uses_netns; then listen="unix:$(net_dir)/front$k.sock"; else listen="127.0.0.1:$((PORT + k - 1))"; fi
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
  t=${t//\{\{PID_FILE\}\}/$RUN_DIR/$(nginx_id "$k").pid}
  t=${t//\{\{LISTEN\}\}/$listen}
  printf '%s\n' "$t" >"$prefix/nginx.conf"
}

nginx_prefix() { if [ "${1:-1}" = 1 ]; then echo "$DATA_DIR/nginx"; else echo "$DATA_DIR/nginx-$1"; fi; }
nginx_id() { if [ "${1:-1}" = 1 ]; then echo nginx; else echo "nginx-$1"; fi; }

# start_nginx PORT [K]: front door K; on test hosts in namespace front K.
start_nginx() {
  local port=$1 k=${2:-1} prefix conf id i
  prefix=$(nginx_prefix "$k"); conf="$prefix/nginx.conf"; id=$(nginx_id "$k")
  local -a in_ns=()
  if uses_netns; then
    in_ns=(ip netns exec "$(net_host_ns "front$k")")
    echo "netns:front$k" >"$RUN_DIR/$id.host"
  fi
  "${in_ns[@]}" "$(nginx_bin)" -t -q -p "$prefix" -c "$conf" -e "$prefix/error.log" \
    || die "nginx refuses $conf (see $prefix/error.log)"
  "${in_ns[@]}" "$(nginx_bin)" -p "$prefix" -c "$conf" -e "$prefix/error.log" \
    || die "nginx did not start (see $prefix/error.log)"
  printf '%s router %s\n' "$id" "$port" >"$RUN_DIR/$id.node"
  for i in $(seq 1 40); do
    if uses_netns; then
      [ -s "$RUN_DIR/$id.pid" ] && [ -S "$(net_dir)/front$k.sock" ] && return 0
    else
      [ -s "$RUN_DIR/$id.pid" ] && port_in_use "$port" && return 0
    fi
    sleep 0.25
  done
  die "nginx did not answer on 127.0.0.1:$port (see $prefix/error.log)"
}

cmd_cluster() {
  local conf=${1:-$ROOT/roles.conf}
  [ -f "$conf" ] || die "no such roles file: $conf"
  conf="$(cd "$(dirname "$conf")" && pwd)/$(basename "$conf")"
  check_roles "$conf"
  check_hosts "$conf"
  if [ -n "${VIDFORGE_CLASSPATH:-}" ]; then ensure_java; ensure_media_libs; else build; fi
  ensure_nginx
  ensure_cluster_database
  mkdir -p "$RUN_DIR" "$DATA_DIR/logs"
  local f id role port
  for f in "$RUN_DIR"/*.pid; do
    [ -e "$f" ] || continue
    if alive "$(cat "$f")"; then die "already running ($(basename "$f" .pid)); ./run.sh stop first"; fi
  done
  net_down # test hosts a crashed earlier run of this DATA_DIR left behind
  rm -f "$RUN_DIR"/*.pid "$RUN_DIR"/*.node "$RUN_DIR"/*.host
  # A port taken by something else would only show as a node that never becomes healthy.
  local ports="$PORT" k
  for k in $(seq 2 "${FRONT_DOORS:-1}"); do ports+=" $((PORT + k - 1))"; done
  [ -n "${S3_ENDPOINT:-}" ] || ports+=" ${S3_PORT:-9000}"
  while read -r id role port; do ports+=" $port"; done < <(roles_of "$conf")
  for port in $ports; do
    if port_in_use "$port"; then die "127.0.0.1:$port is already in use (PORT, S3_PORT and $conf choose the ports)"; fi
  done
  write_cluster_env
  cp "$conf" "$RUN_DIR/roles.conf"
  while read -r id host; do echo "$host" >"$RUN_DIR/$id.host"; done < <(hosts_of "$conf")
  # From here on a failure stops whatever this command started (namespaces and forwarders included).
  trap 'cluster_stop >/dev/null 2>&1 || true' EXIT
  net_up "$conf"
  if [ -z "${S3_ENDPOINT:-}" ]; then
    say "starting the S3 server (port ${S3_PORT:-9000}, data in $DATA_DIR/s3)"
    start_s3 "${S3_PORT:-9000}"
  fi
  while read -r id role port; do
    say "starting $id ($role) on 127.0.0.1:$port"
    start_node "$id" "$role" "$port"
  done < <(roles_of "$conf")
  local k
  for k in $(seq 1 "${FRONT_DOORS:-1}"); do
    render_nginx "$conf" "$k"
    say "starting nginx $k on 127.0.0.1:$((PORT + k - 1))${FRONT_DOORS:+ (front door $k of $FRONT_DOORS)}"
    start_nginx "$((PORT + k - 1))" "$k"
  done
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
  net_down
  rm -f "$RUN_DIR"/*.pid "$RUN_DIR"/*.node "$RUN_DIR"/*.host "$RUN_DIR/cluster.env"
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
  if [ -n "$(port_of "$id")" ] && port_in_use "$port"; then die "127.0.0.1:$port is in use"; fi
  case "$role" in
    s3) start_s3 "$port"; echo "started s3 (pid $(cat "$RUN_DIR/s3.pid"))"; return 0 ;;
    router)
      local k=${id#nginx}; k=${k#-}
      start_nginx "$port" "${k:-1}"; echo "started $id (pid $(cat "$RUN_DIR/$id.pid"))"; return 0 ;;
  esac
  start_node "$id" "$role" "$port"
  printf 'waiting for %s' "$id"
  wait_health "http://127.0.0.1:$port" 240 "$(cat "$RUN_DIR/$id.pid")" \
    || { tail -30 "$RUN_DIR/$id.out" >&2; die "$id did not become healthy (log: $RUN_DIR/$id.out)"; }
  echo "started $id (pid $(cat "$RUN_DIR/$id.pid"))"
}
