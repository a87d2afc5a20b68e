package io.vidforge.tasks;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.vidforge.model.Variant;
import java.util.List;

/**
 * The JSON result of a PUBLISH task: the ladder to publish (each variant's attempt-scoped prefix as
 * written by the TRANSCODE attempt that completed), the master playlist and poster keys. The worker's
 * fenced completion turns it into the video's published state; TRANSCODE results are {@link TranscodeResult}s.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record PublishResult(List<Variant> variants, String masterKey, String posterKey) {
}
