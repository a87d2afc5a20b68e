package io.vidforge.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node in its own JVM (same classpath as the tests), for what one JVM cannot show: a small heap, a
 * SIGKILL. Its stdout goes to a file; it is found by the "listening on" line Main prints.
 */
public final class ChildNode implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

    private final Process process;
    private final URI baseUri;
    private final Path output;

    private ChildNode(Process process, URI baseUri, Path output) {
        this.process = process;
        this.baseUri = baseUri;
        this.output = output;
    }

    public static ChildNode start(Map<String, String> env, String role, List<String> jvmArgs) {
        try {
            Path out = Files.createTempFile("vidforge-child", ".log");
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("--enable-native-access=ALL-UNNAMED");
            cmd.addAll(jvmArgs);
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add("io.vidforge.Main");
            cmd.add("--role=" + role);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            String url = Await.value(Duration.ofSeconds(90), "child node to listen", () -> {
                if (!p.isAlive()) {
                    throw new AssertionError("child node exited: " + tail(out));
                }
                Matcher m = LISTENING.matcher(read(out));
                return m.find() ? m.group(1) : null;
            });
            return new ChildNode(p, URI.create(url), out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public URI baseUri() {
        return baseUri;
    }

    public long pid() {
        return process.pid();
    }

    public String output() {
        return read(output);
    }

    /** SIGKILL: no shutdown hook, no cleanup, as when a machine dies. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(Path p) {
        String s = read(p);
        return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    }
}
