package io.vidforge.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.base.Suppliers;
import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import io.vidforge.config.Settings;
import io.vidforge.json.Json;
import io.vidforge.media.DashManifest;
import io.vidforge.media.HlsAuthoringRules;
import io.vidforge.media.RelativeKey;
import io.vidforge.media.VariantPlaylist;
import io.vidforge.model.SourceInfo;
import io.vidforge.model.Variant;
import io.vidforge.storage.ObjectStore;
import io.vidforge.tasks.ProbeResult;
import io.vidforge.tasks.PublishResult;
import io.vidforge.tasks.Task;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TranscodeResult;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.MediaClips.Clip;
import io.vidforge.testing.MediaS3;
import io.vidforge.testing.MediaTaskContext;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PUBLISH against a real S3 after retried transcodes, per-rung and whole-ladder: the master names exactly
 * the attempt prefixes the completed tasks report, and never a playlist with a missing segment or
 * segments of two attempts.
 */
class PublishHandlerTest {
    static final Settings SETTINGS = Settings.of(Map.of("SEGMENT_SECONDS", "2"));
    static final String VIDEO = "retried";

    static Path dir;
    static MediaS3 s3;
    static ObjectStore store;
    static Task probe;
    static Task hd;
    static Task lowFirstAttempt;
    static Task lowSecondAttempt;
    static Task ladderFirstAttempt;
    static Task ladderSecondAttempt;
    static Task audio;
    static SourceInfo source;
    /** Added to every publish's version, new for each run of the class (see {@link #transcodeWithARetriedRung}). */
    static long versionBase;
    private static final AtomicInteger RUNS = new AtomicInteger();

    /**
     * The clip and its transcodes are made once per JVM and kept until it exits: none of it is PUBLISH's
     * doing, and making it (ffmpeg, several seconds) for each test run made the mutation run's worker
     * group take over half an hour (PIT runs each test on its own, once per mutant, and a class's
     * BeforeAll with it). Each run of the class publishes under versions of its own, so what one run
     * published (a mutant's master, say) is never under a prefix another run asserts empty.
     */
    @BeforeAll
    static void transcodeWithARetriedRung() throws Exception {
        Fixture f = Fixture.INSTANCE.get();
        dir = f.dir;
        s3 = f.s3;
        store = s3.store();
        probe = f.probe;
        source = f.source;
        hd = f.hd;
        lowFirstAttempt = f.lowFirstAttempt;
        lowSecondAttempt = f.lowSecondAttempt;
        audio = f.audio;
        ladderFirstAttempt = f.ladderFirstAttempt;
        ladderSecondAttempt = f.ladderSecondAttempt;
        versionBase = 1000L * RUNS.incrementAndGet();
    }

    private static final class Fixture {
        static final Supplier<Fixture> INSTANCE = Suppliers.memoize(() -> {
            try {
                return new Fixture();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        final Path dir;
        final MediaS3 s3;
        final Task probe;
        final SourceInfo source;
        final Task hd;
        final Task lowFirstAttempt;
        final Task lowSecondAttempt;
        final Task audio;
        final Task ladderFirstAttempt;
        final Task ladderSecondAttempt;

        private Fixture() throws Exception {
            dir = Files.createTempDirectory("vidforge-publish");
            s3 = MediaS3.start(dir.resolve("s3"));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                s3.close();
                try {
                    MoreFiles.deleteRecursively(dir, RecursiveDeleteOption.ALLOW_INSECURE);
                } catch (IOException e) {
                    // a temporary directory left behind at exit: nothing to do about it then
                }
            }));
            ObjectStore st = s3.store();
            MediaClips clips = new MediaClips(Files.createDirectories(dir.resolve("clips")));
            Path clip = clips.make(Clip.of("clip", 640, 360, 3, 2));
            st.putFile("raw/" + VIDEO, clip, "video/mp4");

            MediaTaskContext p = context(dir, MediaTaskContext.task(1, VIDEO, TaskKind.PROBE, "", 1, 1), null);
            probe = MediaTaskContext.done(p.task(), new ProbeHandler(st, SETTINGS).handle(p));
            source = Json.read(probe.resultJson(), ProbeResult.class).source();

            TranscodeHandler transcoder = new TranscodeHandler(st, SETTINGS);
            hd = run(transcoder, MediaTaskContext.task(2, VIDEO, TaskKind.TRANSCODE, "360p", 1, 2));
            // The 240p task ran twice: attempt 1 lost its lease after finishing (a zombie), attempt 2 was retried.
            lowFirstAttempt = run(transcoder, MediaTaskContext.task(3, VIDEO, TaskKind.TRANSCODE, "240p", 1, 3));
            lowSecondAttempt = run(transcoder, MediaTaskContext.task(3, VIDEO, TaskKind.TRANSCODE, "240p", 2, 5));
            // The per-rung plan's audio rendition: a task of its own, shared by both rungs.
            audio = run(transcoder, MediaTaskContext.task(5, VIDEO, TaskKind.TRANSCODE, Variant.AUDIO, 1, 9));
            // The same for the whole-ladder task of the default plan: attempt 1 a zombie, attempt 2 the retry.
            ladderFirstAttempt = run(transcoder, MediaTaskContext.task(4, VIDEO, TaskKind.TRANSCODE, "", 1, 6));
            ladderSecondAttempt = run(transcoder, MediaTaskContext.task(4, VIDEO, TaskKind.TRANSCODE, "", 2, 8));
        }

