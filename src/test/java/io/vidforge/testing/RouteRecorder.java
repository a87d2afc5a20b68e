package io.vidforge.testing;

import io.helidon.http.Method;
import io.helidon.http.PathMatcher;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Records the routes code registers on a Helidon {@link HttpRouting.Builder} (and, through it, the rules
 * of every {@link HttpService} registered under a prefix), so a test can list what a node really serves.
 * Catch-all {@code any(...)} routes (405 answers) and wildcard paths are left out: they serve nothing.
 */
public final class RouteRecorder {
    private static final List<String> METHODS = List.of("get", "post", "put", "delete", "head", "options", "patch");

    public record Route(String method, String path) {
    }

    private final Set<Route> routes = new LinkedHashSet<>();

    public HttpRouting.Builder builder() {
        return (HttpRouting.Builder) proxy(HttpRouting.Builder.class, "");
    }

    public Set<Route> routes() {
        return routes;
    }

    private Object proxy(Class<?> type, String prefix) {
        Object[] self = new Object[1];
        self[0] = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
            String name = m.getName();
            if (METHODS.contains(name) && args != null && args.length >= 1 && args[0] instanceof String path) {
                add(name, prefix + path);
            } else if (name.equals("register") && args != null) {
                String sub = args[0] instanceof String s ? prefix + s : prefix;
                for (Object a : args) {
                    services(a).forEach(svc -> svc.routing((HttpRules) proxy(HttpRules.class, sub)));
                }
            } else if (name.equals("route") && args != null && args.length == 3 && args[1] instanceof PathMatcher pm) {
                String path = pattern(pm);
                if (args[0] instanceof Method method) {
                    add(method.text(), prefix + path);
                } else if (args[0] instanceof Predicate<?> predicate) {
                    @SuppressWarnings("unchecked")
                    Predicate<Method> methods = (Predicate<Method>) predicate;
                    for (String mth : METHODS) {
                        if (methods.test(Method.create(mth.toUpperCase(Locale.ROOT)))) {
                            add(mth, prefix + path);
                        }
                    }
                }
            }
            return m.getReturnType().isInstance(self[0]) ? self[0] : null;
        });
        return self[0];
    }

    private void add(String method, String path) {
        if (!path.contains("*")) {
            String p = path.replaceAll("/+$", "");
            routes.add(new Route(method.toUpperCase(Locale.ROOT), p.isEmpty() ? "/" : p));
        }
    }

    private static List<HttpService> services(Object arg) {
        List<HttpService> out = new ArrayList<>();
        if (arg instanceof HttpService s) {
            out.add(s);
        } else if (arg instanceof HttpService[] arr) {
            out.addAll(List.of(arr));
        } else if (arg instanceof Supplier<?> sup && sup.get() instanceof HttpService s) {
            out.add(s);
        } else if (arg instanceof List<?> list) {
            list.forEach(x -> out.addAll(services(x)));
        }
        return out;
    }

    /**
     * The path a PathMatchers.create(...) matcher was made from, parameters as {@code {}}. Helidon's
     * toString shows "pattern: " and the compiled regex for parameterized paths; prefix and any-path
     * matchers (wildcards) give {@code *} and are left out.
     */
    private static String pattern(PathMatcher pm) {
        String s = pm.toString();
        if (!s.startsWith("pattern: ")) {
            return "*";
        }
        return s.substring("pattern: ".length()).replaceAll("\\(\\?<[A-Za-z0-9]+>\\[\\^/\\]\\+\\)", "{}")
                .replace("\\.", ".");
    }
}
