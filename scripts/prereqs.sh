# Sourced by run.sh: the prerequisites (JDK, Maven, media libraries, PostgreSQL, nginx, chromium) and the
# build. Each ensure_* installs what is missing when it can, or stops with a message naming it.

java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }

# Finds a JDK >= 21 (the default java here may be 17): JAVA_HOME, then every JDK under /usr/lib/jvm.
find_java() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    local m; m=$(java_major "$c/bin/java")
    if [ -n "$m" ] && [ "$m" -ge 21 ]; then export JAVA_HOME="$c"; return 0; fi
  done
  return 1
}

apt_install() {
  command -v apt-get >/dev/null || return 1
  [ "$(id -u)" = 0 ] || return 1
  if [ ! -f "$DATA_DIR/.apt-updated" ] && [ -z "${APT_UPDATED:-}" ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    mkdir -p "$DATA_DIR" && touch "$DATA_DIR/.apt-updated"
    export APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_java() {
  find_java && return 0
  say "no JDK >= 21 found; installing one"
  apt_install openjdk-21-jdk-headless 2>/dev/null || apt_install openjdk-25-jdk-headless 2>/dev/null || true
  find_java || die "VidForge needs a JDK >= 21 (set JAVA_HOME). The default java here is $(java_major java 2>/dev/null || echo none)."
}

ensure_maven() {
  command -v mvn >/dev/null && return 0
  say "installing Maven"
  apt_install maven || die "Maven is required to build (apt-get install maven)."
}

# The bundled ffmpeg (org.bytedeco) links against libpulse; Debian's package provides it.
ensure_media_libs() {
  # Not "| grep -q": under pipefail its early exit can fail ldconfig with SIGPIPE, and a reinstall follows.
  if ldconfig -p 2>/dev/null | grep 'libpulse.so.0' >/dev/null; then return 0; fi
  say "installing libpulse0 (needed by the bundled ffmpeg)"
  apt_install libpulse0 || die "the bundled ffmpeg needs libpulse.so.0 (apt-get install libpulse0)"
}

# Browser tests drive Debian's chromium through chromedriver (Selenium).
ensure_chromium() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then return 0; fi
  say "installing chromium and chromium-driver (browser tests)"
  apt_install chromium chromium-driver || die "browser tests need chromium and chromium-driver (apt-get install chromium chromium-driver)"
}

# Third-party JavaScript clients the tests drive under Node.js (tus-js-client), pinned by
# src/test/js/package-lock.json.
ensure_test_clients() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    say "installing Node.js and npm (tests drive tus-js-client)"
    apt_install nodejs npm || die "tests need Node.js and npm (apt-get install nodejs npm)"
  fi
  # Any client missing (a checkout that predates one of them) runs npm ci again.
  if [ ! -d src/test/js/node_modules/tus-js-client ] || [ ! -d src/test/js/node_modules/shaka-player ] \
      || [ ! -d src/test/js/node_modules/dashjs ]; then
    say "installing the test's JavaScript clients (npm ci in src/test/js)"
    (cd src/test/js && npm ci --no-audit --no-fund >/dev/null) || die "npm ci in src/test/js failed (tus-js-client, shaka-player and dashjs are needed by TusJsClientTest and DashPlayersTest)"
  fi
}

pg_ready() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }

ensure_postgres() {
  pg_ready && return 0
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    say "installing PostgreSQL"
    apt_install postgresql || true
  fi
  if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
    say "starting PostgreSQL on 127.0.0.1:5432"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start >/dev/null 2>&1 || true
  fi
  local i
  for i in $(seq 1 60); do pg_ready && break; sleep 0.5; done
  pg_ready || die "PostgreSQL is required on 127.0.0.1:5432 (tests run on H2 and PostgreSQL) and could not be started."
  # Trust auth and the 'test' database, as the tests expect.
  if command -v psql >/dev/null && ! psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1; then
    su postgres -c "psql -c 'CREATE DATABASE test'" >/dev/null 2>&1 || true
  fi
}


ensure_nginx() {
  command -v nginx >/dev/null && return 0
  [ -x /usr/sbin/nginx ] && return 0
  say "installing nginx"
  apt_install nginx || die "nginx is required for cluster mode (apt-get install nginx)."
}

nginx_bin() { command -v nginx 2>/dev/null || echo /usr/sbin/nginx; }

# ---------------------------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------------------------

build() {
  ensure_java
  ensure_maven
  ensure_media_libs
  if [ -f "$JAR" ] && [ -z "$(find src pom.xml player -newer "$JAR" -type f 2>/dev/null | head -1)" ]; then
    return 0
  fi
  say "building target/vidforge.jar (first build downloads dependencies)"
  mvn -B -q -DskipTests package || die "build failed"
}

jvm() { "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:-} "$@"; }
