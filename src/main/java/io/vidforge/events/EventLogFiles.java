package io.vidforge.events;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Names of event log files: the live {@code {nodeId}.jsonl} and its rotated predecessors
 * {@code {nodeId}.jsonl.1} (newest) … {@code .N} (oldest). Every reader of the logs (the report, the
 * test helpers, the bench) lists them through here, so a rotated line is read like any other.
 */
public final class EventLogFiles {
    private static final Pattern NAME = Pattern.compile("(.+\\.jsonl)(?:\\.([1-9][0-9]{0,5}))?");

    private EventLogFiles() {
    }

    static Path rotated(Path live, int generation) {
        return live.resolveSibling(live.getFileName() + "." + generation);
    }

    /** True for a live or rotated event log file name. */
    public static boolean isLogFile(Path p) {
        return NAME.matcher(p.getFileName().toString()).matches();
    }

    /**
     * Every live and rotated {@code *.jsonl} file under {@code dir} (to {@code maxDepth}), grouped by log
     * and in write order within each: oldest rotated file first, the live file last.
     */
    public static List<Path> list(Path dir, int maxDepth) {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir, maxDepth)) {
            walk.filter(p -> isLogFile(p) && Files.isRegularFile(p)).forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        files.sort(Comparator.comparing((Path p) -> live(p).toString()).thenComparing(p -> -generation(p)));
        return files;
    }

    private static Path live(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? p.resolveSibling(m.group(1)) : p;
    }

    /** 0 for the live file, n for {@code .n}. */
    private static int generation(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() && m.group(2) != null ? Integer.parseInt(m.group(2)) : 0;
    }
}
