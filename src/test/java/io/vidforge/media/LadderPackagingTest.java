package io.vidforge.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.model.SourceInfo;
import io.vidforge.model.Variant;
import io.vidforge.testing.MediaClips;
import io.vidforge.testing.MediaClips.Clip;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 720p source through the full four-rung ladder and the audio rendition in one ffmpeg process (the
 * default whole-ladder task), then the master and variant playlists against Apple's authoring rules,
 * ffmpeg playing the result as a third-party HLS client, and the same rungs encoded each in its own
 * process (the per-rung plan) lining up with them.
 */
class LadderPackagingTest {
    private static final Logger LOG = Logger.getLogger(LadderPackagingTest.class.getName());
    static final Ladder LADDER = Ladder.standard(2);

    @TempDir
    static Path dir;
    static Path input;
    static SourceInfo source;
    static List<EncodedRung> encoded;
    static List<Variant> variants = new ArrayList<>();
    static EncodedRung audio;
    static String master;
    static List<Double> ladderProgress;

    @BeforeAll
    static void encodeTheLadder() throws Exception {
        MediaClips clips = new MediaClips(dir);
        input = clips.make(Clip.of("hd", 1280, 720, 4, 2));
        source = new Prober(clips.tools()).probe(input, () -> false);
        long start = System.nanoTime();
        List<Double> progress = new ArrayList<>();
        encoded = new LadderEncoder(clips.tools()).encode(input, source, LADDER.rungsFor(source), LADDER, dir,
                progress::add, () -> false);
        encoded.stream().filter(e -> !e.variant().isAudio()).forEach(e -> variants.add(e.variant()));
        audio = encoded.get(encoded.size() - 1);
        // Measured, not asserted: the machine's speed varies. Reported in the issue notes.
        LOG.info(String.format("encoded a %.1f s 720p source into %d rungs in one process in %d ms", source.durationS(),
                variants.size(), (System.nanoTime() - start) / 1_000_000));
        ladderProgress = List.copyOf(progress);
        master = MasterPlaylist.render(encoded.stream().map(EncodedRung::variant).toList(),
                v -> v.name() + "/" + EncodeArguments.PLAYLIST);
        Files.writeString(dir.resolve("master.m3u8"), master, StandardCharsets.UTF_8);
    }

    @Test
    void a_720p_source_gets_every_rung_up_to_720p_and_none_above() {
        assertEquals(List.of("720p", "480p", "360p", "240p"), variants.stream().map(Variant::name).toList());
        assertEquals(List.of("1280x720", "854x480", "640x360", "426x240"),
                variants.stream().map(Variant::resolution).toList());
    }

    @Test
    void one_process_writes_every_rung_in_its_own_folder() {
        for (EncodedRung e : encoded) {
            assertEquals(dir.resolve(e.variant().name()), e.dir());
            assertEquals(e.dir().resolve(EncodeArguments.PLAYLIST), e.playlist());
            assertEquals(e.variant().segmentCount() + 1, e.mediaFiles().size(), "init and every segment");
            e.mediaFiles().forEach(f -> assertEquals(e.dir(), f.getParent()));
        }
    }

    @Test
    void progress_of_the_one_process_covers_the_whole_ladder_and_ends_at_one() {
        assertTrue(ladderProgress.size() >= 2, "ffmpeg reported progress while encoding: " + ladderProgress);
        for (int i = 1; i < ladderProgress.size(); i++) {
            assertTrue(ladderProgress.get(i) >= ladderProgress.get(i - 1), "never goes back: " + ladderProgress);
        }
        assertEquals(1.0, ladderProgress.get(ladderProgress.size() - 1));
    }

    @Test
    void rungs_encoded_in_separate_processes_line_up_with_the_ladder_encoded_in_one() throws Exception {
        // The per-rung plan (TRANSCODE_SPLIT=rung) may mix with nothing else, but its rungs must still have the
        // same boundaries as each other; comparing with the one-process ladder checks both at once.
        LadderEncoder encoder = new LadderEncoder(new MediaClips(dir).tools());
        for (EncodedRung inLadder : List.of(encoded.get(0), encoded.get(variants.size() - 1))) {
            Rung rung = LADDER.rungFor(inLadder.variant().name(), source).orElseThrow();
            EncodedRung alone = encoder.encode(input, source, List.of(rung), false, LADDER, dir.resolve("alone"),
                    f -> { }, () -> false).get(0);
            assertEquals(durations(inLadder), durations(alone), rung.name() + ": EXTINF of one process vs its own");
            assertEquals(inLadder.variant().codecs(), alone.variant().codecs());
            assertEquals(inLadder.variant().resolution(), alone.variant().resolution());
        }
    }

    private static List<Double> durations(EncodedRung e) throws Exception {
        return VariantPlaylist.parse(Files.readString(e.playlist())).segments().stream()
                .map(VariantPlaylist.Segment::durationS).toList();
    }

    @Test
    void master_and_variant_playlists_follow_the_apple_authoring_rules() {
        HlsAuthoringRules.assertSatisfied(master, uri -> read(dir.resolve(uri)), true, source.height());
    }

    @Test
    void there_is_a_cellular_rung_at_or_below_250_kbps_with_its_audio() {
        assertTrue(HlsAuthoringRules.parseMaster(master).stream()
                        .anyMatch(e -> e.bandwidth() <= HlsAuthoringRules.LOW_RUNG_MAX_BPS), master);
    }

