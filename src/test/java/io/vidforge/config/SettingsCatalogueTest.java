package io.vidforge.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The settings catalogue ({@link Setting}) against what reads and documents settings: the code, the
 * configuration table of docs/api.md and run.sh's CLUSTER_SETTINGS. A setting added, renamed or dropped in
 * one place and not the others fails here.
 */
class SettingsCatalogueTest {
    /** Names the scan below finds that are no settings, with the reason. */
    private static final Map<String, String> NOT_SETTINGS = Map.of(
            "CMCD", "a query parameter of playback requests",
            "LD_LIBRARY_PATH", "the environment the bundled ffmpeg is started with");
    private static final Pattern READ = Pattern.compile(
            "\\b(?:get|string|integer|longValue|decimal|flag|seconds)\\(\"([A-Z][A-Z0-9_]*)\"");

    @Test
    void every_setting_the_code_reads_is_in_the_catalogue_and_every_node_setting_is_read() throws IOException {
        Set<String> read = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = READ.matcher(Files.readString(f));
                while (m.find()) {
                    read.add(m.group(1));
                }
            }
        }
        read.removeAll(NOT_SETTINGS.keySet());
        Set<String> nodeSettings = Arrays.stream(Setting.values()).filter(s -> s.use() != Setting.Use.RUN_SH)
                .map(Enum::name).collect(Collectors.toCollection(TreeSet::new));
        assertSameNames(nodeSettings, read, "the catalogue's node settings", "the names the code reads");
    }

    @Test
    void the_configuration_table_of_api_md_lists_every_documented_setting_and_no_other() throws IOException {
        String api = Files.readString(Path.of("docs/api.md"));
        int start = api.indexOf("\n## Configuration");
        assertTrue(start >= 0, "docs/api.md has a Configuration section");
        int end = api.indexOf("\n## ", start + 1);
        Set<String> listed = new TreeSet<>();
        for (String line : api.substring(start, end < 0 ? api.length() : end).split("\n")) {
            if (line.startsWith("| `")) {
                Matcher m = Pattern.compile("`([A-Z][A-Z0-9_]*)`").matcher(line.split("\\|")[1]);
                while (m.find()) {
                    listed.add(m.group(1));
                }
            }
        }
        Set<String> documented = Arrays.stream(Setting.values()).filter(Setting::documented).map(Enum::name)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> missing = new TreeSet<>(documented);
        missing.removeAll(listed);
        assertEquals(Set.of(), missing, "settings of the catalogue missing from docs/api.md's configuration table");
        Set<String> unknown = new TreeSet<>(listed);
        unknown.removeAll(Arrays.stream(Setting.values()).map(Enum::name).collect(Collectors.toSet()));
        assertEquals(Set.of(), unknown, "settings docs/api.md lists that the catalogue does not know");
    }

    @Test
    void run_sh_passes_exactly_the_catalogues_passed_settings_to_cluster_nodes() throws IOException {
        String cluster = Files.readString(Path.of("scripts/cluster.sh"));
        Matcher m = Pattern.compile("(?m)^CLUSTER_SETTINGS=\"([^\"]*)\"").matcher(cluster);
        assertTrue(m.find(), "scripts/cluster.sh defines CLUSTER_SETTINGS");
        Set<String> passed = new TreeSet<>(Arrays.asList(m.group(1).trim().split("\\s+")));
        assertSameNames(Setting.names(Setting.Use.PASSED), passed, "the catalogue's PASSED settings",
                "run.sh's CLUSTER_SETTINGS");
    }

    /** Fails naming what only one side has, instead of printing both whole sets. */
    private static void assertSameNames(Set<String> catalogue, Set<String> other, String catalogueName,
                                        String otherName) {
        Set<String> onlyCatalogue = new TreeSet<>(catalogue);
        onlyCatalogue.removeAll(other);
        Set<String> onlyOther = new TreeSet<>(other);
        onlyOther.removeAll(catalogue);
        assertEquals(Map.of(), onlyCatalogue.isEmpty() && onlyOther.isEmpty() ? Map.of()
                        : Map.of("only in " + catalogueName, onlyCatalogue, "only in " + otherName, onlyOther),
                catalogueName + " and " + otherName + " differ");
    }
}
