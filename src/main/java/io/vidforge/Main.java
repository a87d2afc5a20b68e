package io.vidforge;

import io.vidforge.bucket.DeploymentMismatchException;
import io.vidforge.config.Role;
import io.vidforge.config.Settings;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/** {@code java -jar vidforge.jar --role=upload|orchestrator|worker|segment|all}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        String roleArg = null;
        for (String a : args) {
            if (a.startsWith("--role=")) {
                roleArg = a.substring("--role=".length());
            } else if (a.equals("--help") || a.equals("-h")) {
                System.out.println("usage: java -jar vidforge.jar --role=upload|orchestrator|worker|segment|all");
                return;
            } else {
                System.err.println("unknown argument: " + a + " (usage: --role=upload|orchestrator|worker|segment|all)");
                System.exit(2);
            }
        }
        Set<Role> roles;
        try {
            roles = Role.parse(roleArg == null ? "all" : roleArg);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Node node;
        try {
            node = Node.start(Settings.fromEnvironment(), roles);
        } catch (DeploymentMismatchException e) {
            System.err.println("VidForge refuses to start: " + e.getMessage());
            System.exit(3);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM (./run.sh stop) drains: the node stops taking new reads, finishes what it serves within
        // SHUTDOWN_GRACE_SECONDS, then stops its roles and its server (Node.close).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("VidForge node " + node.nodeId() + " draining (" + node.inFlightRequests()
                    + " request(s) in flight)");
            try {
                node.close();
            } finally {
                System.out.println("VidForge node " + node.nodeId() + " stopped");
                stopped.countDown();
            }
        }, "shutdown"));
        // Scripts wait for this exact line.
        System.out.println("VidForge node " + node.nodeId() + " (" + node.role() + ") listening on "
                + node.baseUri());
        stopped.await();
    }
}
