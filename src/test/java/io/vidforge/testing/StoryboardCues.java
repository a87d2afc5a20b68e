package io.vidforge.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A storyboard WebVTT read back independently of the code that wrote it, and the checks every one must pass. */
public final class StoryboardCues {
    private static final Pattern CUE = Pattern.compile(
            "(\\d\\d):(\\d\\d):(\\d\\d)\\.(\\d{3}) --> (\\d\\d):(\\d\\d):(\\d\\d)\\.(\\d{3})\\n([^#\\n]+)#xywh=(\\d+),(\\d+),(\\d+),(\\d+)\\n");

    private StoryboardCues() {
    }

    /** One cue: its time span and where its frame is in the sprite. */
    public record Cue(double start, double end, String sprite, int x, int y, int w, int h) {
    }

    public static List<Cue> parse(String vtt) {
        assertTrue(vtt.startsWith("WEBVTT\n"), "a WebVTT file: " + vtt);
        List<Cue> cues = new ArrayList<>();
        Matcher m = CUE.matcher(vtt);
        while (m.find()) {
            cues.add(new Cue(time(m, 1), time(m, 5), m.group(9), Integer.parseInt(m.group(10)),
                    Integer.parseInt(m.group(11)), Integer.parseInt(m.group(12)), Integer.parseInt(m.group(13))));
        }
        assertEquals(vtt.split("-->").length - 1, cues.size(), "every cue names a sprite region: " + vtt);
        return cues;
    }

    /**
     * The cues cover [0, duration] without gap or overlap, all name {@code sprite}, and every region lies
     * inside a {@code width}x{@code height} sprite.
     */
    public static void assertCoverAndFit(List<Cue> cues, double durationS, String sprite, int width, int height) {
        assertTrue(!cues.isEmpty(), "cues");
        assertEquals(0.0, cues.get(0).start(), 1e-9, "the first cue starts at 0");
        for (int i = 0; i < cues.size(); i++) {
            Cue c = cues.get(i);
            assertTrue(c.end() > c.start(), "cue " + i + " is not empty: " + c);
            if (i > 0) {
                assertEquals(cues.get(i - 1).end(), c.start(), 1e-9, "cue " + i + " starts where the previous ended");
            }
            assertEquals(sprite, c.sprite(), "cue " + i);
            assertTrue(c.x() >= 0 && c.y() >= 0 && c.w() > 0 && c.h() > 0 && c.x() + c.w() <= width
                    && c.y() + c.h() <= height, "cue " + i + " " + c + " lies inside the " + width + "x" + height + " sprite");
        }
        assertEquals(durationS, cues.get(cues.size() - 1).end(), 0.0015, "the last cue ends with the video");
    }

    private static double time(Matcher m, int group) {
        return Integer.parseInt(m.group(group)) * 3600 + Integer.parseInt(m.group(group + 1)) * 60
                + Integer.parseInt(m.group(group + 2)) + Integer.parseInt(m.group(group + 3)) / 1000.0;
    }
}
