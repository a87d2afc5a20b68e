package io.vidforge.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.db.DataAccessException;
import io.vidforge.testing.Await;
import io.vidforge.testing.ChildNode;
import io.vidforge.testing.ClusterQueries;
import io.vidforge.testing.Http;
import io.vidforge.testing.SampleBytes;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.WebhookReceiver;
import io.vidforge.webhooks.WebhookSignature;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * Webhooks under failure, on a PostgreSQL of the test's own: the node delivering an event is SIGKILLed
 * while the receiver holds the request, another node (an orchestrator) takes the delivery over once its
 * lease ends, PostgreSQL is restarted while deliveries run, and the killed node comes back. Every event
 * of the outbox is acknowledged, none is lost, each video's events arrive in order, every signature
 * verifies, and the interrupted one was delivered again (at least once).
 */
class WebhookChaosTest {
    private static final String SECRET = "whsec_chaos";

    @Test
    void delivering_node_killed_mid_delivery_and_postgresql_restarted_every_event_arrives_in_order_signed()
            throws Exception {
        try (PrivatePostgres pg = PrivatePostgres.start(); WebhookReceiver receiver = WebhookReceiver.start()) {
            ClusterQueries db = ClusterQueries.postgres(pg.jdbcUrl("postgres"));
            receiver.behave((id, attempt) -> new WebhookReceiver.Answer(200, 40)); // a receiver that takes its time
            Map<String, String> env = new HashMap<>(TestNodes.environment("webhook-chaos"));
            env.putAll(Map.of("DB_URL", pg.jdbcUrl("postgres"), "DB_USER", "postgres", "DB_PASSWORD", "",
                    "WEBHOOK_URLS", receiver.url().toString(), "WEBHOOK_SECRET", SECRET,
                    "WEBHOOK_TIMEOUT_SECONDS", "2", "WEBHOOK_LEASE_SECONDS", "3", "WEBHOOK_POLL_SECONDS", "0.1",
                    "WEBHOOK_BACKOFF_BASE_SECONDS", "0.2", "WEBHOOK_BACKOFF_MAX_SECONDS", "1"));
            env.putAll(Map.of("POLL_MILLIS", "200", "LEADER_LEASE_SECONDS", "3"));
            receiver.holdNext();
            ChildNode upload = child(env, "upload-1", "upload");
            List<String> videos = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                videos.add(upload(upload.baseUri(), i));
            }
            assertTrue(receiver.awaitHolding(30), "a delivery is in flight");
            upload.kill(); // SIGKILL while the receiver holds its request
            receiver.release(); // answered to a dead sender: it never learned, so the event must come again

            // Only the node to be killed needs a process of its own; the others run in this JVM (faster to start).
            try (Node orchestrator = TestNodes.start(env, "orchestrator-1", Set.of(Role.ORCHESTRATOR))) {
                // The orchestrator starts every job (uploaded -> processing: one more event per video)
                // and delivers too, taking over the killed node's delivery after its lease.
                Await.until(Duration.ofSeconds(60), "job starts and deliveries by the orchestrator",
                        () -> count(db, ClusterQueries::webhookEvents) == 6
                                && count(db, ClusterQueries::webhookDeliveriesSent) >= 2);
                pg.stopServer();
                Thread.sleep(2000); // the outage's length: deliveries meanwhile fail to be claimed or recorded
                pg.startServer();
                try (Node again = TestNodes.start(env, "upload-1", Set.of(Role.UPLOAD))) {
                    for (int i = 3; i < 5; i++) {
                        videos.add(upload(again.baseUri(), i));
                    }
                    Await.until(Duration.ofSeconds(90), "every event delivered and recorded as sent",
                            () -> count(db, ClusterQueries::webhookEvents) == 10
                                    && count(db, ClusterQueries::webhookDeliveriesSent) == 10);
                }
            }

            Map<String, List<String>> outbox = db.webhookEventsByVideo();
            Set<String> all = new HashSet<>();
            outbox.values().forEach(all::addAll);
            assertEquals(all, receiver.acknowledged(), "every outbox event acknowledged, none lost or invented");
            for (String v : videos) {
                assertEquals(outbox.get(v), distinct(receiver.arrivalsByVideo().get(v)), "order of " + v);
            }
            for (WebhookReceiver.Received r : receiver.received()) {
                assertTrue(WebhookSignature.verify(SECRET, r.signature(), r.body()), r.body());
            }
            String held = receiver.received().get(0).eventId();
            assertTrue(receiver.received().stream().filter(r -> r.eventId().equals(held)).count() >= 2,
                    "the delivery cut by the SIGKILL was made again");
        }
    }

    private static ChildNode child(Map<String, String> env, String id, String role) {
        Map<String, String> e = new HashMap<>(env);
        e.put("NODE_ID", id);
        return ChildNode.start(e, role, List.of("-Xmx256m"));
    }

    private static String upload(URI node, int seed) {
        Http.Response r = Http.post(node.resolve("/upload"), SampleBytes.pseudoMp4(30_000, 900 + seed), "video/mp4");
        assertEquals(201, r.status(), r.text());
        return r.json().get("video_id").asText();
    }

    /** A count, or -1 while the database is unreachable or the schema not yet made. */
    private static long count(ClusterQueries db, ToLongFunction<ClusterQueries> question) {
        try {
            return question.applyAsLong(db);
        } catch (DataAccessException e) {
            return -1;
        }
    }

    private static List<String> distinct(List<String> arrivals) {
        List<String> out = new ArrayList<>();
        for (String a : arrivals) {
            if (out.isEmpty() || !out.get(out.size() - 1).equals(a)) {
                out.add(a);
            }
        }
        return out;
    }
}
