package io.vidforge.media;

import io.vidforge.model.SourceInfo;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Makes a {@link Storyboard} from the source during the probe. Fast by design: ffmpeg decodes key frames
 * only ({@code -skip_frame nokey}, about a tenth of a full decode), so each tile is the last key frame at or
 * before its time, which for ordinary sources (a key frame every 1-10 s) is at most a few seconds early;
 * the fps filter picks one frame per interval and scales it straight down to tile size. The tiles are then
 * laid out in Java, which knows how many frames ffmpeg really produced, so no cue ever points at a blank
 * tile.
 */
public final class StoryboardMaker {
    private static final float JPEG_QUALITY = 0.7f;

    private final MediaTools tools;

    public StoryboardMaker(MediaTools tools) {
        this.tools = tools;
    }

    /** The sprite and VTT written into {@code dir} as {@link Storyboard#SPRITE} and {@link Storyboard#VTT}. */
    public Storyboard make(Path input, SourceInfo source, Path dir, BooleanSupplier cancelled)
            throws IOException, InterruptedException {
        int interval = Storyboard.intervalFor(source.durationS());
        int expected = Storyboard.tilesFor(source.durationS(), interval);
        FrameSize tile = Storyboard.tileSize(source.width(), source.height());
        Path frames = Files.createDirectories(dir.resolve("storyboard-frames"));
        ProcessResult r = tools.run(tools.ffmpeg(List.of("-v", "error", "-y",
                        "-skip_frame", "nokey", "-i", MediaTools.fileArg(input),
                        "-map", "0:V:0", "-an", "-sn", "-dn",
                        "-vf", "fps=fps=1/" + interval + ":round=down:eof_action=pass,scale=" + tile.width() + ":" + tile.height()
                                + ":flags=bilinear:out_range=full,setsar=1,format=yuvj420p",
                        "-frames:v", Integer.toString(expected), "-q:v", "4",
                        MediaTools.fileArg(frames.resolve("tile_%04d.jpg")))),
                RunControl.capturing(tools.settings().probeTimeout()).cancelWhen(cancelled));
        List<Path> tiles = tiles(frames);
        if (!r.succeeded() || tiles.isEmpty()) {
            throw new FfmpegFailedException("ffmpeg extracting storyboard frames", r);
        }
        Storyboard board = new Storyboard(source.durationS(), interval, tile.width(), tile.height(), tiles.size());
        writeSprite(board, tiles, dir.resolve(Storyboard.SPRITE));
        Files.writeString(dir.resolve(Storyboard.VTT), board.vtt(Storyboard.SPRITE), StandardCharsets.UTF_8);
        return board;
    }

    private static List<Path> tiles(Path frames) throws IOException {
        try (Stream<Path> files = Files.list(frames)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jpg")).sorted().toList();
        }
    }

    private static void writeSprite(Storyboard board, List<Path> tiles, Path out) throws IOException {
        BufferedImage sprite = new BufferedImage(board.spriteWidth(), board.spriteHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sprite.createGraphics();
        try {
            for (int i = 0; i < tiles.size(); i++) {
                BufferedImage frame = ImageIO.read(tiles.get(i).toFile());
                if (frame == null) {
                    throw new IOException("storyboard frame " + tiles.get(i).getFileName() + " is not a readable JPEG");
                }
                g.drawImage(frame, (i % Storyboard.COLUMNS) * board.tileWidth(), (i / Storyboard.COLUMNS) * board.tileHeight(),
                        board.tileWidth(), board.tileHeight(), null);
            }
        } finally {
            g.dispose();
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(JPEG_QUALITY);
        Files.deleteIfExists(out);
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out.toFile())) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(sprite, null, null), param);
        } finally {
            writer.dispose();
        }
        if (!Files.isRegularFile(out) || Files.size(out) == 0) {
            throw new IOException(String.format(Locale.ROOT, "the %dx%d storyboard sprite was not written",
                    board.spriteWidth(), board.spriteHeight()));
        }
    }
}
