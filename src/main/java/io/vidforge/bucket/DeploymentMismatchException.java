package io.vidforge.bucket;

/** The database and the bucket belong to different deployments: the node refuses to start (the message says how out). */
public final class DeploymentMismatchException extends IllegalStateException {
    public DeploymentMismatchException(String message) {
        super(message);
    }
}
