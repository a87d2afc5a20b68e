package io.vidforge.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Typed settings read from environment variables (names as in CONTRACT.md), with defaults in one place.
 * Tests build one from a map with {@link #of(Map)} so nothing depends on the real environment.
 */
public final class Settings {
    private final Map<String, String> values;

    private Settings(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    public static Settings fromEnvironment() {
        return new Settings(System.getenv());
    }

    public static Settings of(Map<String, String> values) {
        return new Settings(values);
    }

    /** A copy with some values replaced; the way tests and {@code all} mode derive per-node settings. */
    public Settings with(Map<String, String> overrides) {
        Map<String, String> m = new HashMap<>(values);
        m.putAll(overrides);
        return new Settings(m);
    }

    public Optional<String> get(String name) {
        String v = values.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    public String string(String name, String def) {
        return get(name).orElse(def);
    }

    public int integer(String name, int def) {
        return get(name).map(v -> parse(name, v, Integer::parseInt)).orElse(def);
    }

    public long longValue(String name, long def) {
        return get(name).map(v -> parse(name, v, Long::parseLong)).orElse(def);
    }

    public double decimal(String name, double def) {
        return get(name).map(v -> parse(name, v, Double::parseDouble)).orElse(def);
    }

    public boolean flag(String name, boolean def) {
        return get(name).map(Boolean::parseBoolean).orElse(def);
    }

    /** A duration given in (possibly fractional) seconds. */
    public Duration seconds(String name, double defSeconds) {
        return Duration.ofMillis(Math.round(decimal(name, defSeconds) * 1000));
    }

    private static <T> T parse(String name, String v, java.util.function.Function<String, T> f) {
        try {
            return f.apply(v);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("setting " + name + "='" + v + "' is not valid", e);
        }
    }

    // ---- the platform's settings ---------------------------------------------------------------

    public String host() { return string("HOST", "127.0.0.1"); }
    public int port() { return integer("PORT", 8080); }
    public Path dataDir() { return Path.of(string("DATA_DIR", "./data")).toAbsolutePath().normalize(); }
    /** The event log is rotated to {@code {node}.jsonl.1} before a line would take it past this size; 0 never. */
    public long logMaxBytes() { return longValue("LOG_MAX_BYTES", 256L * 1024 * 1024); }
    /** Rotated event log files kept per node ({@code .1} newest … {@code .N} oldest); older ones are deleted. */
    public int logKeepFiles() { return integer("LOG_KEEP_FILES", 10); }
    public Path logDir() { return get("LOG_DIR").map(Path::of).orElse(dataDir().resolve("logs")).toAbsolutePath(); }

    public String dbUrl() {
        return string("DB_URL", "jdbc:h2:file:" + dataDir().resolve("db").resolve("vidforge")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;LOCK_TIMEOUT=10000");
    }
    public String dbUser() { return string("DB_USER", dbUrl().startsWith("jdbc:postgresql:") ? "postgres" : "sa"); }
    public String dbPassword() { return string("DB_PASSWORD", ""); }
    public int dbPoolSize() { return integer("DB_POOL_SIZE", 10); }

    /** Empty when the embedded S3 server should be started. */
    public Optional<String> s3Endpoint() { return get("S3_ENDPOINT"); }
    public String s3AccessKey() { return string("S3_ACCESS_KEY", "vidforge"); }
    public String s3SecretKey() { return string("S3_SECRET_KEY", "vidforge-secret-key"); }
    public String s3Bucket() { return string("S3_BUCKET", "vidforge"); }
    public String s3Region() { return string("S3_REGION", "us-east-1"); }
    /** Port of the embedded S3 server; 0 picks a free one. */
    public int embeddedS3Port() { return integer("EMBEDDED_S3_PORT", 0); }

    /** Largest accepted upload. S3's single-request copy limit (5 GiB) bounds it. */
    public long maxUploadBytes() { return longValue("MAX_UPLOAD_BYTES", 5L * 1024 * 1024 * 1024); }
    /** Part size of streamed multipart uploads to S3: the upload path's memory per request. */
    public long uploadPartBytes() { return longValue("UPLOAD_PART_BYTES", 8L * 1024 * 1024); }

    /**
     * Upload bodies one upload node streams at once (POST /upload and tus PATCH); more get 503 UPLOADS_BUSY.
     * Each holds two part buffers, so the default keeps them within half the heap (at least 2, at most 64):
     * 8 with a 256 MB heap and 8 MB parts.
     */
    public int maxConcurrentUploads() {
        long byHeap = Runtime.getRuntime().maxMemory() / (4 * Math.max(1, uploadPartBytes()));
        return integer("MAX_CONCURRENT_UPLOADS", (int) Math.max(2, Math.min(64, byHeap)));
    }

    /**
     * The most disk a worker's running attempts may fill together under its work directory
     * ({@code DATA_DIR/work/NODE_ID}): the source copy plus what ffmpeg writes. The default fits the
     * largest upload (MAX_UPLOAD_BYTES, 5 GiB) with its whole ladder and room to spare.
     */
    public long workDirMaxBytes() { return longValue("WORK_DIR_MAX_BYTES", 20L * 1024 * 1024 * 1024); }

    /**
     * How the orchestrator splits a video's encode into TRANSCODE tasks: {@code ladder} (one task, one ffmpeg
     * decoding the source once for every rung), {@code rung} (one task per rung, spread over workers) or
     * {@code chunk} (an audio task and one task per time range, every rung each, spread over workers).
     * Not part of the processing profile: all three give the same output. {@code chunk} is the default
     * because it costs within 10 % of {@code ladder} on one worker and scales with workers (issue 16's
     * bench, docs/performance.md), and it is what makes a video playable early.
     */
    public String transcodeSplit() { return string("TRANSCODE_SPLIT", "chunk"); }

    /**
     * Seconds of video per VIDEO_CHUNK task with {@code TRANSCODE_SPLIT=chunk}: a multiple of the segment
     * duration (checked by the planner); 0 when unset, for the planner's default (the first multiple from 30 s).
     */
    public int chunkSeconds() { return integer("CHUNK_SECONDS", 0); }

    /** HLS target segment duration; part of the processing profile. */
    public int segmentSeconds() { return integer("SEGMENT_SECONDS", 6); }
}
