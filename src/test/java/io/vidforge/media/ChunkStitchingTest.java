package io.vidforge.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.config.Settings;
import io.vidforge.json.Json;
import io.vidforge.model.SourceInfo;
import io.vidforge.model.Variant;
import io.vidforge.tasks.ChunkRange;
import io.vidforge.tasks.ProbeResult;
import io.vidforge.tasks.PublishResult;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TranscodeResult;
import io.vidforge.tasks.TranscodeSplit;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.MediaClips.Clip;
import io.vidforge.testing.MediaS3;
import io.vidforge.testing.MediaTaskContext;
import io.vidforge.worker.ChunkHandler;
import io.vidforge.worker.PermanentTaskException;
import io.vidforge.worker.ProbeHandler;
import io.vidforge.worker.PublishHandler;
import io.vidforge.worker.TranscodeHandler;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Split and stitch through the real handlers and a real S3: a video encoded as time chunks (every rung of
 * one range per chunk, on whatever worker) and stitched by PUBLISH is, rung by rung, the whole-ladder
 * encode of the same source but for the encoder's own bits: the same frames (count, timestamps, picture),
 * the same segment boundaries and decode times, an IDR at the start of every segment, and audio that is one
 * continuous encode. 11 s sources, 2 s segments, 4 s chunks: three chunks, two joins per rung. And the
 * three plans (ladder, rung, chunk) cut every rung at the same segment boundaries.
 */
class ChunkStitchingTest {
    private static final int SEGMENT = 2;
    private static final int CHUNK = 4;
    private static final Settings SETTINGS = Settings.of(Map.of("SEGMENT_SECONDS", Integer.toString(SEGMENT)));
    private static final Duration LIMIT = Duration.ofMinutes(2);

    @TempDir
    Path dir;

    private MediaS3 s3;
    private MediaClips clips;
    private long nextId = 1;

