package io.vidforge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vidforge.db.Database;
import io.vidforge.db.Sql;
import io.vidforge.media.FfmpegBinaries;
import io.vidforge.media.Ladder;
import io.vidforge.media.Rung;
import io.vidforge.model.SourceInfo;
import io.vidforge.media.FrameSize;
import io.vidforge.storage.ObjectStore;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskRepository;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Java half of {@code ./run.sh bench} (bench/bench.sh starts the processes): load generators and
 * measurements that need the platform's own classes. Every subcommand prints {@code RESULT key value}
 * lines that bench.sh collects, plus human-readable progress on stderr.
 */
public final class Bench {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    /** GETs of playback objects use OkHttp, the HTTP stack of the MinIO client the limits are measured with. */
    static final okhttp3.OkHttpClient OK = new okhttp3.OkHttpClient.Builder()
            .connectionPool(new okhttp3.ConnectionPool(64, 5, TimeUnit.MINUTES))
            .dispatcher(dispatcher()).readTimeout(60, TimeUnit.SECONDS).build();

    static okhttp3.Dispatcher dispatcher() {
        okhttp3.Dispatcher d = new okhttp3.Dispatcher();
        d.setMaxRequests(256);
        d.setMaxRequestsPerHost(256);
        return d;
    }

    /** GET with OkHttp, body read to the end; returns status and X-Cache. */
    static String[] okGet(String url, String cmcd) throws Exception {
        okhttp3.Request.Builder b = new okhttp3.Request.Builder().url(url);
        if (cmcd != null) {
            b.header("CMCD-Request", cmcd);
        }
        try (okhttp3.Response r = OK.newCall(b.build()).execute()) {
            try (InputStream in = r.body().byteStream()) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            return new String[] {Integer.toString(r.code()), r.header("X-Cache", "")};
        }
    }

