# Sourced by run.sh: single-process mode (./run.sh up, demo, stop): every role in one JVM.

start_all_in_one() {
  mkdir -p "$RUN_DIR" "$DATA_DIR/logs"
  if [ -f "$RUN_DIR/all-1.pid" ] && alive "$(cat "$RUN_DIR/all-1.pid")"; then
    die "already running (pid $(cat "$RUN_DIR/all-1.pid")); ./run.sh stop first"
  fi
  say "starting every role in one JVM on http://127.0.0.1:$PORT (data in $DATA_DIR)"
  # SEGMENT_WARMUP_SECONDS: the JIT compiles the cached-hit path on a private loopback server right after
  # start, so a newcomer's first minute of playback is not served by a cold JIT (docs/segment-service.md).
  # shellcheck disable=SC2086
  NODE_ID=all-1 PORT="$PORT" SEGMENT_WARMUP_SECONDS="${SEGMENT_WARMUP_SECONDS:-15}" start_process "$RUN_DIR" all-1 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
    ${JAVA_OPTS:-} -jar "$JAR" --role=all
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
  say "waiting until the video is ready (live progress from GET /videos/$id/events)"
  local status="" progress v line
  # Server-Sent Events: one data line per change of status or progress; the server closes the stream
  # at ready or failed. No polling.
  while IFS= read -r line; do
    line=${line%$'\r'}
    case "$line" in
      data:*)
        v=${line#data:}
        status=$(printf '%s' "$v" | json_field status)
        progress=$(printf '%s' "$v" | json_field progress)
        printf '\r  status=%-10s progress=%3s%%' "$status" "$(awk "BEGIN{printf \"%d\", ${progress:-0}*100}")"
        case "$status" in
          ready) printf '\n'; break ;;
          failed) printf '\n'; echo "$v"; die "processing failed (see error above)";;
        esac ;;
    esac
  done < <(curl -sS -N --max-time 1800 -H 'Accept: text/event-stream' "http://127.0.0.1:$PORT/videos/$id/events")
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
  if [ -f "$RUN_DIR/cluster.env" ] || [ -d "$RUN_DIR/net" ] || [ $# -gt 0 ]; then cluster_stop "$@"; return 0; fi
  local f pid name stopped=0
  for f in "$RUN_DIR"/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid); pid=$(cat "$f")
    if stop_pid "$pid"; then echo "stopped $name (pid $pid)"; stopped=$((stopped + 1)); fi
    rm -f "$f"
  done
  rm -f "$RUN_DIR"/*.node "$RUN_DIR/cluster.env"
  [ "$stopped" -gt 0 ] || echo "nothing running"
}

# ./run.sh node ROLE: one node of one role in the foreground, with the JDK find_java picked (the jar needs
# Java >= 21; a plain `java -jar` with an older default java fails with UnsupportedClassVersionError).
# Settings come from the environment (docs/api.md#configuration); Ctrl-C stops it (it drains first).
cmd_node() {
  local role=${1:-}
  case "$role" in
    upload|orchestrator|worker|segment|all) ;;
    *) die "usage: ./run.sh node upload|orchestrator|worker|segment|all" ;;
  esac
  build
  say "one $role node with $JAVA_HOME ($(java_major "$JAVA_HOME/bin/java")) on port $PORT; Ctrl-C stops it"
  PORT="$PORT" exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:-} -jar "$JAR" --role="$role"
}
