package io.vidforge.media;

import java.util.Locale;

/**
 * Seek previews: one JPEG sprite of small frames, one every {@code intervalS} seconds in rows of
 * {@link #COLUMNS}, and a WebVTT file with one cue per frame whose text is the sprite's URL plus a
 * {@code #xywh=x,y,w,h} media fragment (the form hls.js/video.js thumbnail plugins, Mux and PeerTube use).
 * Both files are written by the probe beside the poster. The stored VTT names the sprite relatively; the
 * segment node rewrites that to the session's absolute URL, as it does for playlists.
 */
public record Storyboard(double durationS, int intervalS, int tileWidth, int tileHeight, int tiles) {
    public static final String VTT = "storyboard.vtt";
    public static final String SPRITE = "storyboard.jpg";
    public static final String VTT_CONTENT_TYPE = "text/vtt; charset=utf-8";
    /** A long video gets a wider interval, not a bigger sprite: the player downloads it whole. */
    public static final int MAX_TILES = 100;
    public static final int COLUMNS = 10;
    /** Every few seconds: close enough to find a scene, few enough to stay small. */
    static final int MIN_INTERVAL_S = 2;
    static final int MAX_TILE_WIDTH = 160;
    static final int MAX_TILE_HEIGHT = 90;

    public Storyboard {
        if (tiles < 1 || tiles > MAX_TILES || intervalS < 1 || tileWidth < 2 || tileHeight < 2) {
            throw new IllegalArgumentException("storyboard of " + tiles + " tiles " + tileWidth + "x" + tileHeight
                    + " every " + intervalS + " s");
        }
    }

    /** Seconds between frames: {@link #MIN_INTERVAL_S}, or wider so a long video has at most {@link #MAX_TILES}. */
    public static int intervalFor(double durationS) {
        return Math.max(MIN_INTERVAL_S, (int) Math.ceil(durationS / MAX_TILES));
    }

    /** Frames the interval gives over the duration: one at 0, one every interval after. */
    public static int tilesFor(double durationS, int intervalS) {
        return Math.max(1, Math.min(MAX_TILES, (int) Math.ceil(durationS / intervalS)));
    }

    /** The displayed picture scaled down (never up) to fit {@value #MAX_TILE_WIDTH}x{@value #MAX_TILE_HEIGHT}. */
    public static FrameSize tileSize(int width, int height) {
        double scale = Math.min(1.0, Math.min((double) MAX_TILE_WIDTH / width, (double) MAX_TILE_HEIGHT / height));
        return new FrameSize(even(width * scale), even(height * scale));
    }

    public int columns() {
        return Math.min(COLUMNS, tiles);
    }

    public int rows() {
        return (tiles + COLUMNS - 1) / COLUMNS;
    }

    public int spriteWidth() {
        return columns() * tileWidth;
    }

    public int spriteHeight() {
        return rows() * tileHeight;
    }

    /**
     * The WebVTT: cue i shows tile i from {@code i*interval} to the next cue, the last one to the end of the
     * video, so every instant of the video has exactly one preview.
     */
    public String vtt(String spriteUri) {
        StringBuilder sb = new StringBuilder("WEBVTT\n");
        for (int i = 0; i < tiles; i++) {
            double start = Math.min((double) i * intervalS, durationS);
            double end = i == tiles - 1 ? durationS : Math.min((double) (i + 1) * intervalS, durationS);
            int x = (i % COLUMNS) * tileWidth;
            int y = (i / COLUMNS) * tileHeight;
            sb.append('\n').append(timestamp(start)).append(" --> ").append(timestamp(end)).append('\n')
                    .append(spriteUri).append("#xywh=").append(x).append(',').append(y).append(',')
                    .append(tileWidth).append(',').append(tileHeight).append('\n');
        }
        return sb.toString();
    }

    /** The stored VTT with its relative sprite references pointed at {@code spriteUri} (a session's URL). */
    public static String rebase(String vtt, String spriteUri) {
        return vtt.replace("\n" + SPRITE + "#xywh=", "\n" + spriteUri + "#xywh=");
    }

    /** The key of a storyboard file, which the probe writes in the folder of the poster. */
    public static String besidePoster(String posterKey, String file) {
        return posterKey.substring(0, posterKey.lastIndexOf('/') + 1) + file;
    }

    static String timestamp(double seconds) {
        long ms = Math.round(seconds * 1000);
        return String.format(Locale.ROOT, "%02d:%02d:%02d.%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60,
                ms % 1000);
    }

    private static int even(double x) {
        return (int) Math.max(2, 2 * Math.round(x / 2));
    }
}
