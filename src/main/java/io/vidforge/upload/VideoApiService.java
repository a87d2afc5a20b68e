package io.vidforge.upload;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.vidforge.db.VideoRepository;
import io.vidforge.events.Events;
import io.vidforge.http.ApiException;
import io.vidforge.http.Handlers;
import io.vidforge.http.Responses;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.tasks.TaskRepository;
import io.vidforge.tasks.VideoDeletion;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /videos}, {@code GET /videos/{id}}, {@code DELETE /videos/{id}} and the manual trigger
 * {@code POST /videos/{id}/process}.
 */
public final class VideoApiService implements HttpService {
    private static final int DEFAULT_LIMIT = 20;
    private static final int MAX_LIMIT = 100;

    private final VideoRepository videos;
    private final VideoView view;
    private final Events events;
    private final VideoDeletion deletion;

    VideoApiService(VideoRepository videos, Events events, Clock clock) {
        this.videos = videos;
        this.view = new VideoView(new TaskRepository(videos.sql()));
        this.events = events;
        this.deletion = new VideoDeletion(videos.sql(), videos, events, clock);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list).any("/", Handlers.methodNotAllowed())
                .get("/{id}", this::get).delete("/{id}", this::delete).any("/{id}", Handlers.methodNotAllowed())
                .post("/{id}/process", this::process).any("/{id}/process", Handlers.methodNotAllowed());
    }

    private void get(ServerRequest req, ServerResponse res) {
        Video v = load(req.path().pathParameters().get("id"));
        Responses.json(res, 200, view.render(v, videos.history(v.videoId())));
    }

    /**
     * 202 and the video is deleted (its running generation stopped, its bytes left to the storage
     * clean-up); again 202 when it is deleted already.
     */
    private void delete(ServerRequest req, ServerResponse res) {
        Video v = load(req.path().pathParameters().get("id"));
        deletion.delete(v.videoId());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("video_id", v.videoId());
        body.put("status", VideoStatus.DELETED.id());
        Responses.json(res, 202, body);
    }

    private void list(ServerRequest req, ServerResponse res) {
        VideoStatus status = req.query().first("status").map(s -> {
            try {
                return VideoStatus.parse(s);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("INVALID_STATUS", "status must be one of uploaded, processing, ready, failed, deleted.");
            }
        }).orElse(null);
        int limit = req.query().first("limit").map(VideoApiService::parseLimit).orElse(DEFAULT_LIMIT);
        String after = req.query().first("after").orElse(null);
        if (after != null && !ContentId.isValidId(after)) {
            throw ApiException.badRequest("INVALID_CURSOR", "after must be a video_id from the previous page.");
        }
        List<Video> page = videos.list(status, limit, after);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("videos", page.stream().map(v -> view.render(v, videos.history(v.videoId()))).toList());
        body.put("next", page.size() == limit ? page.get(page.size() - 1).videoId() : null);
        Responses.json(res, 200, body);
    }

    /**
     * A failed video is queued again as a new generation; one already queued or processing answers 202
     * with no second job; a ready one needs {@code force=true}.
     */
    private void process(ServerRequest req, ServerResponse res) {
        Video v = load(req.path().pathParameters().get("id"));
        boolean force = req.query().first("force").map(Boolean::parseBoolean).orElse(false);
        if (v.status() == VideoStatus.DELETED) {
            throw new ApiException(410, "VIDEO_DELETED",
                    "The video was deleted; upload the same bytes again to bring it back.");
        }
        if (v.status() == VideoStatus.READY && !force) {
            throw new ApiException(409, "ALREADY_READY",
                    "The video is already ready; POST /videos/" + v.videoId() + "/process?force=true to process it again.");
        }
        Optional<Integer> gen = Optional.empty();
        if (v.status() == VideoStatus.FAILED || v.status() == VideoStatus.READY) {
            gen = videos.requeue(v.videoId(), List.of(v.status()), force ? "manual-force" : "manual");
            gen.ifPresent(g -> events.event("STATE_CHANGE").with("video_id", v.videoId())
                    .with("from", v.status().id()).with("to", "uploaded").with("generation", g)
                    .with("reason", "manual").emit());
        }
        Video now = videos.find(v.videoId()).orElseThrow();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("video_id", now.videoId());
        body.put("status", now.status().id());
        body.put("generation", now.generation());
        body.put("queued", gen.isPresent());
        Responses.json(res, 202, body);
    }

    private Video load(String id) {
        if (!ContentId.isValidId(id)) {
            throw ApiException.badRequest("INVALID_VIDEO_ID", "A video_id is 64 lowercase hex characters.");
        }
        return videos.find(id).orElseThrow(() -> ApiException.notFound("No video with id " + id + "."));
    }

    private static int parseLimit(String s) {
        try {
            int n = Integer.parseInt(s);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the error below
        }
        throw ApiException.badRequest("INVALID_LIMIT", "limit must be a whole number from 1 to " + MAX_LIMIT + ".");
    }
}