    /** What one plan left in S3, mirrored locally. */
    private record Published(PublishResult result, Path root, SourceInfo source, List<Task> done) {
        Path playlist(String variant) {
            Variant v = result.variants().stream().filter(x -> x.name().equals(variant)).findFirst().orElseThrow();
            return root.resolve(v.prefix()).resolve(EncodeArguments.PLAYLIST);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cfr", "vfr"})
    void chunks_stitch_into_the_whole_ladder_encode_frame_for_frame_across_every_join(String rate) throws Exception {
        try (MediaS3 store = MediaS3.start(dir.resolve("s3"))) {
            s3 = store;
            clips = new MediaClips(Files.createDirectories(dir.resolve("clips")));
            Clip clip = Clip.of("src-" + rate, 640, 360, 11, 2);
            Path source = clips.make(rate.equals("vfr") ? clip.withVariableFrameRate() : clip);
            Published ladder = run("ladder", source, TranscodeSplit.LADDER, CHUNK);
            Published chunked = run("chunked", source, TranscodeSplit.CHUNK, CHUNK);
            assertEquals(3, chunks(chunked), "11 s in 4 s chunks");

            SegmentInspector inspector = new SegmentInspector(clips.tools());
            for (Variant v : ladder.result().variants()) {
                if (v.isAudio()) {
                    continue;
                }
                Path whole = ladder.playlist(v.name());
                Path stitched = chunked.playlist(v.name());
                // Segment boundaries: the same EXTINF list, so the same cuts.
                assertEquals(extinfs(whole), extinfs(stitched), v.name() + ": segment durations");
                // Every frame at the same time, and no gap or double at any join.
                List<Double> expected = framePts(whole);
                List<Double> actual = framePts(stitched);
                assertEquals(expected.size(), actual.size(), v.name() + ": frame count");
                assertEquals(expected.get(0), actual.get(0), 1e-6, v.name() + ": first timestamp");
                assertEquals(expected.get(expected.size() - 1), actual.get(actual.size() - 1), 1e-6,
                        v.name() + ": last timestamp");
                double frame = 1 / v.frameRate();
                for (int i = 1; i < actual.size(); i++) {
                    assertEquals(frame, actual.get(i) - actual.get(i - 1), 1e-3,
                            v.name() + ": pts continuity at frame " + i + " (" + actual.get(i) + " s)");
                }
                // The same pictures: a frame shifted by one at a join would score ~20 dB on this moving pattern.
                double minPsnr = minPsnr(stitched, whole);
                assertTrue(minPsnr > 30, v.name() + ": the least similar frame scores " + minPsnr + " dB");
                // Each fragment's decode time is the whole encode's, and each segment starts with an IDR.
                VariantPlaylist wholeList = VariantPlaylist.parse(Files.readString(whole));
                VariantPlaylist stitchedList = VariantPlaylist.parse(Files.readString(stitched));
                Path stitchedDir = stitched.getParent();
                for (int i = 0; i < stitchedList.segments().size(); i++) {
                    String uri = stitchedList.segments().get(i).uri();
                    assertEquals(String.format(Locale.ROOT, "seg_%05d.m4s", i), uri, "numbered globally");
                    long t = Fmp4Fragments.read(Files.readAllBytes(stitchedDir.resolve(uri)), 0).baseMediaDecodeTime();
                    long w = Fmp4Fragments.read(Files.readAllBytes(whole.getParent().resolve(wholeList.segments().get(i)
                            .uri())), 0).baseMediaDecodeTime();
                    assertEquals(w, t, v.name() + " " + uri + ": tfdt");
                    Path joined = inspector.joined(stitchedDir.resolve("init.mp4"), stitchedDir.resolve(uri), dir);
                    assertTrue(inspector.firstVideoPacketFlags(joined).startsWith("K"), v.name() + " " + uri + ": IDR first");
                }
            }
            // The DASH timeline comes from the first tfdt and the durations: continuous, as checked above.
            Path master = chunked.root().resolve(chunked.result().masterKey());
            assertEquals("", inspector.decodeErrors(master), "the stitched ladder decodes without a message");
            assertContinuousTone(chunked.playlist(Variant.AUDIO), 11.0);
        }
    }

    @Test
    void publish_refuses_chunks_whose_codec_configuration_differs() throws Exception {
        try (MediaS3 store = MediaS3.start(dir.resolve("s3"))) {
            s3 = store;
            clips = new MediaClips(Files.createDirectories(dir.resolve("clips")));
            Path source = clips.make(Clip.of("short", 640, 360, 5, 0));
            String videoId = "mismatch";
            s3.store().putFile("raw/" + videoId, source, "video/mp4");
            List<Task> done = new ArrayList<>();
            SourceInfo info = probe(videoId, done);
            ChunkHandler chunker = new ChunkHandler(s3.store(), SETTINGS);
            List<TranscodeResult> results = new ArrayList<>();
            for (ChunkRange r : ChunkRange.plan(info.durationS(), SEGMENT, SEGMENT)) {
                Task t = MediaTaskContext.task(nextId++, videoId, TaskKind.VIDEO_CHUNK, r.variant(), 1, nextId);
                String json = chunker.handle(context(t, info));
                results.add(TranscodeResult.read(json));
                done.add(MediaTaskContext.done(t, json));
            }
            assertTrue(results.size() >= 2, "at least one join");
            // The second chunk's 240p as if encoded with other settings: the 360p rung's init segment (another SPS).
            Variant low = results.get(1).variants().stream().filter(v -> v.name().equals("240p")).findFirst().orElseThrow();
            Variant high = results.get(1).variants().stream().filter(v -> v.name().equals("360p")).findFirst().orElseThrow();
            s3.store().putBytes(low.prefix() + "init.mp4", s3.store().getBytes(high.prefix() + "init.mp4"), "video/mp4");

            Task publish = MediaTaskContext.task(nextId++, videoId, TaskKind.PUBLISH, "", 1, nextId);
            PermanentTaskException e = assertThrows(PermanentTaskException.class,
                    () -> new PublishHandler(s3.store(), SETTINGS).handle(context(publish, info).withSiblings(done)));
            assertEquals("CODEC_CONFIG_MISMATCH", e.code());
            assertTrue(e.getMessage().contains("240p") && e.getMessage().contains("c0001"), e.getMessage());
            assertTrue(s3.store().list("videos/" + videoId + "/g1/publish/").stream().noneMatch(k -> k.endsWith("master.m3u8")),
                    "no master is written");
        }
    }

    private SourceInfo probe(String videoId, List<Task> done) throws Exception {
        Task probe = MediaTaskContext.task(nextId++, videoId, TaskKind.PROBE, "", 1, nextId);
        String json = new ProbeHandler(s3.store(), SETTINGS).handle(context(probe, null));
        done.add(MediaTaskContext.done(probe, json));
        return Json.read(json, ProbeResult.class).source();
    }

    /**
     * The same source under the three plans the planner can choose (the per-rung plan being the one a
     * deployment may still pin): every rung's playlist lists the same segments with the same durations, and
     * each segment's first frame is presented at the same time, so a player switching between renditions, or
     * a video re-processed under another plan, sees the same cuts. 7 s without audio, 2 s chunks: three
     * chunks (the last takes the one-segment tail), two joins per rung.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cfr", "vfr"})
    void chunk_ladder_and_rung_plans_give_the_same_segment_boundaries(String rate) throws Exception {
        try (MediaS3 store = MediaS3.start(dir.resolve("s3"))) {
            s3 = store;
            clips = new MediaClips(Files.createDirectories(dir.resolve("clips")));
            Clip clip = Clip.of("plans-" + rate, 640, 360, 7, 0);
            Path source = clips.make(rate.equals("vfr") ? clip.withVariableFrameRate() : clip);
            Published ladder = run("ladder", source, TranscodeSplit.LADDER, SEGMENT);
            Published rung = run("rung", source, TranscodeSplit.RUNG, SEGMENT);
            Published chunked = run("chunked", source, TranscodeSplit.CHUNK, SEGMENT);
            assertEquals(3, chunks(chunked), "7 s in 2 s chunks");

            SegmentInspector inspector = new SegmentInspector(clips.tools());
            List<Variant> rungs = ladder.result().variants().stream().filter(v -> !v.isAudio()).toList();
            assertEquals(List.of("360p", "240p"), rungs.stream().map(Variant::name).toList(), "two rungs to compare");
            for (Variant v : rungs) {
                List<String> expected = boundaries(inspector, ladder.playlist(v.name()));
                assertTrue(expected.size() >= 4, v.name() + ": " + expected);
                assertEquals(expected, boundaries(inspector, rung.playlist(v.name())), v.name() + ": rung plan");
                assertEquals(expected, boundaries(inspector, chunked.playlist(v.name())), v.name() + ": chunk plan");
            }
        }
    }

    private static long chunks(Published p) {
        return p.done().stream().filter(t -> t.kind() == TaskKind.VIDEO_CHUNK).count();
    }

    /** Per segment of a rung's playlist: its EXTINF and the presentation time of its first frame (ffprobe). */
    private List<String> boundaries(SegmentInspector inspector, Path playlist) throws Exception {
        Path folder = playlist.getParent();
        List<String> out = new ArrayList<>();
        for (VariantPlaylist.Segment s : VariantPlaylist.parse(Files.readString(playlist)).segments()) {
            Path joined = inspector.joined(folder.resolve("init.mp4"), folder.resolve(s.uri()), dir);
            out.add(s.durationS() + " @ " + Double.parseDouble(inspector.firstVideoPacketPts(joined)));
        }
        return out;
    }

    /**
     * PROBE, the plan's encode tasks (chunks of {@code chunkSeconds} in reverse order: any order must do),
     * PUBLISH; then a local mirror.
     */
    private Published run(String videoId, Path source, TranscodeSplit split, int chunkSeconds) throws Exception {
        s3.store().putFile("raw/" + videoId, source, "video/mp4");
        List<Task> done = new ArrayList<>();
        SourceInfo info = probe(videoId, done);
        if (split == TranscodeSplit.LADDER) {
            Task t = MediaTaskContext.task(nextId++, videoId, TaskKind.TRANSCODE, TranscodeSplit.WHOLE_LADDER, 1, nextId);
            done.add(MediaTaskContext.done(t, new TranscodeHandler(s3.store(), SETTINGS).handle(context(t, info))));
        } else if (split == TranscodeSplit.RUNG) {
            List<String> variants = new ArrayList<>(Ladder.from(SETTINGS).rungsFor(info).stream().map(r -> r.name()).toList());
            if (info.hasAudio()) {
                variants.add(Variant.AUDIO);
            }
            for (String variant : variants) {
                Task t = MediaTaskContext.task(nextId++, videoId, TaskKind.TRANSCODE, variant, 1, nextId);
                done.add(MediaTaskContext.done(t, new TranscodeHandler(s3.store(), SETTINGS).handle(context(t, info))));
            }
        } else {
            if (info.hasAudio()) {
                Task audio = MediaTaskContext.task(nextId++, videoId, TaskKind.AUDIO, Variant.AUDIO, 1, nextId);
                done.add(MediaTaskContext.done(audio, TranscodeHandler.forAudio(s3.store(), Ladder.from(SETTINGS),
                        MediaTools.from(SETTINGS)).handle(context(audio, info))));
            }
            List<ChunkRange> ranges = new ArrayList<>(ChunkRange.plan(info.durationS(), chunkSeconds, SEGMENT));
            java.util.Collections.reverse(ranges);
            ChunkHandler chunker = new ChunkHandler(s3.store(), SETTINGS);
            for (ChunkRange r : ranges) {
                Task t = MediaTaskContext.task(nextId++, videoId, TaskKind.VIDEO_CHUNK, r.variant(), 1, nextId);
                done.add(MediaTaskContext.done(t, chunker.handle(context(t, info))));
            }
        }
        Task publish = MediaTaskContext.task(nextId++, videoId, TaskKind.PUBLISH, "", 1, nextId);
        PublishResult result = Json.read(new PublishHandler(s3.store(), SETTINGS)
                .handle(context(publish, info).withSiblings(done)), PublishResult.class);
        Path root = dir.resolve("mirror-" + videoId);
        s3.downloadTree("videos/" + videoId + "/", root);
        return new Published(result, root, info, done);
    }

    private MediaTaskContext context(Task t, SourceInfo source) throws Exception {
        return MediaTaskContext.of(t, MediaTaskContext.video(t.videoId(), "raw/" + t.videoId(), "clip.mp4", source),
                Files.createDirectories(dir.resolve("work-" + t.taskId())));
    }

    private static List<String> extinfs(Path playlist) throws Exception {
        return Files.readAllLines(playlist).stream().filter(l -> l.startsWith("#EXTINF")).toList();
    }

    private List<Double> framePts(Path playlist) throws Exception {
        MediaTools tools = clips.tools();
        ProcessResult r = tools.run(tools.ffprobe(List.of("-v", "error", "-select_streams", "v:0",
                "-show_entries", "frame=pts_time", "-of", "csv=p=0", playlist.toString())), RunControl.capturing(LIMIT));
        assertTrue(r.succeeded(), r.stderrTail());
        return r.stdout().lines().map(l -> l.split(",")[0].strip()).filter(l -> !l.isEmpty()).map(Double::parseDouble).toList();
    }

    private double minPsnr(Path a, Path b) throws Exception {
        MediaTools tools = clips.tools();
        ProcessResult r = tools.run(tools.ffmpeg(List.of("-hide_banner", "-i", a.toString(), "-i", b.toString(),
                "-lavfi", "[0:v][1:v]psnr", "-f", "null", "-")), RunControl.capturing(LIMIT));
        assertTrue(r.succeeded(), r.stderrTail());
        Matcher m = Pattern.compile("PSNR .* min:([0-9.]+|inf)").matcher(r.stderrTail());
        assertTrue(m.find(), r.stderrTail());
        return m.group(1).equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
    }

    /**
     * The audio rendition decodes to as many samples as the source lasts, and the tone has no gap or jump: a
     * 330 Hz sine at 48 kHz changes by at most ~0.013 of full scale per sample (0.3 × 2π × 330 / 48000); a
     * dropped or doubled stretch, or silence, would break that.
     */
    private void assertContinuousTone(Path playlist, double seconds) throws Exception {
        MediaTools tools = clips.tools();
        Path pcm = dir.resolve("tone.raw");
        ProcessResult r = tools.run(tools.ffmpeg(List.of("-v", "error", "-y", "-i", playlist.toString(), "-map", "0:a",
                "-ac", "1", "-ar", "48000", "-f", "s16le", pcm.toString())), RunControl.capturing(LIMIT));
        assertTrue(r.succeeded(), r.stderrTail());
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(pcm)).order(ByteOrder.LITTLE_ENDIAN);
        int n = b.remaining() / 2;
        assertEquals(seconds * 48000, n, 2 * 1024, "samples decoded");
        double worst = 0;
        int worstAt = 0;
        double previous = b.getShort(2 * 2047) / 32768.0;
        // The encoder's first and last frames ramp in and out; the middle must be seamless.
        for (int i = 2048; i < n - 2048; i++) {
            double s = b.getShort(2 * i) / 32768.0;
            if (Math.abs(s - previous) > worst) {
                worst = Math.abs(s - previous);
                worstAt = i;
            }
            previous = s;
        }
        assertTrue(worst < 0.03, "the tone jumps by " + worst + " at sample " + worstAt);
    }
}
