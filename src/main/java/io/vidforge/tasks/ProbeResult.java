package io.vidforge.tasks;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.vidforge.model.SourceInfo;

/** The JSON result of a PROBE task: what the source is, and where its poster image was written. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ProbeResult(SourceInfo source, String posterKey) {
}
