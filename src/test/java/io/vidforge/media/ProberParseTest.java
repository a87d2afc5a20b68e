package io.vidforge.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.model.SourceInfo;
import org.junit.jupiter.api.Test;

/** ffprobe's JSON as real files produce it, turned into what the ladder needs. */
class ProberParseTest {

    private static String json(String videoExtra, String audio, String format) {
        return "{\"streams\":[{\"index\":0,\"codec_type\":\"video\",\"codec_name\":\"h264\",\"width\":1920,"
                + "\"height\":1080,\"avg_frame_rate\":\"30000/1001\",\"r_frame_rate\":\"30000/1001\""
                + videoExtra + "}" + audio + "],\"format\":" + format + "}";
    }

    private static final String MP4 = "{\"format_name\":\"mov,mp4,m4a,3gp,3g2,mj2\",\"duration\":\"12.5\"}";
    private static final String STEREO = ",{\"index\":1,\"codec_type\":\"audio\",\"codec_name\":\"aac\",\"channels\":2}";

    @Test
    void displayed_size_swaps_width_and_height_for_a_display_matrix_of_minus_90() throws Exception {
        SourceInfo s = Prober.parse(json(",\"side_data_list\":[{\"side_data_type\":\"Display Matrix\",\"rotation\":-90}]",
                STEREO, MP4)).info();
        assertEquals(1080, s.width());
        assertEquals(1920, s.height());
        assertEquals(90, s.rotation());
    }

    @Test
    void hdr_transfer_and_bit_depth_say_what_came_in() throws Exception {
        SourceInfo pq = Prober.parse(json(",\"color_transfer\":\"smpte2084\",\"pix_fmt\":\"yuv420p10le\"", STEREO,
                MP4)).info();
        assertEquals(SourceInfo.PQ, pq.hdr());
        assertEquals(10, pq.bitDepth());
        // An iPhone's Dolby Vision 8.4 base layer is HLG.
        SourceInfo hlg = Prober.parse(json(",\"color_transfer\":\"arib-std-b67\",\"bits_per_raw_sample\":\"10\"",
                STEREO, MP4)).info();
        assertEquals(SourceInfo.HLG, hlg.hdr());
        assertEquals(10, hlg.bitDepth());
        SourceInfo sdr = Prober.parse(json(",\"color_transfer\":\"bt709\",\"pix_fmt\":\"yuv420p\"", STEREO, MP4)).info();
        assertNull(sdr.hdr());
        assertEquals(8, sdr.bitDepth());
    }

    @Test
    void the_audio_track_marked_default_is_taken_not_simply_the_first() throws Exception {
        String commentaryThenMain = ",{\"index\":1,\"codec_type\":\"audio\",\"codec_name\":\"aac\",\"channels\":2,"
                + "\"disposition\":{\"default\":0}},{\"index\":2,\"codec_type\":\"audio\",\"codec_name\":\"ac3\","
                + "\"channels\":6,\"disposition\":{\"default\":1}}";
        SourceInfo s = Prober.parse(json("", commentaryThenMain, MP4)).info();
        assertEquals(1, s.audioTrack(), "0:a:1");
        assertEquals("ac3", s.audioCodec());
        assertEquals(6, s.audioChannels());
        String noDefault = ",{\"index\":1,\"codec_type\":\"audio\",\"codec_name\":\"aac\",\"channels\":2},"
                + "{\"index\":2,\"codec_type\":\"audio\",\"codec_name\":\"ac3\",\"channels\":6}";
        assertEquals(0, Prober.parse(json("", noDefault, MP4)).info().audioTrack(), "none marked: the first");
    }

    @Test
    void old_rotate_tags_are_honoured_and_180_does_not_swap() throws Exception {
        SourceInfo s = Prober.parse(json(",\"tags\":{\"rotate\":\"270\"}", STEREO, MP4)).info();
        assertEquals(1080, s.width());
        assertEquals(270, s.rotation());
        SourceInfo upsideDown = Prober.parse(json(",\"tags\":{\"rotate\":\"180\"}", STEREO, MP4)).info();
        assertEquals(1920, upsideDown.width());
    }

    @Test
    void non_square_pixels_give_the_displayed_width() throws Exception {
        String dv = "{\"streams\":[{\"index\":0,\"codec_type\":\"video\",\"codec_name\":\"dvvideo\",\"width\":720,"
                + "\"height\":576,\"sample_aspect_ratio\":\"64:45\",\"avg_frame_rate\":\"25/1\"}],"
                + "\"format\":{\"format_name\":\"dv\",\"duration\":\"3\"}}";
        SourceInfo s = Prober.parse(dv).info();
        assertEquals(1024, s.width());
        assertEquals(576, s.height());
        assertNull(s.audioCodec());
    }

    @Test
    void frame_rate_falls_back_when_the_average_is_missing_or_absurd() throws Exception {
        SourceInfo s = Prober.parse(json("", STEREO, MP4).replace("\"avg_frame_rate\":\"30000/1001\"",
                "\"avg_frame_rate\":\"0/0\"").replace("\"r_frame_rate\":\"30000/1001\"", "\"r_frame_rate\":\"90000/1\""))
                .info();
        assertEquals(30.0, s.frameRate());
        assertEquals(29.97, Prober.parse(json("", STEREO, MP4)).info().frameRate(), 0.01);
    }

    @Test
    void a_variable_rate_source_plays_at_its_nominal_rate_not_its_lower_average() throws Exception {
        SourceInfo s = Prober.parse(json("", STEREO, MP4).replace("\"avg_frame_rate\":\"30000/1001\"",
                "\"avg_frame_rate\":\"13/1\"").replace("\"r_frame_rate\":\"30000/1001\"", "\"r_frame_rate\":\"30/1\""))
                .info();
        assertEquals(30.0, s.frameRate());
    }

    @Test
    void cover_art_is_not_the_video_and_audio_only_is_invalid_media() {
        String coverArt = "{\"streams\":[{\"index\":0,\"codec_type\":\"audio\",\"codec_name\":\"mp3\",\"channels\":2},"
                + "{\"index\":1,\"codec_type\":\"video\",\"codec_name\":\"mjpeg\",\"width\":500,\"height\":500,"
                + "\"disposition\":{\"attached_pic\":1}}],\"format\":{\"format_name\":\"mp3\",\"duration\":\"180\"}}";
        InvalidMediaException e = assertThrows(InvalidMediaException.class, () -> Prober.parse(coverArt));
        assertTrue(e.getMessage().contains("no video stream"), e.getMessage());
    }

    @Test
    void a_still_image_is_invalid_media() {
        String jpeg = "{\"streams\":[{\"index\":0,\"codec_type\":\"video\",\"codec_name\":\"mjpeg\",\"width\":500,"
                + "\"height\":500}],\"format\":{\"format_name\":\"image2\",\"duration\":\"0.04\"}}";
        assertThrows(InvalidMediaException.class, () -> Prober.parse(jpeg));
    }

    @Test
    void matroska_stream_duration_tags_are_read_when_the_stream_has_no_duration() throws Exception {
        Prober.Probe p = Prober.parse(json(",\"tags\":{\"DURATION\":\"00:00:03.000000000\"}", "",
                "{\"format_name\":\"matroska,webm\"}"));
        assertEquals(3.0, p.videoStreamDuration().orElseThrow(), 1e-9);
        assertEquals(3.0, p.info().durationS(), 1e-9);
        assertEquals("matroska,webm", p.info().container());
    }
}
