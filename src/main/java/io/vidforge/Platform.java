package io.vidforge;

import io.vidforge.bucket.DeploymentId;
import io.vidforge.bucket.DeploymentMismatchException;
import io.vidforge.config.Role;
import io.vidforge.config.Settings;
import io.vidforge.db.Database;
import io.vidforge.db.DatabaseClock;
import io.vidforge.db.PgListener;
import io.vidforge.db.Sql;
import io.vidforge.db.VideoRepository;
import io.vidforge.events.EventLog;
import io.vidforge.events.Events;
import io.vidforge.http.DrainingRefusal;
import io.vidforge.media.Ladder;
import io.vidforge.storage.EmbeddedS3;
import io.vidforge.storage.ObjectStore;
import io.vidforge.tasks.JobRepository;
import io.vidforge.tasks.TaskSignals;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * The shared parts one process uses, whatever its roles: settings, clock, database, object store and
 * event log. Roles get everything from here and talk to each other only through the database, S3 and
 * HTTP, exactly as they do across machines.
 */
public final class Platform implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Platform.class.getName());

    private final Settings settings;
    private final String nodeId;
    private final Clock clock;
    private final EmbeddedS3 embeddedS3;
    private final ObjectStore store;
    private final Database db;
    private final Sql sql;
    private final VideoRepository videos;
    private final JobRepository jobs;
    private final EventLog eventLog;
    private final Ladder ladder;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final DrainingRefusal drainingRefusal;
    private Optional<String> deploymentProblem = Optional.empty();

    private Platform(Settings settings, String nodeId, Clock clock, EmbeddedS3 embeddedS3, ObjectStore store,
                     Database db, EventLog eventLog) {
        this.settings = settings;
        this.nodeId = nodeId;
        this.clock = clock;
        this.embeddedS3 = embeddedS3;
        this.store = store;
        this.db = db;
        // Leases run on the database's clock; a test whose clock moves by hand stands it in for that too.
        this.sql = new Sql(db.dataSource(), clock instanceof DatabaseClock byHand ? byHand : DatabaseClock.SERVER);
        // On PostgreSQL a NOTIFY in the job's own transaction wakes the leading orchestrator at commit;
        // on H2 (one process) the orchestrator's poll finds it within POLL_MILLIS.
        this.jobs = new JobRepository(sql, c -> {
            if (db.isPostgres()) {
                PgListener.send(c, TaskSignals.Channel.ORCHESTRATE.pgName());
            }
        });
        this.videos = new VideoRepository(sql, clock, jobs);
        this.eventLog = eventLog;
        this.ladder = Ladder.from(settings);
        this.drainingRefusal = new DrainingRefusal(draining::get, settings.flag("BEHIND_PROXY", false));
    }

    public static Platform open(Settings settings, String nodeId, Clock clock) {
        EmbeddedS3 embedded = null;
        Database db = null;
        EventLog log = null;
        try {
            String endpoint;
            if (settings.s3Endpoint().isPresent()) {
                endpoint = settings.s3Endpoint().get();
            } else {
                embedded = EmbeddedS3.start(settings.dataDir().resolve("s3"), settings.embeddedS3Port(),
                        settings.s3AccessKey(), settings.s3SecretKey());
                endpoint = embedded.endpoint();
                LOG.info("embedded S3 at " + endpoint + " storing under " + settings.dataDir().resolve("s3"));
            }
            ObjectStore store = new ObjectStore(endpoint, settings.s3AccessKey(), settings.s3SecretKey(),
                    settings.s3Region(), settings.s3Bucket());
            store.ensureBucket();
            db = Database.open(settings.dbUrl(), settings.dbUser(), settings.dbPassword(), settings.dbPoolSize(),
                    new Database.SessionLimits(settings.seconds("DB_IDLE_IN_TRANSACTION_SECONDS", 10),
                            settings.seconds("DB_LOCK_TIMEOUT_SECONDS", 30)));
            log = EventLog.open(settings.logDir(), nodeId, settings.logMaxBytes(), settings.logKeepFiles());
            Platform p = new Platform(settings, nodeId, clock, embedded, store, db, log);
            boolean reportOnly = DeploymentId.REPORT.equals(settings.string(DeploymentId.CHECK_SETTING, ""));
            p.deploymentProblem = new DeploymentId(p.sql, store, p.videos::any).check(settings.flag("DEPLOYMENT_ADOPT", false),
                    !reportOnly);
            if (p.deploymentProblem.isPresent() && !reportOnly) {
                log = null;
                db = null;
                embedded = null;
                p.close();
                throw new DeploymentMismatchException(p.deploymentProblem.get());
            }
            return p;
        } catch (RuntimeException e) {
            if (log != null) {
                log.close();
            }
            if (db != null) {
                db.close();
            }
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    public Settings settings() { return settings; }
    public String nodeId() { return nodeId; }
    public Clock clock() { return clock; }
    public ObjectStore store() { return store; }
    public Database db() { return db; }
    public Sql sql() { return sql; }
    public VideoRepository videos() { return videos; }
    public JobRepository jobs() { return jobs; }
    public EventLog eventLog() { return eventLog; }
    public Ladder ladder() { return ladder; }

    /** Why database and bucket do not belong together (only when opened to report it, as fsck is). */
    public Optional<String> deploymentProblem() {
        return deploymentProblem;
    }

    public Events events(Role role) {
        return eventLog.forRole(role.id());
    }

    /** Set when the node was asked to stop: it refuses new work while in-flight work finishes. */
    public AtomicBoolean draining() {
        return draining;
    }

    /** How this node refuses requests while draining (the status depends on the proxy in front). */
    public DrainingRefusal drainingRefusal() {
        return drainingRefusal;
    }

    @Override
    public void close() {
        eventLog.close();
        db.close();
        if (embeddedS3 != null) {
            embeddedS3.close();
        }
    }
}
