package io.vidforge.bucket;

import io.vidforge.db.DataAccessException;
import io.vidforge.db.Sql;
import io.vidforge.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * The deployment id shared by the database (table {@code deployment}) and the bucket (object
 * {@value #OBJECT_KEY}), checked by every node at start. They must agree: a database used with another
 * deployment's bucket (or a fresh one) would show videos whose objects are not there, and a fresh database
 * on an old bucket would let the clean-up take the old objects for garbage.
 *
 * <p>The first node of a new deployment writes the id to the database (the primary key picks one if
 * several start at once) and then to the bucket. So a database with an id but a bucket without one is a
 * start that has not finished writing, unless the database already has videos and the bucket nothing:
 * then the bucket is not this deployment's. An existing deployment from before the id existed (both
 * without one) is given one. {@code DEPLOYMENT_ADOPT=true} accepts the pairing as it is (the database's
 * id is written to the bucket) when the operator knows the objects are lost or elsewhere: fsck then lists
 * what is missing, and uploading the same bytes again repairs each video.
 */
public final class DeploymentId {
    public static final String OBJECT_KEY = "deployment-id";
    /** Setting that makes a mismatch a report rather than a refusal (fsck). */
    public static final String CHECK_SETTING = "DEPLOYMENT_CHECK";
    public static final String REPORT = "report";

    private final Sql sql;
    private final ObjectStore store;
    private final BooleanSupplier databaseHasVideos;

    public DeploymentId(Sql sql, ObjectStore store, BooleanSupplier databaseHasVideos) {
        this.sql = sql;
        this.store = store;
        this.databaseHasVideos = databaseHasVideos;
    }

    /**
     * Checks (and, if {@code write}, creates or adopts) the id; empty when database and bucket belong
     * together. fsck checks without writing.
     */
    public Optional<String> check(boolean adopt, boolean write) {
        adopt &= write;
        Optional<String> inDb = fromDatabase();
        Optional<String> inBucket = fromBucket();
        if (inDb.isPresent() && inBucket.isPresent()) {
            if (adopt && !inDb.equals(inBucket)) { // the operator accepts this pairing
                store.putBytes(OBJECT_KEY, inDb.get().getBytes(StandardCharsets.UTF_8), "text/plain");
                return Optional.empty();
            }
            return inDb.equals(inBucket) ? Optional.empty() : Optional.of(mismatch("belongs to deployment " + inDb.get()
                    + " but the bucket " + store.bucket() + " at " + store.endpoint() + " to deployment " + inBucket.get()));
        }
        boolean dbHasVideos = databaseHasVideos.getAsBoolean();
        boolean bucketHasObjects = store.hasObjects(ObjectReferences.RAW_PREFIX)
                || store.hasObjects(ObjectReferences.VIDEOS_PREFIX);
        if (inBucket.isPresent()) { // a database without an id next to a bucket with one
            if (!adopt && (dbHasVideos || bucketHasObjects)) {
                return Optional.of(mismatch("has no deployment id but the bucket " + store.bucket() + " at "
                        + store.endpoint() + " belongs to deployment " + inBucket.get() + (bucketHasObjects
                        ? " and holds its objects (a fresh database would take them for garbage)" : "")));
            }
            if (write) {
                insert(inBucket.get());
            }
            return Optional.empty();
        }
        if (inDb.isPresent() && dbHasVideos && !bucketHasObjects && !adopt) {
            return Optional.of(mismatch("belongs to deployment " + inDb.get() + " and has videos, but the bucket "
                    + store.bucket() + " at " + store.endpoint() + " is empty (a fresh store, e.g. a new DATA_DIR)"));
        }
        if (!write) {
            return Optional.empty();
        }
        String id = inDb.orElseGet(() -> insert(UUID.randomUUID().toString()));
        store.putBytes(OBJECT_KEY, id.getBytes(StandardCharsets.UTF_8), "text/plain");
        return Optional.empty();
    }

    public Optional<String> fromDatabase() {
        return sql.queryOne("SELECT id FROM deployment WHERE name = 'vidforge'", rs -> rs.getString(1));
    }

    public Optional<String> fromBucket() {
        return store.exists(OBJECT_KEY)
                ? Optional.of(new String(store.getBytes(OBJECT_KEY), StandardCharsets.UTF_8).strip())
                : Optional.empty();
    }

    /** Inserts the id unless another node did first; returns the id that won. */
    private String insert(String id) {
        try {
            sql.update("INSERT INTO deployment (name, id, created_at) VALUES ('vidforge', ?, ?)", id,
                    System.currentTimeMillis());
            return id;
        } catch (DataAccessException e) {
            if (e.isUniqueViolation()) {
                return fromDatabase().orElseThrow();
            }
            throw e;
        }
    }

    private static String mismatch(String detail) {
        return "The database " + detail + ". They do not belong together. Ways out: reset (point DB_URL at a"
                + " new, empty database, or S3_*/DATA_DIR back at the store this database belongs to), or adopt"
                + " (start once with DEPLOYMENT_ADOPT=true to accept this pairing; then ./run.sh fsck lists the"
                + " missing objects and uploading the same bytes again repairs each video).";
    }
}
