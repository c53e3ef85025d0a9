package dev.ckastream.cka.dashboard;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.ckastream.deploy.broker.EmbeddedKafkaBroker;

import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium driven through Selenium, as the dashboard tests use it: {@code /usr/bin/chromium} and
 * {@code /usr/bin/chromedriver} (Debian's {@code chromium} and {@code chromium-driver}, installed by
 * {@code deploy/install-prerequisites}), named explicitly so that Selenium Manager never tries to download a driver
 * or browser; a fresh profile directory per start, removed on {@link #close()}; a 1440 × 1000 window at scale 1.
 *
 * <p><b>When either binary is missing, {@link #start()} fails on CI</b> (the environment variable {@code CI} is set)
 * with a message to run {@code deploy/install-prerequisites}; on a developer's machine without them the calling test
 * is <b>skipped</b> (a JUnit assumption) with the same message.
 */
final class HeadlessChromium implements AutoCloseable {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration PAGE_LOAD_TIMEOUT = Duration.ofSeconds(60);

    private final ChromeDriverService service;
    private final ChromeDriver driver;
    private final Path profileDir;

    private HeadlessChromium(ChromeDriverService service, ChromeDriver driver, Path profileDir) {
        this.service = service;
        this.driver = driver;
        this.profileDir = profileDir;
    }

    static HeadlessChromium start() throws IOException {
        String missing = Stream.of(CHROMIUM, CHROMEDRIVER).filter(p -> !Files.isExecutable(p)).map(Path::toString)
                .reduce((a, b) -> a + ", " + b).orElse(null);
        if (missing != null) {
            String message = missing + " not installed: run deploy/install-prerequisites (Debian's chromium and "
                    + "chromium-driver) for the dashboard browser tests";
            if (System.getenv("CI") != null) {
                fail(message);
            }
            assumeTrue(false, message);
        }
        Path profileDir = Files.createTempDirectory("ckastream-chromium-profile");
        Files.createDirectories(Path.of("target"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(new File("target/chromedriver.log"))
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-default-apps", "--disable-extensions", "--lang=en-US", "--hide-scrollbars",
                "--force-device-scale-factor=1", "--window-size=1440,1000",
                "--user-data-dir=" + profileDir.toAbsolutePath());
        ChromeDriver driver;
        try {
            driver = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            service.stop();
            EmbeddedKafkaBroker.deleteRecursively(profileDir);
            throw e;
        }
        driver.manage().timeouts().pageLoadTimeout(PAGE_LOAD_TIMEOUT).scriptTimeout(Duration.ofSeconds(10));
        return new HeadlessChromium(service, driver, profileDir);
    }

    ChromeDriver driver() {
        return driver;
    }

    /** Runs {@code script} in the page and returns what it returns (objects as maps, arrays as lists). */
    @SuppressWarnings("unchecked")
    <T> T script(String script) {
        return (T) driver.executeScript(script);
    }

    /**
     * The whole page (not only the window) to {@code light}, then the same in the dark colour scheme to {@code dark}.
     * Never masks the test's own outcome: a failure here is only logged.
     */
    void screenshot(Path light, Path dark) {
        try {
            Number height = (Number) driver.executeScript("return document.documentElement.scrollHeight");
            driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", 1440, "height",
                    Math.min(4000, height.intValue()), "deviceScaleFactor", 1, "mobile", false));
            save(light);
            driver.executeCdpCommand("Emulation.setEmulatedMedia",
                    Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", "dark"))));
            save(dark);
        } catch (RuntimeException | IOException e) {
            System.err.println("HeadlessChromium: no screenshot " + light + ": " + e);
        }
    }

    private void save(Path target) throws IOException {
        File shot = driver.getScreenshotAs(OutputType.FILE);
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            service.stop();
            EmbeddedKafkaBroker.deleteRecursively(profileDir);
        }
    }
}
