package io.vidforge.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.http.ApiException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure parsers behind the routes: ranges, CMCD hints, paths and session ids. */
class PlaybackParsingTest {
    private static final String ID = "ab".repeat(32);

    @Test
    void byte_ranges_follow_rfc_9110() {
        assertEquals(new ByteRange.Whole(1000), ByteRange.parse(null, 1000));
        assertEquals(new ByteRange.Part(0, 99, 1000), ByteRange.parse("bytes=0-99", 1000));
        assertEquals(new ByteRange.Part(500, 999, 1000), ByteRange.parse("bytes=500-", 1000));
        assertEquals(new ByteRange.Part(900, 999, 1000), ByteRange.parse("bytes=-100", 1000));
        assertEquals(new ByteRange.Part(0, 999, 1000), ByteRange.parse("bytes=-5000", 1000));
        assertEquals(new ByteRange.Part(10, 999, 1000), ByteRange.parse("bytes=10-99999999999999999999999", 1000));
        assertEquals(new ByteRange.Part(0, 0, 1000), ByteRange.parse(" Bytes = 0-0 ", 1000));
        assertEquals(new ByteRange.Unsatisfiable(1000), ByteRange.parse("bytes=1000-", 1000));
        assertEquals(new ByteRange.Unsatisfiable(1000), ByteRange.parse("bytes=-0", 1000));
        assertEquals(new ByteRange.Unsatisfiable(1000), ByteRange.parse("bytes=99999999999999999999-", 1000));
        assertEquals(new ByteRange.Unsatisfiable(0), ByteRange.parse("bytes=0-", 0));
        for (String ignored : new String[] {"bytes=5-1", "bytes=0-1,4-5", "bytes=a-b", "bytes=-", "pages=0-1", "bytes"}) {
            assertEquals(new ByteRange.Whole(1000), ByteRange.parse(ignored, 1000), ignored);
        }
        assertEquals("bytes 0-99/1000", new ByteRange.Part(0, 99, 1000).contentRange());
        assertEquals("bytes */1000", new ByteRange.Unsatisfiable(1000).contentRange());
    }

    @Test
    void cmcd_next_object_is_read_from_query_or_header_values() {
        assertEquals(Optional.of("seg_00005.m4s"), CmcdHint.nor("bl=100,nor=\"seg_00005.m4s\",ot=v"));
        assertEquals(Optional.of("..%2F480p%2Fseg_00005.m4s"), CmcdHint.nor("nor=\"..%2F480p%2Fseg_00005.m4s\""));
        assertEquals(Optional.of("a,b"), CmcdHint.nor("cid=\"x,y\",nor=\"a,b\",su"));
        assertEquals(Optional.of("q\"x"), CmcdHint.nor("nor=\"q\\\"x\""));
        assertEquals(Optional.empty(), CmcdHint.nor("bl=100,su,ot=v"));
        assertEquals(Optional.empty(), CmcdHint.nor("nor=\"\""));
        assertEquals(Optional.empty(), CmcdHint.nor("nrr=\"0-99\",nor"));
        assertEquals(Optional.empty(), CmcdHint.nor(null));
        assertEquals(Optional.of("seg_00002.m4s"), CmcdHint.nextObject(null, "nor=\"seg_00002.m4s\""));
        assertEquals(Optional.of("seg_00001.m4s"),
                CmcdHint.nextObject("nor=\"seg_00001.m4s\"", "nor=\"seg_00002.m4s\""), "the query wins");
    }

    @Test
    void cmcd_next_object_resolves_relative_to_the_request() {
        String current = "/s/sess/" + ID + "/720p/seg_00004.m4s";
        PlaybackPaths.FileRef same = CmcdHint.resolve(current, "seg_00005.m4s").orElseThrow();
        assertEquals("720p", same.variant());
        assertEquals(5, same.file().index());
        PlaybackPaths.FileRef other = CmcdHint.resolve(current, "..%2F480p%2Fseg_00005.m4s").orElseThrow();
        assertEquals("480p", other.variant());
        assertEquals("sess", other.sessionId());
        assertEquals(FileKind.INIT, CmcdHint.resolve(current, "init.mp4").orElseThrow().file().kind());
        assertEquals(Optional.empty(), CmcdHint.resolve(current, "../../../../raw/x"));
        assertEquals(Optional.empty(), CmcdHint.resolve(current, "seg_5.m4s"));
        assertEquals(Optional.empty(), CmcdHint.resolve(current, "%zz"));
        assertEquals(Optional.empty(), CmcdHint.resolve(current, "a b/../..//"));
    }

    @Test
    void path_parts_are_validated_strictly() {
        assertEquals(ID, PlaybackPaths.videoId(ID));
        assertThrows(ApiException.class, () -> PlaybackPaths.videoId(ID.toUpperCase()));
        assertThrows(ApiException.class, () -> PlaybackPaths.videoId(ID + "0"));
        assertThrows(ApiException.class, () -> PlaybackPaths.variantName("../720p"));
        assertEquals(PlaybackFile.segment(12), PlaybackPaths.file("seg_00012.m4s"));
        assertEquals(PlaybackFile.INIT, PlaybackPaths.file("init.mp4"));
        assertEquals(PlaybackFile.PLAYLIST, PlaybackPaths.file("index.m3u8"));
        for (String bad : new String[] {"seg_0001.m4s", "seg_000012.m4s", "seg_00012.mp4", "index.m3u8/",
                "../index.m3u8", "INIT.mp4", "seg_-0001.m4s", "", "seg_00012.m4s\u0000"}) {
            assertThrows(ApiException.class, () -> PlaybackPaths.file(bad), bad);
        }
        ApiException e = assertThrows(ApiException.class, () -> PlaybackPaths.file("x"));
        assertEquals(400, e.status());
        assertEquals("seg_00007.m4s", PlaybackFile.segment(7).name());
    }

    @Test
    void session_ids_are_random_url_safe_and_validated() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = SessionIds.newId();
            assertTrue(SessionIds.isValid(id), id);
            ids.add(id);
        }
        assertEquals(1000, ids.size());
        assertTrue(SessionIds.isValid("a"));
        assertTrue(SessionIds.isValid("A-z_0".repeat(12) + "abcd"));
        assertFalse(SessionIds.isValid("x".repeat(65)));
        assertFalse(SessionIds.isValid(""));
        assertFalse(SessionIds.isValid("a/b"));
        assertFalse(SessionIds.isValid("a.b"));
        assertThrows(ApiException.class, () -> SessionIds.require("a b"));
    }
}
