package io.vidforge.tasks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * When a video of the chunked plan can be played before it is published: its AUDIO task (when the plan has
 * one) and its first VIDEO_CHUNK (every rung of it) are accepted. What a player may then be given is the
 * {@link #acceptedPrefix contiguous prefix} of accepted chunks, so the playlist only ever grows at its end.
 */
public final class PlayableStart {
    private PlayableStart() {
    }

    /** True when the tasks of a generation (any states) have chunk 0 and every AUDIO task DONE. */
    public static boolean reached(List<Task> encodes) {
        boolean firstChunk = false;
        for (Task t : encodes) {
            if (t.kind() == TaskKind.AUDIO && t.state() != TaskState.DONE) {
                return false;
            }
            if (t.kind() == TaskKind.VIDEO_CHUNK && t.state() == TaskState.DONE
                    && ChunkRange.parse(t.variant()).index() == 0) {
                firstChunk = true;
            }
        }
        return firstChunk;
    }

    /** The DONE chunks 0..k with no gap, in playback order (a chunk accepted after a gap waits for it). */
    public static List<Task> acceptedPrefix(List<Task> encodes) {
        List<Task> done = new ArrayList<>(encodes.stream()
                .filter(t -> t.kind() == TaskKind.VIDEO_CHUNK && t.state() == TaskState.DONE && t.resultJson() != null)
                .toList());
        done.sort(Comparator.comparingInt(t -> ChunkRange.parse(t.variant()).index()));
        List<Task> prefix = new ArrayList<>();
        for (Task t : done) {
            if (ChunkRange.parse(t.variant()).index() != prefix.size()) {
                break;
            }
            prefix.add(t);
        }
        return prefix;
    }
}
