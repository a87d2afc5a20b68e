package io.vidforge.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.model.VideoStatus;
import io.vidforge.testing.Await;
import io.vidforge.testing.Http;
import io.vidforge.testing.ManualClock;
import io.vidforge.testing.SampleBytes;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.WebhookReceiver;
import io.vidforge.testing.WebhookReceiver.Answer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Webhook delivery from the outbox to a real HTTP receiver that fails, times out, answers slowly and goes
 * away: every event arrives (at least once), signed, in order per video; one that never gets through is
 * dead after WEBHOOK_MAX_AGE_SECONDS and visible.
 */
@Tag("db")
class WebhookDeliveryTest {
    static final String SECRET = "whsec_test_0123456789";

    private final WebhookReceiver receiver = WebhookReceiver.start();
    private Node node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
        receiver.close();
    }

    @Test
    void every_event_arrives_signed_and_in_order_per_video_through_errors_timeouts_and_slow_answers() {
        // Per event: the first attempt gets a 500, the second no answer within the sender's timeout, the
        // third a slow 2xx; every third event goes through at once.
        receiver.behave((id, attempt) -> Math.floorMod(id.hashCode(), 3) == 0 ? new Answer(204, 50) : switch (attempt) {
            case 1 -> new Answer(500, 0);
            case 2 -> new Answer(200, 900);
            default -> new Answer(200, 150);
        });
        node = start(Clock.systemUTC(), Map.of("WEBHOOK_TIMEOUT_SECONDS", "0.4",
                "WEBHOOK_BACKOFF_BASE_SECONDS", "0.05", "WEBHOOK_BACKOFF_MAX_SECONDS", "0.2"));
        List<String> videos = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String id = upload(i);
            videos.add(id);
            move(id, VideoStatus.UPLOADED, VideoStatus.PROCESSING);
            if (i % 2 == 0) {
                publish(id);
            } else {
                fail(id);
            }
        }
        List<JsonNode> outbox = outbox();
        assertEquals(12, outbox.size(), "three changes per video, one event each");
        Await.until(Duration.ofSeconds(60), "every delivery acknowledged in time (SENT)", () -> node.platform().sql()
                .queryOne("SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'SENT'", rs -> rs.getLong(1))
                .orElse(0L) == outbox.size());

        assertEquals(outbox.stream().map(e -> e.get("id").asText()).collect(java.util.stream.Collectors.toSet()),
                receiver.acknowledged(), "exactly the outbox's events, none lost, none invented");
        for (WebhookReceiver.Received r : receiver.received()) {
            assertTrue(WebhookSignature.verify(SECRET, r.signature(), r.body()), "signature of " + r.body());
            assertFalse(WebhookSignature.verify("another secret", r.signature(), r.body()));
        }
        Map<String, List<String>> expected = new LinkedHashMap<>();
        outbox.forEach(e -> expected.computeIfAbsent(e.get("video_id").asText(), k -> new ArrayList<>())
                .add(e.get("id").asText()));
        for (String v : videos) {
            assertEquals(expected.get(v), distinctInOrder(receiver.arrivalsByVideo().get(v)),
                    "events of " + v + " arrive in the order of their changes, a later one only after"
                            + " the earlier ones were acknowledged");
            assertEquals(List.of("video.uploaded", "video.processing", v.equals(videos.get(1)) || v.equals(videos.get(3))
                    ? "video.failed" : "video.ready"), expected.get(v).stream().map(id -> typeOf(outbox, id)).toList());
        }
        assertTrue(receiver.received().size() > outbox.size(), "some deliveries were retried");
        // A row turns SENT in the database before the dispatcher logs WEBHOOK_SENT, which the counter counts.
        Await.until(Duration.ofSeconds(10), "every sent delivery counted", () -> Http.get(node.baseUri()
                .resolve("/metrics")).text().contains("vidforge_webhook_deliveries_total{outcome=\"sent\"} 12"));
        String metrics = Http.get(node.baseUri().resolve("/metrics")).text();
        assertTrue(metrics.contains("vidforge_webhook_deliveries_total{outcome=\"failed\"}"), metrics);
    }

    @Test
    void a_receiver_down_for_an_hour_gets_the_whole_backlog_in_order_when_it_returns() {
        ManualClock clock = ManualClock.startingNow();
        receiver.stop(); // connection refused from the start
        node = start(clock, Map.of("WEBHOOK_BACKOFF_BASE_SECONDS", "60", "WEBHOOK_BACKOFF_MAX_SECONDS", "600"));
        List<String> videos = List.of(upload(10), upload(11));
        videos.forEach(v -> move(v, VideoStatus.UPLOADED, VideoStatus.PROCESSING));
        publish(videos.get(0));
        int events = outbox().size();
        for (int minute = 0; minute <= 60; minute += 10) {
            awaitNothingDue(clock);
            clock.advance(Duration.ofMinutes(10)); // the backoff is capped at 10 minutes: all due again
        }
        awaitNothingDue(clock); // the last round's attempts, all refused, before the receiver returns
        List<Integer> attempts = Http.get(node.baseUri().resolve("/admin/webhooks?state=pending")).json()
                .get("deliveries").findValues("attempts").stream().map(JsonNode::asInt).sorted().toList();
        assertEquals(events, attempts.size());
        assertTrue(attempts.get(attempts.size() - 2) >= 5, "each video's first event retried all along the hour: " + attempts);
        assertEquals(0, attempts.get(attempts.size() - 3), "the later ones wait behind it, never sent early: " + attempts);
        receiver.restart();
        clock.advance(Duration.ofMinutes(10));
        Await.until(Duration.ofSeconds(30), "the backlog to be delivered", () -> receiver.acknowledged().size() == events);
        for (String v : videos) {
            List<String> arrived = receiver.arrivalsByVideo().get(v);
            assertEquals(arrived, distinctInOrder(arrived), "each event once, in order, once the receiver is back");
            assertEquals(outboxIds(v), arrived);
        }
    }

    @Test
    void a_delivery_failing_past_its_max_age_is_dead_visible_and_no_longer_holds_back_the_next() {
        ManualClock clock = ManualClock.startingNow();
        receiver.behave((id, attempt) -> new Answer(503, 0));
        node = start(clock, Map.of("WEBHOOK_BACKOFF_BASE_SECONDS", "60", "WEBHOOK_BACKOFF_MAX_SECONDS", "600",
                "WEBHOOK_MAX_AGE_SECONDS", "3600"));
        String video = upload(20);
        String first = outboxIds(video).get(0);
        for (int i = 0; i < 8; i++) {
            awaitNothingDue(clock);
            clock.advance(Duration.ofMinutes(10));
        }
        Await.until(Duration.ofSeconds(10), "the delivery to be dead", () ->
                Http.get(node.baseUri().resolve("/admin/webhooks?state=dead")).json().get("deliveries").size() == 1);
        JsonNode dead = Http.get(node.baseUri().resolve("/admin/webhooks?state=dead")).json().get("deliveries").get(0);
        assertEquals(first, dead.get("event_id").asText());
        assertEquals(503, dead.get("last_status").asInt());
        // The row turns DEAD in the database before the dispatcher logs WEBHOOK_DEAD, which the counter counts.
        Await.until(Duration.ofSeconds(10), "the dead delivery counted", () -> Http.get(node.baseUri()
                .resolve("/metrics")).text().contains("vidforge_webhook_deliveries_total{outcome=\"dead\"} 1"));
        String metrics = Http.get(node.baseUri().resolve("/metrics")).text();
        assertTrue(metrics.contains("vidforge_webhook_deliveries{state=\"dead\"} 1"), metrics);

        receiver.behave((id, attempt) -> Answer.ok());
        move(video, VideoStatus.UPLOADED, VideoStatus.PROCESSING);
        Await.until(Duration.ofSeconds(30), "the next event of the video to be delivered",
                () -> receiver.acknowledged().contains(outboxIds(video).get(1)));
        assertFalse(receiver.acknowledged().contains(first), "a dead delivery is not sent again");
    }

    @Test
    void events_and_deliveries_older_than_twice_the_max_age_are_pruned_and_younger_ones_kept() {
        ManualClock clock = ManualClock.startingNow();
        node = start(clock, Map.of("WEBHOOK_MAX_AGE_SECONDS", "3600"));
        String old = upload(30);
        Await.until(Duration.ofSeconds(20), "the first event delivered", () -> receiver.acknowledged().size() == 1);
        clock.advance(Duration.ofMinutes(90));
        String young = upload(31);
        Await.until(Duration.ofSeconds(20), "the second event delivered", () -> receiver.acknowledged().size() == 2);
        clock.advance(Duration.ofMinutes(40)); // the first event is 130 min old, over twice the max age
        Await.until(Duration.ofSeconds(20), "the old rows pruned", () -> outboxIds(old).isEmpty());
        assertEquals(1, outboxIds(young).size(), "the younger event is kept");
        assertEquals(1L, node.platform().sql().queryOne("SELECT COUNT(*) FROM webhook_deliveries", rs -> rs.getLong(1))
                .orElse(0L), "only the younger event's delivery is left");
    }

    // ---- helpers ------------------------------------------------------------------------------

    private Node start(Clock clock, Map<String, String> overrides) {
        Map<String, String> o = new HashMap<>(Map.of("WEBHOOK_URLS", receiver.url().toString(), "WEBHOOK_SECRET", SECRET,
                "WEBHOOK_POLL_SECONDS", "0.05", "WEBHOOK_TIMEOUT_SECONDS", "5",
                "WEBHOOK_LEASE_SECONDS", Long.toString(LEASE.toSeconds())));
        o.putAll(overrides);
        return TestNodes.start(TestNodes.environment("webhooks"), "upload-1", Set.of(Role.UPLOAD), o, clock);
    }

    /**
     * The deliveries' lease: more than twice the 5 s request timeout, as the product requires, and shorter
     * than the shortest retry delay of the tests that move the clock (half of their 60 s backoff base), so
     * a claimed delivery and a failed one never look alike to {@link #awaitNothingDue}.
     */
    private static final Duration LEASE = Duration.ofSeconds(20);

    /**
     * Waits until the dispatcher has tried every delivery that is due at the manual clock's time, and has
     * recorded the outcome of each: a claimed delivery is PENDING with its lease as next_at (now < next_at
     * <= now + lease), and its outcome, read at the clock's time when the request ends, would otherwise be
     * scheduled from a clock the test has moved on meanwhile.
     */
    private void awaitNothingDue(ManualClock clock) {
        Await.until(Duration.ofSeconds(20), "no delivery due or in flight", () -> node.platform().sql().queryOne(
                "SELECT COUNT(*) FROM webhook_deliveries d WHERE d.state = 'PENDING' AND d.next_at <= ?"
                        + " AND NOT EXISTS (" + DeliveryRepository.EARLIER_PENDING + ")",
                rs -> rs.getLong(1), clock.millis()).orElse(0L) == 0
                && node.platform().sql().queryOne("SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'PENDING'"
                + " AND next_at > ? AND next_at <= ?", rs -> rs.getLong(1), clock.millis(),
                clock.millis() + LEASE.toMillis()).orElse(0L) == 0
                && node.platform().sql().queryOne("SELECT COUNT(*) FROM webhook_events e WHERE NOT EXISTS"
                + " (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = e.seq)", rs -> rs.getLong(1)).orElse(0L) == 0);
    }

    private String upload(int seed) {
        Http.Response r = Http.post(node.baseUri().resolve("/upload"), SampleBytes.pseudoMp4(20_000, 700 + seed), "video/mp4");
        assertEquals(201, r.status(), r.text());
        return r.json().get("video_id").asText();
    }

    private void move(String id, VideoStatus from, VideoStatus to) {
        assertTrue((boolean) node.platform().sql().<Boolean>inTransaction(c -> node.platform().videos().transition(c, id, 1, from, to, "test")));
    }

    private void publish(String id) {
        assertTrue((boolean) node.platform().sql().<Boolean>inTransaction(c -> node.platform().videos().publish(c, id, 1, List.of(),
                "transcode/" + id + "/", null)));
    }

    private void fail(String id) {
        assertTrue((boolean) node.platform().sql().<Boolean>inTransaction(c -> node.platform().videos().fail(c, id, 1, "INVALID_MEDIA",
                "not a video")));
    }

    private List<JsonNode> outbox() {
        return node.platform().sql().query("SELECT body FROM webhook_events ORDER BY seq", rs -> rs.getString(1))
                .stream().map(b -> io.vidforge.json.Json.read(b, JsonNode.class)).toList();
    }

    private List<String> outboxIds(String video) {
        return node.platform().sql().query("SELECT event_id FROM webhook_events WHERE video_id = ? ORDER BY seq",
                rs -> rs.getString(1), video);
    }

    private static String typeOf(List<JsonNode> outbox, String id) {
        return outbox.stream().filter(e -> e.get("id").asText().equals(id)).findFirst().orElseThrow()
                .get("type").asText();
    }

    /** The ids in arrival order with retries folded: equal to the outbox order iff no event overtook another. */
    static List<String> distinctInOrder(List<String> arrivals) {
        List<String> out = new ArrayList<>();
        for (String a : arrivals) {
            if (out.isEmpty() || !out.get(out.size() - 1).equals(a)) {
                out.add(a);
            }
        }
        return out;
    }
}
