package io.vidforge.orchestrator;

import io.vidforge.Platform;
import io.vidforge.config.Role;
import io.vidforge.events.Events;
import io.vidforge.tasks.Backoff;
import io.vidforge.tasks.LeaderLease;
import io.vidforge.tasks.TaskOutcomes;
import io.vidforge.tasks.TaskSettings;
import io.vidforge.tasks.TaskStore;
import io.vidforge.tasks.TranscodeSplit;

/**
 * One orchestrator pass: lead (take or renew the lease), then plan new jobs, advance planned ones and
 * recover dead or hung tasks. Only the leader plans; standbys just try the lease every pass. Tests with
 * a manual clock call {@link #runOnce()} directly instead of running the loop.
 */
public final class Orchestrator implements AutoCloseable {
    private final LeaderElector elector;
    private final JobStarter starter;
    private final Planner planner;
    private final StuckTaskDetector detector;

    public Orchestrator(Platform platform, TaskSettings settings, TaskStore store) {
        Events events = platform.events(Role.ORCHESTRATOR);
        TaskOutcomes outcomes = new TaskOutcomes(store, Backoff.of(settings), events, platform.clock());
        this.elector = new LeaderElector(new LeaderLease(store.sql(), LeaderLease.ORCHESTRATOR), platform.nodeId(),
                settings.leaderLease(), events);
        this.starter = new JobStarter(store, events, platform.clock());
        this.planner = new Planner(store, outcomes, platform.ladder(),
                TranscodeSplit.parse(platform.settings().transcodeSplit()), platform.settings().chunkSeconds(),
                settings.maxAttempts(), events, platform.clock());
        this.detector = new StuckTaskDetector(store.tasks(), outcomes, settings.stall(), events);
    }

    /** One pass; true when it changed something, so the loop runs the next pass at once. */
    public boolean runOnce() {
        if (!elector.lead()) {
            return false;
        }
        int changed = starter.startPending();
        changed += planner.advancePlanned();
        changed += detector.run();
        return changed > 0;
    }

    public boolean leading() {
        return elector.leading();
    }

    /** Gives leadership up (a standby takes over at its next pass). */
    @Override
    public void close() {
        elector.resign();
    }
}
