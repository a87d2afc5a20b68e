package io.vidforge.media;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs programs on this machine. One thread drains stdout (feeding the listener and the stall
 * watchdog), one drains stderr into a bounded tail, and the calling thread waits on the process in
 * short timed waits, checking cancellation, the stall limit and the hard timeout between them.
 */
public final class LocalProcessRunner implements ProcessRunner {
    private static final Logger LOG = Logger.getLogger(LocalProcessRunner.class.getName());
    /** How quickly cancellation and stalls are noticed; each wait is a timed process wait, not a sleep. */
    private static final Duration CHECK_INTERVAL = Duration.ofMillis(100);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final Duration DRAIN_WAIT = Duration.ofSeconds(5);
    /** ffprobe's JSON for one file is kilobytes; this only stops a runaway program filling the heap. */
    private static final int MAX_CAPTURED_CHARS = 16 * 1024 * 1024;
    private static final int STDERR_TAIL_LINES = 20;

    private final Map<String, String> environment;

    /** {@code environment} is added to this JVM's environment for every process (e.g. LD_LIBRARY_PATH). */
    public LocalProcessRunner(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    @Override
    public ProcessResult run(List<String> command, RunControl control) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(environment);
        long start = System.nanoTime();
        Process process = pb.start();
        // ffmpeg reads commands from stdin; give it end-of-file so it never waits for a keypress.
        process.getOutputStream().close();

        StderrTail stderr = new StderrTail(STDERR_TAIL_LINES);
        StringBuilder stdout = new StringBuilder();
        AtomicLong lastProgress = new AtomicLong(start);
        String name = Path.of(command.get(0)).getFileName().toString();
        Thread outReader = drain(process.getInputStream(), name + "-stdout", line -> {
            if (control.stdout().onLine(line)) {
                lastProgress.set(System.nanoTime());
            }
            if (control.captureStdout()) {
                synchronized (stdout) {
                    if (stdout.length() < MAX_CAPTURED_CHARS) {
                        stdout.append(line).append('\n');
                    }
                }
            }
        });
        Thread errReader = drain(process.getErrorStream(), name + "-stderr", stderr::add);

        try {
            long deadline = start + control.timeout().toNanos();
            while (!process.waitFor(CHECK_INTERVAL.toNanos(), TimeUnit.NANOSECONDS)) {
                long now = System.nanoTime();
                if (control.cancelled().getAsBoolean()) {
                    throw abort(process, errReader, stderr, ProcessAbortedException.Reason.CANCELLED,
                            name + " cancelled");
                }
                if (now - deadline > 0) {
                    throw abort(process, errReader, stderr, ProcessAbortedException.Reason.TIMED_OUT,
                            name + " did not finish within " + control.timeout());
                }
                if (control.watchesStalls() && now - lastProgress.get() > control.stallTimeout().toNanos()) {
                    throw abort(process, errReader, stderr, ProcessAbortedException.Reason.STALLED,
                            name + " made no progress for " + control.stallTimeout());
                }
            }
        } catch (InterruptedException e) {
            killTree(process);
            throw e;
        }
        outReader.join(DRAIN_WAIT);
        errReader.join(DRAIN_WAIT);
        String captured;
        synchronized (stdout) {
            captured = stdout.toString();
        }
        return new ProcessResult(process.exitValue(), captured, stderr.toString(),
                Duration.ofNanos(System.nanoTime() - start));
    }

    private static ProcessAbortedException abort(Process process, Thread errReader, StderrTail stderr,
                                                 ProcessAbortedException.Reason reason, String message)
            throws InterruptedException {
        killTree(process);
        errReader.join(DRAIN_WAIT);
        LOG.log(Level.WARNING, "{0}; killed pid {1}", new Object[] {message, process.pid()});
        return new ProcessAbortedException(reason, message, stderr.toString());
    }

    /** Kills the process and anything it started; children are listed first, before they get reparented. */
    private static void killTree(Process process) throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        if (!process.waitFor(KILL_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
            LOG.log(Level.SEVERE, "pid {0} survived SIGKILL for {1}", new Object[] {process.pid(), KILL_WAIT});
        }
    }

    private static Thread drain(InputStream in, String threadName, Consumer<String> sink) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    try {
                        sink.accept(line);
                    } catch (RuntimeException e) {
                        // A listener bug must not stop draining, or the process blocks on a full pipe.
                        LOG.log(Level.WARNING, "output listener failed on '" + line + "'", e);
                    }
                }
            } catch (IOException e) {
                // The pipe closes when the process is killed; nothing more to read.
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
