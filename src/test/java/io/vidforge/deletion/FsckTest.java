package io.vidforge.deletion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.Node;
import io.vidforge.Platform;
import io.vidforge.bucket.BucketCheck;
import io.vidforge.config.Role;
import io.vidforge.model.Video;
import io.vidforge.config.Settings;
import io.vidforge.testing.LiveCluster;
import io.vidforge.testing.TestDatabases;
import io.vidforge.tools.FsckMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** fsck finds an injected missing object and an injected orphan, and says so in its exit code. */
@Tag("db")
class FsckTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private LiveCluster cluster;
    private Node upload;
    private Platform platform;

    @BeforeEach
    void setUp() {
        cluster = new LiveCluster("fsck", Map.of());
        upload = cluster.node("upload-1", Role.UPLOAD, Role.ORCHESTRATOR);
        platform = upload.platform();
        cluster.media.writeTo = platform.store();
        cluster.worker("worker-1", Map.of());
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private BucketCheck.Report check() {
        return new BucketCheck(platform.store(), platform.sql(), platform.videos(), Clock.systemUTC(),
                Duration.ofHours(1)).run(Optional.empty());
    }

    @Test
    void fsck_finds_an_injected_missing_object_and_an_injected_orphan() throws Exception {
        String a = LiveCluster.upload(upload, 1);
        String b = LiveCluster.upload(upload, 2);
        LiveCluster.awaitStatus(upload, a, "ready", TIMEOUT);
        LiveCluster.awaitStatus(upload, b, "ready", TIMEOUT);
        BucketCheck.Report clean = check();
        assertEquals(List.of(), clean.missing());
        // The chunked plan's publish copies each chunk's segments into the stitched rendition: the chunks'
        // own objects are garbage from then on, for the clean-up once the grace period has passed.
        assertFalse(clean.orphans().isEmpty(), "the default plan encodes in chunks");
        assertEquals(List.of(), clean.orphans().stream().filter(o -> !o.reason().equals("stitched_chunk")).toList());
        assertEquals(0, clean.orphansPastGrace());
        assertEquals(0, fsckProcess().exitCode(), "a consistent bucket passes");

        Video va = platform.videos().find(a).orElseThrow();
        String segment = va.variants().get(0).prefix() + "seg_00001.m4s";
        platform.store().delete(segment);
        String orphan = "raw/" + UUID.randomUUID();
        platform.store().putBytes(orphan, new byte[1234], "application/octet-stream");

        BucketCheck.Report r = check();
        assertEquals(List.of(segment), r.missing().stream().map(BucketCheck.Missing::key).toList());
        assertEquals(a, r.missing().get(0).videoId());
        List<BucketCheck.Orphan> injected = r.orphans().stream().filter(o -> !o.reason().equals("stitched_chunk"))
                .toList();
        assertEquals(List.of(orphan), injected.stream().map(BucketCheck.Orphan::key).toList());
        assertEquals("uncommitted_upload", injected.get(0).reason());
        assertEquals(0, r.orphansPastGrace(), "a fresh orphan is younger than the grace period");
        assertEquals(1234, r.byCategory().get("uncommitted_upload").bytes);
        assertEquals(2, r.byCategory().get("raw").objects, "the two raw uploads are counted as referenced");
        assertTrue(r.byCategory().get("published").objects > 0);

        Result run = fsckProcess();
        assertEquals(1, run.exitCode(), "data loss exits non-zero: " + run.output());
        assertTrue(run.output().contains("MISSING " + segment), run.output());
        assertTrue(run.output().contains("ORPHAN " + orphan), run.output());
        assertTrue(run.output().contains("uncommitted_upload"), run.output());
    }

    record Result(int exitCode, String output) {
    }

    /**
     * FsckMain as ./run.sh fsck runs it: its own JVM on the cluster's settings (PostgreSQL; an in-memory H2
     * database lives in this JVM only, so there it runs here).
     */
    private Result fsckProcess() throws IOException, InterruptedException {
        if (!TestDatabases.postgres()) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            Map<String, String> env = new java.util.HashMap<>(cluster.env);
            env.put("NODE_ID", "fsck");
            int code = FsckMain.run(Settings.of(env), new java.io.PrintStream(bytes, true, "UTF-8"));
            return new Result(code, bytes.toString(java.nio.charset.StandardCharsets.UTF_8));
        }
        Path out = Files.createTempFile("fsck", ".txt");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.vidforge.tools.FsckMain"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().putAll(cluster.env);
        pb.environment().put("NODE_ID", "fsck");
        Process p = pb.start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("fsck did not finish within 60 s");
            }
            return new Result(p.exitValue(), Files.readString(out));
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(out);
        }
    }
}
