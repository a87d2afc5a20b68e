package io.vidforge.upload;

import io.vidforge.json.Json;
import io.vidforge.model.HistoryEntry;
import io.vidforge.model.Variant;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.tasks.TaskRepository;
import io.vidforge.tasks.TaskRepository.ProgressView;
import io.vidforge.tasks.TaskState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders a video as the contract's JSON, with progress and attempts derived from its tasks. */
final class VideoView {
    /** Share of the whole that probe and publish stand for; the transcodes share the rest equally. */
    private static final double PROBE_WEIGHT = 0.05;
    private static final double PUBLISH_WEIGHT = 0.05;

    private final TaskRepository taskRepository;

    VideoView(TaskRepository tasks) {
        this.taskRepository = tasks;
    }

    Map<String, Object> render(Video v, List<HistoryEntry> history) {
        List<ProgressView> tasks = taskRepository.progressOf(v.videoId(), v.generation());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("video_id", v.videoId());
        m.put("status", v.status().id());
        m.put("progress", progress(v.status(), tasks, v.source() == null ? 0 : v.source().durationS()));
        // Playable early (chunked plan): the player may start while the rest still encodes; ready is unchanged.
        m.put("playable", v.playable());
        m.put("playable_at", v.playable() ? Json.timestamp(v.playableAt() == null ? v.updatedAt() : v.playableAt()) : null);
        // Early playback is an opt-in (the contract's master answers 409 until ready): the URL that opts in.
        m.put("playable_url", v.playable() && v.status() != VideoStatus.READY
                ? "/play/" + v.videoId() + "/master.m3u8?early=true" : null);
        m.put("title", v.title());
        m.put("original_filename", v.originalFilename());
        m.put("size_bytes", v.sizeBytes());
        m.put("content_sha256", v.contentSha256());
        m.put("created_at", Json.timestamp(v.createdAt()));
        m.put("updated_at", Json.timestamp(v.updatedAt()));
        m.put("source", v.source());
        m.put("variants", v.variants() == null ? List.of() : v.variants().stream().map(VideoView::variant).toList());
        boolean live = v.status().live();
        m.put("playback_url", live ? "/play/" + v.videoId() + "/master.m3u8" : null);
        m.put("dash_url", live ? "/play/" + v.videoId() + "/manifest.mpd" : null);
        m.put("poster_url", v.status() == VideoStatus.READY ? "/play/" + v.videoId() + "/poster.jpg" : null);
        // The seek previews the probe made (a 404 for videos processed before storyboards existed).
        m.put("storyboard_url", v.status() == VideoStatus.READY ? "/play/" + v.videoId() + "/storyboard.vtt" : null);
        m.put("player_url", live ? "/player/?v=" + v.videoId() : null);
        m.put("attempts", tasks.stream().mapToInt(ProgressView::attempt).max().orElse(0));
        m.put("generation", v.generation());
        m.put("error", v.errorCode() == null ? null : Map.of("code", v.errorCode(),
                "message", v.errorMessage() == null ? "" : v.errorMessage()));
        m.put("history", history.stream().map(h -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("status", h.status().id());
            e.put("at", Json.timestamp(h.at()));
            if (h.detail() != null) {
                e.put("detail", h.detail());
            }
            return e;
        }).toList());
        return m;
    }

    private static Map<String, Object> variant(Variant v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", v.name());
        m.put("type", v.type());
        if (v.isAudio()) {
            // The one audio rendition every video variant plays with: stereo AAC-LC at 48 kHz.
            m.put("channels", 2);
            m.put("sample_rate", 48000);
        } else {
            m.put("width", v.width());
            m.put("height", v.height());
        }
        m.put("bandwidth", v.bandwidth());
        m.put("average_bandwidth", v.averageBandwidth());
        m.put("codecs", v.codecs());
        if (!v.isAudio()) {
            m.put("frame_rate", v.frameRate());
        }
        m.put("segments", v.segmentCount());
        return m;
    }

    /**
     * 0 before any work, 1 when ready; in between, weighted task progress (done tasks count whole). The encode
     * part is the mean of the encode tasks, or in a chunked plan the share of chunk-seconds done (the audio
     * task, a small part of the work, not counted).
     */
    static double progress(VideoStatus status, List<ProgressView> tasks, double durationS) {
        if (status == VideoStatus.READY) {
            return 1.0;
        }
        double probe = 0;
        double publish = 0;
        double transcodeSum = 0;
        int transcodes = 0;
        for (ProgressView t : tasks) {
            double p = t.state() == TaskState.DONE ? 1.0 : Math.max(0, Math.min(1, t.progress()));
            switch (t.kind()) {
                case PROBE -> probe = p;
                case PUBLISH -> publish = p;
                default -> {
                    transcodeSum += p;
                    transcodes++;
                }
            }
        }
        double transcode = transcodes == 0 ? 0 : transcodeSum / transcodes;
        double chunkSeconds = 0;
        double chunkSecondsDone = 0;
        for (ProgressView t : tasks) {
            if (t.kind() == io.vidforge.tasks.TaskKind.VIDEO_CHUNK) {
                double s = io.vidforge.tasks.ChunkRange.parse(t.variant()).seconds(durationS);
                chunkSeconds += s;
                chunkSecondsDone += s * (t.state() == TaskState.DONE ? 1.0 : Math.max(0, Math.min(1, t.progress())));
            }
        }
        if (chunkSeconds > 0) {
            transcode = chunkSecondsDone / chunkSeconds;
        }
        double total = PROBE_WEIGHT * probe + (1 - PROBE_WEIGHT - PUBLISH_WEIGHT) * transcode + PUBLISH_WEIGHT * publish;
        return Math.round(Math.min(0.99, total) * 1000) / 1000.0;
    }
}
