package io.vidforge.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal HLS player for cluster tests: one playback session through nginx, request by request, with
 * what a real player would notice: the status, which node answered ({@code X-Node-Id}), and whether the
 * body arrived whole. It never throws on a failed request; the failure is part of the result.
 */
public final class ClusterPlayer {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    /** One request as the player saw it. {@code status} is -1 when no response arrived at all. */
    public record Fetch(String path, int status, String node, long contentLength, long received, String error,
                        long startNanos, long endNanos) {
        /** A 200/206 whose body arrived whole. */
        public boolean ok() {
            return (status == 200 || status == 206) && error == null && (contentLength < 0 || received == contentLength);
        }

        public boolean truncated() {
            return status == 200 && contentLength >= 0 && received < contentLength;
        }

        public Duration took() {
            return Duration.ofNanos(endNanos - startNanos);
        }
    }

    private final URI base;
    private final String session;
    private final String videoId;
    private String variant;
    private final List<String> segments = new ArrayList<>();

    public ClusterPlayer(URI nginx, String session, String videoId) {
        this.base = nginx;
        this.session = session;
        this.videoId = videoId;
    }

    public String session() {
        return session;
    }

    public List<String> segments() {
        return segments;
    }

    /** The session's path prefix, {@code /s/{session}/{video}/}. */
    public String prefix() {
        return "/s/" + session + "/" + videoId + "/";
    }

    /**
     * Master, the variant playlist and the init segment: what a player loads before the first media
     * segment. Returns the three fetches; {@link #segments()} then lists the variant's media segments, or
     * nothing when the playlist request failed.
     */
    public List<Fetch> open(String variantName) {
        this.variant = variantName;
        List<Fetch> out = new ArrayList<>();
        Fetch master = get("master.m3u8");
        out.add(master);
        Body playlist = getBody(variantName + "/index.m3u8");
        out.add(playlist.fetch());
        segments.clear();
        if (!playlist.fetch().ok()) {
            // An error answer (a JSON 503 while no node can serve, say) is not a playlist: a player has
            // nothing to load yet, and neither has this one.
            return out;
        }
        String init = null;
        for (String line : playlist.text().split("\n")) {
            String l = line.trim();
            if (l.startsWith("#EXT-X-MAP:")) {
                int a = l.indexOf("URI=\"") + 5;
                init = l.substring(a, l.indexOf('"', a));
            } else if (!l.isEmpty() && !l.startsWith("#")) {
                segments.add(l);
            }
        }
        if (init != null) {
            out.add(get(variantName + "/" + init));
        }
        return out;
    }

    /** {@link #open} and then every media segment in order: the variant played through once. */
    public List<Fetch> playThrough(String variantName) {
        List<Fetch> out = new ArrayList<>(open(variantName));
        out.addAll(everySegment());
        return out;
    }

    /** The opened variant again: its playlist and every media segment (a replay from the player's cache). */
    public List<Fetch> replay() {
        List<Fetch> out = new ArrayList<>();
        out.add(playlist());
        out.addAll(everySegment());
        return out;
    }

    private List<Fetch> everySegment() {
        List<Fetch> out = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            out.add(segment(i));
        }
        return out;
    }

    public Fetch segment(int index) {
        return get(variant + "/" + segments.get(index));
    }

    public Fetch playlist() {
        return get(variant + "/index.m3u8");
    }

    /** GET of a path under the session's prefix, body read to the end. */
    public Fetch get(String relative) {
        return fetch(relative, null);
    }

    /** Caps this session's segment throughput on the node serving it (the segment role's shaping route). */
    public int shape(int kbps) {
        try {
            HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(base.resolve("/s/" + session + "/shape?kbps=" + kbps))
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * GET whose {@code onFirstBytes} runs once the response has started and some body bytes arrived (to
     * fail a node mid-body); reading then goes on until the body ends or breaks.
     */
    public Fetch fetch(String relative, Runnable onFirstBytes) {
        return readBody(relative, onFirstBytes, null);
    }

    private record Body(Fetch fetch, String text) {
    }

    private Body getBody(String relative) {
        java.io.ByteArrayOutputStream keep = new java.io.ByteArrayOutputStream();
        Fetch f = readBody(relative, null, keep);
        return new Body(f, keep.toString(StandardCharsets.UTF_8));
    }

    /**
     * The master as a player that chose its session id starts with it, {@code /play/{video}/master.m3u8?session=S}:
     * nginx routes it by S, like every later request of the session.
     */
    public Fetch playMaster() {
        return readPath("/play/" + videoId + "/master.m3u8?session=" + session, null, null);
    }

    private Fetch readBody(String relative, Runnable onFirstBytes, java.io.ByteArrayOutputStream keep) {
        return readPath(prefix() + relative, onFirstBytes, keep);
    }

    private Fetch readPath(String path, Runnable onFirstBytes, java.io.ByteArrayOutputStream keep) {
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r;
        try {
            r = CLIENT.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            return new Fetch(path, -1, null, -1, 0, e.toString(), t0, System.nanoTime());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        String node = r.headers().firstValue("X-Node-Id").orElse(null);
        long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        long received = 0;
        String error = null;
        boolean fired = onFirstBytes == null;
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = r.body()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                received += n;
                if (keep != null) {
                    keep.write(buf, 0, n);
                }
                if (!fired && received > 0) {
                    fired = true;
                    onFirstBytes.run();
                }
            }
        } catch (IOException e) {
            error = e.toString();
        }
        if (error == null && length >= 0 && received < length) {
            error = "body ended after " + received + " of " + length + " bytes";
        }
        return new Fetch(path, r.statusCode(), node, length, received, error, t0, System.nanoTime());
    }
}
