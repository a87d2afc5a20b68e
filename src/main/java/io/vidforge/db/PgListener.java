package io.vidforge.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * PostgreSQL LISTEN on its own connection (outside the pool, which must not lose a connection to an
 * endless wait), on one daemon thread that calls {@code onSignal} with the channel of each notification.
 * After every (re)connect it signals every channel once: notifications sent while it was not listening
 * are lost, and a spurious wake-up costs one poll. Polling stays the safety net either way.
 */
public final class PgListener implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PgListener.class.getName());
    private static final Pattern CHANNEL = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    /** How long one wait for notifications blocks; bounds how long close() waits for the thread. */
    private static final int WAIT_MILLIS = 250;

    private final String url;
    private final String user;
    private final String password;
    private final List<String> channels;
    private final Consumer<String> onSignal;
    private final Duration reconnectDelay;
    private final Thread thread;
    private volatile boolean closed;

    public PgListener(String url, String user, String password, List<String> channels, Consumer<String> onSignal,
                      Duration reconnectDelay, String threadName) {
        channels.forEach(PgListener::checkChannel);
        this.url = url;
        this.user = user;
        this.password = password;
        this.channels = List.copyOf(channels);
        this.onSignal = onSignal;
        this.reconnectDelay = reconnectDelay;
        this.thread = Thread.ofPlatform().daemon().name(threadName).unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    /** Queues a notification on {@code c}; PostgreSQL delivers it when (and only if) the transaction commits. */
    public static void send(Connection c, String channel) throws SQLException {
        checkChannel(channel);
        try (Statement s = c.createStatement()) {
            s.execute("NOTIFY " + channel);
        }
    }

    private void run() {
        boolean failing = false;
        while (!closed) {
            try (Connection c = DriverManager.getConnection(url, user, password)) {
                try (Statement s = c.createStatement()) {
                    for (String ch : channels) {
                        s.execute("LISTEN " + ch);
                    }
                }
                if (failing) {
                    LOG.info("listening on " + channels + " again");
                }
                failing = false;
                channels.forEach(this::signal);
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] received = pg.getNotifications(WAIT_MILLIS);
                    if (received != null) {
                        // Several notifications of one channel need one wake-up.
                        java.util.Arrays.stream(received).map(PGNotification::getName).distinct().forEach(this::signal);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                if (!failing) {
                    LOG.log(Level.WARNING, "LISTEN connection failed, retrying every " + reconnectDelay.toMillis()
                            + " ms (polling continues meanwhile): " + e.getMessage());
                }
                failing = true;
                sleep();
            }
        }
    }

    private void signal(String channel) {
        try {
            onSignal.accept(channel);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "wake-up handler failed for " + channel, e);
        }
    }

    private void sleep() {
        try {
            Thread.sleep(reconnectDelay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    private static void checkChannel(String channel) {
        // Channels are SQL identifiers spliced into LISTEN/NOTIFY; only constants of this form are allowed.
        if (!CHANNEL.matcher(channel).matches()) {
            throw new IllegalArgumentException("bad channel name " + channel);
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        if (thread.getState() == Thread.State.NEW) {
            return; // never started (loops are off in manually driven tests)
        }
        try {
            thread.join(Duration.ofMillis(WAIT_MILLIS * 4L));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
