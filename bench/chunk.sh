# Split and stitch (TRANSCODE_SPLIT=chunk) against the whole-ladder plan, sourced by bench/bench.sh:
# `./run.sh bench chunk` runs this section alone; docs/performance.md ("Split and stitch") reads its figures.
#
#   chunk_ttr1      time-to-ready, chunk plan, 1 worker pinned to core 0 (taskset: a one-core machine)
#   chunk_ttr2      the same with 2 workers, pinned to cores 0 and 1 (two one-core machines); goal
#                   chunk_ttr2 / chunk_ttr1 <= 0.55
#   chunk_vs_ladder time-to-ready of the chunk plan / of the ladder plan, one unpinned worker; goal <= 1.1
#   psnr_*_db       PSNR of the published top rung against the source, chunk and ladder plan; goal: the
#                   chunk plan within 0.3 dB of the ladder plan
# Knobs: BENCH_CHUNK_CLIP_SECONDS (60), BENCH_CHUNK_HEIGHT (1080), BENCH_CHUNK_ROUNDS (1: paired rounds,
# median of the ratios; take an odd number), CHUNK_SECONDS for the chunk plan (the platform's default, 30 s with 6 s segments).

# chunk_orchestrator PLAN: (re)starts the bench's orchestrator with TRANSCODE_SPLIT=PLAN.
chunk_orchestrator() {
  bench_stop orch-c
  bench_node orch-c orchestrator $((BENCH_PORT_BASE + 31)) TRANSCODE_SPLIT="$1" ${CHUNK_SECONDS:+CHUNK_SECONDS=$CHUNK_SECONDS}
}

# chunk_pin WORKER CORE|all: pins the worker JVM and every thread it has (ffmpeg inherits it when started).
chunk_pin() {
  local pid; pid=$(cat "$BENCH_DIR/$1.pid")
  if [ "$2" = all ]; then taskset -a -p -c "0-$(($(nproc) - 1))" "$pid" >/dev/null; else taskset -a -p -c "$2" "$pid" >/dev/null; fi
}

# chunk_workers_cpu WORKER...: CPU seconds the workers' finished ffmpeg/ffprobe children used so far.
chunk_workers_cpu() {
  local w sum=0
  for w in "$@"; do sum=$(awk -v a="$sum" -v b="$(child_cpu "$w")" 'BEGIN { print a + b }'); done
  echo "$sum"
}

# chunk_ttr NAME WORKER...: one time-to-ready of the bench video (uploaded the first time, then re-processed),
# and the ffmpeg CPU the workers spent on it (load-independent, unlike the wall time on a shared machine).
chunk_ttr() {
  local name=$1 src cpu0; shift
  src=$(res chunk_video_id)
  [ -n "$src" ] || src="$BENCH_DIR/chunk-source.mp4"
  cpu0=$(chunk_workers_cpu "$@")
  bench_java ttr "http://127.0.0.1:$((BENCH_PORT_BASE + 30))" "$src" >/dev/null || die "time-to-ready ($name) failed"
  [ -n "$(res chunk_video_id)" ] || put chunk_video_id "$(res video_id)"
  echo "$(res ttr_s)" >>"$BENCH_DIR/chunk-$name"
  awk -v a="$(chunk_workers_cpu "$@")" -v b="$cpu0" 'BEGIN { printf "%.1f\n", a - b }' >>"$BENCH_DIR/chunk-cpu-$name"
  echo "      $name: $(res ttr_s) s, ffmpeg CPU $(tail -1 "$BENCH_DIR/chunk-cpu-$name") s (load $(loadavg))"
}

