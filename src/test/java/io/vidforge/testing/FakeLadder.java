package io.vidforge.testing;

import com.google.common.hash.Hashing;
import io.vidforge.Platform;
import io.vidforge.media.DashManifest;
import io.vidforge.media.DashTrack;
import io.vidforge.media.RelativeKey;
import io.vidforge.model.Variant;
import io.vidforge.model.Video;
import io.vidforge.model.VideoStatus;
import io.vidforge.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A published video without ffmpeg: a small CMAF ladder of fake objects (real-looking playlists, init
 * and media segments of a few KB of deterministic bytes) written to S3 under attempt-scoped prefixes,
 * and a video row taken through uploaded → processing → ready by the repository's fenced publish, as a
 * worker would.
 */
public final class FakeLadder {
    /** name, width, height, peak bandwidth: highest first, like the standard ladder. */
    private static final Object[][] RUNGS = {
            {"720p", 1280, 720, 3_000_000L},
            {"480p", 854, 480, 1_300_000L},
            {"360p", 640, 360, 750_000L},
    };

    private FakeLadder() {
    }

    /** What was published: the video and every object's bytes, to compare served bytes with. */
    public record Published(String videoId, List<Variant> variants, Map<String, byte[]> objects) {
        public Variant variant(String name) {
            return variants.stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
        }

        /** The S3 bytes of {@code file} (e.g. {@code seg_00003.m4s}) of {@code variant}. */
        public byte[] bytes(String variant, String file) {
            byte[] b = objects.get(variant(variant).prefix() + file);
            if (b == null) {
                throw new IllegalArgumentException("no " + variant + "/" + file);
            }
            return b;
        }

        public static String segment(int index) {
            return String.format(Locale.ROOT, "seg_%05d.m4s", index);
        }
    }

    /** A ready video named by {@code seed} with {@code variants} rungs (1..3) of {@code segments} segments. */
    public static Published publish(Platform platform, String seed, int variants, int segments, int segmentBytes) {
        String sha = Hashing.sha256().hashString("content:" + seed, StandardCharsets.UTF_8).toString();
        String videoId = Hashing.sha256().hashString(sha + "|test-profile", StandardCharsets.UTF_8).toString();
        String prefix = "hls/" + videoId + "/g1/a1/";
        ObjectStore store = platform.store();
        Random random = new Random(seed.hashCode());
        Map<String, byte[]> objects = new LinkedHashMap<>();
        List<Variant> ladder = new ArrayList<>();
        for (int r = 0; r < variants; r++) {
            String name = (String) RUNGS[r][0];
            int width = (Integer) RUNGS[r][1];
            int height = (Integer) RUNGS[r][2];
            long bandwidth = (Long) RUNGS[r][3];
            String vp = prefix + name + "/";
            objects.put(vp + "index.m3u8", playlist(segments).getBytes(StandardCharsets.UTF_8));
            objects.put(vp + "init.mp4", box("ftyp", 700, random));
            for (int i = 0; i < segments; i++) {
                // Sizes differ per segment so an off-by-one in indexes or ranges shows up as a length mismatch.
                objects.put(vp + Published.segment(i), box("styp", segmentBytes + 37 * i + 11 * r, random));
            }
            ladder.add(new Variant(name, width, height, bandwidth, bandwidth * 4 / 5,
                    "avc1.64001f,mp4a.40.2", 30.0, segments, 2.0, vp));
        }
        // The DASH manifest the publish step would store next to the master (2 s segments at a 1 kHz timescale).
        List<DashTrack> tracks = ladder.stream()
                .map(v -> new DashTrack(v, 1000, 0, 0, java.util.Collections.nCopies(segments, 2000L))).toList();
        objects.put(prefix + DashManifest.FILE, DashManifest.render(tracks, v -> RelativeKey.toFolder(prefix, v.prefix()))
                .getBytes(StandardCharsets.UTF_8));
        objects.forEach((key, bytes) -> store.putBytes(key, bytes, contentType(key)));
        insertReady(platform, videoId, sha, ladder, prefix);
        return new Published(videoId, List.copyOf(ladder), Map.copyOf(objects));
    }

    /** A video row still in {@code uploaded}: playback must answer 409. */
    public static String insertUploaded(Platform platform, String seed) {
        String sha = Hashing.sha256().hashString("content:" + seed, StandardCharsets.UTF_8).toString();
        String videoId = Hashing.sha256().hashString(sha + "|test-profile", StandardCharsets.UTF_8).toString();
        platform.videos().insertNew(row(videoId, sha));
        return videoId;
    }

    private static void insertReady(Platform platform, String videoId, String sha, List<Variant> ladder,
                                    String prefix) {
        if (!platform.videos().insertNew(row(videoId, sha))) {
            throw new IllegalStateException("video " + videoId + " exists already");
        }
        boolean published = platform.sql().inTransaction(c ->
                platform.videos().transition(c, videoId, 1, VideoStatus.UPLOADED, VideoStatus.PROCESSING, "test")
                        && platform.videos().publish(c, videoId, 1, ladder, prefix, null));
        if (!published) {
            throw new IllegalStateException("could not publish " + videoId);
        }
    }

    private static Video row(String videoId, String sha) {
        return new Video(videoId, sha, "test-profile", VideoStatus.UPLOADED, "fake ladder", "fake.mp4",
                "video/mp4", 1_000_000, "raw/" + sha, 1, null, List.of(), null, null, 0, 0);
    }

    static String playlist(int segments) {
        StringBuilder sb = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n"
                + "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n"
                + "#EXT-X-MAP:URI=\"init.mp4\"\n");
        for (int i = 0; i < segments; i++) {
            sb.append("#EXTINF:2.000000,\n").append(Published.segment(i)).append('\n');
        }
        return sb.append("#EXT-X-ENDLIST\n").toString();
    }

    /** An ISO-BMFF-looking object: a box header followed by deterministic noise. */
    private static byte[] box(String type, int size, Random random) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        b[0] = 0;
        b[1] = 0;
        b[2] = 0;
        b[3] = 24;
        System.arraycopy(type.getBytes(StandardCharsets.US_ASCII), 0, b, 4, 4);
        return b;
    }

    private static String contentType(String key) {
        if (key.endsWith(".mpd")) {
            return DashManifest.CONTENT_TYPE;
        }
        if (key.endsWith(".m3u8")) {
            return "application/vnd.apple.mpegurl";
        }
        return key.endsWith(".m4s") ? "video/iso.segment" : "video/mp4";
    }
}
