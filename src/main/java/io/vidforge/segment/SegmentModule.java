package io.vidforge.segment;

import io.vidforge.Platform;
import io.vidforge.RoleModule;

/** The segment role of a node. */
public final class SegmentModule implements RoleModule {
    private final Platform platform;

    public SegmentModule(Platform platform) {
        this.platform = platform;
    }
}
