package io.vidforge.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.model.SourceInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure parts of the pipeline: sizes, rates, codec strings, playlists, bandwidth, relative keys. */
class MediaUnitsTest {
    private static final Ladder LADDER = Ladder.standard(6);

    private static SourceInfo source(int w, int h, double fps) {
        return new SourceInfo(10, w, h, "h264", "aac", fps, 2, 0, "mov,mp4,m4a,3gp,3g2,mj2");
    }

    @Test
    void rung_sizes_keep_the_aspect_ratio_in_even_dimensions_and_never_upscale() {
        assertEquals(new FrameSize(1280, 720), FrameSize.forRung(source(1920, 1080, 30), rung("720p")));
        assertEquals(new FrameSize(426, 240), FrameSize.forRung(source(1920, 1080, 30), rung("240p")));
        assertEquals(new FrameSize(240, 426), FrameSize.forRung(source(360, 640, 30), rung("240p")));
        assertEquals(new FrameSize(360, 640), FrameSize.forRung(source(360, 640, 30), rung("360p")));
        // 322x181: one rung at 180 lines, width from the aspect, both even.
        Rung only = LADDER.rungsFor(181).get(0);
        assertEquals(new FrameSize(320, 180), FrameSize.forRung(source(322, 181, 30), only));
        // A rung taller than the source is clamped to the source.
        assertEquals(new FrameSize(640, 360), FrameSize.forRung(source(640, 360, 30), rung("720p")));
    }

    @Test
    void portrait_rungs_are_named_and_sized_by_the_short_side_at_full_width() {
        SourceInfo phone = source(1080, 1920, 30);
        assertEquals(List.of("1080p", "720p", "480p", "360p", "240p"), names(LADDER.rungsFor(phone)));
        assertEquals(new FrameSize(1080, 1920), FrameSize.forRung(phone, rung("1080p")), "full width, not 608x1080");
        assertEquals(new FrameSize(720, 1280), FrameSize.forRung(phone, rung("720p")));
        assertEquals(new FrameSize(480, 854), FrameSize.forRung(phone, rung("480p")));
        assertEquals(new FrameSize(240, 426), FrameSize.forRung(phone, rung("240p")));
        assertEquals(List.of("720p", "480p", "360p", "240p"), names(LADDER.rungsFor(source(720, 1280, 30))));
        assertEquals(new FrameSize(720, 1280), FrameSize.forRung(source(720, 1280, 30), rung("720p")));
        // Landscape is unchanged: the short side is the height.
        assertEquals(List.of("1080p", "720p", "480p", "360p", "240p"), names(LADDER.rungsFor(source(1920, 1080, 30))));
        // Never upscaled, even: a 1079-wide portrait source is not a 1080p one.
        assertEquals("720p", LADDER.rungsFor(source(1079, 1919, 30)).get(0).name());
        for (int w = 200; w < 2000; w += 37) {
            SourceInfo s = source(w, w * 16 / 9 + 1, 30);
            for (Rung r : LADDER.rungsFor(s)) {
                FrameSize f = FrameSize.forRung(s, r);
                assertTrue(f.width() % 2 == 0 && f.height() % 2 == 0, f + " of " + w);
                assertTrue(f.width() <= s.width() && f.height() <= s.height(), f + " upscales " + w);
                assertEquals(Math.abs((double) s.width() / s.height() - (double) f.width() / f.height()), 0, 0.02,
                        "aspect of " + f + " from " + s.width() + "x" + s.height());
            }
        }
    }

