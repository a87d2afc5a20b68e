package io.vidforge.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.Platform;
import io.vidforge.config.Settings;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every question of {@link ClusterQueries} runs against the real schema and answers what a freshly
 * uploaded video's rows say. The cluster tests that ask them run for minutes and only under ./run.sh
 * cluster, so a query broken by a schema change would otherwise surface there first.
 */
@Tag("db")
class ClusterQueriesTest {

    @Test
    void every_question_runs_against_the_schema_and_answers_for_a_new_video() {
        try (Platform p = Platform.open(Settings.of(TestNodes.environment("cluster-queries")).with(Map.of("NODE_ID", "q")),
                "q", ManualClock.startingNow())) {
            ClusterQueries db = new ClusterQueries(p.sql());
            String video = TestVideos.insert(p);
            List<String> ids = List.of(video, "no-such-video");
            assertEquals(1, db.videos(ids));
            assertEquals(1, db.videosNotReady(ids));
            assertEquals(Optional.of("uploaded"), db.status(video));
            assertEquals(Optional.empty(), db.status("no-such-video"));
            assertEquals(Map.of(video, "uploaded"), db.statuses(ids));
            assertEquals("raw/" + video, db.rawKey(video));
            assertEquals(0, db.finalStateChanges(video));
            assertEquals(1, db.jobs(video), "the upload's PENDING job");
            assertEquals(0, db.transcodesRunning(ids));
            assertEquals(0, db.transcodesUnderWay(ids));
            assertEquals(Optional.empty(), db.transcodeMidWay(video));
            assertEquals(List.of(), db.runningTaskIds(ids));
            assertEquals(List.of(), db.runningRenewedAfter(0));
            assertEquals(List.of(), db.runningRenewedAfter("worker-1", 0));
            assertEquals(0, db.runningTasksOf("worker-1"));
            assertEquals(Map.of(), db.attempts(ids));
            assertEquals(0, db.unfinishedTasks(video));
            assertEquals(0, db.tasksNotDone(video));
            assertEquals(0, db.publishesDone(video));
            assertEquals(List.of(), db.taskSummary(video));
            assertTrue(db.orchestratorLeader(0).isEmpty(), "no orchestrator ran");
            assertTrue(db.webhookEvents() >= 0);
            assertTrue(db.webhookDeliveriesSent() >= 0);
            assertEquals(db.webhookEvents(), db.webhookEventsByVideo().values().stream().mapToLong(List::size).sum());
        }
    }
}
