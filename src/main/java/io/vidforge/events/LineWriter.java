package io.vidforge.events;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Appends finished lines to one file from one writer thread, so the threads that emit never wait for
 * the disk: a segment node writes three lines per request, and a write that stalls (measured: up to
 * 125 ms on a busy machine) used to hold the log's lock while every other request waited to log.
 *
 * <p>Guarantees: lines are appended whole (each {@code write(2)} carries whole lines only, to a file
 * opened for append) and never rewritten; none is dropped or reordered (one FIFO queue; when it is
 * full, emitters wait for room); a line is in the file, where a {@code kill -9} of the process cannot
 * take it back, as soon as the writer's next write returns: the writer writes whatever is queued at
 * once, with no timer and no buffering beyond one batch. {@link #close()} writes everything queued
 * before it returns.
 */
final class LineWriter implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LineWriter.class.getName());
    /** Lines that may wait for the writer (~350 bytes each): emitters wait beyond this. */
    static final int QUEUE_LINES = 16_384;
    /** One batch, one write: at most this many bytes (a longer single line is written on its own). */
    private static final int BATCH_BYTES = 256 * 1024;
    private static final byte[] STOP = new byte[0];
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    private final Path file;
    private final LogRotation rotation;
    private FileChannel channel; // only the writer thread (and close(), after it has stopped) touches it
    private long size;
    private final BlockingQueue<byte[]> queue;
    private final Thread writer;
    private final ByteBuffer batch = ByteBuffer.allocateDirect(BATCH_BYTES);
    // Appends between their check of `closed` and their put: close() waits for them before it queues STOP,
    // so no line can land behind STOP, where the writer would never see it.
    private final AtomicInteger appending = new AtomicInteger();
    private volatile boolean closed;
    private final Object ticketLock = new Object();
    private long queued; // guarded by ticketLock
    private final Object writtenMonitor = new Object();
    private long written; // guarded by writtenMonitor: lines handed to the file so far

    LineWriter(Path file, String threadName, LogRotation rotation) throws IOException {
        this(file, threadName, QUEUE_LINES, rotation);
    }

    /** With another queue bound (tests). */
    LineWriter(Path file, String threadName, int queueLines, LogRotation rotation) throws IOException {
        this.queue = new ArrayBlockingQueue<>(queueLines);
        this.file = file;
        this.rotation = rotation;
        this.channel = openChannel(file);
        this.size = channel.size();
        this.writer = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this::run);
        writer.start();
    }

    /**
     * Queues one line (it must end with a newline); waits while the queue is full.
     *
     * @return its ticket for {@link #awaitWritten}: lines are written in ticket order
     */
    long append(byte[] line) {
        long ticket = 0;
        appending.incrementAndGet();
        try {
            if (!closed) {
                // The ticket and the queue position are taken together, so tickets follow the file's order.
                synchronized (ticketLock) {
                    putUninterruptibly(line);
                    ticket = ++queued;
                }
            }
        } finally {
            appending.decrementAndGet();
        }
        if (ticket == 0) {
            appendAfterClose(line); // written when this returns
        }
        return ticket;
    }

    /**
     * Waits until the line with this ticket is in the file (or the timeout passes): for events that must be
     * on disk when their emitter goes on, as with a synchronous log, without holding a lock others need.
     */
    void awaitWritten(long ticket, Duration timeout) {
        if (ticket == 0) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        synchronized (writtenMonitor) {
            long left;
            while (written < ticket && (left = deadline - System.nanoTime()) > 0) {
                try {
                    writtenMonitor.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void putUninterruptibly(byte[] line) {
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(line);
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the line is still written; the interrupt is passed on
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lines queued and not yet handed to the file. */
    int pending() {
        return queue.size();
    }

    private void run() {
        List<byte[]> lines = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                lines.add(queue.take());
            } catch (InterruptedException e) {
                continue; // only close() stops the writer, through STOP, so nothing queued is lost
            }
            queue.drainTo(lines);
            stop = lines.removeIf(l -> l == STOP); // STOP is always last: see close()
            writeAll(lines);
            synchronized (writtenMonitor) {
                written += lines.size();
                writtenMonitor.notifyAll();
            }
            lines.clear();
        }
    }

    /**
     * Writes the lines in order, in as few writes as fit in one batch buffer each; when the next line
     * would take the file past the rotation limit, what is batched is written first and the file is
     * rotated between the two lines ({@link LogRotation}).
     */
    private void writeAll(List<byte[]> lines) {
        int i = 0;
        while (i < lines.size()) {
            batch.clear();
            int n = 0;
            while (i < lines.size()) {
                byte[] line = lines.get(i);
                long pending = batch.position();
                if (rotation.due(size + pending, line.length)) {
                    if (n > 0) {
                        break; // write what is batched, then rotate before this line
                    }
                    rotate();
                }
                if (line.length > batch.remaining()) {
                    if (n == 0) { // longer than a whole batch: on its own
                        write(ByteBuffer.wrap(line), 1);
                        i++;
                    }
                    break;
                }
                batch.put(line);
                i++;
                n++;
            }
            if (n > 0) {
                batch.flip();
                write(batch, n);
            }
        }
    }

    private void rotate() {
        try {
            channel.close();
            rotation.rotate(file);
        } catch (IOException e) {
            LOG.log(Level.SEVERE, "event log " + file + ": rotation failed; appending to the current file", e);
        }
        try {
            channel = openChannel(file);
            size = channel.size();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reopen event log " + file + " after rotation", e);
        }
    }

    private static FileChannel openChannel(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    private void write(ByteBuffer bytes, int lineCount) {
        try {
            while (bytes.hasRemaining()) {
                size += channel.write(bytes);
            }
        } catch (IOException e) {
            // Nothing better to do with lines the file system refuses (disk full): say so and go on, as
            // java.util.logging did; the node must not stop serving because its log cannot grow.
            LOG.log(Level.SEVERE, "event log " + file + ": " + lineCount + " line(s) not written", e);
        }
    }

    /**
     * After close (shutdown stragglers, rare): straight to the file on the caller's thread, once the
     * writer has written everything queued before, so the order still holds.
     */
    private synchronized void appendAfterClose(byte[] line) {
        try {
            writer.join(CLOSE_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.write(file, line, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.log(Level.SEVERE, "event log " + file + ": a line after close was not written", e);
        }
    }

    /** Writes everything queued, then closes the file. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        while (appending.get() > 0 && System.nanoTime() < deadline) {
            // An append that saw closed == false is putting its line (the writer keeps draining meanwhile).
            LockSupport.parkNanos(100_000);
        }
        append0(STOP);
        try {
            if (!writer.join(CLOSE_WAIT)) {
                LOG.severe("event log " + file + ": writer still busy after " + CLOSE_WAIT.toSeconds() + " s, "
                        + queue.size() + " line(s) queued");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void append0(byte[] line) {
        try {
            if (!queue.offer(line, CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.severe("event log " + file + ": queue stayed full for " + CLOSE_WAIT.toSeconds() + " s at close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