    @Test
    void sources_above_1080p_get_1440p_and_2160p_rungs_up_to_max_rung() {
        assertEquals(List.of("2160p", "1440p", "1080p", "720p", "480p", "360p", "240p"),
                names(LADDER.rungsFor(source(3840, 2160, 30))));
        assertEquals(List.of("1440p", "1080p", "720p", "480p", "360p", "240p"),
                names(LADDER.rungsFor(source(2560, 1440, 30))));
        assertEquals(new FrameSize(2160, 3840), FrameSize.forRung(source(2160, 3840, 30), rung("2160p")));
        Ladder capped = Ladder.from(io.vidforge.config.Settings.of(Map.of("MAX_RUNG", "1080", "SEGMENT_SECONDS", "6")));
        assertEquals("1080p", capped.rungsFor(source(3840, 2160, 30)).get(0).name());
        assertTrue(!capped.profileId().equals(LADDER.profileId()), "the cap is part of the processing profile");
        assertEquals(LADDER.profileId(), Ladder.from(io.vidforge.config.Settings.of(Map.of())).profileId(),
                "MAX_RUNG defaults to 2160");
        assertEquals("avc1.640033", CodecStrings.forRung(rung("2160p")), "High 5.1 for 3840x2160 at 30 fps");
        assertEquals("avc1.640032", CodecStrings.forRung(rung("1440p")), "High 5.0 for 2560x1440 at 30 fps");
    }

    @Test
    void high_frame_rate_sources_keep_their_rate_from_720p_up_with_raised_bitrates_and_halve_it_below() {
        SourceInfo sixty = source(1920, 1080, 60);
        List<Rung> rungs = LADDER.rungsFor(sixty);
        assertEquals(List.of("1080p", "720p", "480p", "360p", "240p"), names(rungs));
        assertEquals(List.of(60.0, 60.0, 30.0, 30.0, 30.0),
                rungs.stream().map(r -> LADDER.frameRateFor(sixty, r).value()).toList());
        assertEquals(7500, rungs.get(0).videoKbps(), "1.5 x the 30 fps rate");
        assertEquals("4.2", rungs.get(0).avcLevel(), "1920x1080 at 60 fps needs level 4.2");
        assertEquals("3.2", rungs.get(1).avcLevel());
        assertEquals(1200, rungs.get(2).videoKbps(), "480p at 30 fps: the ordinary rate");
        SourceInfo ntsc = source(1280, 720, 59.94);
        assertEquals("30000/1001", LADDER.frameRateFor(ntsc, LADDER.rungsFor(ntsc).get(1)).ffmpegArgument());
        assertEquals("25", LADDER.frameRateFor(source(1280, 720, 50), rung("480p")).ffmpegArgument());
        SourceInfo thirty = source(1920, 1080, 30);
        assertEquals(5000, LADDER.rungsFor(thirty).get(0).videoKbps());
        assertEquals(30.0, LADDER.frameRateFor(thirty, rung("240p")).value());
    }

    @Test
    void the_ladder_never_plans_a_rung_above_the_source_and_always_plans_one() {
        assertEquals(List.of("720p", "480p", "360p", "240p"), names(LADDER.rungsFor(720)));
        assertEquals(List.of("360p", "240p"), names(LADDER.rungsFor(360)));
        assertEquals(List.of("180p"), names(LADDER.rungsFor(181)));
        assertTrue(LADDER.rungFor("720p", source(854, 480, 30)).isEmpty());
        assertEquals(2, Ladder.standard(2).keyframeIntervalSeconds());
        assertEquals(2, Ladder.standard(6).keyframeIntervalSeconds());
        assertEquals(5, Ladder.standard(5).keyframeIntervalSeconds());
    }

    @Test
    void output_frame_rate_is_the_source_rate_snapped_and_capped_at_60() {
        assertEquals("30000/1001", OutputFrameRate.forSource(29.97).ffmpegArgument());
        assertEquals("30000/1001", OutputFrameRate.forSource(29.83).ffmpegArgument()); // a VFR phone average
        assertEquals("25", OutputFrameRate.forSource(25).ffmpegArgument());
        assertEquals("60", OutputFrameRate.forSource(120).ffmpegArgument());
        assertEquals("50", OutputFrameRate.forSource(100).ffmpegArgument());
        assertEquals("60000/1001", OutputFrameRate.forSource(59.94).ffmpegArgument());
        assertEquals("13", OutputFrameRate.forSource(13).ffmpegArgument());
        assertEquals("30", OutputFrameRate.forSource(0).ffmpegArgument());
        assertTrue(OutputFrameRate.forSource(240).value() <= 60);
    }

