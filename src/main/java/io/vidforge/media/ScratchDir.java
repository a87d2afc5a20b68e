package io.vidforge.media;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A directory for one task attempt's files, deleted with everything in it on close, whatever happened.
 * It lives inside the attempt's work directory, which the worker measures against WORK_DIR_MAX_BYTES
 * while the attempt runs (worker.ScratchQuota) and deletes afterwards as well.
 */
public final class ScratchDir implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ScratchDir.class.getName());

    private final Path dir;

    private ScratchDir(Path dir) {
        this.dir = dir;
    }

    /** A new, empty directory inside {@code parent} (created if missing). */
    public static ScratchDir in(Path parent, String purpose) throws IOException {
        Files.createDirectories(parent);
        return new ScratchDir(Files.createTempDirectory(parent, purpose + "-"));
    }

    public Path path() {
        return dir;
    }

    public Path resolve(String name) {
        return dir.resolve(name);
    }

    @Override
    public void close() {
        try {
            if (Files.exists(dir)) {
                MoreFiles.deleteRecursively(dir, RecursiveDeleteOption.ALLOW_INSECURE);
            }
        } catch (IOException e) {
            // Not fatal for the task; the worker removes its work directory after the attempt anyway.
            LOG.log(Level.WARNING, "could not delete " + dir, e);
        }
    }
}