        private Task run(TaskHandler h, Task t) throws Exception {
            return MediaTaskContext.done(t, h.handle(context(dir, t, source)));
        }
    }

    static MediaTaskContext context(Path dir, Task t, SourceInfo src) throws Exception {
        return MediaTaskContext.of(t, MediaTaskContext.video(VIDEO, "raw/" + VIDEO, "clip.mp4", src),
                Files.createDirectories(dir.resolve("work-" + t.kind() + t.variant() + "-a" + t.attempt() + "-v" + t.version())));
    }

    static MediaTaskContext publish(long version, Task... siblings) throws Exception {
        return context(dir, MediaTaskContext.task(9, VIDEO, TaskKind.PUBLISH, "", 1, versionBase + version), source)
                .withSiblings(List.of(siblings));
    }

    static Variant variantOf(Task transcode) {
        List<Variant> variants = TranscodeResult.read(transcode.resultJson()).variants();
        assertEquals(1, variants.size());
        return variants.get(0);
    }

    static String prefixOf(Task transcode) {
        return variantOf(transcode).prefix();
    }

    @Test
    void the_master_names_exactly_the_attempt_prefixes_the_completed_tasks_report() throws Exception {
        assertTrue(!prefixOf(lowFirstAttempt).equals(prefixOf(lowSecondAttempt)), "two attempts, two prefixes");
        for (Task low : List.of(lowSecondAttempt, lowFirstAttempt)) {
            MediaTaskContext ctx = publish(10 + low.version(), probe, hd, low, audio);
            PublishResult result = Json.read(new PublishHandler(store, SETTINGS).handle(ctx), PublishResult.class);

            assertEquals(ctx.outputPrefix() + "master.m3u8", result.masterKey());
            assertEquals(Json.read(probe.resultJson(), ProbeResult.class).posterKey(), result.posterKey());
            String master = new String(store.getBytes(result.masterKey()), StandardCharsets.UTF_8);
            List<String> named = new ArrayList<>();
            for (HlsAuthoringRules.StreamInf s : HlsAuthoringRules.parseMaster(master)) {
                named.add(URI.create(result.masterKey()).resolve(s.uri()).toString());
            }
            assertEquals(List.of(prefixOf(hd) + "index.m3u8", prefixOf(low) + "index.m3u8"), named);
            assertEquals(List.of(prefixOf(hd), prefixOf(low), prefixOf(audio)),
                    result.variants().stream().map(Variant::prefix).toList());
            assertTrue(master.contains("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\"")
                    && master.contains("URI=\"" + RelativeKey.between(ctx.outputPrefix(), prefixOf(audio) + "index.m3u8")),
                    master);
        }
    }