# chunk_psnr NAME: PSNR (average, dB) of the published top rung against the source.
chunk_psnr() {
  local id dir ff top
  id=$(res chunk_video_id); dir="$BENCH_DIR/psnr-$1"
  rm -rf "$dir"
  bench_java segments "$id" "$1" "$dir" >/dev/null || die "could not download the published ladder"
  ff=$(find "$HOME/.javacpp/cache" -path '*linux-x86_64-gpl*' -name ffmpeg -type f | head -1)
  top=$(ls -d "$dir/s/$1/$id"/*/ | grep -v '/audio/$' | sort -t/ -k1 | while read -r d; do
    echo "$(basename "$d" | tr -dc 0-9) $d"; done | sort -n | tail -1 | cut -d' ' -f2)
  LD_LIBRARY_PATH=$(dirname "$ff") "$ff" -hide_banner -i "${top}index.m3u8" -i "$BENCH_DIR/chunk-source.mp4" \
    -lavfi "[0:v][1:v]psnr" -f null - 2>&1 | sed -n 's/.*PSNR.* average:\([0-9.]*\).*/\1/p' | tail -1
}

bench_chunk() {
  local secs=${BENCH_CHUNK_CLIP_SECONDS:-${BENCH_CLIP_SECONDS:-60}} h=${BENCH_CHUNK_HEIGHT:-1080} rounds=${BENCH_CHUNK_ROUNDS:-1} r
  command -v taskset >/dev/null || die "the chunk bench needs taskset (util-linux)"
  # Of an even count of rounds the summary gives means of the middle two (bench.sh's median), not one
  # round's figures: an odd count keeps each summary row to one round (seen with 2 rounds, performance.md).
  [ $((rounds % 2)) = 1 ] || warn "BENCH_CHUNK_ROUNDS=$rounds is even: the summary averages rounds; read the per-round lines"
  [ "$(nproc)" -ge 2 ] || die "the chunk bench pins two workers to two cores: this machine has $(nproc)"
  say "[chunk] a ${secs} s ${h}p30 source; upload node, one orchestrator per plan, workers pinned with taskset"
  bench_java clip "$BENCH_DIR/chunk-source.mp4" "$secs" "$h" || die "could not make the clip"
  bench_node upload-c upload $((BENCH_PORT_BASE + 30))
  bench_node worker-c1 worker $((BENCH_PORT_BASE + 32)) WORKER_CONCURRENCY=1
  for r in $(seq 1 "$rounds"); do
    say "[chunk] round $r: ladder vs chunk, one unpinned worker"
    chunk_pin worker-c1 all
    chunk_orchestrator ladder
    chunk_ttr ladder worker-c1
    [ "$r" = 1 ] && put psnr_ladder_db "$(chunk_psnr ladder)"
    chunk_orchestrator chunk
    chunk_ttr chunk worker-c1
    [ "$r" = 1 ] && put psnr_chunk_db "$(chunk_psnr chunk)"
    ratio "$(tail -1 "$BENCH_DIR/chunk-chunk")" "$(tail -1 "$BENCH_DIR/chunk-ladder")" >>"$BENCH_DIR/chunk-vs-ladder"
    ratio "$(tail -1 "$BENCH_DIR/chunk-cpu-chunk")" "$(tail -1 "$BENCH_DIR/chunk-cpu-ladder")" >>"$BENCH_DIR/chunk-cpu-vs-ladder"
    say "[chunk] round $r: chunk plan on one core, then on two (one worker per core)"
    chunk_pin worker-c1 0
    chunk_ttr pinned1 worker-c1
    bench_node worker-c2 worker $((BENCH_PORT_BASE + 33)) WORKER_CONCURRENCY=1
    chunk_pin worker-c2 1
    chunk_ttr pinned2 worker-c1 worker-c2
    bench_stop worker-c2
    ratio "$(tail -1 "$BENCH_DIR/chunk-pinned2")" "$(tail -1 "$BENCH_DIR/chunk-pinned1")" >>"$BENCH_DIR/chunk-2-vs-1"
  done
  put chunk_ttr_ladder_s "$(median <"$BENCH_DIR/chunk-ladder")"
  put chunk_ttr_chunk_s "$(median <"$BENCH_DIR/chunk-chunk")"
  put chunk_vs_ladder "$(median <"$BENCH_DIR/chunk-vs-ladder")"
  put chunk_cpu_vs_ladder "$(median <"$BENCH_DIR/chunk-cpu-vs-ladder")"
  put chunk_cpu_ladder_s "$(median <"$BENCH_DIR/chunk-cpu-ladder")"
  put chunk_cpu_chunk_s "$(median <"$BENCH_DIR/chunk-cpu-chunk")"
  put chunk_ttr1_s "$(median <"$BENCH_DIR/chunk-pinned1")"
  put chunk_ttr2_s "$(median <"$BENCH_DIR/chunk-pinned2")"
  put chunk_2_vs_1 "$(median <"$BENCH_DIR/chunk-2-vs-1")"
  put chunk_psnr_delta_db "$(awk -v a="$(res psnr_chunk_db)" -v b="$(res psnr_ladder_db)" 'BEGIN { printf "%.2f", a - b }')"
  put chunk_clip "${secs}s ${h}p"
  bench_stop worker-c1 orch-c upload-c
}

bench_chunk_table() {
  [ -n "$(res chunk_vs_ladder)" ] || return 0
  local r d
  r=$(res chunk_2_vs_1)
  bench_row "chunk plan $(res chunk_clip), 2 pinned workers" "$(res chunk_ttr2_s) s" "1 pinned: $(res chunk_ttr1_s) s" "$r" "<= 0.55" "$(meets "$r" '<=' 0.55)"
  r=$(res chunk_vs_ladder)
  bench_row "chunk vs ladder plan, 1 worker" "$(res chunk_ttr_chunk_s) s" "ladder $(res chunk_ttr_ladder_s) s" "$r" "<= 1.1" "$(meets "$r" '<=' 1.1)"
  bench_row "  ffmpeg CPU for it (load-independent)" "$(res chunk_cpu_chunk_s) s" "ladder $(res chunk_cpu_ladder_s) s" "$(res chunk_cpu_vs_ladder)" "-" "-"
  d=$(res chunk_psnr_delta_db)
  bench_row "  top rung PSNR vs source, chunk plan" "$(res psnr_chunk_db) dB" "ladder $(res psnr_ladder_db) dB" "$d dB" ">= -0.3" "$(meets "$d" '>=' -0.3)"
}
