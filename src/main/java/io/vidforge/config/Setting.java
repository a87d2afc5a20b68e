package io.vidforge.config;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The catalogue of every setting: each environment variable a node or {@code ./run.sh} reads, and how
 * {@code ./run.sh cluster} treats it. docs/api.md's configuration table and run.sh's
 * {@code CLUSTER_SETTINGS} are checked against it (SettingsCatalogueTest), as is every name the code
 * reads, so a new setting is added here first. Defaults live where the value is read ({@link Settings}
 * and the roles' settings classes).
 */
public enum Setting {
    HOST(Use.NODE_ONLY),
    PORT(Use.SET_BY_CLUSTER),
    NODE_ID(Use.SET_BY_CLUSTER),
    DATA_DIR(Use.SET_BY_CLUSTER),
    DB_URL(Use.SET_BY_CLUSTER),
    DB_USER(Use.SET_BY_CLUSTER),
    DB_PASSWORD(Use.SET_BY_CLUSTER),
    DB_POOL_SIZE(Use.PASSED),
    /** PostgreSQL: idle_in_transaction_session_timeout of every pooled connection (db.Database.SessionLimits). */
    DB_IDLE_IN_TRANSACTION_SECONDS(Use.PASSED),
    /** PostgreSQL: lock_timeout of every pooled connection. */
    DB_LOCK_TIMEOUT_SECONDS(Use.PASSED),
    S3_ENDPOINT(Use.SET_BY_CLUSTER),
    S3_ACCESS_KEY(Use.SET_BY_CLUSTER),
    S3_SECRET_KEY(Use.SET_BY_CLUSTER),
    S3_BUCKET(Use.SET_BY_CLUSTER),
    S3_REGION(Use.SET_BY_CLUSTER),
    /** The embedded S3 server's port; run.sh sets it for its S3 process. */
    EMBEDDED_S3_PORT(Use.SET_BY_CLUSTER, false),
    MAX_UPLOAD_BYTES(Use.PASSED),
    TUS_EXPIRY_SECONDS(Use.PASSED),
    TUS_JANITOR_SECONDS(Use.PASSED),
    UPLOAD_PART_BYTES(Use.PASSED),
    MAX_CONCURRENT_UPLOADS(Use.PASSED),
    SEGMENT_SECONDS(Use.PASSED),
    TRANSCODE_SPLIT(Use.PASSED),
    CHUNK_SECONDS(Use.PASSED),
    MAX_RUNG(Use.PASSED),
    LEASE_SECONDS(Use.PASSED),
    HEARTBEAT_SECONDS(Use.PASSED),
    STALL_SECONDS(Use.PASSED),
    MAX_ATTEMPTS(Use.PASSED),
    BACKOFF_BASE_SECONDS(Use.PASSED),
    BACKOFF_MAX_SECONDS(Use.PASSED),
    POLL_MILLIS(Use.PASSED),
    LEADER_LEASE_SECONDS(Use.PASSED),
    WORKER_CONCURRENCY(Use.PASSED),
    WORKER_GRACE_SECONDS(Use.PASSED),
    CACHE_BYTES(Use.PASSED),
    PREFETCH_DEPTH(Use.PASSED),
    PREFETCH_THREADS(Use.PASSED),
    PREFETCH_QUEUE(Use.PASSED),
    VIDEO_CACHE_SECONDS(Use.PASSED),
    /** Segment nodes: the bound of the JIT warm-up at start (segment.SegmentWarmup); ./run.sh up sets it. */
    SEGMENT_WARMUP_SECONDS(Use.PASSED),
    FFMPEG_PATH(Use.PASSED),
    FFPROBE_PATH(Use.PASSED),
    FFMPEG_X264_PRESET(Use.PASSED),
    FFMPEG_STALL_SECONDS(Use.PASSED),
    FFMPEG_TIMEOUT_BASE_SECONDS(Use.PASSED),
    FFMPEG_TIMEOUT_PER_SOURCE_SECOND(Use.PASSED),
    FFPROBE_TIMEOUT_SECONDS(Use.PASSED),
    LOG_DIR(Use.PASSED),
    LOG_MAX_BYTES(Use.PASSED),
    LOG_KEEP_FILES(Use.PASSED),
    WORK_DIR_MAX_BYTES(Use.PASSED),
    SHUTDOWN_GRACE_SECONDS(Use.PASSED),
    GC_GRACE_SECONDS(Use.PASSED),
    GC_INTERVAL_SECONDS(Use.PASSED),
    GC_BATCH(Use.PASSED),
    GC_DELETES_PER_SECOND(Use.PASSED),
    DEPLOYMENT_ADOPT(Use.PASSED),
    WEBHOOK_URLS(Use.PASSED),
    WEBHOOK_SECRET(Use.PASSED),
    WEBHOOK_TIMEOUT_SECONDS(Use.PASSED),
    WEBHOOK_LEASE_SECONDS(Use.PASSED),
    WEBHOOK_BACKOFF_BASE_SECONDS(Use.PASSED),
    WEBHOOK_BACKOFF_MAX_SECONDS(Use.PASSED),
    WEBHOOK_MAX_AGE_SECONDS(Use.PASSED),
    WEBHOOK_POLL_SECONDS(Use.PASSED),
    WEBHOOK_CONCURRENCY(Use.PASSED),
    SSE_POLL_MILLIS(Use.PASSED),
    SSE_HEARTBEAT_SECONDS(Use.PASSED),
    API_TOKEN(Use.PASSED),
    BEHIND_PROXY(Use.SET_BY_CLUSTER),
    /** Tests only: shifts the node's clock (leases do not depend on it); set per node by NODE_SETTINGS_&lt;ID&gt;. */
    CLOCK_OFFSET_MS(Use.SET_BY_CLUSTER),
    /** Test hooks: false leaves the role's loop off so a test drives it by hand. */
    ORCHESTRATOR_AUTOSTART(Use.NODE_ONLY, false),
    WORKER_AUTOSTART(Use.NODE_ONLY, false),
    S3_PORT(Use.RUN_SH),
    NODE_JAVA_OPTS(Use.RUN_SH),
    NODE_CDS_DIR(Use.RUN_SH),
    VIDFORGE_CLASSPATH(Use.RUN_SH),
    STOP_TIMEOUT_SECONDS(Use.RUN_SH),
    /** How many nginx front doors ./run.sh cluster starts (door K on PORT+K-1). */
    FRONT_DOORS(Use.RUN_SH);

    /** Who reads a setting and what {@code ./run.sh cluster} does with it. */
    public enum Use {
        /** A node setting that ./run.sh cluster passes to every node when set (run.sh's CLUSTER_SETTINGS). */
        PASSED,
        /** A node setting ./run.sh cluster sets itself, per node or for all (cluster.env). */
        SET_BY_CLUSTER,
        /** A node setting that cluster mode leaves at its default. */
        NODE_ONLY,
        /** Read by ./run.sh only, not by the nodes. */
        RUN_SH
    }

    private final Use use;
    private final boolean documented;

    Setting(Use use) {
        this(use, true);
    }

    Setting(Use use, boolean documented) {
        this.use = use;
        this.documented = documented;
    }

    public Use use() {
        return use;
    }

    /** Whether docs/api.md's configuration table must list it (internal ones may be left out). */
    public boolean documented() {
        return documented;
    }

    public static Set<String> names(Use use) {
        return Arrays.stream(values()).filter(s -> s.use == use).map(Enum::name)
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }
}