    @Test
    void a_whole_ladder_is_published_from_the_attempt_that_completed_with_each_rung_in_its_own_folder()
            throws Exception {
        for (Task ladder : List.of(ladderSecondAttempt, ladderFirstAttempt)) {
            MediaTaskContext ctx = publish(60 + ladder.version(), probe, ladder);
            PublishResult result = Json.read(new PublishHandler(store, SETTINGS).handle(ctx), PublishResult.class);
            String attempt = "videos/" + VIDEO + "/g1/transcode/a" + ladder.attempt() + "-v" + ladder.version() + "/";
            assertEquals(List.of(attempt + "360p/", attempt + "240p/", attempt + "audio/"),
                    result.variants().stream().map(Variant::prefix).toList());
            String master = new String(store.getBytes(result.masterKey()), StandardCharsets.UTF_8);
            List<String> named = new ArrayList<>();
            for (HlsAuthoringRules.StreamInf s : HlsAuthoringRules.parseMaster(master)) {
                named.add(URI.create(result.masterKey()).resolve(s.uri()).toString());
            }
            assertEquals(List.of(attempt + "360p/index.m3u8", attempt + "240p/index.m3u8"), named);
        }
    }

    @Test
    void per_rung_results_stored_as_a_bare_variant_before_whole_ladder_tasks_are_still_published() throws Exception {
        Task oldHd = MediaTaskContext.done(hd, Json.write(variantOf(hd)));
        Task oldLow = MediaTaskContext.done(lowSecondAttempt, Json.write(variantOf(lowSecondAttempt)));
        PublishResult result = Json.read(new PublishHandler(store, SETTINGS).handle(publish(90, probe, oldHd, oldLow)),
                PublishResult.class);
        assertEquals(List.of(prefixOf(hd), prefixOf(lowSecondAttempt)),
                result.variants().stream().map(Variant::prefix).toList());
    }

    @Test
    void a_published_whole_ladder_follows_the_apple_authoring_rules_and_plays() throws Exception {
        assertPublishedPlaylistsAreCompleteAndPlay(publish(70, probe, ladderSecondAttempt), "mirror-ladder");
    }

