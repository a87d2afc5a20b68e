package io.vidforge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.worker.WorkerModule;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Real nodes on the real clock with their loops running and fast test timings: upload and orchestrator
 * nodes through {@link TestNodes} (HTTP included), workers as {@link ModuleHarness}es running
 * {@link #media}'s fake handlers. Everything shares one database, bucket and log directory.
 */
public final class LiveCluster implements ClusterView, AutoCloseable {
    public final FakeMedia media = new FakeMedia();
    public final Map<String, String> env;
    private final List<AutoCloseable> nodes = new ArrayList<>();

    public LiveCluster(String name, Map<String, String> overrides) {
        Map<String, String> e = new HashMap<>(TestNodes.environment(name));
        e.putAll(TestTimings.LIVE);
        e.putAll(overrides);
        this.env = e;
    }

    public Node node(String nodeId, Role... roles) {
        Node n = TestNodes.start(env, nodeId, Set.of(roles));
        nodes.add(n);
        return n;
    }

    public ModuleHarness<WorkerModule> worker(String nodeId, Map<String, String> overrides) {
        ModuleHarness<WorkerModule> w = ModuleHarness.start(env, nodeId, overrides, Clock.systemUTC(),
                p -> new WorkerModule(p, media.handlers(nodeId)));
        nodes.add(w);
        return w;
    }

    /** Uploads pseudo-media through {@code node}'s HTTP API; returns the video id. */
    public static String upload(Node node, long seed) {
        Http.Response r = Http.post(node.baseUri().resolve("/upload"), SampleBytes.pseudoMp4(20_000, seed), "video/mp4");
        if (r.status() != 201) {
            throw new AssertionError("upload failed: " + r.status() + " " + r.text());
        }
        return r.json().get("video_id").asText();
    }

    public static JsonNode video(Node node, String videoId) {
        return Http.get(node.baseUri().resolve("/videos/" + videoId)).json();
    }

    public static JsonNode awaitStatus(Node node, String videoId, String status, Duration timeout) {
        return VideoWait.status(uri(node, "/videos/" + videoId), status, timeout);
    }

    public static URI uri(Node node, String path) {
        return node.baseUri().resolve(path);
    }

    @Override
    public List<JsonNode> events(String name, String videoId) {
        return EventLogs.events(io.vidforge.config.Settings.of(env).logDir(), name,
                e -> videoId == null || videoId.equals(e.path("video_id").asText()));
    }

    @Override
    public void close() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            try {
                nodes.get(i).close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
