package io.vidforge.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.config.Role;
import io.vidforge.media.Ladder;
import io.vidforge.testing.SampleBytes;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class ContentAddressingTest {
    private static final String SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void video_id_depends_on_content_and_profile_only() {
        String p6 = Ladder.standard(6).profileId();
        String p2 = Ladder.standard(2).profileId();
        assertEquals(ContentId.videoId(SHA, p6), ContentId.videoId(SHA, p6));
        assertNotEquals(ContentId.videoId(SHA, p6), ContentId.videoId(SHA, p2), "another profile, another id");
        assertTrue(ContentId.isValidId(ContentId.videoId(SHA, p6)));
        assertTrue(ContentId.newRawKey().startsWith("raw/"));
        assertNotEquals(ContentId.newRawKey(), ContentId.newRawKey(), "every upload writes its own object");
    }

    @Test
    void id_validation_accepts_only_64_lowercase_hex() {
        assertFalse(ContentId.isValidId(null));
        assertFalse(ContentId.isValidId(SHA.toUpperCase()));
        assertFalse(ContentId.isValidId(SHA.substring(1)));
        assertFalse(ContentId.isValidId("../" + SHA.substring(3)));
    }

    @Test
    void sniffer_refuses_obvious_non_media_and_accepts_containers() {
        byte[] mp4 = SampleBytes.pseudoMp4(4096, 1);
        assertTrue(MediaSniffer.obviousNonMedia(mp4, mp4.length).isEmpty());
        byte[] webm = {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3, 0, 0, 0, 0};
        assertTrue(MediaSniffer.obviousNonMedia(webm, webm.length).isEmpty());
        byte[] html = "<!doctype html><html>".getBytes(StandardCharsets.UTF_8);
        assertEquals("text", MediaSniffer.obviousNonMedia(html, html.length).orElseThrow());
        byte[] zip = {'P', 'K', 3, 4, 0};
        assertEquals("a ZIP archive", MediaSniffer.obviousNonMedia(zip, zip.length).orElseThrow());
    }

    @Test
    void roles_parse_from_the_command_line() {
        assertEquals(EnumSet.allOf(Role.class), Role.parse("all"));
        assertEquals(EnumSet.of(Role.WORKER, Role.SEGMENT), Role.parse("worker,segment"));
        assertEquals("all", Role.label(Role.parse("all")));
        assertEquals("upload", Role.label(Role.parse("upload")));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Role.parse("uploader"));
    }
}
