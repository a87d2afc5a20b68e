# Sourced by run.sh (and through it by bench/bench.sh): starting a background process with its PID and
# output in a directory, stopping it by that PID, and waiting until it is ready or gone. Only processes
# whose PID was recorded here are ever signalled.

# A process counts as alive unless it is gone or a zombie (a SIGKILLed child nobody reaped yet).
alive() {
  local pid=${1:-}
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  local state; state=$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' "/proc/$pid/stat" 2>/dev/null || true)
  [ "$state" != Z ]
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_process DIR ID COMMAND...: runs in the background, detached from this shell; output in DIR/ID.out,
# PID in DIR/ID.pid.
start_process() {
  local dir=$1 id=$2; shift 2
  nohup "$@" >"$dir/$id.out" 2>&1 </dev/null &
  echo $! >"$dir/$id.pid"
}

# stop_pid PID: SIGTERM, up to 15 s to end (a node drains), then SIGKILL. Fails if it was not running.
stop_pid() {
  local pid=$1
  alive "$pid" || return 1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do alive "$pid" || break; sleep 0.25; done
  if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  return 0
}

# wait_for SECONDS PID CHECK...: runs CHECK every 0.5 s until it succeeds; fails after SECONDS or as soon
# as the process PID (if given) has died. WAIT_DOTS=1 prints a dot per failed check (long steps show
# progress).
wait_for() {
  local secs=$1 pid=$2 i; shift 2
  for i in $(seq 1 $((secs * 2))); do
    if "$@"; then return 0; fi
    if [ -n "$pid" ] && ! alive "$pid"; then return 1; fi
    if [ -n "${WAIT_DOTS:-}" ]; then printf '.'; fi
    sleep 0.5
  done
  return 1
}

health_up() { curl -sf -o /dev/null "$1/health"; }

log_says() { grep -q "$2" "$1" 2>/dev/null; }

# wait_health URL SECONDS PID: waits until URL/health answers UP, showing progress; fails if PID dies.
wait_health() {
  local rc=0
  WAIT_DOTS=1 wait_for "$2" "${3:-}" health_up "$1" || rc=$?
  printf '\n'
  return $rc
}

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
