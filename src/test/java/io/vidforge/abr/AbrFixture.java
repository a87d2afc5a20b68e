package io.vidforge.abr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vidforge.Node;
import io.vidforge.config.Role;
import io.vidforge.media.MediaTools;
import io.vidforge.media.ProcessResult;
import io.vidforge.media.RunControl;
import io.vidforge.testing.Http;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestTimings;
import io.vidforge.testing.VideoWait;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ABR tests' published video: a 1280x720 clip with stereo audio (a moving test pattern with detail, so
 * every rung reaches its bit rate) uploaded to a node running every role and processed into the 4-rung
 * ladder (720p/480p/360p/240p, 2 s segments) plus the audio rendition. A {@value #THROTTLE_KBPS} kb/s
 * throttle leaves exactly one sustainable rung (240p plus audio), so a player squeezed by it has one place
 * to go.
 *
 * <p>Processing that ladder is most of an ABR test's time, so the test classes that only play it share one
 * ({@link #shared()}): every check reads its own playback session's log lines, so they do not interfere.
 */
public final class AbrFixture implements AutoCloseable {
    public static final long THROTTLE_KBPS = 500;
    public static final int CLIP_SECONDS = 40;
    static final List<String> LADDER = List.of("720p", "480p", "360p", "240p");
    private static final Duration READY = Duration.ofMinutes(5);

    private static AbrFixture shared;

    public final Node node;
    public final Path logs;
    public final String videoId;
    final MediaTools tools;
    /** Variant name → peak bandwidth (b/s), from the video resource. */
    final Map<String, Long> bandwidth = new HashMap<>();
    /** Peak bandwidth (b/s) of the audio rendition every rung shares. */
    final long audioBandwidth;
    public final JsonNode video;

    private AbrFixture(Node node, Path logs, String videoId, MediaTools tools, JsonNode video) {
        this.node = node;
        this.logs = logs;
        this.videoId = videoId;
        this.tools = tools;
        this.video = video;
        List<String> names = new ArrayList<>();
        long audio = 0;
        for (JsonNode v : video.get("variants")) {
            if ("audio".equals(v.get("type").asText())) {
                audio = v.get("bandwidth").asLong();
            } else {
                names.add(v.get("name").asText());
                bandwidth.put(v.get("name").asText(), v.get("bandwidth").asLong());
            }
        }
        this.audioBandwidth = audio;
        assertEquals(LADDER, names, "the ladder of a 720p source");
        assertTrue(audioBandwidth > 0, "one audio rendition: " + video.get("variants"));
        long throttle = THROTTLE_KBPS * 1000;
        // The player fetches the audio rendition beside whichever rung plays.
        assertTrue(bandwidth.get("240p") + audioBandwidth < throttle * 0.8 && bandwidth.get("360p") > throttle,
                "a " + THROTTLE_KBPS + " kb/s throttle must leave exactly one sustainable rung: " + bandwidth);
    }

    /**
     * The {@value #CLIP_SECONDS} s ladder on a node of its own, made by the first test class that asks and
     * closed when the test JVM exits.
     */
    public static synchronized AbrFixture shared() throws Exception {
        if (shared == null) {
            AbrFixture made = publish("abr", CLIP_SECONDS);
            Runtime.getRuntime().addShutdownHook(new Thread(made::close, "abr-fixture-close"));
            shared = made;
        }
        return shared;
    }

    /** A node named {@code name} with the clip of {@code seconds} uploaded and ready. */
    static AbrFixture publish(String name, int seconds) throws Exception {
        Path dir = Files.createTempDirectory(name);
        MediaClips clips = new MediaClips(dir);
        Path clip = clip(clips.tools(), dir, seconds);
        Map<String, String> env = TestNodes.environment(name);
        assertEquals("2", env.get("SEGMENT_SECONDS"));
        Node node = TestNodes.start(env, "all-1", EnumSet.allOf(Role.class),
                TestTimings.with(TestTimings.SINGLE_NODE, "LEASE_SECONDS", "30"), Clock.systemUTC());
        try {
            Http.Response up = Http.post(node.baseUri().resolve("/upload?title=ABR%20test%20pattern"),
                    Files.readAllBytes(clip), "video/mp4");
            assertEquals(201, up.status(), up.text());
            String videoId = up.json().get("video_id").asText();
            JsonNode video = VideoWait.ready(node.baseUri().resolve("/videos/" + videoId), READY);
            return new AbrFixture(node, Path.of(env.get("DATA_DIR"), "logs"), videoId, clips.tools(), video);
        } catch (Exception | Error e) {
            node.close();
            throw e;
        }
    }

    /** "up" when {@code to} has a higher peak bandwidth than {@code from}, else "down". */
    String direction(String from, String to) {
        return bandwidth.get(to) > bandwidth.get(from) ? "up" : "down";
    }

    @Override
    public void close() {
        node.close();
    }

    private static Path clip(MediaTools tools, Path dir, int seconds) throws IOException, InterruptedException {
        Path out = dir.resolve("abr-1280x720-" + seconds + "s.mp4");
        ProcessResult r = tools.run(tools.ffmpeg(List.of("-v", "error", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=" + seconds,
                "-f", "lavfi", "-i", "aevalsrc=0.3*sin(330*2*PI*t)|0.3*sin(440*2*PI*t):c=stereo:s=48000:d=" + seconds,
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "96k", "-shortest", out.toString())), RunControl.capturing(Duration.ofMinutes(2)));
        assertTrue(r.succeeded(), "making the clip: " + r.stderrTail());
        return out;
    }
}
