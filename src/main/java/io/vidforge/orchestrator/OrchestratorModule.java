package io.vidforge.orchestrator;

import io.vidforge.Platform;
import io.vidforge.RoleModule;

/** The orchestrator role of a node. */
public final class OrchestratorModule implements RoleModule {
    private final Platform platform;

    public OrchestratorModule(Platform platform) {
        this.platform = platform;
    }
}
