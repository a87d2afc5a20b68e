package io.vidforge.orchestrator;

import io.vidforge.events.Events;
import io.vidforge.tasks.LeaderLease;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Decides, once per orchestrator pass, whether this node leads: it takes or renews the lease row and
 * logs LEADER_ELECTED / LEADER_LOST on changes. A renewal that fails (database unreachable) counts as
 * not leading: better a pass skipped than a pass run by a node that may no longer hold the lease.
 */
final class LeaderElector {
    private static final Logger LOG = Logger.getLogger(LeaderElector.class.getName());

    private final LeaderLease lease;
    private final String owner;
    private final Duration ttl;
    private final Events events;
    private volatile boolean leading;
    private long term;

    LeaderElector(LeaderLease lease, String owner, Duration ttl, Events events) {
        this.lease = lease;
        this.owner = owner;
        this.ttl = ttl;
        this.events = events;
    }

    /** Takes or renews the lease; true when this node leads until now + ttl. */
    synchronized boolean lead() {
        OptionalLong held;
        try {
            held = lease.acquire(owner, ttl);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "leader lease renewal failed: " + e.getMessage());
            held = OptionalLong.empty();
        }
        if (held.isPresent() && !leading) {
            term = held.getAsLong();
            events.event("LEADER_ELECTED").with("term", term).with("lease_ms", ttl.toMillis()).emit();
        } else if (held.isEmpty() && leading) {
            events.event("LEADER_LOST").with("term", term).with("reason", "lease held by another node or not renewed").emit();
        }
        leading = held.isPresent();
        return leading;
    }

    /** Hands the lease back on a clean shutdown so a standby takes over at its next pass. */
    synchronized void resign() {
        if (!leading) {
            return;
        }
        leading = false;
        try {
            lease.release(owner);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not release the leader lease; it expires in " + ttl.toSeconds() + " s", e);
        }
        events.event("LEADER_LOST").with("term", term).with("reason", "shutdown").emit();
    }

    boolean leading() {
        return leading;
    }
}
