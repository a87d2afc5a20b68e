package io.vidforge.upload;

import io.helidon.webserver.http.HttpRouting;
import io.vidforge.Platform;
import io.vidforge.RoleModule;
import io.vidforge.config.Role;

/** The upload role: uploads in, and the videos API (stateless: everything lives in the database and S3). */
public final class UploadModule implements RoleModule {
    private final Platform platform;

    public UploadModule(Platform platform) {
        this.platform = platform;
    }

    @Override
    public void routing(HttpRouting.Builder routing) {
        routing.register("/upload", new UploadService(new UploadIngest(platform), platform.settings().maxUploadBytes()));
        routing.register("/videos", new VideoApiService(platform.videos(), platform.events(Role.UPLOAD)));
    }
}
