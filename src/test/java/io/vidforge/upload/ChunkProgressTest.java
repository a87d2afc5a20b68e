package io.vidforge.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vidforge.model.VideoStatus;
import io.vidforge.tasks.TaskKind;
import io.vidforge.tasks.TaskRepository.ProgressView;
import io.vidforge.tasks.TaskState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A video's progress in the chunked plan: the encode part is the share of chunk-seconds done. */
class ChunkProgressTest {

    @Test
    void the_encode_part_of_a_chunked_plan_is_the_share_of_chunk_seconds_done() {
        List<ProgressView> tasks = List.of(
                new ProgressView(TaskKind.PROBE, TaskState.DONE, 1, 1, ""),
                new ProgressView(TaskKind.AUDIO, TaskState.RUNNING, 0.1, 1, "audio"),
                new ProgressView(TaskKind.VIDEO_CHUNK, TaskState.DONE, 1, 1, "c0000-0s-4s"),
                new ProgressView(TaskKind.VIDEO_CHUNK, TaskState.RUNNING, 0.5, 2, "c0001-4s-end"),
                new ProgressView(TaskKind.PUBLISH, TaskState.WAITING, 0, 0, ""));
        // 4 of 4 s and 3 of 6 s done: 0.7 of the encode; probe 5 %, encode 90 %, publish 5 %.
        assertEquals(0.05 + 0.9 * 0.7, VideoView.progress(VideoStatus.PROCESSING, tasks, 10.0), 1e-3);
        // The same tasks in the whole-ladder shape average the encode tasks instead.
        List<ProgressView> ladder = List.of(
                new ProgressView(TaskKind.PROBE, TaskState.DONE, 1, 1, ""),
                new ProgressView(TaskKind.TRANSCODE, TaskState.RUNNING, 0.5, 1, ""),
                new ProgressView(TaskKind.PUBLISH, TaskState.WAITING, 0, 0, ""));
        assertEquals(0.05 + 0.9 * 0.5, VideoView.progress(VideoStatus.PROCESSING, ladder, 10.0), 1e-3);
        assertEquals(1.0, VideoView.progress(VideoStatus.READY, tasks, 10.0));
    }
}
