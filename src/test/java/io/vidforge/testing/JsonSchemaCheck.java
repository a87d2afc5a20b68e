package io.vidforge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Checks a JSON value against the JSON Schema subset the OpenAPI document uses: {@code $ref} into
 * {@code #/components/schemas/}, {@code type} (one or a list, {@code "null"} included), {@code required},
 * {@code properties}, {@code additionalProperties}, {@code items}, {@code enum}, {@code pattern},
 * {@code minimum}, {@code maximum}. A keyword outside the subset fails loudly rather than passing
 * unchecked.
 */
public final class JsonSchemaCheck {
    private static final List<String> KNOWN = List.of("$ref", "type", "required", "properties", "additionalProperties",
            "items", "enum", "pattern", "minimum", "maximum", "description", "format", "default");

    private final JsonNode schemas;

    public JsonSchemaCheck(JsonNode components) {
        this.schemas = components.get("schemas");
    }

    /** Every way {@code value} breaks {@code schema}; empty when it conforms. */
    public List<String> problems(JsonNode schema, JsonNode value) {
        List<String> out = new ArrayList<>();
        check(schema, value, "$", out);
        return out;
    }

    private void check(JsonNode schema, JsonNode v, String at, List<String> out) {
        Iterator<String> keys = schema.fieldNames();
        while (keys.hasNext()) {
            String k = keys.next();
            if (!KNOWN.contains(k)) {
                out.add(at + ": schema keyword '" + k + "' is not checked by this test");
            }
        }
        if (schema.has("$ref")) {
            String ref = schema.get("$ref").asText();
            check(schemas.get(ref.substring(ref.lastIndexOf('/') + 1)), v, at, out);
            return;
        }
        if (schema.has("type")) {
            List<String> types = new ArrayList<>();
            if (schema.get("type").isArray()) {
                schema.get("type").forEach(t -> types.add(t.asText()));
            } else {
                types.add(schema.get("type").asText());
            }
            if (types.stream().noneMatch(t -> is(t, v))) {
                out.add(at + ": " + v + " is not " + types);
                return;
            }
        }
        if (v.isNull()) {
            return;
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.get("enum")) {
                found |= e.equals(v);
            }
            if (!found) {
                out.add(at + ": " + v + " is not one of " + schema.get("enum"));
            }
        }
        if (schema.has("pattern") && v.isTextual() && !v.asText().matches(".*(" + schema.get("pattern").asText() + ").*")) {
            out.add(at + ": '" + v.asText() + "' does not match " + schema.get("pattern"));
        }
        if (schema.has("minimum") && v.isNumber() && v.asDouble() < schema.get("minimum").asDouble()) {
            out.add(at + ": " + v + " < " + schema.get("minimum"));
        }
        if (schema.has("maximum") && v.isNumber() && v.asDouble() > schema.get("maximum").asDouble()) {
            out.add(at + ": " + v + " > " + schema.get("maximum"));
        }
        if (v.isObject()) {
            for (JsonNode r : schema.path("required")) {
                if (!v.has(r.asText())) {
                    out.add(at + ": required '" + r.asText() + "' is missing");
                }
            }
            Iterator<Map.Entry<String, JsonNode>> fields = v.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                JsonNode p = schema.path("properties").get(f.getKey());
                if (p != null) {
                    check(p, f.getValue(), at + "." + f.getKey(), out);
                } else if (schema.path("additionalProperties").isObject()) {
                    check(schema.get("additionalProperties"), f.getValue(), at + "." + f.getKey(), out);
                }
            }
        }
        if (v.isArray() && schema.has("items")) {
            for (int i = 0; i < v.size(); i++) {
                check(schema.get("items"), v.get(i), at + "[" + i + "]", out);
            }
        }
    }

    private static boolean is(String type, JsonNode v) {
        return switch (type) {
            case "null" -> v.isNull();
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            case "string" -> v.isTextual();
            case "boolean" -> v.isBoolean();
            case "integer" -> v.isIntegralNumber() || v.isNumber() && v.asDouble() == Math.rint(v.asDouble());
            case "number" -> v.isNumber();
            default -> false;
        };
    }
}
