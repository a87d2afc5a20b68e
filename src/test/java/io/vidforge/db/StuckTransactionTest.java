package io.vidforge.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.Platform;
import io.vidforge.orchestrator.Orchestrator;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskState;
import io.vidforge.testing.Await;
import io.vidforge.testing.ManualCluster;
import io.vidforge.testing.TestDatabases;
import io.vidforge.testing.TestVideos;
import io.vidforge.worker.Worker;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A node cut off from PostgreSQL in the middle of a transaction leaves a session on the server that is
 * idle in transaction and holds its row locks: the server cannot tell silence from slowness. Every pooled
 * connection carries idle_in_transaction_session_timeout (DB_IDLE_IN_TRANSACTION_SECONDS), so the server
 * ends that session and another worker claims the row; and lock_timeout (DB_LOCK_TIMEOUT_SECONDS), so a
 * statement waiting for a lock someone keeps gives up instead of waiting for ever. The silent session is
 * one of the pool's own connections that stops sending, exactly what the server sees of a cut-off node.
 * PostgreSQL only (H2 has neither setting).
 */
@Tag("postgres-only")
class StuckTransactionTest {
    private ManualCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static int backendPid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Locks the task's row in a transaction that is never finished: a worker cut off inside its claim. */
    private static Connection lockAndGoSilent(Platform p, long taskId) throws SQLException {
        Connection c = p.db().connection();
        c.setAutoCommit(false);
        try (PreparedStatement s = c.prepareStatement("SELECT task_id FROM tasks WHERE task_id = ? FOR UPDATE")) {
            s.setLong(1, taskId);
            try (ResultSet rs = s.executeQuery()) {
                assertTrue(rs.next());
            }
        }
        return c;
    }

    private String plannedVideo(Map<String, String> settings) {
        assertTrue(TestDatabases.postgres(), "PostgreSQL only: run with test.db=postgres");
        cluster = new ManualCluster("stucktx", settings);
        Orchestrator orchestrator = cluster.orchestrator("orch-1", Clock.systemUTC());
        String videoId = TestVideos.insert(cluster.platform());
        orchestrator.runOnce(); // plans PROBE, due now
        return videoId;
    }

    @Test
    void a_session_cut_off_inside_a_claim_is_ended_by_the_server_and_another_worker_claims_the_task() throws Exception {
        String videoId = plannedVideo(Map.of("DB_IDLE_IN_TRANSACTION_SECONDS", "2"));
        Platform p = cluster.platform();
        Task probe = cluster.task(videoId, TaskKind.PROBE, "");
        Worker other = cluster.worker("worker-2", Clock.systemUTC());
        assertEquals("2s", p.sql().queryOne("SHOW idle_in_transaction_session_timeout", rs -> rs.getString(1))
                .orElseThrow(), "set on the pool's connections");

        try (Connection silent = lockAndGoSilent(p, probe.taskId())) {
            long t0 = System.nanoTime();
            int pid = backendPid(silent);
            assertEquals(0, other.pollOnce(), "the locked row is skipped (SKIP LOCKED) while the session lives");
            Await.until(Duration.ofSeconds(20), "another worker to claim the task", () -> other.pollOnce() == 1);
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("worker-2", cluster.task(videoId, TaskKind.PROBE, "").owner());
            assertTrue(tookMs >= 1_500, "not before the server's timeout (2 s): " + tookMs + " ms");
            assertFalse(p.sql().queryOne("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ?", rs -> rs.getInt(1), pid)
                    .orElseThrow() > 0, "the server ended the silent session");
            // Back in touch, the cut-off node learns its transaction is gone: nothing it does there commits.
            assertThrows(SQLException.class, () -> {
                try (Statement s = silent.createStatement()) {
                    s.execute("SELECT 1");
                }
            });
            System.out.println("[measured] StuckTransactionTest: the row was claimed by another worker " + tookMs
                    + " ms after the session holding it went silent (idle_in_transaction_session_timeout 2 s)");
        }
    }

    @Test
    void a_statement_waiting_for_a_row_lock_someone_keeps_gives_up_after_the_lock_timeout() throws Exception {
        // The idle timeout off: the holder keeps its lock for as long as the test wants.
        String videoId = plannedVideo(Map.of("DB_IDLE_IN_TRANSACTION_SECONDS", "0", "DB_LOCK_TIMEOUT_SECONDS", "1"));
        Platform p = cluster.platform();
        Task probe = cluster.task(videoId, TaskKind.PROBE, "");
        try (Connection holder = lockAndGoSilent(p, probe.taskId())) {
            long t0 = System.nanoTime();
            DataAccessException e = assertThrows(DataAccessException.class, () -> p.sql().update(
                    "UPDATE tasks SET updated_at = updated_at WHERE task_id = ?", probe.taskId()));
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("55P03", ((SQLException) e.getCause()).getSQLState(), "lock_not_available: " + e.getMessage());
            assertTrue(tookMs >= 900 && tookMs < 10_000, "gave up at the lock timeout (1 s): " + tookMs + " ms");
            holder.rollback();
        }
        assertEquals(TaskState.READY, cluster.task(videoId, TaskKind.PROBE, "").state(), "nothing changed");
    }
}
