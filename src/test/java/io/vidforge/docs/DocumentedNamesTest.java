package io.vidforge.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The docs name the tests that prove each guarantee (docs/design.md) and the code they describe as
 * {@code `ClassName.method`}. A rename that forgets the docs leaves a guarantee pointing at nothing, so
 * every such name must resolve: a class named like a test must exist under src/test with that method,
 * and a class of ours (src/main, src/test, bench/) must declare the method or record component. Names of
 * other libraries' classes ({@code Loader.load}) are not ours to check. A name continued as
 * {@code `…method`} belongs to the last class named before it in the same paragraph.
 */
class DocumentedNamesTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir"));
    private static final Pattern NAME = Pattern.compile("`(?:([A-Z][A-Za-z0-9]*)\\.|…)([a-z_][A-Za-z0-9_]*)(?:\\(\\))?`");

    @Test
    void every_class_dot_method_named_in_the_docs_exists_in_the_code() throws IOException {
        Map<String, List<Path>> sources = sources();
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (Path doc : documents()) {
            List<String> lines = Files.readAllLines(doc);
            String lastClass = null;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.isBlank()) {
                    lastClass = null; // a continuation never reaches across paragraphs
                }
                Matcher m = NAME.matcher(line);
                while (m.find()) {
                    String cls = m.group(1) != null ? m.group(1) : lastClass;
                    if (m.group(1) != null) {
                        lastClass = m.group(1);
                    }
                    String where = ROOT.relativize(doc) + ":" + (i + 1) + " ";
                    if (cls == null) {
                        missing.add(where + "`…" + m.group(2) + "` continues no class named before it");
                        continue;
                    }
                    List<Path> files = sources.get(cls);
                    if (files == null) {
                        if (cls.endsWith("Test")) {
                            missing.add(where + cls + " (no such test class under src/test)");
                        }
                        continue;
                    }
                    checked++;
                    if (!declares(files, m.group(2))) {
                        missing.add(where + cls + "." + m.group(2));
                    }
                }
            }
        }
        assertTrue(checked > 100, "the docs name our tests and code (" + checked + " names found): is the pattern broken?");
        assertEquals(List.of(), missing, "names in the docs that the code does not have");
    }

    @Test
    void the_check_finds_a_renamed_test_method_and_a_continuation_of_it() throws IOException {
        Map<String, List<Path>> sources = sources();
        assertTrue(declares(sources.get("DocumentedNamesTest"), "every_class_dot_method_named_in_the_docs_exists_in_the_code"));
        assertTrue(!declares(sources.get("DocumentedNamesTest"), "every_class_dot_method_named_in_the_docs"),
                "a prefix of a method name is not the method");
        Matcher m = NAME.matcher("`TaskQueueTest.a_b`, `…c_d`");
        assertTrue(m.find() && "TaskQueueTest".equals(m.group(1)) && "a_b".equals(m.group(2)));
        assertTrue(m.find() && m.group(1) == null && "c_d".equals(m.group(2)));
    }

    /** A method declaration ({@code name(}) or a record component ({@code Type name,} / {@code Type name)}). */
    private static boolean declares(List<Path> files, String member) {
        Pattern decl = Pattern.compile("\\b" + Pattern.quote(member) + "\\s*\\(|\\w[\\w<>,\\[\\]]*\\s+"
                + Pattern.quote(member) + "\\s*[,)]");
        for (Path f : files) {
            try {
                if (decl.matcher(Files.readString(f)).find()) {
                    return true;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return false;
    }

    private static List<Path> documents() throws IOException {
        List<Path> docs = new ArrayList<>();
        docs.add(ROOT.resolve("README.md"));
        try (Stream<Path> s = Files.walk(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        return docs;
    }

    /** Simple class name → its source files (a name may exist in several packages). */
    private static Map<String, List<Path>> sources() throws IOException {
        Map<String, List<Path>> out = new HashMap<>();
        for (String dir : List.of("src/main/java", "src/test/java", "bench")) {
            Path root = ROOT.resolve(dir);
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(root)) {
                s.filter(p -> p.toString().endsWith(".java")).forEach(p -> out.computeIfAbsent(
                        p.getFileName().toString().replace(".java", ""), k -> new ArrayList<>()).add(p));
            }
        }
        return out;
    }
}
