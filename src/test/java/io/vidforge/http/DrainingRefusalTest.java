package io.vidforge.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class DrainingRefusalTest {

    @Test
    void behind_the_proxy_a_refusal_is_the_502_the_proxy_asks_for_and_nothing_else() {
        DrainingRefusal refusal = new DrainingRefusal(() -> true, true);
        assertEquals(502, refusal.statusFor("502"));
        assertEquals(502, refusal.statusFor(" 502 "));
        assertEquals(503, refusal.statusFor(null), "no header: the contract's 503");
        assertEquals(503, refusal.statusFor("500"), "no other status can be asked for");
        assertEquals(503, refusal.statusFor("200"));
        assertEquals(503, refusal.statusFor("502, 504"));
    }

    @Test
    void a_node_not_behind_the_proxy_answers_503_whatever_a_client_sends() {
        DrainingRefusal refusal = new DrainingRefusal(() -> true, false);
        assertEquals(503, refusal.statusFor("502"));
        assertEquals(503, refusal.statusFor(null));
    }

    @Test
    void draining_follows_the_node_flag() {
        AtomicBoolean flag = new AtomicBoolean();
        DrainingRefusal refusal = new DrainingRefusal(flag::get, true);
        assertFalse(refusal.draining());
        flag.set(true);
        assertTrue(refusal.draining());
    }
}
