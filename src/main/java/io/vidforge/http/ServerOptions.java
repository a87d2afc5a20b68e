package io.vidforge.http;

import io.helidon.webserver.WebServerConfig;

/** The socket settings every VidForge web server uses: the nodes' own and the segment warm-up's private one. */
public final class ServerOptions {
    private ServerOptions() {
    }

    /**
     * How every node's server treats its connections; tests that build a server of their own use it too,
     * so they serve the way nodes do.
     */
    public static WebServerConfig.Builder connectionSettings(WebServerConfig.Builder server) {
        return server
                // TCP_NODELAY: without it a small response written behind another one waits for the
                // client's delayed ACK (~40 ms on Linux). The other socket options keep Helidon's
                // defaults (this builder starts from the same values as SocketOptions.create()). It
                // once made tus-java-client hang: see TusService.awaitBody and docs/performance.md.
                .connectionOptions(o -> o.tcpNoDelay(true))
                // Blocking sockets, not Helidon 4.4's default NIO channel: that one stages every write in
                // an 8 KiB buffer, so a 1.5 MB segment took ~190 write(2) calls and, with TCP_NODELAY, as
                // many TCP segments (docs/performance.md). A socket stream writes the array it is given.
                // Its one pitfall, Helidon writing array ranges that do not start at index 0 wrongly, is
                // handled where large bodies are written (segment.ResponseOutput).
                .useNio(false);
    }
}
