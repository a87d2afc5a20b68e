package io.vidforge.deletion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.Platform;
import io.vidforge.bucket.DeploymentId;
import io.vidforge.bucket.GcSettings;
import io.vidforge.bucket.ObjectReferences;
import io.vidforge.config.Role;
import io.vidforge.db.ObjectMarks;
import io.vidforge.db.ObjectSweptException;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.orchestrator.StorageCollector;
import io.vidforge.storage.ObjectStore;
import io.vidforge.testing.Http;
import io.vidforge.testing.LiveCluster;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The storage clean-up: what goes after two passes, and what never goes. */
@Tag("db")
class StorageCollectorTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final byte[] JUNK = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    private LiveCluster cluster;
    private Node upload;
    private Platform platform;
    private ObjectStore store;

    @BeforeEach
    void setUp() {
        cluster = new LiveCluster("storage-gc", Map.of());
        upload = cluster.node("upload-1", Role.UPLOAD, Role.ORCHESTRATOR);
        platform = upload.platform();
        store = platform.store();
        cluster.media.writeTo = store;
        cluster.worker("worker-1", Map.of());
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private StorageCollector collector(Duration grace) {
        return new StorageCollector(store, platform.sql(), platform.videos(),
                new GcSettings(grace, Duration.ofSeconds(1), 1000, 1000), platform.events(Role.ORCHESTRATOR),
                Clock.systemUTC());
    }

    private String ready(long seed) {
        String id = LiveCluster.upload(upload, seed);
        LiveCluster.awaitStatus(upload, id, "ready", TIMEOUT);
        return id;
    }

    private Set<String> bucket() {
        return new HashSet<>(store.list(""));
    }

    @Test
    void two_passes_remove_a_deleted_videos_objects_and_every_orphan_and_nothing_a_live_video_refers_to() {
        String live = ready(1);
        String gone = ready(2);
        // The default (chunked) plan publishes copies of its chunks' segments, so a live video's chunk outputs
        // are garbage beside its published objects.
        Set<String> stitched = bucket().stream().filter(k -> k.startsWith("videos/" + live + "/g1/video_chunk-"))
                .collect(Collectors.toSet());
        assertFalse(stitched.isEmpty(), "the default plan encodes in chunks");
        Set<String> liveKeys = bucket().stream().filter(k -> k.contains(live) && !stitched.contains(k))
                .collect(Collectors.toSet());
        liveKeys.add(platform.videos().find(live).orElseThrow().rawKey());
        String goneRaw = platform.videos().find(gone).orElseThrow().rawKey();
        assertEquals(202, Http.method(LiveCluster.uri(upload, "/videos/" + gone), "DELETE", null).status());

        String uncommitted = "raw/" + UUID.randomUUID();
        String chunk = "tus/" + UUID.randomUUID().toString().replace("-", "") + "/00000000000000000000-x";
        String losing = "videos/" + live + "/g1/transcode/a9-v99/720p/seg_00000.m4s";
        String foreign = "notes/readme.txt";
        for (String k : List.of(uncommitted, chunk, losing, foreign)) {
            store.putBytes(k, JUNK, "application/octet-stream");
        }
        Set<String> goneKeys = bucket().stream().filter(k -> k.contains(gone)).collect(Collectors.toSet());
        goneKeys.add(goneRaw);
        Set<String> garbage = new HashSet<>(goneKeys);
        garbage.addAll(List.of(uncommitted, chunk, losing));
        garbage.addAll(stitched);
        Set<String> before = bucket();

        StorageCollector gc = collector(Duration.ZERO);
        StorageCollector.Pass first = gc.runPass();
        assertEquals(garbage.size(), first.marked(), "the first pass marks every orphan");
        assertEquals(0, first.deleted(), "and deletes nothing");
        assertEquals(before, bucket());

        StorageCollector.Pass second = gc.runPass();
        assertEquals(garbage.size(), second.deleted(), "the second pass sweeps what the first marked");
        Set<String> expected = new HashSet<>(liveKeys);
        expected.add(foreign);
        expected.add(DeploymentId.OBJECT_KEY);
        assertEquals(expected, bucket(), "exactly the live video's objects and the foreign one remain");
        assertFalse(store.exists(goneRaw));
        ObjectReferences refs = ObjectReferences.load(platform.videos(), platform.sql());
        for (String k : bucket()) {
            assertTrue(refs.classify(k).referenced(), k + " is referenced");
        }
        assertEquals(0, gc.runPass().deleted(), "nothing more to do");

        List<JsonNode> deleted = cluster.events("GC_DELETED", null);
        assertEquals(garbage, deleted.stream().map(e -> e.get("key").asText()).collect(Collectors.toSet()));
        Map<String, String> reasons = deleted.stream()
                .collect(Collectors.toMap(e -> e.get("key").asText(), e -> e.get("reason").asText()));
        assertEquals("deleted_video", reasons.get(goneRaw));
        assertEquals("uncommitted_upload", reasons.get(uncommitted));
        assertEquals("abandoned_tus_chunk", reasons.get(chunk));
        assertEquals("losing_attempt", reasons.get(losing));
        for (String k : stitched) {
            assertEquals("stitched_chunk", reasons.get(k), k);
        }
        assertTrue(deleted.stream().allMatch(e -> e.has("bytes")));
        assertEquals(garbage.size(), cluster.events("GC_MARKED", null).size());
        String metrics = Http.get(LiveCluster.uri(upload, "/metrics")).text();
        assertTrue(metrics.contains("vidforge_gc_objects_total{action=\"deleted\",reason=\"deleted_video\"} "
                + (goneKeys.size()) + ".0") || metrics.contains("vidforge_gc_objects_total{action=\"deleted\",reason=\"deleted_video\"} "
                + goneKeys.size()), metrics.lines().filter(l -> l.contains("gc_")).toList().toString());
    }

    @Test
    void an_object_younger_than_the_grace_period_is_never_marked() {
        store.putBytes("raw/" + UUID.randomUUID(), JUNK, "application/octet-stream");
        StorageCollector gc = collector(Duration.ofHours(1));
        assertEquals(0, gc.runPass().marked());
        assertEquals(0, gc.runPass().deleted());
        assertEquals(2, bucket().size(), "the orphan and the deployment id");
    }

    @Test
    void a_re_upload_between_mark_and_sweep_keeps_its_bytes_and_plays_while_the_old_ones_go() {
        String id = ready(3);
        String oldRaw = platform.videos().find(id).orElseThrow().rawKey();
        assertEquals(202, Http.method(LiveCluster.uri(upload, "/videos/" + id), "DELETE", null).status());
        StorageCollector gc = collector(Duration.ZERO);
        assertTrue(gc.runPass().marked() > 0);

        String again = LiveCluster.upload(upload, 3); // 201: processed anew while the clean-up is under way
        assertEquals(id, again);
        gc.runPass();
        LiveCluster.awaitStatus(upload, id, "ready", TIMEOUT);
        gc.runPass();
        gc.runPass();
        Video v = platform.videos().find(id).orElseThrow();
        assertFalse(store.exists(oldRaw), "the deleted generation's upload is collected");
        assertTrue(store.exists(v.rawKey()), "the revived video keeps its own bytes");
        assertEquals(VideoStatus.READY, v.status());
        ObjectReferences refs = ObjectReferences.load(platform.videos(), platform.sql());
        List<String> published = new ArrayList<>();
        for (String k : bucket()) {
            assertTrue(refs.classify(k).referenced(), k + " is referenced");
            if (k.startsWith("videos/" + id + "/g2/")) {
                published.add(k);
            }
        }
        assertFalse(published.isEmpty());
        assertTrue(bucket().stream().noneMatch(k -> k.startsWith("videos/" + id + "/g1/")), "generation 1 is gone");
    }

    @Test
    void a_reference_taken_after_the_mark_wins_over_the_sweep_and_one_taken_during_the_sweep_is_refused() {
        String shared = "raw/" + UUID.randomUUID();
        store.putBytes(shared, JUNK, "application/octet-stream");
        StorageCollector gc = collector(Duration.ZERO);
        assertEquals(1, gc.runPass().marked());
        // Another row starts referring to the marked object (as an upload under another profile would).
        Video row = new Video("a".repeat(64), "b".repeat(64), "p", VideoStatus.UPLOADED, null, null, null, 9, shared,
                1, null, null, null, null, 0, 0);
        assertTrue(platform.videos().insertNew(row));
        assertEquals(0, gc.runPass().deleted(), "the claim removed the mark: the sweep has nothing to delete");
        assertTrue(store.exists(shared));

        String doomed = "raw/" + UUID.randomUUID();
        store.putBytes(doomed, JUNK, "application/octet-stream");
        new ObjectMarks(platform.sql()).mark(doomed, "uncommitted_upload", JUNK.length, 0, 0);
        platform.sql().inTransaction(c -> ObjectMarks.beginSweep(c, doomed)); // the sweep has decided
        Video late = new Video("c".repeat(64), "d".repeat(64), "p", VideoStatus.UPLOADED, null, null, null, 9, doomed,
                1, null, null, null, null, 0, 0);
        assertThrows(ObjectSweptException.class, () -> platform.videos().insertNew(late),
                "a reference to an object being deleted is refused");
        assertTrue(platform.videos().find(late.videoId()).isEmpty());
        gc.runPass();
        assertFalse(store.exists(doomed), "a decided sweep is finished");
        assertTrue(store.exists(shared));
    }
}
