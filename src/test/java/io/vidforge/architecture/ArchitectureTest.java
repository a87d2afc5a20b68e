package io.vidforge.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of docs/design.md, checked on the compiled main classes (ArchUnit) and, for SQL, on
 * the main sources: one package per role, roles never import each other, shared parts never import a
 * role, no package cycles, and each table's SQL in one owning class.
 */
class ArchitectureTest {
    private static final String BASE = "io.vidforge";
    private static final List<String> ROLES = List.of("upload", "orchestrator", "worker", "segment");
    /** Everything below io.vidforge that is not a role (io.vidforge itself assembles the node from roles). */
    private static final List<String> SHARED = List.of("config", "storage", "db", "events", "http", "json", "model",
            "tasks", "media", "metrics", "report", "tools", "webhooks", "bucket");
    private static final Path MAIN = Path.of("src/main/java");
    private static final Path MIGRATIONS = Path.of("src/main/resources/db/migration");

    /**
     * Reads of another class's table that are allowed, each with its reason. Writes never are.
     * Key: "ClassName table".
     */
    private static final Map<String, String> SHARED_READS = Map.of(
            "TaskRepository jobs", "the planner's pass reads the tasks of PLANNED jobs in one join",
            "ObjectReferences tus_chunks", "the storage clean-up and fsck read which objects unfinished resumable"
                    + " uploads refer to (shared code, so it cannot ask the upload role's TusRepository)",
            "DeliveryRepository webhook_events", "deliveries are fanned out from, and send, the outbox's event rows,"
                    + " which WebhookOutbox alone writes (in the transaction of each status change)");

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(BASE);
        assertTrue(classes.size() > 50, "the main classes were found (" + classes.size() + ")");
    }

    @Test
    void roles_never_import_each_other() {
        for (String role : ROLES) {
            String[] others = ROLES.stream().filter(r -> !r.equals(role)).map(r -> BASE + "." + r + "..")
                    .toArray(String[]::new);
            noClasses().that().resideInAPackage(BASE + "." + role + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(others)
                    .because("a role is deployed on its own; what two roles share belongs in a shared package")
                    .check(classes);
        }
    }

    @Test
    void shared_parts_never_import_a_role() {
        String[] shared = SHARED.stream().map(s -> BASE + "." + s + "..").toArray(String[]::new);
        String[] roles = ROLES.stream().map(r -> BASE + "." + r + "..").toArray(String[]::new);
        noClasses().that().resideInAnyPackage(shared)
                .should().dependOnClassesThat().resideInAnyPackage(roles)
                .because("every process loads the shared packages, whatever its roles")
                .check(classes);
    }

    @Test
    void every_package_is_a_role_or_a_shared_part() {
        Set<String> unknown = new TreeSet<>();
        classes.forEach(c -> {
            String pkg = c.getPackageName();
            if (pkg.startsWith(BASE + ".")) {
                String top = pkg.substring(BASE.length() + 1).split("\\.")[0];
                if (!ROLES.contains(top) && !SHARED.contains(top)) {
                    unknown.add(top);
                }
            }
        });
        assertEquals(Set.of(), unknown, "packages this test does not know: add each to ROLES or SHARED");
    }

    @Test
    void packages_are_free_of_cycles() {
        slices().matching(BASE + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    /**
     * Every table created by a migration is named in the SQL string literals of exactly one main class,
     * its owner (SHARED_READS lists the few reads allowed elsewhere). A second writer, or a view that
     * queries a table directly instead of through its owner, fails here.
     */
    @Test
    void each_table_has_its_sql_in_one_owning_class() {
        Set<String> tables = tablesCreatedByMigrations();
        assertTrue(tables.contains("tasks") && tables.contains("videos"), "tables found: " + tables);
        Map<String, Set<String>> namedBy = new TreeMap<>();
        for (Map.Entry<String, Set<String>> e : tablesNamedInSql().entrySet()) {
            for (String table : e.getValue()) {
                if (tables.contains(table) && !SHARED_READS.containsKey(e.getKey() + " " + table)) {
                    namedBy.computeIfAbsent(table, t -> new TreeSet<>()).add(e.getKey());
                }
            }
        }
        Map<String, Set<String>> shared = new TreeMap<>();
        namedBy.forEach((table, owners) -> {
            if (owners.size() > 1) {
                shared.put(table, owners);
            }
        });
        assertEquals(Map.of(), shared, "tables whose SQL is spread over several classes (give each one owner)");
        for (String read : SHARED_READS.keySet()) {
            String[] classAndTable = read.split(" ");
            assertTrue(tablesNamedInSql().getOrDefault(classAndTable[0], Set.of()).contains(classAndTable[1]),
                    "SHARED_READS lists a read that no longer exists: " + read);
        }
    }

    private static final Pattern STRING = Pattern.compile("\"((?:[^\"\\\\\\n]|\\\\.)*)\"");
    private static final Pattern TABLE_REF = Pattern.compile(
            "\\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\\s+([a-z_][a-z0-9_]*)", Pattern.CASE_INSENSITIVE);

    /** Class (file) name to the table names its string literals use after FROM, INTO, UPDATE, JOIN, TABLE. */
    private static Map<String, Set<String>> tablesNamedInSql() {
        Map<String, Set<String>> m = new TreeMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String name = f.getFileName().toString().replace(".java", "");
                Matcher s = STRING.matcher(Files.readString(f));
                while (s.find()) {
                    Matcher t = TABLE_REF.matcher(s.group(1));
                    while (t.find()) {
                        m.computeIfAbsent(name, k -> new TreeSet<>()).add(t.group(1).toLowerCase());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    private static Set<String> tablesCreatedByMigrations() {
        Pattern create = Pattern.compile("CREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?([a-z_][a-z0-9_]*)",
                Pattern.CASE_INSENSITIVE);
        Set<String> tables = new TreeSet<>();
        try (Stream<Path> files = Files.list(MIGRATIONS)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".sql")).toList()) {
                Matcher m = create.matcher(Files.readString(f));
                while (m.find()) {
                    tables.add(m.group(1).toLowerCase());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return tables;
    }
}
