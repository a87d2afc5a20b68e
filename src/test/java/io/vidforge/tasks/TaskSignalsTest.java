package io.vidforge.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vidforge.Platform;
import io.vidforge.config.Settings;
import io.vidforge.testing.ManualClock;
import io.vidforge.testing.TestNodes;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The roles of one node share one TaskSignals (one database listener per node): a transaction one role
 * signals wakes the other role's loop, the instance lives until the last role closes it, and only the
 * channel signalled is woken.
 */
class TaskSignalsTest {

    @Test
    void the_roles_of_one_node_share_signals_until_the_last_of_them_closes() {
        try (Platform p = Platform.open(Settings.of(TestNodes.environment("signals")).with(Map.of("NODE_ID", "s")), "s",
                ManualClock.startingNow())) {
            TaskSignals orchestrator = TaskSignals.acquire(p);
            TaskSignals worker = TaskSignals.acquire(p);
            assertSame(orchestrator, worker, "one per node");

            AtomicInteger plannerWakeups = new AtomicInteger();
            AtomicInteger workerWakeups = new AtomicInteger();
            Runnable planner = plannerWakeups::incrementAndGet;
            orchestrator.subscribe(TaskSignals.Channel.ORCHESTRATE, planner);
            worker.subscribe(TaskSignals.Channel.TASKS_READY, workerWakeups::incrementAndGet);
            assertEquals("done", worker.transaction(p.sql(), TaskSignals.Channel.ORCHESTRATE, c -> "done"), "the work's result");
            assertEquals(1, plannerWakeups.get(), "a task finished: the planner wakes");
            assertEquals(0, workerWakeups.get(), "the other channel does not");
            orchestrator.transaction(p.sql(), TaskSignals.Channel.TASKS_READY, c -> null);
            assertEquals(1, workerWakeups.get());

            orchestrator.unsubscribe(TaskSignals.Channel.ORCHESTRATE, planner);
            worker.transaction(p.sql(), TaskSignals.Channel.ORCHESTRATE, c -> null);
            assertEquals(1, plannerWakeups.get(), "unsubscribed");

            orchestrator.close();
            assertSame(worker, TaskSignals.acquire(p), "the worker still holds it: the same instance");
            worker.close();
            worker.close();
            TaskSignals fresh = TaskSignals.acquire(p);
            assertNotSame(worker, fresh, "closed by its last holder: a new one");
            fresh.close();
        }
    }
}
