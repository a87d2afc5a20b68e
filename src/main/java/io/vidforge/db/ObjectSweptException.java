package io.vidforge.db;

/**
 * A row was about to refer to an object that the storage clean-up has already decided to delete (its mark
 * is SWEEPING). The transaction rolls back; the caller refers to other bytes (its own upload's object).
 */
public final class ObjectSweptException extends RuntimeException {
    private final String objectKey;

    public ObjectSweptException(String objectKey) {
        super("object " + objectKey + " is being removed by the storage clean-up");
        this.objectKey = objectKey;
    }

    public String objectKey() {
        return objectKey;
    }
}