    public static void main(String[] a) throws Exception {
        switch (a[0]) {
            case "clip" -> clip(Path.of(a[1]), Integer.parseInt(a[2]), a.length > 3 ? Integer.parseInt(a[3]) : 1080);
            case "ladder-baseline" -> ladderBaseline(Path.of(a[1]), Path.of(a[2]));
            case "put-direct" -> putDirect(Path.of(a[1]));
            case "ttr" -> timeToReady(a[1], a[2]);
            case "segments" -> listSegments(a[1], a[2], Path.of(a[3]));
            case "miss" -> missLatency(a[1], a[2], Integer.parseInt(a[3]));
            case "players" -> players(a[1], a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4]), a[5], a[6],
                    a.length > 7 ? Integer.parseInt(a[7]) : Integer.parseInt(a[4]));
            case "players-mixed" -> {
                // Read-ahead on and off side by side in one client: each round runs both sets of players at once.
                for (int r = 0; r < Integer.parseInt(a[5]); r++) {
                    Thread off = Thread.ofPlatform().start(() -> {
                        try {
                            players(a[1], a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4]), "off", a[6],
                                    Integer.parseInt(a[4]));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    players(a[1], a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4]), "on", a[6], Integer.parseInt(a[4]));
                    off.join();
                }
            }
            case "claims" -> claims(Integer.parseInt(a[1]), Integer.parseInt(a[2]));
            case "dispatch" -> dispatch(a[1], Integer.parseInt(a[2]), Path.of(a[3]));
            case "pseudo-video" -> pseudoVideo(Path.of(a[1]), Long.parseLong(a[2]));
            case "serve-stats" -> serveStats(Path.of(a[1]), a[2], a[3]);
            case "serve-p99-ratio" -> serveP99Ratio(Path.of(a[1]), a[2], a[3], a[4]);
            case "task-times" -> taskTimes(Path.of(a[1]), a[2]);
            default -> throw new IllegalArgumentException("unknown subcommand " + a[0]);
        }
        System.exit(0);
    }

    static void result(String key, Object value) {
        System.out.println("RESULT " + key + " " + value);
    }

    static void progress(String s) {
        System.err.println("    " + s);
    }

    static String env(String name, String def) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? def : v;
    }

    static ObjectStore store() {
        return new ObjectStore(env("S3_ENDPOINT", "http://127.0.0.1:9000"), env("S3_ACCESS_KEY", "vidforge"),
                env("S3_SECRET_KEY", "vidforge-secret-key"), env("S3_REGION", "us-east-1"), env("S3_BUCKET", "vidforge"));
    }

    // ---- media ---------------------------------------------------------------------------------

    /**
     * A 16:9 30 fps source with audio: moving test pattern, x264 at 8 Mb/s for 1080p (a camera-like bit
     * rate), scaled by pixel count for smaller heights.
     */
    static void clip(Path out, int seconds, int height) throws Exception {
        FfmpegBinaries bin = FfmpegBinaries.get();
        int width = (int) Math.round(height * 16 / 9.0 / 2) * 2;
        long kbps = Math.max(500, 8000L * width * height / (1920 * 1080));
        run(bin, List.of(bin.ffmpeg().toString(), "-v", "error", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=" + width + "x" + height + ":rate=30:duration=" + seconds,
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=" + seconds,
                "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-b:v", kbps + "k",
                "-c:a", "aac", "-b:a", "128k", "-shortest", "-movflags", "+faststart", out.toString()));
    }

    /**
     * The limit for time-to-ready: one hand-written ffmpeg command that decodes the source once and
     * writes the platform's ladder (same rungs, sizes, rates, GOP, keyframes, fMP4 HLS packaging): video-only
     * variants and one shared audio rendition.
     */
    static void ladderBaseline(Path src, Path outRoot) throws Exception {
        FfmpegBinaries bin = FfmpegBinaries.get();
        int segment = Integer.parseInt(env("SEGMENT_SECONDS", "6"));
        Ladder ladder = Ladder.standard(segment);
        SourceInfo source = new SourceInfo(0, 1920, 1080, "h264", "aac", 30, 2, 0, "mp4");
        List<Rung> rungs = ladder.rungsFor(source);
        int k = ladder.keyframeIntervalSeconds();
        List<String> cmd = new ArrayList<>(List.of(bin.ffmpeg().toString(), "-v", "error", "-nostdin", "-y",
                "-i", src.toAbsolutePath().toString()));
        StringBuilder fc = new StringBuilder("[0:v:0]bwdif=mode=send_frame:parity=auto:deint=interlaced,fps=30:start_time=0,"
                + "split=" + rungs.size());
        for (int i = 0; i < rungs.size(); i++) {
            fc.append("[s").append(i).append(']');
        }
        for (int i = 0; i < rungs.size(); i++) {
            FrameSize size = FrameSize.forRung(source, rungs.get(i));
            fc.append(";[s").append(i).append("]scale=").append(size.width()).append(':').append(size.height())
                    .append(":flags=bicubic,setsar=1,format=yuv420p,")
                    .append("setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709[v")
                    .append(i).append(']');
        }
        cmd.addAll(List.of("-filter_complex", fc.toString()));
        List<String> hls = List.of("-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1",
                "-f", "hls", "-hls_segment_type", "fmp4", "-hls_time", Integer.toString(segment),
                "-hls_playlist_type", "vod", "-hls_flags", "independent_segments", "-hls_fmp4_init_filename", "init.mp4");
        for (int i = 0; i < rungs.size(); i++) {
            Rung r = rungs.get(i);
            Path dir = outRoot.resolve(r.name());
            Files.createDirectories(dir);
            // Video-only variants, as the platform writes them.
            cmd.addAll(List.of("-map", "[v" + i + "]",
                    "-fps_mode", "cfr", "-r", "30",
                    "-c:v", "libx264", "-preset", env("FFMPEG_X264_PRESET", "veryfast"),
                    "-profile:v", r.avcProfile(), "-level:v", r.avcLevel(),
                    "-b:v", r.videoKbps() + "k", "-maxrate", r.maxrateKbps() + "k", "-bufsize", r.bufsizeKbps() + "k",
                    "-g", Integer.toString(k * 30), "-sc_threshold", "0", "-flags", "+cgop",
                    "-force_key_frames", "expr:gte(t,n_forced*" + k + ")", "-forced-idr", "1", "-an"));
            cmd.addAll(hls);
            cmd.addAll(List.of("-hls_segment_filename", dir.resolve("seg_%05d.m4s").toString(),
                    dir.resolve("index.m3u8").toString()));
        }
        // The one audio rendition every rung shares.
        Path audio = outRoot.resolve("audio");
        Files.createDirectories(audio);
        cmd.addAll(List.of("-map", "0:a:0", "-vn", "-c:a", "aac", "-b:a", ladder.audioKbps() + "k", "-ac", "2",
                "-ar", "48000", "-af", "aresample=async=1:first_pts=0"));
        cmd.addAll(hls);
        cmd.addAll(List.of("-hls_segment_filename", audio.resolve("seg_%05d.m4s").toString(),
                audio.resolve("index.m3u8").toString()));
        long t0 = System.nanoTime();
        double cpu0 = childCpuSeconds("self");
        run(bin, cmd);
        double s = (System.nanoTime() - t0) / 1e9;
        double cpu = childCpuSeconds("self") - cpu0;
        progress(String.format(Locale.ROOT, "one ffmpeg command, %d rungs: %.1f s, %.1f s CPU", rungs.size(), s, cpu));
        result("baseline_s", String.format(Locale.ROOT, "%.2f", s));
        result("baseline_cpu_s", String.format(Locale.ROOT, "%.1f", cpu));
        Files.writeString(outRoot.resolve("command.txt"), String.join(" ", cmd) + "\n");
    }

    static void run(FfmpegBinaries bin, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO().redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(bin.environment());
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("ffmpeg failed: " + String.join(" ", cmd));
        }
    }

    /**
     * CPU seconds (user + system) of the reaped children of a process, from /proc ({@code cutime},
     * {@code cstime}): what ffmpeg and ffprobe used, whatever else the machine was doing.
     */
    static double childCpuSeconds(String pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", pid, "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / 100.0; // USER_HZ is 100 on Linux
    }

    /** A file the upload sniffer accepts as MP4 (an ftyp box), then pseudo-random bytes. */
    static void pseudoVideo(Path out, long bytes) throws Exception {
        Random r = new Random(bytes ^ System.nanoTime());
        byte[] buf = new byte[1 << 20];
        try (OutputStream o = Files.newOutputStream(out)) {
            byte[] head = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'm', 'p', '4', '1'};
            o.write(head);
            long left = bytes - head.length;
            while (left > 0) {
                r.nextBytes(buf);
                int n = (int) Math.min(buf.length, left);
                o.write(buf, 0, n);
                left -= n;
            }
        }
    }

    // ---- upload --------------------------------------------------------------------------------

    /** The limit for uploads: the same file straight to S3 with the MinIO client, 8 MiB parts. */
    static void putDirect(Path file) throws Exception {
        ObjectStore s3 = store();
        String key = "bench/direct-" + UUID.randomUUID();
        long size = Files.size(file);
        long t0 = System.nanoTime();
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
            s3.putStream(key, in, "application/octet-stream", Long.parseLong(env("UPLOAD_PART_BYTES", "8388608")));
        }
        double s = (System.nanoTime() - t0) / 1e9;
        s3.delete(key);
        result("direct_put_s", String.format(Locale.ROOT, "%.3f", s));
        result("direct_put_mbps", String.format(Locale.ROOT, "%.1f", size / 1e6 / s));
    }

    // ---- time to ready -------------------------------------------------------------------------

    /**
     * Uploads {@code file} (or, when it names an existing video id with force, reprocesses it) and waits
     * for {@code ready}; the time is counted from the upload's answer (201) or the 202 of the reprocess.
     */
    static void timeToReady(String base, String fileOrId) throws Exception {
        String id;
        long t0;
        if (fileOrId.matches("[0-9a-f]{64}")) {
            id = fileOrId;
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/videos/" + id + "/process?force=true"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            t0 = System.nanoTime();
            if (r.statusCode() != 202) {
                throw new IllegalStateException("reprocess answered " + r.statusCode() + ": " + r.body());
            }
        } else {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/upload?title=bench"))
                    .header("Content-Type", "video/mp4")
                    .POST(HttpRequest.BodyPublishers.ofFile(Path.of(fileOrId))).build(), HttpResponse.BodyHandlers.ofString());
            t0 = System.nanoTime();
            if (r.statusCode() != 201 && r.statusCode() != 200) {
                throw new IllegalStateException("upload answered " + r.statusCode() + ": " + r.body());
            }
            id = JSON.readTree(r.body()).get("video_id").asText();
        }
        String last = "";
        while (true) {
            JsonNode v = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/videos/" + id)).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            String status = v.get("status").asText();
            String line = String.format(Locale.ROOT, "%s %3.0f%%", status, v.path("progress").asDouble() * 100);
            if (!line.equals(last)) {
                progress(String.format(Locale.ROOT, "%6.1f s  %s", (System.nanoTime() - t0) / 1e9, line));
                last = line;
            }
            if ("ready".equals(status)) {
                break;
            }
            if ("failed".equals(status)) {
                throw new IllegalStateException("processing failed: " + v.get("error"));
            }
            Thread.sleep(100);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        JsonNode ready = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/videos/" + id)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        result("video_id", id);
        result("ttr_s", String.format(Locale.ROOT, "%.2f", s));
        int rungs = 0;
        for (JsonNode v : ready.path("variants")) {
            rungs += "audio".equals(v.path("type").asText()) ? 0 : 1; // video rungs; the audio rendition is shared
        }
        result("rungs", rungs);
    }

    // ---- segments ------------------------------------------------------------------------------

    record Seg(String variant, String file, String key, long size) {
        boolean isSegment() {
            return file.endsWith(".m4s");
        }
    }

    /**
     * The published objects of a video: variant playlist, init and segments of each variant, from the
     * newest generation. A whole-ladder task stores {@code transcode/a{n}-v{m}/{variant}/index.m3u8}, a
     * per-rung task (TRANSCODE_SPLIT=rung) {@code transcode-{variant}/a{n}-v{m}/index.m3u8}; the chunk plan's
     * PUBLISH the stitched rungs under {@code publish/a{n}-v{m}/{variant}/} and its AUDIO task
     * {@code audio-audio/a{n}-v{m}/index.m3u8}.
     */
    static List<Seg> published(ObjectStore s3, String videoId) {
        Map<String, String> latestPrefix = new HashMap<>();
        Pattern p = Pattern.compile("videos/" + videoId
                + "/g(\\d+)/(?:transcode|audio|publish)(?:-([^/]+))?/a\\d+-v\\d+/(?:([^/]+)/)?index\\.m3u8");
        int bestGen = 0;
        for (String k : s3.list("videos/" + videoId + "/")) {
            Matcher m = p.matcher(k);
            if (m.matches()) {
                int g = Integer.parseInt(m.group(1));
                if (g > bestGen) {
                    bestGen = g;
                    latestPrefix.clear();
                }
                String variant = m.group(2) != null ? m.group(2) : m.group(3);
                if (g == bestGen && variant != null) {
                    latestPrefix.put(variant, k.substring(0, k.length() - "index.m3u8".length()));
                }
            }
        }
        List<Seg> out = new ArrayList<>();
        for (var e : latestPrefix.entrySet()) {
            for (String k : s3.list(e.getValue())) {
                String file = k.substring(e.getValue().length());
                out.add(new Seg(e.getKey(), file, k, s3.size(k).orElse(0L)));
            }
        }
        out.sort((x, y) -> (x.variant + x.file).compareTo(y.variant + y.file));
        return out;
    }

    /** Writes the published objects under {@code root/s/bench/{id}/{variant}/} for nginx, and the URL list. */
    static void listSegments(String videoId, String session, Path root) throws Exception {
        ObjectStore s3 = store();
        List<Seg> segs = published(s3, videoId);
        List<String> urls = new ArrayList<>();
        long bytes = 0;
        int n = 0;
        for (Seg s : segs) {
            String path = "/s/" + session + "/" + videoId + "/" + s.variant() + "/" + s.file();
            Path target = root.resolve(path.substring(1));
            Files.createDirectories(target.getParent());
            s3.download(s.key(), target);
            if (s.isSegment()) {
                urls.add(path);
                bytes += s.size();
                n++;
            }
        }
        Files.write(root.resolve("urls.txt"), urls);
        result("segments", n);
        result("segment_mean_bytes", n == 0 ? 0 : bytes / n);
    }

    // ---- cache-miss latency ----------------------------------------------------------------------

    /**
     * Pairs of (direct S3 GET, GET through a segment node whose cache holds nothing big) of the same
     * objects, in alternating order. The node runs with CACHE_BYTES at its minimum, so every segment is
     * a miss; the CMCD hint points read-ahead at the (cached) init segment so no prefetch of k+1 competes.
     */
    static void missLatency(String base, String videoId, int rounds) throws Exception {
        ObjectStore s3 = store();
        List<Seg> segs = published(s3, videoId).stream().filter(Seg::isSegment).toList();
        List<Double> direct = new ArrayList<>();
        List<Double> node = new ArrayList<>();
        List<Double> added = new ArrayList<>();
        // Warm both paths (connections, JIT) without counting.
        for (int i = 0; i < 150; i++) {
            timeS3(s3, segs.get(i % segs.size()));
            timeNode(base, videoId, segs.get(i % segs.size()), "warm");
        }
        for (int i = 0; i < rounds; i++) {
            Seg s = segs.get(i % segs.size());
            double d;
            double n;
            if (i % 2 == 0) {
                d = timeS3(s3, s);
                n = timeNode(base, videoId, s, "miss" + i);
            } else {
                n = timeNode(base, videoId, s, "miss" + i);
                d = timeS3(s3, s);
            }
            direct.add(d);
            node.add(n);
            added.add(n - d);
        }
        result("miss_direct_p50_ms", f(Stats.pct(direct, 50)));
        result("miss_direct_p99_ms", f(Stats.pct(direct, 99)));
        result("miss_node_p50_ms", f(Stats.pct(node, 50)));
        result("miss_node_p99_ms", f(Stats.pct(node, 99)));
        result("miss_added_p50_ms", f(Stats.pct(node, 50) - Stats.pct(direct, 50)));
        result("miss_added_p99_ms", f(Stats.pct(node, 99) - Stats.pct(direct, 99)));
        result("miss_paired_added_p50_ms", f(Stats.pct(added, 50)));
        result("miss_mean_bytes", segs.stream().mapToLong(Seg::size).sum() / Math.max(1, segs.size()));
    }

    static double timeS3(ObjectStore s3, Seg s) throws Exception {
        long t0 = System.nanoTime();
        try (InputStream in = s3.get(s.key())) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    static double timeNode(String base, String videoId, Seg s, String session) throws Exception {
        String u = base + "/s/" + session + "/" + videoId + "/" + s.variant() + "/" + s.file();
        long t0 = System.nanoTime();
        String[] r = okGet(u, "nor=\"init.mp4\"");
        double ms = (System.nanoTime() - t0) / 1e6;
        if (!"200".equals(r[0])) {
            throw new IllegalStateException(u + " answered " + r[0]);
        }
        return ms;
    }

    static String f(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    // ---- players (read-ahead) ----------------------------------------------------------------------

    /**
     * {@code sessions} concurrent sequential players, each playing one variant from the start:
     * playlist, init, then every segment with {@code gapMs} between the end of one segment download and
     * the next request (a player keeping its buffer topped up, time-compressed), and {@code initGapMs}
     * between the init segment and segment 0 (what a network round trip and the player's work on the init
     * segment take; 0 is a player on loopback that asks at once). {@code mode} "on" plays normally;
     * "off" sends a CMCD hint naming the init segment, which turns read-ahead of k+1 into a no-op.
     * Prints hit ratios from X-Cache and the client-side latency; SERVE times come from the node's log.
     */
    static void players(String base, String videoId, int sessions, int gapMs, String mode, String tag, int initGapMs)
            throws Exception {
        ObjectStore s3 = store();
        Map<String, List<Seg>> byVariant = new HashMap<>();
        for (Seg s : published(s3, videoId)) {
            byVariant.computeIfAbsent(s.variant(), k -> new ArrayList<>()).add(s);
        }
        List<String> variants = new ArrayList<>(byVariant.keySet());
        Collections.sort(variants);
        ExecutorService pool = Executors.newFixedThreadPool(sessions);
        List<Double> latency = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger hits = new AtomicInteger();
        AtomicInteger segs = new AtomicInteger();
        AtomicInteger hitsAfterFirst = new AtomicInteger();
        AtomicInteger segsAfterFirst = new AtomicInteger();
        List<Future<?>> fs = new ArrayList<>();
        for (int p = 0; p < sessions; p++) {
            String variant = variants.get(p % variants.size());
            String session = tag + "-" + mode + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36) + "-" + p;
            fs.add(pool.submit(() -> {
                String prefix = base + "/s/" + session + "/" + videoId + "/" + variant + "/";
                get(prefix + "index.m3u8", mode);
                get(prefix + "init.mp4", mode);
                Thread.sleep(initGapMs);
                List<Seg> list = byVariant.get(variant).stream().filter(Seg::isSegment).toList();
                for (int i = 0; i < list.size(); i++) {
                    long t0 = System.nanoTime();
                    String cache = get(prefix + list.get(i).file(), mode);
                    latency.add((System.nanoTime() - t0) / 1e6);
                    boolean hit = "HIT".equals(cache);
                    segs.incrementAndGet();
                    if (hit) {
                        hits.incrementAndGet();
                    }
                    if (i > 0) {
                        segsAfterFirst.incrementAndGet();
                        if (hit) {
                            hitsAfterFirst.incrementAndGet();
                        }
                    }
                    Thread.sleep(gapMs);
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        String k = "players_" + tag + "_" + mode;
        result(k + "_segments", segs.get());
        result(k + "_hit_ratio", f(100.0 * hits.get() / segs.get()));
        result(k + "_hit_ratio_after_first", f(100.0 * hitsAfterFirst.get() / segsAfterFirst.get()));
        result(k + "_client_p50_ms", f(Stats.pct(latency, 50)));
        result(k + "_client_p99_ms", f(Stats.pct(latency, 99)));
    }

    static String get(String url, String mode) throws Exception {
        String[] r = okGet(url, "off".equals(mode) ? "nor=\"init.mp4\"" : null);
        if (!"200".equals(r[0])) {
            throw new IllegalStateException(url + " answered " + r[0]);
        }
        return r[1];
    }

    // ---- claims --------------------------------------------------------------------------------

    /** {@code tasks} READY tasks claimed by {@code workers} concurrent claimers on PostgreSQL. */
    static void claims(int workers, int tasks) throws Exception {
        String url = env("DB_URL", "jdbc:postgresql://127.0.0.1:5432/vidforge_bench");
        try (Database db = Database.open(url, env("DB_USER", "postgres"), env("DB_PASSWORD", ""), workers + 2)) {
            Sql sql = new Sql(db.dataSource());
            sql.update("DELETE FROM tasks WHERE video_id LIKE 'claimbench-%'");
            long now = System.currentTimeMillis() - 1000;
            sql.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO tasks (video_id, generation, kind, variant,"
                        + " state, attempt, max_attempts, version, next_run_at, progress, created_at, updated_at)"
                        + " VALUES (?, 1, 'TRANSCODE', ?, 'READY', 0, 3, 0, ?, 0, ?, ?)")) {
                    for (int i = 0; i < tasks; i++) {
                        ps.setString(1, "claimbench-" + (i / 5));
                        ps.setString(2, "r" + (i % 5));
                        ps.setLong(3, now);
                        ps.setLong(4, now);
                        ps.setLong(5, now);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                return null;
            });
            sql.update("ANALYZE tasks");
            TaskRepository repo = new TaskRepository(sql);
            Map<Long, String> claimedBy = new ConcurrentHashMap<>();
            AtomicInteger doubles = new AtomicInteger();
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(workers);
            List<Future<Integer>> fs = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                String owner = "bench-worker-" + w;
                fs.add(pool.submit(() -> {
                    start.await();
                    int mine = 0;
                    while (true) {
                        Optional<Task> t = repo.claim(owner, Set.of(TaskKind.TRANSCODE), Instant.now(), Duration.ofMinutes(5));
                        if (t.isEmpty()) {
                            return mine;
                        }
                        if (claimedBy.putIfAbsent(t.get().taskId(), owner) != null) {
                            doubles.incrementAndGet();
                        }
                        mine++;
                    }
                }));
            }
            long t0 = System.nanoTime();
            start.countDown();
            int total = 0;
            for (Future<Integer> f : fs) {
                total += f.get();
            }
            double s = (System.nanoTime() - t0) / 1e9;
            pool.shutdown();
            long running = sql.queryOne("SELECT COUNT(*) FROM tasks WHERE video_id LIKE 'claimbench-%' AND state = 'RUNNING'"
                    + " AND attempt = 1 AND version = 1", rs -> rs.getLong(1)).orElse(0L);
            sql.update("DELETE FROM tasks WHERE video_id LIKE 'claimbench-%'");
            result("claims_total", total);
            result("claims_s", String.format(Locale.ROOT, "%.3f", s));
            result("claims_per_s", String.format(Locale.ROOT, "%.0f", total / s));
            result("claims_double", doubles.get() + (total - claimedBy.size()));
            result("claims_db_running_once", running);
        }
    }

    // ---- dispatch ------------------------------------------------------------------------------

    /**
     * {@code n} uploads of distinct small files; the dispatch latency of each is the time from its
     * UPLOAD_RECEIVED (logged after the upload's commit) to the TASK_CLAIMED of its PROBE, both from
     * the nodes' event logs (one clock, millisecond timestamps).
     */
    static void dispatch(String base, int n, Path logDir) throws Exception {
        Set<String> ids = new HashSet<>();
        Random r = new Random();
        for (int i = 0; i < n; i++) {
            byte[] body = new byte[64 * 1024];
            r.nextBytes(body);
            byte[] head = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'm', 'p', '4', '1'};
            System.arraycopy(head, 0, body, 0, head.length);
            HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/upload?title=d" + i))
                    .header("Content-Type", "video/mp4").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            ids.add(JSON.readTree(res.body()).get("video_id").asText());
            Thread.sleep(400);
        }
        Thread.sleep(1500);
        Map<String, Instant> received = new HashMap<>();
        Map<String, Instant> claimed = new HashMap<>();
        try (var files = Files.list(logDir)) {
            for (Path p : files.filter(x -> x.toString().endsWith(".jsonl")).toList()) {
                for (String line : Files.readAllLines(p)) {
                    JsonNode e = JSON.readTree(line);
                    String id = e.path("video_id").asText();
                    if (!ids.contains(id)) {
                        continue;
                    }
                    Instant ts = Instant.parse(e.get("ts").asText());
                    String ev = e.get("event").asText();
                    if (ev.equals("UPLOAD_RECEIVED")) {
                        received.put(id, ts);
                    } else if (ev.equals("TASK_CLAIMED") && "PROBE".equals(e.path("kind").asText())) {
                        claimed.putIfAbsent(id, ts);
                    }
                }
            }
        }
        List<Double> ms = new ArrayList<>();
        for (String id : ids) {
            if (received.containsKey(id) && claimed.containsKey(id)) {
                ms.add((double) Duration.between(received.get(id), claimed.get(id)).toMillis());
            }
        }
        result("dispatch_n", ms.size());
        result("dispatch_p50_ms", f(Stats.pct(ms, 50)));
        result("dispatch_p99_ms", f(Stats.pct(ms, 99)));
        result("dispatch_max_ms", f(Stats.pct(ms, 100)));
    }

    // ---- log analysis --------------------------------------------------------------------------

    /** SERVE duration_ms of segment requests whose session starts with {@code sessionPrefix}. */
    static void serveStats(Path log, String sessionPrefix, String key) throws Exception {
        List<Double> ms = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            JsonNode e = JSON.readTree(line);
            if ("SERVE".equals(e.path("event").asText()) && "segment".equals(e.path("kind").asText())
                    && e.path("session_id").asText().startsWith(sessionPrefix)) {
                ms.add(e.path("duration_ms").asDouble());
            }
        }
        result(key + "_serve_n", ms.size());
        result(key + "_serve_p50_ms", String.format(Locale.ROOT, "%.3f", Stats.pct(ms, 50)));
        result(key + "_serve_p99_ms", String.format(Locale.ROOT, "%.3f", Stats.pct(ms, 99)));
    }

    /**
     * The SERVE p99 ratio of two sets of sessions played side by side, with a 90 % bootstrap interval.
     * On a warm node a hit does the same request-thread work in both modes (one cache check and two
     * PREFETCH lines), so the ratio's true value is 1 and the interval shows how far a p99 of a few
     * thousand 1 ms requests moves by chance on this machine.
     */
    static void serveP99Ratio(Path log, String onPrefix, String offPrefix, String key) throws Exception {
        List<Double> on = new ArrayList<>();
        List<Double> off = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            JsonNode e = JSON.readTree(line);
            String session = e.path("session_id").asText();
            if ("SERVE".equals(e.path("event").asText()) && "segment".equals(e.path("kind").asText())) {
                if (session.startsWith(onPrefix)) {
                    on.add(e.path("duration_ms").asDouble());
                } else if (session.startsWith(offPrefix)) {
                    off.add(e.path("duration_ms").asDouble());
                }
            }
        }
        if (on.isEmpty() || off.isEmpty()) {
            return;
        }
        java.util.Random random = new java.util.Random(42);
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ratios.add(Stats.pct(resample(on, random), 99) / Stats.pct(resample(off, random), 99));
        }
        Collections.sort(ratios);
        result(key + "_p99_ratio", String.format(Locale.ROOT, "%.2f", Stats.pct(on, 99) / Stats.pct(off, 99)));
        result(key + "_p99_ratio_interval", String.format(Locale.ROOT, "%.2f-%.2f", ratios.get(49), ratios.get(949)));
    }

    private static List<Double> resample(List<Double> values, java.util.Random random) {
        List<Double> out = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            out.add(values.get(random.nextInt(values.size())));
        }
        return out;
    }

    /** Per task kind: claim-to-completion seconds of one video's tasks, from the worker logs. */
    static void taskTimes(Path logDir, String videoId) throws Exception {
        Map<String, Instant> claimed = new HashMap<>();
        Map<String, Double> took = new java.util.TreeMap<>();
        Instant first = null;
        Instant last = null;
        List<JsonNode> events = new ArrayList<>();
        try (var files = Files.list(logDir)) {
            for (Path p : files.filter(x -> x.toString().endsWith(".jsonl")).toList()) {
                for (String line : Files.readAllLines(p)) {
                    JsonNode e = JSON.readTree(line);
                    if (videoId.equals(e.path("video_id").asText())) {
                        events.add(e);
                    }
                }
            }
        }
        int gen = 0;
        for (JsonNode e : events) {
            gen = Math.max(gen, e.path("generation").asInt());
        }
        for (JsonNode e : events) {
            if (e.path("generation").asInt() != gen) {
                continue;
            }
            String key = e.path("kind").asText() + " " + e.path("variant").asText("");
            Instant ts = Instant.parse(e.get("ts").asText());
            switch (e.path("event").asText()) {
                case "TASK_CLAIMED" -> {
                    claimed.put(key, ts);
                    first = first == null || ts.isBefore(first) ? ts : first;
                }
                case "TASK_COMPLETED" -> {
                    Instant c = claimed.get(key);
                    if (c != null) {
                        took.put(key.trim(), Duration.between(c, ts).toMillis() / 1000.0);
                    }
                    last = last == null || ts.isAfter(last) ? ts : last;
                }
                default -> {
                }
            }
        }
        double sum = 0;
        for (var e : took.entrySet()) {
            progress(String.format(Locale.ROOT, "%-16s %6.1f s", e.getKey(), e.getValue()));
            sum += e.getValue();
        }
        result("task_sum_s", String.format(Locale.ROOT, "%.1f", sum));
        if (first != null && last != null) {
            result("task_span_s", String.format(Locale.ROOT, "%.1f", Duration.between(first, last).toMillis() / 1000.0));
        }
    }
}