    @Test
    void avc1_codec_strings_follow_profile_constraints_and_level() {
        assertEquals("avc1.64001f", CodecStrings.avc1("high", "3.1"));
        assertEquals("avc1.640028", CodecStrings.avc1("high", "4.0"));
        assertEquals("avc1.4d401e", CodecStrings.avc1("main", "3.0"));
        assertEquals("avc1.42c01e", CodecStrings.avc1("baseline", "3.0"));
        assertEquals("avc1.64001f", CodecStrings.forRung(rung("720p")));
        assertThrows(IllegalArgumentException.class, () -> CodecStrings.avc1("high10", "3.1"));
    }

    @Test
    void the_init_segment_tells_the_written_profile_level_and_audio() {
        byte[] init = {0, 0, 0, 20, 'a', 'v', 'c', 'C', 1, 0x4d, 0x40, 0x1e, 0, 0, 0, 8, 'm', 'p', '4', 'a'};
        InitSegment s = new InitSegment(init);
        assertEquals("avc1.4d401e", s.avc1().orElseThrow());
        assertTrue(s.hasAacAudio());
        assertTrue(new InitSegment(new byte[] {1, 2, 3}).avc1().isEmpty());
    }

    @Test
    void a_rendered_variant_playlist_has_every_tag_safari_requires() {
        String ffmpegOutput = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n"
                + "#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:6.006000,\nseg_00000.m4s\n#EXTINF:6.506000,\nseg_00001.m4s\n"
                + "#EXTINF:1.2,\nseg_00002.m4s\n";
        VariantPlaylist p = VariantPlaylist.parse(ffmpegOutput);
        assertEquals(3, p.segments().size());
        assertEquals("init.mp4", p.mapUri());
        assertEquals(7, p.targetDuration()); // 6.506 rounds to 7
        String rendered = p.render();
        assertEquals(List.of(), HlsAuthoringRules.variantViolations("x", rendered));
        assertEquals(p, VariantPlaylist.parse(rendered));
        assertThrows(IllegalArgumentException.class, () -> VariantPlaylist.parse("#EXTM3U\n#EXTINF:2,\na.m4s\n"));
    }

    @Test
    void bandwidth_is_the_peak_over_runs_of_half_to_one_and_a_half_target_durations() {
        VariantPlaylist p = new VariantPlaylist("init.mp4", List.of(
                new VariantPlaylist.Segment(2.0, "a"), new VariantPlaylist.Segment(2.0, "b"),
                new VariantPlaylist.Segment(0.04, "c")));
        Map<String, Long> bytes = Map.of("a", 25_000L, "b", 50_000L, "c", 10_000L);
        VariantBandwidth bw = VariantBandwidth.measure(p, bytes::get);
        // b alone: 200 kb/s; b+c: 60,000 B in 2.04 s = 235 kb/s; c alone (2 Mb/s) is too short to count.
        assertEquals(235_295, bw.peak());
        assertEquals((long) Math.ceil(85_000 * 8 / 4.04), bw.average());
        assertTrue(bw.peak() >= bw.average());
    }

    @Test
    void master_uris_are_relative_from_the_publish_prefix_to_each_variant() {
        assertEquals("../../transcode-720p/a2-v5/index.m3u8",
                RelativeKey.between("videos/v/g1/publish/a1-v3/", "videos/v/g1/transcode-720p/a2-v5/index.m3u8"));
        assertEquals("sub/index.m3u8", RelativeKey.between("a/b/", "a/b/sub/index.m3u8"));
        assertThrows(IllegalArgumentException.class, () -> RelativeKey.between("a/b", "a/c"));
    }

    @Test
    void progress_counts_only_output_time_moving_forward() {
        List<Double> seen = new ArrayList<>();
        FfmpegProgress p = new FfmpegProgress(4.0, seen::add);
        assertTrue(!p.onLine("out_time_us=N/A"));
        assertTrue(p.onLine("out_time_us=1000000"));
        assertTrue(!p.onLine("out_time_us=1000000"));
        assertTrue(!p.onLine("frame=30"));
        assertTrue(p.onLine("out_time_us=3000000"));
        assertTrue(p.onLine("progress=end"));
        assertEquals(List.of(0.25, 0.75, 1.0), seen);
    }

    private static Rung rung(String name) {
        return LADDER.rungs().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    private static List<String> names(List<Rung> rungs) {
        return rungs.stream().map(Rung::name).toList();
    }
}
