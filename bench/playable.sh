# Playable early (docs/processing.md, "Playable early"), sourced by bench/bench.sh: `./run.sh bench playable`
# runs this section alone; docs/performance.md ("Time to playable") reads its figures.
#
#   playable1_s          time to playable: from the upload stored (or the re-process queued) to playable_at,
#                        chunk plan, 1 worker
#   playable_ready1_s    time to ready of the same run
#   playable_vs_ready    playable1_s / playable_ready1_s; goal <= 0.2 for a 60 s 1080p upload (a shorter
#                        BENCH_CLIP_SECONDS is reported, "not judged": the fixed probe and audio share grows)
#   playable2_s          time to playable with 2 workers (and playable_ready2_s)
# Times are the server's own (the video JSON: history and playable_at), so polling adds nothing.
# Knobs: BENCH_PLAYABLE_CLIP_SECONDS (BENCH_CLIP_SECONDS, 60), BENCH_PLAYABLE_CHUNK_SECONDS (6: one segment
# at the default 6 s segments, so the first chunk is as short as it can be), BENCH_PLAYABLE_HEIGHT (1080).

# playable_ms ISO: epoch milliseconds of the platform's timestamps (2026-12-05T02:14:31.123Z).
playable_ms() {
  jq -rn --arg t "$1" '($t[0:19] + "Z" | fromdateiso8601) * 1000 + ($t[20:23] | tonumber)'
}

# playable_round NAME: uploads the clip (first round) or forces it to be processed again, waits until ready
# and records time to playable and time to ready of that generation.
playable_round() {
  local name=$1 base="http://127.0.0.1:$((BENCH_PORT_BASE + 40))" id v status deadline t0 tp tr
  id=$(res playable_video_id)
  if [ -z "$id" ]; then
    id=$(curl -sS -X POST -H 'Content-Type: video/mp4' -H 'Expect:' --data-binary @"$BENCH_DIR/playable-source.mp4" \
      "$base/upload?title=playable-bench" | jq -r .video_id)
    [ -n "$id" ] && [ "$id" != null ] || die "the playable bench could not upload its clip"
    put playable_video_id "$id"
  else
    curl -sS -o /dev/null -X POST "$base/videos/$id/process?force=true" || die "could not re-process $id"
  fi
  deadline=$((SECONDS + 1800))
  while :; do
    v=$(curl -sS "$base/videos/$id")
    status=$(jq -r .status <<<"$v")
    case "$status" in ready) break ;; failed) die "the playable bench's video failed: $(jq -c .error <<<"$v")" ;; esac
    [ "$SECONDS" -lt "$deadline" ] || die "the playable bench's video was not ready within 30 min"
    sleep 0.5
  done
  t0=$(playable_ms "$(jq -r '[.history[] | select(.status == "uploaded")] | last | .at' <<<"$v")")
  tp=$(playable_ms "$(jq -r .playable_at <<<"$v")")
  tr=$(playable_ms "$(jq -r '[.history[] | select(.status == "ready")] | last | .at' <<<"$v")")
  put "playable${name}_s" "$(awk -v a="$tp" -v b="$t0" 'BEGIN { printf "%.1f", (a - b) / 1000 }')"
  put "playable_ready${name}_s" "$(awk -v a="$tr" -v b="$t0" 'BEGIN { printf "%.1f", (a - b) / 1000 }')"
  say "      $name worker(s): playable after $(res "playable${name}_s") s, ready after $(res "playable_ready${name}_s") s (load $(loadavg))"
}

bench_playable() {
  local secs=${BENCH_PLAYABLE_CLIP_SECONDS:-${BENCH_CLIP_SECONDS:-60}} chunk=${BENCH_PLAYABLE_CHUNK_SECONDS:-6}
  local h=${BENCH_PLAYABLE_HEIGHT:-1080}
  command -v jq >/dev/null || die "the playable bench needs jq"
  say "[playable] a ${secs} s ${h}p30 source, chunk plan (CHUNK_SECONDS=$chunk): time to playable vs time to ready"
  bench_java clip "$BENCH_DIR/playable-source.mp4" "$secs" "$h" >/dev/null || die "could not make the clip"
  bench_node upload-p upload $((BENCH_PORT_BASE + 40))
  bench_node orch-p orchestrator $((BENCH_PORT_BASE + 41)) TRANSCODE_SPLIT=chunk CHUNK_SECONDS="$chunk"
  bench_node worker-p1 worker $((BENCH_PORT_BASE + 42)) WORKER_CONCURRENCY=1
  playable_round 1
  bench_node worker-p2 worker $((BENCH_PORT_BASE + 43)) WORKER_CONCURRENCY=1
  playable_round 2
  put playable_vs_ready "$(ratio "$(res playable1_s)" "$(res playable_ready1_s)")"
  put playable_clip "${secs}s ${h}p"
  bench_stop worker-p2 worker-p1 orch-p upload-p
}

bench_playable_table() {
  [ -n "$(res playable_vs_ready)" ] || return 0
  local r verdict
  r=$(res playable_vs_ready)
  verdict=$(meets "$r" '<=' 0.2)
  case "$(res playable_clip)" in "60s 1080p") ;; *) verdict="not judged (goal is for 60 s)" ;; esac
  bench_row "time to playable, $(res playable_clip), 1 worker" "$(res playable1_s) s" "ready $(res playable_ready1_s) s" "$r" "<= 0.2" "$verdict"
  bench_row "time to playable, 2 workers" "$(res playable2_s) s" "ready $(res playable_ready2_s) s" "$(ratio "$(res playable2_s)" "$(res playable_ready2_s)")" "-" "-"
}
