package io.vidforge.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.vidforge.json.Json;
import io.vidforge.model.Variant;
import java.util.List;

/**
 * The JSON result of a TRANSCODE task: the variants it encoded and stored, each with the attempt-scoped
 * prefix it was written to. A whole-ladder task reports every rung, a per-rung task its one rung.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TranscodeResult(List<Variant> variants) {
    public TranscodeResult {
        variants = List.copyOf(variants);
    }

    /**
     * Reads a TRANSCODE result. A bare {@link Variant} is the per-rung result of workers before whole-ladder
     * tasks existed: a video planned and partly transcoded before an upgrade is still published.
     */
    public static TranscodeResult read(String json) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException("malformed JSON for a TRANSCODE result", e);
        }
        if (node != null && node.has("variants")) {
            return Json.read(json, TranscodeResult.class);
        }
        return new TranscodeResult(List.of(Json.read(json, Variant.class)));
    }
}
