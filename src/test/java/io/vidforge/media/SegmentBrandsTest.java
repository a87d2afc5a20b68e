package io.vidforge.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentBrandsTest {
    @TempDir
    Path dir;

    private static byte[] box(String type, String... brands) {
        ByteBuffer b = ByteBuffer.allocate(8 + 4 * brands.length);
        b.putInt(8 + 4 * brands.length).put(type.getBytes(StandardCharsets.US_ASCII));
        for (String brand : brands) {
            b.put(brand.getBytes(StandardCharsets.US_ASCII));
        }
        return b.array();
    }

    /** ffmpeg's styp (major msdh, minor 0, compatible msdh msix) followed by a moof header. */
    private static byte[] ffmpegSegment() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(box("styp", "msdh", "\0\0\0\0", "msdh", "msix"));
        out.writeBytes(box("moof", "msix", "mfhd"));
        return out.toByteArray();
    }

    @Test
    void an_ffmpeg_segment_declares_cmfs_instead_of_msix_and_nothing_else_changes() throws Exception {
        Path seg = dir.resolve("seg_00000.m4s");
        byte[] before = ffmpegSegment();
        Files.write(seg, before);
        assertEquals(1, SegmentBrands.declareCmaf(seg));
        byte[] after = Files.readAllBytes(seg);
        byte[] expected = before.clone();
        System.arraycopy("cmfs".getBytes(StandardCharsets.US_ASCII), 0, expected, 20, 4);
        // Same length, the major brand and the following box (even a look-alike 'msix' in it) untouched.
        assertArrayEquals(expected, after);
        assertEquals(0, SegmentBrands.declareCmaf(seg), "a second pass finds nothing to change");
    }

    @Test
    void a_file_that_does_not_start_with_a_styp_is_left_alone() throws Exception {
        Path seg = dir.resolve("other.m4s");
        byte[] moof = box("moof", "msix", "msix");
        Files.write(seg, moof);
        assertEquals(0, SegmentBrands.declareCmaf(seg));
        assertArrayEquals(moof, Files.readAllBytes(seg));
        assertEquals(0, SegmentBrands.rewrite(new byte[10]), "shorter than a styp header");
    }

    @Test
    void a_styp_whose_size_is_not_a_whole_brand_list_or_too_large_is_left_alone() {
        byte[] odd = box("styp", "msdh", "\0\0\0\0", "msix");
        ByteBuffer.wrap(odd).putInt(0, 22);
        assertEquals(0, SegmentBrands.rewrite(odd.clone()));
        byte[] huge = box("styp", "msdh", "\0\0\0\0", "msix");
        ByteBuffer.wrap(huge).putInt(0, 1 << 20);
        assertEquals(0, SegmentBrands.rewrite(huge.clone()));
        byte[] tiny = box("styp", "msdh", "\0\0\0\0", "msix");
        ByteBuffer.wrap(tiny).putInt(0, 12);
        assertEquals(0, SegmentBrands.rewrite(tiny.clone()));
    }

    @Test
    void every_msix_among_the_compatible_brands_is_replaced() {
        byte[] b = box("styp", "msdh", "\0\0\0\0", "msix", "msdh", "msix");
        assertEquals(2, SegmentBrands.rewrite(b));
        assertEquals("msdh", new String(b, 8, 4, StandardCharsets.US_ASCII), "the major brand stays");
        assertEquals("cmfs", new String(b, 16, 4, StandardCharsets.US_ASCII));
        assertEquals("msdh", new String(b, 20, 4, StandardCharsets.US_ASCII));
        assertEquals("cmfs", new String(b, 24, 4, StandardCharsets.US_ASCII));
    }
}
