package io.vidforge.worker;

import io.vidforge.Platform;
import io.vidforge.RoleModule;
import io.vidforge.tasks.PollingLoop;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskSettings;
import io.vidforge.tasks.TaskSignals;
import io.vidforge.tasks.TaskSignals.Channel;
import io.vidforge.tasks.TaskStore;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The worker role: a loop that claims whenever a slot is free and work may be there (poll interval,
 * NOTIFY on PostgreSQL, a slot freed), and a heartbeat every HEARTBEAT_SECONDS. WORKER_AUTOSTART=false
 * leaves both off so tests drive {@link Worker#pollOnce()} and {@link Worker#heartbeatOnce()} by hand.
 */
public final class WorkerModule implements RoleModule {
    private static final Logger LOG = Logger.getLogger(WorkerModule.class.getName());

    private final TaskSettings settings;
    private final TaskSignals signals;
    private final PollingLoop loop;
    private final Runnable wakeLoop;
    private final Worker worker;
    private final ScheduledExecutorService heartbeat;

    public WorkerModule(Platform platform) {
        this(platform, Handlers.create(platform));
    }

    public WorkerModule(Platform platform, Map<TaskKind, TaskHandler> handlers) {
        this.settings = TaskSettings.from(platform.settings());
        this.signals = TaskSignals.acquire(platform);
        this.loop = new PollingLoop("worker-" + platform.nodeId(), settings.poll(), this::poll);
        this.wakeLoop = loop::wake; // one instance, so unsubscribe finds it
        this.worker = new Worker(platform, settings, TaskStore.of(platform, signals), handlers, wakeLoop);
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("heartbeat-" + platform.nodeId()).factory());
    }

    public Worker worker() {
        return worker;
    }

    /** A worker without a runnable ffmpeg/ffprobe cannot do its work: /health says so. */
    @Override
    public Map<String, java.util.function.BooleanSupplier> healthChecks() {
        return Map.of("ffmpeg", () -> {
            try {
                io.vidforge.media.FfmpegBinaries.get();
                return true;
            } catch (RuntimeException | LinkageError e) {
                return false;
            }
        });
    }

    private boolean poll() {
        worker.pollOnce();
        return false; // pollOnce already claims until slots or tasks run out
    }

    @Override
    public void start() {
        if (!settings.workerAutostart()) {
            return;
        }
        signals.subscribe(Channel.TASKS_READY, wakeLoop);
        loop.start();
        long every = settings.heartbeat().toMillis();
        heartbeat.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
    }

    private void beat() {
        try {
            worker.heartbeatOnce();
        } catch (RuntimeException e) { // an escaping exception would cancel the schedule for good
            LOG.log(Level.WARNING, "heartbeat pass failed", e);
        }
    }

    @Override
    public void close() {
        signals.unsubscribe(Channel.TASKS_READY, wakeLoop);
        loop.close();
        worker.close(); // heartbeats keep running through the grace period
        heartbeat.shutdownNow();
        signals.close();
    }
}
