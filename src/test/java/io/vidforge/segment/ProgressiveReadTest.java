package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class ProgressiveReadTest {

    @Test
    void the_last_byte_waits_until_the_lookup_finished_so_a_repeat_request_finds_the_object_cached()
            throws Exception {
        ProgressiveRead read = new ProgressiveRead();
        read.begin(new byte[10]);
        read.advance(10); // the origin read is complete, but the cache does not hold the object yet
        assertEquals(9, read.awaitBeyond(0), "all but the last byte may go out");
        CompletableFuture<Integer> last = CompletableFuture.supplyAsync(() -> {
            try {
                return read.awaitBeyond(9);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThrows(TimeoutException.class, () -> last.get(200, TimeUnit.MILLISECONDS),
                "the last byte is held while the object is being stored");
        assertFalse(last.isDone());
        read.finish(null); // the lookup returned: the cache holds the object
        assertEquals(10, last.get(10, TimeUnit.SECONDS));
    }

    @Test
    void a_read_that_breaks_off_never_looks_complete() throws Exception {
        ProgressiveRead read = new ProgressiveRead();
        read.begin(new byte[10]);
        read.advance(6);
        read.finish(new IllegalStateException("the origin went away"));
        assertEquals(6, read.awaitBeyond(0));
        assertThrows(IllegalStateException.class, () -> read.awaitBeyond(6));
    }

    @Test
    void a_whole_body_whose_storing_failed_is_still_sent_whole() throws Exception {
        ProgressiveRead read = new ProgressiveRead();
        read.begin(new byte[10]);
        read.advance(10);
        read.finish(new IllegalStateException("storing failed"));
        assertEquals(10, read.awaitBeyond(9));
    }

    @Test
    void ranges_go_out_as_they_arrive() throws Exception {
        ProgressiveRead read = new ProgressiveRead();
        read.begin(new byte[ProgressiveRead.NOTIFY_BYTES * 3]);
        read.advance(ProgressiveRead.NOTIFY_BYTES);
        assertEquals(ProgressiveRead.NOTIFY_BYTES, read.awaitBeyond(0));
        read.advance(ProgressiveRead.NOTIFY_BYTES * 2);
        assertEquals(ProgressiveRead.NOTIFY_BYTES * 2, read.awaitBeyond(ProgressiveRead.NOTIFY_BYTES));
    }
}
