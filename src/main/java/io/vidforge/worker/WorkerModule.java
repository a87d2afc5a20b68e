package io.vidforge.worker;

import io.vidforge.Platform;
import io.vidforge.RoleModule;

/** The worker role of a node. */
public final class WorkerModule implements RoleModule {
    private final Platform platform;

    public WorkerModule(Platform platform) {
        this.platform = platform;
    }
}
