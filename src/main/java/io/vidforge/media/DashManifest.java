package io.vidforge.media;

import io.vidforge.model.Variant;
import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Renders the static MPEG-DASH manifest (ISO/IEC 23009-1, isoff-live profile) over the very CMAF segments
 * the HLS playlists name: one video AdaptationSet with a Representation per rung and one audio
 * AdaptationSet. Each Representation has a {@code BaseURL} (its rendition's folder) and a SegmentTemplate
 * with the init segment and a SegmentTimeline of the real segment durations ({@link DashTrack}), so players
 * never need the {@code sidx} box ffmpeg's HLS muxer also writes. Bandwidth, codecs, size and frame rate are
 * the measured {@link Variant} values the HLS master uses; the audio is its own AdaptationSet, so each
 * Representation's bandwidth is its own stream's peak, where HLS adds the audio's to each video variant.
 * The publish step stores it with BaseURLs relative to its own key; segment nodes {@link #rebase} it onto
 * the session's URLs, as they render the master for a session.
 */
public final class DashManifest {
    public static final String FILE = "manifest.mpd";
    public static final String CONTENT_TYPE = "application/dash+xml";
    private static final String NS = "urn:mpeg:dash:schema:mpd:2011";

    private DashManifest() {
    }

    /** {@code baseUrlFor} gives each rendition's folder URL (ending in '/') as it should appear. */
    public static String render(List<DashTrack> tracks, Function<Variant, String> baseUrlFor) {
        List<DashTrack> video = tracks.stream().filter(t -> !t.variant().isAudio())
                .sorted(Comparator.comparingLong((DashTrack t) -> t.variant().bandwidth()).reversed()).toList();
        Optional<DashTrack> audio = tracks.stream().filter(t -> t.variant().isAudio()).findFirst();
        if (video.isEmpty()) {
            throw new IllegalArgumentException("a DASH manifest needs at least one video rendition");
        }
        double duration = tracks.stream().mapToDouble(DashTrack::durationSeconds).max().orElse(0);
        double segmentSeconds = video.get(0).variant().segmentSeconds();
        StringBuilder sb = new StringBuilder();
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append("<MPD xmlns=\"").append(NS).append("\" profiles=\"urn:mpeg:dash:profile:isoff-live:2011\"")
                .append(" type=\"static\" mediaPresentationDuration=\"").append(isoDuration(duration)).append('"')
                .append(" minBufferTime=\"").append(isoDuration(Math.max(2, 2 * segmentSeconds))).append("\">\n");
        sb.append("  <Period id=\"0\" start=\"PT0S\">\n");
        int maxWidth = video.stream().mapToInt(t -> t.variant().width()).max().orElse(0);
        int maxHeight = video.stream().mapToInt(t -> t.variant().height()).max().orElse(0);
        sb.append("    <AdaptationSet id=\"0\" contentType=\"video\" mimeType=\"video/mp4\" segmentAlignment=\"true\"")
                .append(" startWithSAP=\"1\" maxWidth=\"").append(maxWidth).append("\" maxHeight=\"").append(maxHeight)
                .append("\">\n");
        for (DashTrack t : video) {
            Variant v = t.variant();
            sb.append("      <Representation id=\"").append(xml(v.name())).append("\" codecs=\"").append(xml(v.codecs()))
                    .append("\" bandwidth=\"").append(v.bandwidth()).append("\" width=\"").append(v.width())
                    .append("\" height=\"").append(v.height()).append("\" frameRate=\"").append(frameRate(v.frameRate()))
                    .append("\" sar=\"1:1\">\n");
            representationBody(sb, t, baseUrlFor);
            sb.append("      </Representation>\n");
        }
        sb.append("    </AdaptationSet>\n");
        audio.ifPresent(t -> {
            Variant v = t.variant();
            sb.append("    <AdaptationSet id=\"1\" contentType=\"audio\" mimeType=\"audio/mp4\" lang=\"und\"")
                    .append(" segmentAlignment=\"true\" startWithSAP=\"1\">\n");
            sb.append("      <Representation id=\"").append(xml(v.name())).append("\" codecs=\"").append(xml(v.codecs()))
                    .append("\" bandwidth=\"").append(v.bandwidth()).append("\" audioSamplingRate=\"48000\">\n");
            sb.append("        <AudioChannelConfiguration schemeIdUri=")
                    .append("\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" value=\"2\"/>\n");
            representationBody(sb, t, baseUrlFor);
            sb.append("      </Representation>\n");
            sb.append("    </AdaptationSet>\n");
        });
        sb.append("  </Period>\n");
        sb.append("</MPD>\n");
        return sb.toString();
    }

    private static void representationBody(StringBuilder sb, DashTrack t, Function<Variant, String> baseUrlFor) {
        sb.append("        <BaseURL>").append(xml(baseUrlFor.apply(t.variant()))).append("</BaseURL>\n");
        // startNumber 0: the files are seg_00000.m4s onwards, the names the HLS playlists use.
        sb.append("        <SegmentTemplate timescale=\"").append(t.timescale())
                .append("\" presentationTimeOffset=\"").append(t.presentationTimeOffset())
                .append("\" initialization=\"").append(EncodeArguments.INIT_SEGMENT)
                .append("\" media=\"seg_$Number%05d$.m4s\" startNumber=\"0\">\n");
        sb.append("          <SegmentTimeline>\n");
        List<Long> d = t.durationsTicks();
        long time = t.startTicks();
        for (int i = 0; i < d.size(); ) {
            int j = i;
            while (j + 1 < d.size() && d.get(j + 1).equals(d.get(i))) {
                j++;
            }
            sb.append("            <S t=\"").append(time).append("\" d=\"").append(d.get(i)).append('"');
            if (j > i) {
                sb.append(" r=\"").append(j - i).append('"');
            }
            sb.append("/>\n");
            time += d.get(i) * (j - i + 1);
            i = j + 1;
        }
        sb.append("          </SegmentTimeline>\n");
        sb.append("        </SegmentTemplate>\n");
    }

    /**
     * The stored manifest with each Representation's BaseURL replaced by {@code baseUrlForRepresentation} of
     * its id (the rendition name): how a segment node points it at one session's segment URLs.
     *
     * @throws IllegalArgumentException when the text is not an MPD
     */
    public static String rebase(String mpd, Function<String, String> baseUrlForRepresentation) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(mpd.getBytes(StandardCharsets.UTF_8)));
            if (!"MPD".equals(doc.getDocumentElement().getLocalName())) {
                throw new IllegalArgumentException("not an MPD");
            }
            NodeList reps = doc.getElementsByTagNameNS(NS, "Representation");
            for (int i = 0; i < reps.getLength(); i++) {
                Element rep = (Element) reps.item(i);
                for (Node c = rep.getFirstChild(); c != null; c = c.getNextSibling()) {
                    if (c instanceof Element e && "BaseURL".equals(e.getLocalName())) {
                        e.setTextContent(baseUrlForRepresentation.apply(rep.getAttribute("id")));
                    }
                }
            }
            var transformer = TransformerFactory.newInstance().newTransformer();
            transformer.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            StringWriter out = new StringWriter();
            transformer.transform(new DOMSource(doc), new StreamResult(out));
            return out.toString();
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalArgumentException("not a readable MPD: " + e.getMessage(), e);
        }
    }

    /** xs:duration with millisecond precision, e.g. PT4.967S. */
    static String isoDuration(double seconds) {
        return String.format(Locale.ROOT, "PT%.3fS", seconds);
    }

    /** "30", "30000/1001" for 29.97, "25": DASH's FrameRateType (an integer or a ratio). */
    static String frameRate(double fps) {
        long whole = Math.round(fps);
        if (Math.abs(fps - whole) < 1e-3) {
            return Long.toString(whole);
        }
        long ntsc = Math.round(fps * 1.001);
        if (Math.abs(fps - ntsc * 1000.0 / 1001) < 1e-3) {
            return ntsc * 1000 + "/1001";
        }
        return Math.round(fps * 1000) + "/1000";
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
