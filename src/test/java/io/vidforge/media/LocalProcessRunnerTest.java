package io.vidforge.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process seam with the real ffmpeg: errors explained, progress reported, hangs and cancels killed. */
class LocalProcessRunnerTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private final MediaTools tools = MediaTools.from(Settings.of(Map.of()));

    @TempDir
    Path dir;

    /** A 1-minute synthetic encode, read in real time: long enough to be interrupted. */
    private List<String> slowEncode() {
        return tools.ffmpeg(List.of("-v", "error", "-progress", "pipe:1", "-nostats", "-re",
                "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=60",
                "-c:v", "libx264", "-preset", "ultrafast", "-f", "null", "-"));
    }

    @Test
    void a_failing_ffmpeg_reports_its_stderr_tail() throws Exception {
        ProcessResult r = tools.run(tools.ffmpeg(List.of("-v", "error", "-i", dir.resolve("missing.mp4").toString(),
                "-f", "null", "-")), RunControl.capturing(LIMIT));
        assertFalse(r.succeeded());
        assertTrue(r.stderrTail().contains("No such file or directory"), r.stderrTail());
    }

    @Test
    void progress_reaches_one_and_never_goes_back() throws Exception {
        List<Double> fractions = new CopyOnWriteArrayList<>();
        ProcessResult r = tools.run(tools.ffmpeg(List.of("-v", "error", "-progress", "pipe:1", "-nostats",
                        "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=3",
                        "-c:v", "libx264", "-preset", "ultrafast", "-f", "null", "-")),
                RunControl.streaming(LIMIT, new FfmpegProgress(3.0, fractions::add)));
        assertTrue(r.succeeded(), r.stderrTail());
        assertFalse(fractions.isEmpty());
        assertEquals(1.0, fractions.get(fractions.size() - 1));
        for (int i = 1; i < fractions.size(); i++) {
            assertTrue(fractions.get(i) >= fractions.get(i - 1), fractions.toString());
        }
    }

    @Test
    void cancellation_kills_ffmpeg_promptly() {
        AtomicBoolean cancelled = new AtomicBoolean();
        List<Double> fractions = new CopyOnWriteArrayList<>();
        RunControl control = RunControl.streaming(LIMIT, new FfmpegProgress(60, f -> {
            fractions.add(f);
            // Cancel as soon as the encode is demonstrably under way, as a lost lease would.
            cancelled.set(true);
        })).cancelWhen(cancelled::get);
        ProcessAbortedException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(ProcessAbortedException.class, () -> tools.run(slowEncode(), control)));
        assertEquals(ProcessAbortedException.Reason.CANCELLED, e.reason());
        assertFalse(fractions.isEmpty());
        assertTrue(ProcessHandle.current().children().noneMatch(p -> p.info().command().orElse("").endsWith("ffmpeg")),
                "no ffmpeg child left running");
    }

    @Test
    void an_ffmpeg_whose_output_time_stops_advancing_is_killed_as_stalled() throws Exception {
        // ffmpeg opening a FIFO that no one writes blocks forever: a real hang, not a slow encode.
        Path fifo = dir.resolve("never-written");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertTrue(mk.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && mk.exitValue() == 0);
        RunControl control = RunControl.streaming(LIMIT, new FfmpegProgress(10, f -> { }))
                .stallAfter(Duration.ofMillis(1500));
        ProcessAbortedException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(ProcessAbortedException.class, () -> tools.run(tools.ffmpeg(List.of(
                        "-v", "error", "-progress", "pipe:1", "-f", "s16le", "-i", fifo.toString(), "-f", "null", "-")),
                        control)));
        assertEquals(ProcessAbortedException.Reason.STALLED, e.reason());
        assertTrue(e.getMessage().contains("made no progress"), e.getMessage());
    }

    @Test
    void the_hard_timeout_kills_a_process_that_keeps_progressing_too_long() {
        RunControl control = RunControl.streaming(Duration.ofMillis(1500), new FfmpegProgress(60, f -> { }))
                .stallAfter(Duration.ofSeconds(30));
        ProcessAbortedException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(ProcessAbortedException.class, () -> tools.run(slowEncode(), control)));
        assertEquals(ProcessAbortedException.Reason.TIMED_OUT, e.reason());
    }
}
