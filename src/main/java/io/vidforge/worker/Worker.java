package io.vidforge.worker;

import io.vidforge.Platform;
import io.vidforge.config.Role;
import io.vidforge.events.Events;
import io.vidforge.json.Json;
import io.vidforge.tasks.Backoff;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskEvents;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskOutcomes;
import io.vidforge.tasks.TaskSettings;
import io.vidforge.tasks.TaskStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * WORKER_CONCURRENCY slots. {@link #pollOnce()} claims READY tasks of the kinds it has handlers for
 * while slots are free and runs each on its own thread; {@link #heartbeatOnce()} renews their leases.
 * The module's loop and scheduler call both; tests with a manual clock call them directly.
 */
public final class Worker implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Worker.class.getName());

    private final String nodeId;
    private final TaskSettings settings;
    private final Map<TaskKind, TaskHandler> handlers;
    private final TaskStore store;
    private final AttemptRunner runner;
    private final Heartbeats heartbeats;
    private final Events events;
    private final Clock clock;
    private final Runnable onSlotFreed;
    private final Semaphore slots;
    private final ExecutorService executor;
    private final ScratchQuota quota;
    private final StorageGate gate;
    private final ScheduledExecutorService scratchWatch;
    private final Map<Long, TaskRun> running = new ConcurrentHashMap<>();
    private boolean closing;

    public Worker(Platform platform, TaskSettings settings, TaskStore store, Map<TaskKind, TaskHandler> handlers,
                  Runnable onSlotFreed) {
        handlers.forEach((kind, h) -> {
            if (h.kind() != kind) {
                throw new IllegalArgumentException("handler " + h + " is for " + h.kind() + ", registered for " + kind);
            }
        });
        this.nodeId = platform.nodeId();
        this.settings = settings;
        this.handlers = Map.copyOf(handlers);
        this.store = store;
        this.events = platform.events(Role.WORKER);
        this.clock = platform.clock();
        Path workRoot = platform.settings().dataDir().resolve("work").resolve(nodeId);
        this.quota = new ScratchQuota(workRoot, platform.settings().workDirMaxBytes(), nodeId, events);
        this.gate = new StorageGate(platform.store()::reachable, events, clock);
        this.runner = new AttemptRunner(this.handlers, store,
                new TaskOutcomes(store, Backoff.of(settings), events, clock), events, workRoot, quota, gate, clock,
                settings.lease());
        this.heartbeats = new Heartbeats(store.tasks(), settings.lease(), events, clock);
        this.onSlotFreed = onSlotFreed;
        this.slots = new Semaphore(settings.concurrency());
        this.executor = Executors.newFixedThreadPool(settings.concurrency(),
                Thread.ofPlatform().daemon().name("task-" + nodeId + "-", 1).factory());
        // Real time, whatever the clock: disk fills in real time. Cheap while nothing runs.
        this.scratchWatch = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("scratch-" + nodeId).factory());
        long every = ScratchQuota.CHECK_INTERVAL.toMillis();
        scratchWatch.scheduleWithFixedDelay(this::checkScratch, every, every, TimeUnit.MILLISECONDS);
        if (handlers.isEmpty()) {
            LOG.warning("worker " + nodeId + " has no task handlers: it will claim nothing");
        }
    }

    /** Claims tasks while slots are free and starts them; returns how many it claimed. */
    public synchronized int pollOnce() {
        int claimed = 0;
        if (!gate.open()) {
            return 0; // the object store is unreachable: a claim could only fail (WORKER_PAUSED)
        }
        while (!closing && slots.tryAcquire()) {
            Optional<Task> next;
            Instant asked = clock.instant();
            try {
                next = store.tasks().claim(nodeId, handlers.keySet(), asked, settings.lease());
            } catch (RuntimeException e) {
                slots.release();
                throw e;
            }
            if (next.isEmpty()) {
                slots.release();
                break;
            }
            // The lease is on the database's clock; this worker times its own end of it on its own clock, from
            // before it asked, so it gives up no later than the database takes the task back.
            TaskRun run = new TaskRun(next.get(), asked.plus(settings.lease()));
            running.put(run.task().taskId(), run);
            TaskEvents.of(events, "TASK_CLAIMED", run.task()).with("version", run.task().version())
                    .with("lease_expires_at", Json.timestamp(run.task().leaseExpiresAt().toEpochMilli())).emit();
            executor.execute(() -> execute(run));
            claimed++;
        }
        return claimed;
    }

    private void execute(TaskRun run) {
        try {
            runner.run(run);
        } finally {
            running.remove(run.task().taskId());
            slots.release();
            onSlotFreed.run();
        }
    }

    /** Measures the work directory and aborts the largest attempt when it is over WORK_DIR_MAX_BYTES. */
    public void checkScratch() {
        try {
            quota.check(running.values());
        } catch (RuntimeException e) { // an escaping exception would cancel the schedule for good
            LOG.log(Level.WARNING, "scratch check failed", e);
        }
    }

    /** Whether the worker has stopped claiming because its object store is unreachable. */
    public boolean pausedForStorage() {
        return gate.paused();
    }

    /** Renews every running task's lease now (the module schedules this every HEARTBEAT_SECONDS). */
    public void heartbeatOnce() {
        heartbeats.beat(running.values());
    }

    public int runningTasks() {
        return running.size();
    }

    /**
     * Stops claiming, lets running attempts finish for WORKER_GRACE_SECONDS (heartbeats continue), then
     * abandons the rest: they are cancelled and report nothing, their leases expire and they are retried.
     */
    @Override
    public void close() {
        synchronized (this) {
            closing = true;
        }
        executor.shutdown();
        try {
            closeRunning();
        } finally {
            scratchWatch.shutdownNow();
        }
    }

    private void closeRunning() {
        try {
            if (!executor.awaitTermination(settings.workerGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warning("abandoning " + running.size() + " running task(s) of " + nodeId
                        + " after the grace period; their leases will expire and they will be retried");
                running.values().forEach(TaskRun::abandon);
                executor.shutdownNow();
                executor.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            running.values().forEach(TaskRun::abandon);
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
