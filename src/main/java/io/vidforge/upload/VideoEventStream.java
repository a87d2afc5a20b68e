package io.vidforge.upload;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.vidforge.db.VideoRepository;
import io.vidforge.http.ApiException;
import io.vidforge.json.Json;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /videos/{id}/events}: Server-Sent Events with the video's status and progress, one
 * {@code data:} line of JSON whenever either changes, closed after {@code ready}, {@code failed} or
 * {@code deleted}. Any upload node answers it: it reads the shared database every
 * {@code SSE_POLL_MILLIS}, so it sees changes made by any node. A comment line every
 * {@code SSE_HEARTBEAT_SECONDS} keeps proxies from timing an idle stream out; {@code X-Accel-Buffering: no}
 * makes nginx pass each event on at once. A node that starts draining ends its streams (EventSource
 * reconnects, to another node behind nginx).
 */
final class VideoEventStream {
    private static final List<String> FIELDS = List.of("video_id", "status", "progress", "playable", "generation", "attempts",
            "error", "updated_at", "playback_url");

    private final VideoRepository videos;
    private final VideoView view;
    private final Duration poll;
    private final Duration heartbeat;
    private final BooleanSupplier draining;

    VideoEventStream(VideoRepository videos, Duration poll, Duration heartbeat, BooleanSupplier draining) {
        this.videos = videos;
        this.view = new VideoView(new io.vidforge.tasks.TaskRepository(videos.sql()));
        this.poll = poll;
        this.heartbeat = heartbeat;
        this.draining = draining;
    }

    void handle(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        if (!ContentId.isValidId(id)) {
            throw ApiException.badRequest("INVALID_VIDEO_ID", "A video_id is 64 lowercase hex characters.");
        }
        Video first = videos.find(id).orElseThrow(() -> ApiException.notFound("No video with id " + id + "."));
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.header(HeaderNames.create("X-Accel-Buffering"), "no");
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        try (OutputStream out = res.outputStream()) {
            write(out, "retry: 2000\n\n");
            String last = null;
            long lastWrite = System.nanoTime();
            Optional<Video> v = Optional.of(first);
            while (true) {
                Map<String, Object> snapshot = snapshot(id, v);
                String json = Json.write(snapshot);
                if (!json.equals(last)) {
                    write(out, "data: " + json + "\n\n");
                    last = json;
                    lastWrite = System.nanoTime();
                } else if (System.nanoTime() - lastWrite >= heartbeat.toNanos()) {
                    write(out, ": keep-alive\n\n");
                    lastWrite = System.nanoTime();
                }
                if (isFinal((String) snapshot.get("status")) || draining.getAsBoolean()) {
                    return;
                }
                Thread.sleep(poll.toMillis()); // the poll interval: changes come from other nodes' transactions
                v = videos.find(id);
            }
        } catch (IOException | UncheckedIOException e) {
            // the client went away: nothing to answer
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Map<String, Object> snapshot(String id, Optional<Video> v) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (v.isEmpty()) {
            m.put("video_id", id); // removed from the database: as final as a deletion
            m.put("status", "deleted");
            return m;
        }
        Map<String, Object> full = view.render(v.get(), List.of());
        for (String f : FIELDS) {
            m.put(f, full.get(f));
        }
        return m;
    }

    static boolean isFinal(String status) {
        return VideoStatus.READY.id().equals(status) || VideoStatus.FAILED.id().equals(status)
                || "deleted".equals(status);
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
