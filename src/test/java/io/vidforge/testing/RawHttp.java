package io.vidforge.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Sends bytes exactly as given (malformed request lines, odd encodings, huge headers) over a socket
 * with {@code Connection: close}, and reads the whole answer. For hostile-input tests that a
 * well-behaved client library would refuse to send.
 */
public final class RawHttp {
    private RawHttp() {
    }

    public record Answer(int status, String head, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public String header(String name) {
            for (String line : head.split("\r\n")) {
                int i = line.indexOf(':');
                if (i > 0 && line.substring(0, i).trim().equalsIgnoreCase(name)) {
                    return line.substring(i + 1).trim();
                }
            }
            return null;
        }
    }

    public static Answer send(int port, byte[] request) {
        boolean head = new String(request, 0, Math.min(5, request.length), StandardCharsets.US_ASCII).startsWith("HEAD ");
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException e) {
                // The server may answer (and close) before reading everything: read what it said.
            }
            return read(s.getInputStream(), head);
        } catch (IOException e) {
            throw new AssertionError("cannot reach 127.0.0.1:" + port + ": " + e, e);
        }
    }

    /** Reads one response: the head, then the body as its framing says (length, chunked, or to EOF). */
    private static Answer read(InputStream in, boolean headRequest) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        int headEnd = -1;
        try {
            int b;
            while (headEnd < 0 && (b = in.read()) >= 0) {
                all.write(b);
                byte[] a = all.toByteArray();
                int n = a.length;
                if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                    headEnd = n;
                }
            }
        } catch (IOException e) {
            // reset before a complete head
        }
        String head = all.toString(StandardCharsets.ISO_8859_1);
        if (headEnd < 0 || !head.startsWith("HTTP/1.1 ")) {
            return new Answer(-1, head, new byte[0]);
        }
        head = head.substring(0, headEnd - 4);
        int status = Integer.parseInt(head.substring(9, 12));
        Answer probe = new Answer(status, head, new byte[0]);
        String length = probe.header("Content-Length");
        byte[] body;
        try {
            if (headRequest) {
                body = new byte[0];
            } else if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
                body = readChunked(in);
            } else if (length != null && !headRequest) {
                body = in.readNBytes(Integer.parseInt(length));
            } else if (headRequest || status == 204 || status == 304) {
                body = new byte[0];
            } else {
                body = in.readAllBytes();
            }
        } catch (IOException e) {
            body = new byte[0];
        }
        return new Answer(status, head, body);
    }

    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(in);
            if (sizeLine == null) {
                return out.toByteArray();
            }
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                line(in);
                return out.toByteArray();
            }
            out.write(in.readNBytes(size));
            line(in);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                return sb.toString().replace("\r", "");
            }
            sb.append((char) b);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    public static Answer request(int port, String method, String target, String headers, byte[] body) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes((method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers
                + (body == null ? "" : "Content-Length: " + body.length + "\r\n") + "\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            b.writeBytes(body);
        }
        return send(port, b.toByteArray());
    }
}
