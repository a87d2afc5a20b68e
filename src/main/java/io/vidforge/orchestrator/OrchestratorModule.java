package io.vidforge.orchestrator;

import io.vidforge.Platform;
import io.vidforge.RoleModule;
import io.vidforge.tasks.PollingLoop;
import io.vidforge.tasks.TaskSettings;
import io.vidforge.tasks.TaskSignals;
import io.vidforge.tasks.TaskSignals.Channel;
import io.vidforge.tasks.TaskStore;

/**
 * The orchestrator role: one loop running {@link Orchestrator#runOnce()} every POLL_MILLIS and whenever
 * a task finishes anywhere (NOTIFY on PostgreSQL). ORCHESTRATOR_AUTOSTART=false leaves the loop off so
 * tests drive passes by hand.
 */
public final class OrchestratorModule implements RoleModule {
    private final TaskSettings settings;
    private final TaskSignals signals;
    private final Orchestrator orchestrator;
    private final PollingLoop loop;
    private final Runnable wakeLoop;

    public OrchestratorModule(Platform platform) {
        this.settings = TaskSettings.from(platform.settings());
        this.signals = TaskSignals.acquire(platform);
        this.orchestrator = new Orchestrator(platform, settings, TaskStore.of(platform, signals));
        this.loop = new PollingLoop("orchestrator-" + platform.nodeId(), settings.poll(), orchestrator::runOnce);
        this.wakeLoop = loop::wake; // one instance, so unsubscribe finds it
    }

    public Orchestrator orchestrator() {
        return orchestrator;
    }

    @Override
    public void start() {
        if (settings.orchestratorAutostart()) {
            signals.subscribe(Channel.ORCHESTRATE, wakeLoop);
            loop.start();
        }
    }

    @Override
    public void close() {
        signals.unsubscribe(Channel.ORCHESTRATE, wakeLoop);
        loop.close();
        orchestrator.close();
        signals.close();
    }
}
