package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The cut-through miss: what the request that caused it may send, and when. */
class ProgressiveReadTest {

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
    void a_whole_body_is_sent_whole_even_if_storing_it_failed() throws Exception {
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
