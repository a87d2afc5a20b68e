package io.vidforge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.vidforge.webhooks.WebhookSignature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP webhook receiver on loopback, as an app would run one: it records every request (body,
 * signature, arrival order) and answers as its {@link Behaviour} says for the n-th attempt of an event:
 * 2xx, an error status, slowly, or not before the sender's timeout. {@link #stop()} / {@link #restart()}
 * take it down and back on the same port (connection refused meanwhile).
 */
public final class WebhookReceiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What to do with attempt {@code attempt} (1-based, as this receiver counts) of event {@code id}. */
    public interface Behaviour {
        Answer answer(String eventId, int attempt);
    }

    /** Answer {@code status} after {@code delayMs}. */
    public record Answer(int status, long delayMs) {
        public static Answer ok() {
            return new Answer(200, 0);
        }
    }

    /** One request as received; {@code acknowledged} when the receiver answered it 2xx without delay past it. */
    public record Received(int index, String eventId, String type, String videoId, String body, String signature,
                           int status) {
        public boolean acknowledged() {
            return status / 100 == 2;
        }
    }

    private int port;
    private volatile Behaviour behaviour = (id, n) -> Answer.ok();
    private final List<Received> received = new ArrayList<>();
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private volatile CountDownLatch hold;
    private final CountDownLatch holding = new CountDownLatch(1);
    private HttpServer server;

    private WebhookReceiver(int port) {
        this.port = port;
    }

    /**
     * Listens on a free port below the kernel's ephemeral range (32768+): while the receiver is down, an
     * outgoing connection (the sender's own retries to this very port, which can connect to themselves)
     * must not take its port, or it could not come back on it.
     */
    public static WebhookReceiver start() {
        WebhookReceiver r = new WebhookReceiver(0);
        java.util.Random random = new java.util.Random();
        for (int tries = 0; ; tries++) {
            try {
                r.listen(20_000 + random.nextInt(12_000));
                return r;
            } catch (UncheckedIOException taken) {
                if (tries > 100) {
                    throw taken;
                }
            }
        }
    }

    private void listen(int p) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 50);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        port = server.getAddress().getPort();
        server.setExecutor(Executors.newCachedThreadPool(r -> Thread.ofPlatform().daemon().unstarted(r)));
        server.createContext("/", this::handle);
        server.start();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + port + "/hooks");
    }

    public void behave(Behaviour b) {
        this.behaviour = b;
    }

    /** From now on the next request is held (unanswered) until {@link #release()}. */
    public void holdNext() {
        hold = new CountDownLatch(1);
    }

    /** Waits until a held request has arrived. */
    public boolean awaitHolding(long seconds) throws InterruptedException {
        return holding.await(seconds, TimeUnit.SECONDS);
    }

    public void release() {
        CountDownLatch h = hold;
        hold = null;
        if (h != null) {
            h.countDown();
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        JsonNode json = JSON.readTree(body);
        String id = json.path("id").asText();
        int attempt = attempts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        CountDownLatch h = hold;
        Answer a;
        if (h != null) {
            holding.countDown();
            try {
                h.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            a = new Answer(200, 0);
        } else {
            a = behaviour.answer(id, attempt);
        }
        synchronized (received) {
            received.add(new Received(received.size(), id, json.path("type").asText(), json.path("video_id").asText(),
                    body, ex.getRequestHeaders().getFirst(WebhookSignature.HEADER), a.status()));
        }
        if (a.delayMs() > 0) {
            try {
                Thread.sleep(a.delayMs()); // the receiver's own slowness: what the sender must live with
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            ex.sendResponseHeaders(a.status(), -1);
        } catch (IOException e) {
            // the sender gave up (timeout) or died: its problem, and what the test is about
        }
        ex.close();
    }

    public List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /** Event ids answered 2xx at least once. */
    public Set<String> acknowledged() {
        Set<String> s = new LinkedHashSet<>();
        received().stream().filter(Received::acknowledged).forEach(r -> s.add(r.eventId()));
        return s;
    }

    /** Per video, the event ids in the order their requests arrived (retries repeat an id). */
    public Map<String, List<String>> arrivalsByVideo() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (Received r : received()) {
            m.computeIfAbsent(r.videoId(), k -> new ArrayList<>()).add(r.eventId());
        }
        return m;
    }

    public void stop() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    public void restart() {
        listen(port);
    }

    @Override
    public void close() {
        stop();
    }
}