    @Test
    void publish_refuses_a_rung_reported_by_both_the_whole_ladder_and_a_per_rung_task() throws Exception {
        MediaTaskContext ctx = publish(80, probe, ladderSecondAttempt, hd);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new PublishHandler(store, SETTINGS).handle(ctx));
        assertTrue(e.getMessage().contains("360p"), e.getMessage());
        assertTrue(store.list(ctx.outputPrefix()).isEmpty(), "no master for a mixed-up plan");
    }

    @Test
    void every_published_playlist_names_only_stored_segments_of_its_own_attempt_and_plays() throws Exception {
        assertPublishedPlaylistsAreCompleteAndPlay(publish(20, probe, hd, lowSecondAttempt, audio), "mirror");
    }

    private static void assertPublishedPlaylistsAreCompleteAndPlay(MediaTaskContext ctx, String mirror) throws Exception {
        PublishResult result = Json.read(new PublishHandler(store, SETTINGS).handle(ctx), PublishResult.class);
        Path local = Files.createDirectories(dir.resolve(mirror));
        s3.downloadTree("videos/" + VIDEO + "/", local);

        Path master = local.resolve(result.masterKey());
        HlsAuthoringRules.assertSatisfied(Files.readString(master), uri -> read(master.getParent().resolve(uri)), true,
                source.height());
        for (Variant v : result.variants()) {
            Path variantDir = local.resolve(v.prefix());
            VariantPlaylist playlist = VariantPlaylist.parse(Files.readString(variantDir.resolve("index.m3u8")));
            List<String> names = new ArrayList<>(List.of(playlist.mapUri()));
            playlist.segments().forEach(s -> names.add(s.uri()));
            for (String name : names) {
                assertTrue(Files.size(variantDir.resolve(name)) > 0, v.prefix() + name + " is stored");
                assertTrue(!name.contains("/"), "names an object of its own prefix only: " + name);
            }
        }
        MediaClips clips = new MediaClips(dir);
        var r = clips.tools().run(clips.tools().ffmpeg(List.of("-v", "error", "-i", master.toString(), "-map", "0",
                "-f", "null", "-")), io.vidforge.media.RunControl.capturing(java.time.Duration.ofSeconds(120)));
        assertEquals(0, r.exitCode(), r.stderrTail());
        assertEquals("", r.stderrTail());

        // The DASH manifest next to the master: its BaseURLs are exactly the published prefixes (the same
        // segments, no copy), and ffmpeg's DASH demuxer decodes every Representation from them.
        Path mpd = master.resolveSibling(DashManifest.FILE);
        String mpdText = Files.readString(mpd);
        List<String> bases = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<BaseURL>([^<]+)</BaseURL>").matcher(mpdText);
        while (m.find()) {
            bases.add(URI.create(result.masterKey()).resolve(m.group(1)).toString());
        }
        assertEquals(result.variants().stream().map(Variant::prefix).sorted().toList(), bases.stream().sorted().toList(),
                mpdText);
        var d = clips.tools().run(clips.tools().ffmpeg(List.of("-v", "error", "-i", mpd.toString(), "-map", "0",
                "-f", "null", "-")), io.vidforge.media.RunControl.capturing(java.time.Duration.ofSeconds(120)));
        assertEquals(0, d.exitCode(), d.stderrTail());
        assertEquals("", d.stderrTail());
    }

    @Test
    void publish_refuses_a_variant_whose_segments_are_missing_and_writes_no_master() throws Exception {
        // A zombie attempt got as far as its playlist, but its segments never arrived (copied from a real one).
        Variant good = variantOf(lowSecondAttempt);
        String zombie = "videos/" + VIDEO + "/g1/transcode-240p/a3-v7/";
        for (String file : List.of("index.m3u8", "init.mp4", "seg_00000.m4s")) {
            store.putBytes(zombie + file, store.getBytes(good.prefix() + file), "application/octet-stream");
        }
        Task partial = MediaTaskContext.done(MediaTaskContext.task(3, VIDEO, TaskKind.TRANSCODE, "240p", 3, 7),
                Json.write(new Variant(good.name(), good.width(), good.height(), good.bandwidth(), good.averageBandwidth(),
                        good.codecs(), good.frameRate(), good.segmentCount(), good.segmentSeconds(), zombie)));

        MediaTaskContext ctx = publish(30, probe, hd, partial);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new PublishHandler(store, SETTINGS).handle(ctx));
        assertTrue(e.getMessage().contains("seg_00001.m4s"), e.getMessage());
        assertTrue(store.list(ctx.outputPrefix()).isEmpty(), "no master and no MPD for an incomplete ladder");
    }

    @Test
    void publish_refuses_a_variant_stored_outside_this_video_generation() throws Exception {
        Variant good = variantOf(hd);
        String otherGeneration = good.prefix().replace("/g1/", "/g0/");
        // Complete and stored, so that only the generation check stands between it and the master.
        for (String key : store.list(good.prefix())) {
            store.putBytes(otherGeneration + key.substring(good.prefix().length()), store.getBytes(key),
                    "application/octet-stream");
        }
        Task foreign = MediaTaskContext.done(MediaTaskContext.task(2, VIDEO, TaskKind.TRANSCODE, "360p", 1, 2),
                Json.write(new Variant(good.name(), good.width(), good.height(), good.bandwidth(), good.averageBandwidth(),
                        good.codecs(), good.frameRate(), good.segmentCount(), good.segmentSeconds(), otherGeneration)));
        MediaTaskContext ctx = publish(40, probe, foreign, lowSecondAttempt);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new PublishHandler(store, SETTINGS).handle(ctx));
        assertTrue(e.getMessage().contains("outside this video generation's videos/" + VIDEO + "/g1/"), e.getMessage());
        assertTrue(store.list(ctx.outputPrefix()).isEmpty());
    }

    @Test
    void publish_refuses_a_variant_with_an_empty_segment_and_writes_no_master() throws Exception {
        // A zombie attempt whose last segment upload left an empty object.
        Variant good = variantOf(lowSecondAttempt);
        String zombie = "videos/" + VIDEO + "/g1/transcode-240p/a4-v11/";
        VariantPlaylist playlist = VariantPlaylist.parse(new String(store.getBytes(good.prefix() + "index.m3u8"),
                StandardCharsets.UTF_8));
        String emptied = playlist.segments().getLast().uri();
        for (String key : store.list(good.prefix())) {
            String name = key.substring(good.prefix().length());
            store.putBytes(zombie + name, name.equals(emptied) ? new byte[0] : store.getBytes(key),
                    "application/octet-stream");
        }
        Task partial = MediaTaskContext.done(MediaTaskContext.task(3, VIDEO, TaskKind.TRANSCODE, "240p", 4, 11),
                Json.write(new Variant(good.name(), good.width(), good.height(), good.bandwidth(), good.averageBandwidth(),
                        good.codecs(), good.frameRate(), good.segmentCount(), good.segmentSeconds(), zombie)));

        MediaTaskContext ctx = publish(45, probe, hd, partial);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new PublishHandler(store, SETTINGS).handle(ctx));
        assertTrue(e.getMessage().contains(emptied + " of variant 240p is missing or empty"), e.getMessage());
        assertTrue(store.list(ctx.outputPrefix()).isEmpty());
    }

    @Test
    void the_master_lists_the_video_rungs_highest_bandwidth_first_and_the_audio_last_whatever_their_names() throws Exception {
        // Named so that a hash map's order is not the bandwidth order: the higher rung called 480p, the lower 360p.
        Variant high = variantOf(hd);
        Variant low = variantOf(lowSecondAttempt);
        assertTrue(high.bandwidth() > low.bandwidth());
        Task highTask = MediaTaskContext.done(hd, Json.write(renamed(high, "480p")));
        Task lowTask = MediaTaskContext.done(lowSecondAttempt, Json.write(renamed(low, "360p")));
        // The audio from the chunked plan's AUDIO task.
        Task audioTask = MediaTaskContext.done(MediaTaskContext.task(6, VIDEO, TaskKind.AUDIO, Variant.AUDIO, 1, 12),
                audio.resultJson());

        MediaTaskContext ctx = publish(95, audioTask, lowTask, probe, highTask);
        PublishResult result = Json.read(new PublishHandler(store, SETTINGS).handle(ctx), PublishResult.class);

        assertEquals(List.of("480p", "360p", Variant.AUDIO), result.variants().stream().map(Variant::name).toList());
        String master = new String(store.getBytes(result.masterKey()), StandardCharsets.UTF_8);
        List<String> named = new ArrayList<>();
        for (HlsAuthoringRules.StreamInf s : HlsAuthoringRules.parseMaster(master)) {
            named.add(URI.create(result.masterKey()).resolve(s.uri()).toString());
        }
        assertEquals(List.of(high.prefix() + "index.m3u8", low.prefix() + "index.m3u8"), named);
        assertEquals(List.of(1.0), ctx.progressReports(), "a finished publish reports itself complete");
    }

    private static Variant renamed(Variant v, String name) {
        return new Variant(name, v.width(), v.height(), v.bandwidth(), v.averageBandwidth(), v.codecs(), v.frameRate(),
                v.segmentCount(), v.segmentSeconds(), v.prefix(), v.type());
    }

    @Test
    void a_publish_cancelled_once_every_rendition_is_verified_writes_no_master_and_no_manifest() throws Exception {
        // Each rendition's check asks once; the cancel arrives after the last of the three.
        AtomicInteger asked = new AtomicInteger();
        MediaTaskContext ctx = publish(96, probe, hd, lowSecondAttempt, audio).cancelledWhen(() -> asked.incrementAndGet() > 3);
        assertThrows(Exception.class, () -> new PublishHandler(store, SETTINGS).handle(ctx));
        assertTrue(asked.get() > 3, "cancelled after the renditions were verified: " + asked.get());
        assertTrue(store.list(ctx.outputPrefix()).isEmpty(), "no master, no MPD");
    }

    @Test
    void the_publish_handler_takes_publish_tasks() {
        assertEquals(TaskKind.PUBLISH, new PublishHandler(store, SETTINGS).kind());
    }

    @Test
    void publish_without_a_completed_probe_fails_instead_of_guessing() throws Exception {
        MediaTaskContext ctx = publish(50, hd, lowSecondAttempt);
        assertThrows(IllegalStateException.class, () -> new PublishHandler(store, SETTINGS).handle(ctx));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return null;
        }
    }
}
