package io.vidforge.orchestrator;

import io.vidforge.Platform;
import io.vidforge.RoleModule;
import io.vidforge.bucket.GcSettings;
import io.vidforge.config.Role;
import io.vidforge.tasks.PollingLoop;
import io.vidforge.tasks.TaskSettings;
import io.vidforge.tasks.TaskSignals;
import io.vidforge.tasks.TaskSignals.Channel;
import io.vidforge.tasks.TaskStore;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The orchestrator role: one loop running {@link Orchestrator#runOnce()} every POLL_MILLIS and whenever
 * a task finishes anywhere (NOTIFY on PostgreSQL), and the storage clean-up ({@link StorageCollector}) every
 * GC_INTERVAL_SECONDS while this node leads. ORCHESTRATOR_AUTOSTART=false leaves both off so tests drive
 * passes by hand.
 */
public final class OrchestratorModule implements RoleModule {
    private static final Logger LOG = Logger.getLogger(OrchestratorModule.class.getName());
    private final TaskSettings settings;
    private final TaskSignals signals;
    private final Orchestrator orchestrator;
    private final PollingLoop loop;
    private final Runnable wakeLoop;
    private final GcSettings gcSettings;
    private final StorageCollector collector;
    private final ScheduledExecutorService gcLoop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "storage-gc");
        t.setDaemon(true);
        return t;
    });

    public OrchestratorModule(Platform platform) {
        this.settings = TaskSettings.from(platform.settings());
        this.signals = TaskSignals.acquire(platform);
        this.orchestrator = new Orchestrator(platform, settings, TaskStore.of(platform, signals));
        this.loop = new PollingLoop("orchestrator-" + platform.nodeId(), settings.poll(), orchestrator::runOnce);
        this.wakeLoop = loop::wake; // one instance, so unsubscribe finds it
        this.gcSettings = GcSettings.from(platform.settings());
        this.collector = new StorageCollector(platform.store(), platform.sql(), platform.videos(), gcSettings,
                platform.events(Role.ORCHESTRATOR), platform.clock());
    }

    /** One clean-up pass if this node leads; a failed pass is retried at the next interval. */
    private void collectIfLeading() {
        if (!orchestrator.leading()) {
            return;
        }
        try {
            collector.runPass();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "storage clean-up pass failed; next one in " + gcSettings.interval(), e);
        }
    }

    public Orchestrator orchestrator() {
        return orchestrator;
    }

    /** The pass loop, for tests that must know it has gone idle. */
    PollingLoop loop() {
        return loop;
    }

    @Override
    public void start() {
        if (settings.orchestratorAutostart()) {
            signals.subscribe(Channel.ORCHESTRATE, wakeLoop);
            loop.start();
            if (gcSettings.enabled()) {
                long every = gcSettings.interval().toMillis();
                gcLoop.scheduleWithFixedDelay(this::collectIfLeading, every, every, TimeUnit.MILLISECONDS);
            }
        }
    }

    @Override
    public void close() {
        signals.unsubscribe(Channel.ORCHESTRATE, wakeLoop);
        gcLoop.shutdownNow();
        loop.close();
        orchestrator.close();
        signals.close();
    }
}
