package io.vidforge.tasks;

import io.vidforge.Platform;
import io.vidforge.db.Database;
import io.vidforge.db.PgListener;
import io.vidforge.db.Sql;
import java.time.Duration;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Wake-ups between loops. A transaction that makes work available signals a channel: on PostgreSQL a
 * NOTIFY inside the transaction (delivered to every node on commit, received by one {@link PgListener}
 * per node); in this node directly after the commit (the only way on H2). Subscribers are loops' wake()
 * methods. Signals are hints: polling finds everything anyway.
 *
 * <p>One instance per node: roles of one process share it through {@link #acquire(Platform)}, counted so
 * the last {@link #close()} stops the listener. (Platform could own it directly; see docs/orchestration.md.)
 */
public final class TaskSignals implements AutoCloseable {
    public enum Channel {
        /** Tasks became claimable: workers. */
        TASKS_READY("vidforge_tasks_ready"),
        /** Something for the planner: a task finished or failed, a job appeared. */
        ORCHESTRATE("vidforge_orchestrate");

        final String pgName;

        Channel(String pgName) {
            this.pgName = pgName;
        }

        /** The PostgreSQL channel name, for {@code NOTIFY} from code outside this package. */
        public String pgName() {
            return pgName;
        }
    }

    private static final Map<Database, TaskSignals> PER_NODE = new IdentityHashMap<>();

    private final Platform platform;
    private final Map<Channel, List<Runnable>> subscribers = new EnumMap<>(Channel.class);
    private PgListener listener;
    private int references;

    private TaskSignals(Platform platform) {
        this.platform = platform;
        for (Channel ch : Channel.values()) {
            subscribers.put(ch, new CopyOnWriteArrayList<>());
        }
    }

    public static TaskSignals acquire(Platform platform) {
        synchronized (PER_NODE) {
            TaskSignals s = PER_NODE.computeIfAbsent(platform.db(), db -> new TaskSignals(platform));
            s.references++;
            return s;
        }
    }

    /** Runs {@code work} in one transaction that signals {@code channel} when it commits. */
    public <T> T transaction(Sql sql, Channel channel, Sql.Work<T> work) {
        T result = sql.inTransaction(c -> {
            T r = work.run(c);
            if (platform.db().isPostgres()) {
                PgListener.send(c, channel.pgName);
            }
            return r;
        });
        wakeLocal(channel);
        return result;
    }

    /** Calls {@code wake} whenever {@code channel} is signalled, by this node or (PostgreSQL) any other. */
    public void subscribe(Channel channel, Runnable wake) {
        subscribers.get(channel).add(wake);
        synchronized (PER_NODE) {
            if (listener == null && platform.db().isPostgres()) {
                listener = new PgListener(platform.settings().dbUrl(), platform.settings().dbUser(),
                        platform.settings().dbPassword(), List.of(Channel.TASKS_READY.pgName, Channel.ORCHESTRATE.pgName),
                        this::wakeFromPg, Duration.ofSeconds(1), "pg-listen-" + platform.nodeId());
                listener.start();
            }
        }
    }

    public void unsubscribe(Channel channel, Runnable wake) {
        subscribers.get(channel).remove(wake);
    }

    private void wakeFromPg(String pgName) {
        for (Channel ch : Channel.values()) {
            if (ch.pgName.equals(pgName)) {
                wakeLocal(ch);
            }
        }
    }

    private void wakeLocal(Channel channel) {
        subscribers.get(channel).forEach(Runnable::run);
    }

    @Override
    public void close() {
        synchronized (PER_NODE) {
            if (--references > 0) {
                return;
            }
            PER_NODE.remove(platform.db());
            if (listener != null) {
                listener.close();
                listener = null;
            }
        }
    }
}