    @Test
    void the_audio_is_one_rendition_whose_segments_line_up_with_the_video_segments() throws Exception {
        assertEquals(Variant.AUDIO, audio.variant().name());
        assertTrue(audio.variant().isAudio());
        assertEquals(CodecStrings.AAC_LC, audio.variant().codecs());
        List<Double> video = durations(encoded.get(0));
        List<Double> sound = durations(audio);
        assertEquals(video.size(), sound.size(), "one audio segment per video segment");
        double videoEnd = 0;
        double audioEnd = 0;
        for (int i = 0; i < video.size() - 1; i++) {
            videoEnd += video.get(i);
            audioEnd += sound.get(i);
            // Every AAC frame (1024 samples at 48 kHz) is a sync sample: the cut lands within one frame.
            assertEquals(videoEnd, audioEnd, 1024.0 / 48000 + 1e-3, "boundary after segment " + i);
        }
        MediaTools tools = new MediaClips(dir).tools();
        Path playlist = audio.playlist();
        assertEquals("", new SegmentInspector(tools).decodeErrors(playlist), "the audio rendition decodes cleanly");
        long samples = decodedSamples(tools, playlist);
        // No gap and nothing lost: as many samples as the source lasts, within two AAC frames.
        assertEquals(source.durationS() * 48000, samples, 2 * 1024, "decoded samples of the audio rendition");
        for (EncodedRung e : encoded) {
            if (!e.variant().isAudio()) {
                assertTrue(e.variant().codecs().matches("avc1\\.[0-9a-f]{6}"), e.variant().codecs());
            }
        }
    }

    /** Audio samples ffmpeg decodes from an HLS playlist (astats' sample count of the only channel pair). */
    private static long decodedSamples(MediaTools tools, Path playlist) throws Exception {
        ProcessResult r = tools.run(tools.ffmpeg(List.of("-v", "error", "-i", playlist.toString(),
                "-map", "0:a", "-f", "framecrc", "-")), RunControl.capturing(java.time.Duration.ofSeconds(60)));
        assertEquals(0, r.exitCode(), r.stderrTail());
        long samples = 0;
        for (String line : r.stdout().lines().toList()) {
            if (!line.startsWith("#") && !line.isBlank()) {
                // framecrc: stream, dts, pts, duration (in samples at 1/48000), size, crc
                samples += Long.parseLong(line.split(",")[3].strip());
            }
        }
        return samples;
    }

    @Test
    void measured_bit_rates_respect_each_rungs_rate_control() {
        for (Variant v : variants) {
            Rung r = LADDER.rungFor(v.name(), source).orElseThrow();
            long ceiling = r.maxrateKbps() * 1000L;
            assertTrue(v.averageBandwidth() <= ceiling, v.name() + " averages " + v.averageBandwidth() + " b/s");
            // Apple: the peak of a VOD variant should be at most twice its average.
            assertTrue(v.bandwidth() <= 2 * v.averageBandwidth(), v.name() + " peaks at " + v.bandwidth());
            assertTrue(v.bandwidth() >= v.averageBandwidth());
        }
    }

    @Test
    void the_master_lists_every_variant_with_its_measured_attributes() {
        List<HlsAuthoringRules.StreamInf> entries = HlsAuthoringRules.parseMaster(master);
        assertEquals(variants.size(), entries.size(), "one entry per video variant; the audio is not a variant");
        Variant a = audio.variant();
        for (HlsAuthoringRules.StreamInf e : entries) {
            Variant v = variants.stream().filter(x -> e.uri().startsWith(x.name() + "/")).findFirst().orElseThrow();
            assertEquals(v.bandwidth() + a.bandwidth(), e.bandwidth(), "video and audio peaks together");
            assertEquals(v.averageBandwidth() + a.averageBandwidth(), e.averageBandwidth());
            assertEquals(v.codecs() + "," + CodecStrings.AAC_LC, e.codecs());
            assertEquals(v.resolution(), e.attributes().get("RESOLUTION"));
            assertEquals("30.000", e.attributes().get("FRAME-RATE"));
            assertEquals(MasterPlaylist.AUDIO_GROUP, e.attributes().get("AUDIO"));
        }
        List<java.util.Map<String, String>> media = HlsAuthoringRules.parseMedia(master);
        assertEquals(1, media.size());
        assertEquals("AUDIO", media.get(0).get("TYPE"));
        assertEquals(MasterPlaylist.AUDIO_GROUP, media.get(0).get("GROUP-ID"));
        assertEquals("audio/index.m3u8", media.get(0).get("URI"));
    }

    @Test
    void ffmpeg_as_a_third_party_hls_client_decodes_every_variant_without_error() throws Exception {
        MediaTools tools = new MediaClips(dir).tools();
        ProcessResult r = tools.run(tools.ffmpeg(List.of("-v", "error", "-i", dir.resolve("master.m3u8").toString(),
                "-map", "0", "-f", "null", "-")), RunControl.capturing(java.time.Duration.ofSeconds(120)));
        assertEquals(0, r.exitCode(), r.stderrTail());
        assertEquals("", r.stderrTail());
        // -map 0 on a master maps every variant's video and the one audio rendition.
        long videoStreams = 0;
        for (com.fasterxml.jackson.databind.JsonNode s : new SegmentInspector(tools).streams(dir.resolve("master.m3u8"))) {
            videoStreams += s.path("codec_type").asText().equals("video") ? 1 : 0;
        }
        assertEquals(variants.size(), videoStreams);
        for (EncodedRung e : encoded) {
            long audioStreams = 0;
            for (com.fasterxml.jackson.databind.JsonNode s : new SegmentInspector(tools).streams(e.playlist())) {
                audioStreams += s.path("codec_type").asText().equals("audio") ? 1 : 0;
            }
            assertEquals(e.variant().isAudio() ? 1 : 0, audioStreams, e.variant().name() + "'s audio streams");
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return null;
        }
    }
}
