package io.vidforge.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.media.HlsAuthoringRules;
import io.vidforge.media.MediaTools;
import io.vidforge.media.RunControl;
import io.vidforge.testing.EventLogs;
import io.vidforge.testing.Http;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestTimings;
import io.vidforge.testing.ClusterView;
import io.vidforge.testing.VideoWait;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The whole story in one process with every role: a real clip is uploaded over HTTP, becomes ready
 * through the orchestrator and a worker running ffmpeg, and plays over HTTP from the segment role.
 */
@Tag("db")
class UploadToPlaybackTest {

    @Test
    void uploaded_clip_becomes_ready_once_and_plays_through_the_segment_role() throws Exception {
        Path dir = Files.createTempDirectory("e2e");
        MediaClips clips = new MediaClips(dir);
        Path clip = clips.make(MediaClips.Clip.of("e2e-landscape", 640, 360, 5, 2));
        Map<String, String> env = TestNodes.environment("e2e");
        try (Node node = TestNodes.start(env, "all-1", EnumSet.allOf(Role.class),
                TestTimings.SINGLE_NODE,
                java.time.Clock.systemUTC())) {
            Http.Response up = Http.post(node.baseUri().resolve("/upload?title=E2E"), Files.readAllBytes(clip), "video/mp4");
            assertEquals(201, up.status(), up.text());
            String id = up.json().get("video_id").asText();

            // Progress is visible while processing and only moves forward.
            List<Double> progress = new ArrayList<>();
            JsonNode video = VideoWait.ready(node.baseUri().resolve("/videos/" + id), Duration.ofMinutes(3),
                    v -> progress.add(v.get("progress").asDouble()));
            for (int i = 1; i < progress.size(); i++) {
                assertTrue(progress.get(i) >= progress.get(i - 1), "progress never goes back: " + progress);
            }
            assertEquals(1.0, video.get("progress").asDouble());
            assertEquals(640, video.get("source").get("width").asInt());
            assertEquals("aac", video.get("source").get("audio_codec").asText());
            assertEquals(List.of("360p", "240p", "audio"), names(video.get("variants")));
            assertEquals(List.of("uploaded", "processing", "ready"), statuses(video.get("history")));
            assertEquals(1, video.get("attempts").asInt());

            // Playback over HTTP: master (new session), every variant playlist and segment.
            Http.Response master = Http.get(node.baseUri().resolve("/play/" + id + "/master.m3u8"));
            assertEquals(200, master.status());
            assertEquals("application/vnd.apple.mpegurl", master.header("Content-Type"));
            String session = master.header("X-Session-Id");
            HlsAuthoringRules.assertSatisfied(master.text(),
                    uri -> Http.get(node.baseUri().resolve(uri)).text(), true, 360);
            for (HlsAuthoringRules.StreamInf s : HlsAuthoringRules.parseMaster(master.text())) {
                assertTrue(s.uri().startsWith("/s/" + session + "/" + id + "/"), s.uri());
            }
            assertEquals(200, Http.get(node.baseUri().resolve("/play/" + id + "/poster.jpg")).status());

            // ffmpeg as a third-party HLS client reads the master over HTTP and decodes every variant.
            MediaTools tools = clips.tools();
            var result = tools.run(tools.ffmpeg(List.of("-v", "error", "-i",
                    node.baseUri() + "/play/" + id + "/master.m3u8", "-map", "0", "-f", "null", "-")),
                    RunControl.capturing(Duration.ofMinutes(2)));
            assertEquals(0, result.exitCode(), result.stderrTail());

            // ffmpeg's DASH demuxer reads the MPD of dash_url over HTTP and decodes every Representation; the
            // node's SERVE lines of that session show it fetched every segment of each one.
            assertEquals("/play/" + id + "/manifest.mpd", video.get("dash_url").asText());
            var dash = tools.run(tools.ffmpeg(List.of("-v", "error", "-i",
                    node.baseUri() + video.get("dash_url").asText() + "?session=dash-e2e", "-map", "0", "-f", "null", "-")),
                    RunControl.capturing(Duration.ofMinutes(2)));
            assertEquals(0, dash.exitCode(), dash.stderrTail());
            assertEquals("", dash.stderrTail());
            Path logs = Path.of(env.get("DATA_DIR"), "logs");
            for (JsonNode v : video.get("variants")) {
                // SERVE is logged once the body is sent, which may be just after ffmpeg read it.
                io.vidforge.testing.Await.until(Duration.ofSeconds(10), v.get("name") + "'s segments served over DASH",
                        () -> dashSegmentsServed(logs, v.get("name").asText()).size() == v.get("segments").asInt());
            }
            // SERVE lines of playback are written behind, so the manifest's line may follow the first init's.
            assertEquals(1, EventLogs.events(logs, "SERVE", e -> "dash-e2e".equals(e.path("session_id").asText())
                    && "mpd".equals(e.path("kind").asText())).size(), "the session's manifest is logged as kind mpd");

            ClusterView.ofLogDir(logs).assertOneStateChange(id, "ready");
            TreeSet<String> kinds = new TreeSet<>();
            EventLogs.events(logs, "TASK_COMPLETED", e -> id.equals(e.path("video_id").asText()))
                    .forEach(e -> kinds.add(e.path("kind").asText() + ":" + e.path("variant").asText("")));
            // The default (chunked) plan: the audio rendition once, whole, and the video in time chunks, every
            // rung per chunk in one ffmpeg process; a 5 s clip is one chunk. No whole-ladder TRANSCODE.
            assertEquals(new TreeSet<>(List.of("PROBE:", "AUDIO:audio", "VIDEO_CHUNK:c0000-0s-end", "PUBLISH:")), kinds);
            assertTrue(!EventLogs.events(logs, "SERVE", e -> id.equals(e.path("video_id").asText())).isEmpty());
        }
    }

    private static TreeSet<Integer> dashSegmentsServed(Path logs, String variant) {
        TreeSet<Integer> served = new TreeSet<>();
        EventLogs.events(logs, "SERVE", e -> "dash-e2e".equals(e.path("session_id").asText())
                        && variant.equals(e.path("variant").asText()) && "segment".equals(e.path("kind").asText()))
                .forEach(e -> served.add(e.path("segment").asInt()));
        return served;
    }

    private static List<String> names(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(v -> out.add(v.get("name").asText()));
        return out;
    }

    private static List<String> statuses(JsonNode history) {
        List<String> out = new ArrayList<>();
        history.forEach(h -> out.add(h.get("status").asText()));
        return out;
    }
}
