package io.vidforge.config;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The roles one process can play; {@code all} runs every role in one JVM. */
public enum Role {
    UPLOAD, ORCHESTRATOR, WORKER, SEGMENT;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code upload}, {@code worker,segment} or {@code all}. */
    public static Set<Role> parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("--role is required: upload|orchestrator|worker|segment|all");
        }
        Set<Role> roles = EnumSet.noneOf(Role.class);
        for (String part : text.split(",")) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            if (p.equals("all")) {
                roles.addAll(EnumSet.allOf(Role.class));
                continue;
            }
            try {
                roles.add(Role.valueOf(p.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown role '" + part + "': use upload|orchestrator|worker|segment|all");
            }
        }
        return roles;
    }

    /** The name a node uses for its set of roles: {@code all} or the single role, else a joined list. */
    public static String label(Set<Role> roles) {
        if (roles.containsAll(EnumSet.allOf(Role.class))) {
            return "all";
        }
        return String.join("+", roles.stream().map(Role::id).toList());
    }
}
