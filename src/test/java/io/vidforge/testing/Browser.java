package io.vidforge.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium driven by Selenium, for tests that need a real browser: Debian's {@code chromium}
 * and {@code chromium-driver} (override with {@code CHROME_BINARY} / {@code CHROMEDRIVER}), a fresh
 * profile per browser, and network throttling through the DevTools protocol. When they are missing the
 * test is skipped, except under {@code CI=true}, where it fails (run.sh installs them).
 */
public final class Browser implements AutoCloseable {
    private static final String BINARY = System.getenv().getOrDefault("CHROME_BINARY", "/usr/bin/chromium");
    private static final String DRIVER = System.getenv().getOrDefault("CHROMEDRIVER", "/usr/bin/chromedriver");

    private final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /** A new headless browser with a window of {@code width}×{@code height} CSS pixels. */
    public static Browser start(int width, int height) {
        requireInstalled();
        Path profile;
        try {
            profile = Files.createTempDirectory("vidforge-chromium-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        System.setProperty("webdriver.chrome.driver", DRIVER);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BINARY);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height,
                // Muted video may autoplay anyway; this keeps a future unmuted page playing in tests too.
                "--autoplay-policy=no-user-gesture-required");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of(DRIVER).toFile())
                .withLogOutput(java.io.OutputStream.nullOutputStream())
                .build();
        try {
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
            return new Browser(driver, profile);
        } catch (RuntimeException e) {
            delete(profile);
            throw e;
        }
    }

    /** Skips (or, under CI=true, fails) when chromium or chromedriver is not installed. */
    public static void requireInstalled() {
        boolean present = Files.isExecutable(Path.of(BINARY)) && Files.isExecutable(Path.of(DRIVER));
        String message = "browser tests need " + BINARY + " and " + DRIVER
                + " (apt-get install -y chromium chromium-driver; ./run.sh test installs them)";
        if (!present) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(message);
            }
            Assumptions.abort(message);
        }
    }

    public ChromeDriver driver() {
        return driver;
    }

    public void open(String url) {
        driver.get(url);
    }

    /** Empties the browser's HTTP cache, so the next page load fetches everything afresh. */
    public void clearCache() {
        driver.executeCdpCommand("Network.clearBrowserCache", Map.of());
    }

    /** Runs {@code js} as the body of a function ({@code return …} gives a value). */
    public Object script(String js, Object... args) {
        return driver.executeScript(js, args);
    }

    /** Runs {@code js} before any script of every page loaded from now on. */
    public void beforeEveryPage(String js) {
        driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", js));
    }

    /** Limits the page's download throughput, as DevTools' network throttling does. */
    public void throttle(long kbps) {
        networkConditions(kbps * 1000 / 8);
    }

    public void unthrottle() {
        networkConditions(-1);
    }

    private void networkConditions(long downloadBytesPerSecond) {
        driver.executeCdpCommand("Network.enable", Map.of());
        Map<String, Object> conditions = new HashMap<>();
        conditions.put("offline", false);
        conditions.put("latency", 0);
        conditions.put("downloadThroughput", downloadBytesPerSecond);
        conditions.put("uploadThroughput", -1);
        driver.executeCdpCommand("Network.emulateNetworkConditions", conditions);
    }

    /** A PNG of the visible page. */
    public Path screenshot(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            delete(profile);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temporary profile is harmless.
        }
    }
}
