package io.vidforge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the JavaScript clients under src/test/js with Node.js (tus-js-client, installed by
 * {@code ./run.sh test} with npm ci). Missing: the test is skipped, except under {@code CI=true}, where it
 * fails.
 */
public final class NodeClients {
    private static final Path DIR = Path.of("src/test/js");

    private NodeClients() {
    }

    public static void requireInstalled() {
        boolean present = onPath("node") && Files.isDirectory(DIR.resolve("node_modules/tus-js-client"));
        String message = "these tests need Node.js and src/test/js/node_modules (cd src/test/js && npm ci;"
                + " ./run.sh test installs them)";
        if (!present) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(message);
            }
            Assumptions.abort(message);
        }
    }

    /** Runs {@code node script args…} in src/test/js and parses the last line it prints as JSON. */
    public static JsonNode run(String script, String... args) {
        requireInstalled();
        List<String> cmd = new ArrayList<>(List.of("node", script));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).directory(DIR.toFile()).redirectErrorStream(true).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("node " + script + " did not finish within 60 s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            String last = out.substring(out.lastIndexOf('\n') + 1);
            try {
                return new ObjectMapper().readTree(last);
            } catch (IOException e) {
                throw new AssertionError("node " + script + " printed no JSON result:\n" + out);
            }
        } catch (IOException e) {
            throw new AssertionError("could not run node: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static boolean onPath(String exe) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, exe))) {
                return true;
            }
        }
        return false;
    }
}
