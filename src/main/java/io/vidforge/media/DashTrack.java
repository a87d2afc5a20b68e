package io.vidforge.media;

import io.vidforge.model.Variant;
import java.util.ArrayList;
import java.util.List;

/**
 * One rendition as a DASH Representation needs it: its timescale, the media time the presentation starts
 * at ({@code presentationTimeOffset}), and the SegmentTimeline of its segments in that timescale. Built
 * from the same init segment, first segment and playlist that HLS serves, so there is no second copy.
 *
 * @param startTicks     the first segment's {@code tfdt} (baseMediaDecodeTime)
 * @param durationsTicks every segment's duration, in playlist order
 */
public record DashTrack(Variant variant, long timescale, long presentationTimeOffset, long startTicks,
                        List<Long> durationsTicks) {
    public DashTrack {
        durationsTicks = List.copyOf(durationsTicks);
        if (timescale <= 0 || durationsTicks.isEmpty()) {
            throw new IllegalArgumentException("a DASH track needs a timescale and segments: " + variant.name());
        }
    }

    /**
     * @param init      the rendition's init segment (moov)
     * @param firstHead the first bytes of its first media segment (at least up to the {@code tfdt} box)
     */
    public static DashTrack of(Variant variant, VariantPlaylist playlist, byte[] init, byte[] firstHead) {
        InitSegment is = new InitSegment(init);
        long timescale = is.timescale()
                .orElseThrow(() -> new IllegalArgumentException("no mdhd timescale in " + variant.name() + "'s init segment"));
        long start = InitSegment.baseMediaDecodeTime(firstHead)
                .orElseThrow(() -> new IllegalArgumentException("no tfdt in " + variant.name() + "'s first segment"));
        // EXTINF has microsecond precision: at any timescale up to 1 MHz rounding gives the exact tick count
        // ffmpeg derived it from (DashManifestTest checks it against every segment's tfdt and trun).
        List<Long> durations = new ArrayList<>();
        for (VariantPlaylist.Segment s : playlist.segments()) {
            durations.add(Math.round(s.durationS() * timescale));
        }
        return new DashTrack(variant, timescale, is.presentationTimeOffset(), start, durations);
    }

    public double durationSeconds() {
        return durationsTicks.stream().mapToLong(Long::longValue).sum() / (double) timescale;
    }
}
