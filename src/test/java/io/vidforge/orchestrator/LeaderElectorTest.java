package io.vidforge.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.model.VideoStatus;
import io.vidforge.testing.ManualCluster;
import io.vidforge.testing.TestVideos;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Leadership pass by pass, under the manual clock (LEADER_LEASE_SECONDS=10): one leader at a time, a
 * leader whose lease another node took stops planning at its next pass, a renewal that fails counts as
 * not leading, and a clean shutdown hands the lease over at once. Each change of leadership is logged
 * once (LEADER_ELECTED / LEADER_LOST, with the term), never on a pass that changes nothing.
 */
@Tag("db")
class LeaderElectorTest {
    private ManualCluster cluster;
    private Orchestrator a;
    private Orchestrator b;

    @BeforeEach
    void setUp() {
        cluster = new ManualCluster("leader-elector", Map.of());
        a = cluster.orchestrator("orch-a");
        b = cluster.orchestrator("orch-b");
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private List<JsonNode> events(String name, String node) {
        return cluster.events(name, null).stream().filter(e -> node.equals(e.path("node_id").asText())).toList();
    }

    private VideoStatus status(String video) {
        return cluster.platform().videos().find(video).orElseThrow().status();
    }

    @Test
    void a_leader_whose_lease_another_node_took_stops_planning_and_each_change_is_logged_once() {
        assertFalse(a.runOnce(), "nothing to plan");
        assertTrue(a.leading());
        assertFalse(b.runOnce());
        assertFalse(b.leading(), "the lease is held by orch-a");
        a.runOnce(); // a renewal: no new event
        List<JsonNode> elected = events("LEADER_ELECTED", "orch-a");
        assertEquals(1, elected.size(), elected.toString());
        assertEquals(1, elected.get(0).path("term").asLong());
        assertEquals(10_000, elected.get(0).path("lease_ms").asLong());
        assertEquals(0, events("LEADER_ELECTED", "orch-b").size());

        cluster.clock.advance(Duration.ofSeconds(11)); // orch-a paused past its lease
        assertFalse(b.runOnce());
        assertTrue(b.leading(), "the expired lease is taken");
        assertEquals(2, events("LEADER_ELECTED", "orch-b").get(0).path("term").asLong());

        String video = TestVideos.insert(cluster.platform());
        assertFalse(a.runOnce(), "orch-a wakes up: no longer the leader");
        assertFalse(a.leading());
        assertEquals(VideoStatus.UPLOADED, status(video), "the former leader did not plan");
        assertEquals(List.of(), cluster.tasks(video, 1));
        List<JsonNode> lost = events("LEADER_LOST", "orch-a");
        assertEquals(1, lost.size());
        assertEquals(1, lost.get(0).path("term").asLong(), "the term it lost");
        assertEquals("lease held by another node or not renewed", lost.get(0).path("reason").asText());
        a.runOnce();
        assertEquals(1, events("LEADER_LOST", "orch-a").size(), "lost once");

        assertTrue(b.runOnce(), "the new leader plans");
        assertEquals(VideoStatus.PROCESSING, status(video));
        assertEquals(1, events("LEADER_ELECTED", "orch-b").size());
        assertEquals(0, events("LEADER_LOST", "orch-b").size());
    }

    @Test
    void a_leader_whose_lease_renewal_fails_stops_leading_until_it_renews_again() {
        a.runOnce();
        assertTrue(a.leading());
        cluster.platform().sql().update("ALTER TABLE leader_lease RENAME TO leader_lease_away"); // renewals fail
        try {
            String video = TestVideos.insert(cluster.platform());
            assertFalse(a.runOnce());
            assertFalse(a.leading(), "a failed renewal counts as not leading");
            assertEquals(VideoStatus.UPLOADED, status(video), "no pass without the lease");
            assertEquals(1, events("LEADER_LOST", "orch-a").size());
        } finally {
            cluster.platform().sql().update("ALTER TABLE leader_lease_away RENAME TO leader_lease");
        }
        assertTrue(a.runOnce(), "renewed: it leads and plans again");
        assertTrue(a.leading());
        assertEquals(2, events("LEADER_ELECTED", "orch-a").size());
    }

    @Test
    void a_leader_that_shuts_down_hands_the_lease_over_at_once_and_a_standby_that_shuts_down_logs_nothing() {
        a.runOnce();
        b.runOnce();
        b.close();
        assertEquals(0, events("LEADER_LOST", "orch-b").size(), "a standby had nothing to give up");
        a.close();
        assertFalse(a.leading());
        List<JsonNode> lost = events("LEADER_LOST", "orch-a");
        assertEquals(1, lost.size());
        assertEquals("shutdown", lost.get(0).path("reason").asText());
        assertEquals(1, lost.get(0).path("term").asLong());

        Orchestrator c = cluster.orchestrator("orch-c");
        c.runOnce(); // the clock has not moved: only the release lets it lead now
        assertTrue(c.leading(), "the released lease is taken at once");
        a.close();
        assertEquals(1, events("LEADER_LOST", "orch-a").size(), "a second close changes nothing");
    }
}
