# Sourced by run.sh: test hosts (roles.conf HOST netns:NAME) and network faults (./run.sh net ...).
#
# Layout (docs/failures.md, "Test hosts"): every test host is a network namespace of its own with one
# veth link into a "switch" namespace, where a bridge joins them. Private addresses exist only inside
# these namespaces (10.77.0.0/16); the root namespace gets none. What lives on the root namespace's
# loopback (PostgreSQL, the S3 server, the test JVM) is crossed to over UNIX sockets: a socat in the root
# namespace listens on a socket and connects to 127.0.0.1, a socat in the switch namespace listens on the
# service's address and connects to that socket. The other way round (./run.sh status, the tests, a
# browser reaching nginx) a root socat listens on 127.0.0.1:PORT and the switch side connects to the
# node from the control address. Cuts and loss are iptables rules inside the node's own namespace, so
# they hit exactly that host's paths; latency to the database and S3 is added by the switch-side relay
# (io.vidforge.tools.SlowLink), as this kernel has no sch_netem.
#
#   10.77.0.1   the database (PostgreSQL on the root's 127.0.0.1:5432)
#   10.77.0.2   the S3 server (root 127.0.0.1:S3_PORT)
#   10.77.0.9   control: ./run.sh status, the tests' direct requests; never cut, so a cut-off node
#               can still be watched
#   10.77.2.N   test host N, in the order roles.conf names them
#   10.77.3.K   front door K: nginx's own test host
#
# Everything made here is listed under RUN_DIR/net (namespaces, forwarder PIDs), so ./run.sh stop
# removes exactly that and nothing else.

NET_DB_IP=10.77.0.1
NET_S3_IP=10.77.0.2
NET_CONTROL_IP=10.77.0.9

net_dir() { echo "$RUN_DIR/net"; }

# Namespace names are global: a short tag of DATA_DIR keeps two clusters (a test's and a demo's) apart.
net_tag() { printf 'vf%s' "$(printf '%s' "$DATA_DIR" | cksum | cut -c1-5)"; }
net_switch_ns() { echo "$(net_tag)-sw"; }
net_ns_of_host() { echo "$(net_tag)-$1"; }

# host_of_id ID: the HOST column of that node in the cluster's roles.conf ("local" when absent).
host_of_id() {
  local f=$RUN_DIR/$1.host
  if [ -f "$f" ]; then cat "$f"; else echo local; fi
}

# The layout's HOST column: "ID HOST" per node, "local" when the column is absent.
hosts_of() { grep -vE '^\s*(#|$)' "$1" | awk 'NF>=3 {print $1, (NF>=4 && $4 !~ /^#/ ? $4 : "local")}'; }

check_hosts() {
  local conf=$1 id host name netns=0
  while read -r id host; do
    case "$host" in
      local) ;;
      netns:*)
        name=${host#netns:}
        [[ $name =~ ^[a-z0-9]{1,8}$ ]] || die "$conf: $id: netns host name '$name' must be 1-8 of [a-z0-9]"
        case "$name" in sw|front*) die "$conf: $id: host name '$name' is reserved";; esac
        netns=1 ;;
      ssh:*@*)
        die "$conf: $id: ssh hosts ($host) are documented (docs/failures.md, 'Hosts') but not started by this script" ;;
      *) die "$conf: $id: unknown HOST '$host' (local, netns:NAME or ssh:USER@HOST)" ;;
    esac
  done < <(hosts_of "$conf")
  if [ "$netns" = 1 ]; then
    # nginx runs on a test host of its own, so it reaches nodes only on test hosts.
    local role port
    while read -r id role port; do
      case "$role" in upload|segment|all)
        [[ $(awk -v i="$id" '$1==i {print $2}' < <(hosts_of "$conf")) == netns:* ]] \
          || die "$conf: $id ($role) must be on a netns host too: nginx runs on its own test host and reaches only those" ;;
      esac
    done < <(roles_of "$conf")
  fi
  return 0
}

uses_netns() { [ -f "$(net_dir)/hosts" ]; }

ensure_net_tools() {
  local missing=()
  command -v ip >/dev/null || missing+=(iproute2)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v socat >/dev/null || missing+=(socat)
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]} (test hosts)"
  apt_install "${missing[@]}" || die "test hosts need ${missing[*]} (apt-get install ${missing[*]})"
  [ "$(id -u)" = 0 ] || die "test hosts (netns:) need root: network namespaces are created with ip netns"
}

# Every record of what was made goes into RUN_DIR/net before the thing is made, so a failure half-way
# still leaves ./run.sh stop a complete list.
net_record_ns() { echo "$1" >>"$(net_dir)/namespaces"; }

# net_fwd NAME NS|- SOCAT-ARGS...: a forwarder, in namespace NS ("-": the root namespace), PID recorded.
net_fwd() {
  local name=$1 ns=$2; shift 2
  if [ "$ns" = - ]; then
    start_process "$(net_dir)" "fwd-$name" socat "$@"
  else
    start_process "$(net_dir)" "fwd-$name" ip netns exec "$ns" socat "$@"
  fi
}

# Waits until a UNIX socket exists (its socat listens).
net_await_socket() {
  local i
  for i in $(seq 1 100); do [ -S "$1" ] && return 0; sleep 0.05; done
  die "forwarder socket $1 did not appear"
}

# net_add_host NAME IP: a namespace with eth0 on the switch's bridge, lo up, an empty VF chain.
net_add_host() {
  local name=$1 ip=$2 sw ns veth
  sw=$(net_switch_ns); ns=$(net_ns_of_host "$name")
  veth="v-$name"
  net_record_ns "$ns"
  ip netns add "$ns"
  ip -n "$sw" link add "$veth" type veth peer name eth0 netns "$ns"
  ip -n "$sw" link set "$veth" master br0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$ip/16" dev eth0
  ip -n "$ns" link set eth0 up
  ip netns exec "$ns" iptables -w -N VF
  ip netns exec "$ns" iptables -w -I INPUT -j VF
  ip netns exec "$ns" iptables -w -I OUTPUT -j VF
  printf '%s %s %s\n' "$name" "$ns" "$ip" >>"$(net_dir)/hosts"
}

# net_host_ip NAME / net_host_ns NAME: from RUN_DIR/net/hosts.
net_host_ip() { awk -v n="$1" '$1==n {print $3}' "$(net_dir)/hosts"; }
net_host_ns() { awk -v n="$1" '$1==n {print $2}' "$(net_dir)/hosts"; }

# net_expose NAME IP PORT: ROOT 127.0.0.1:PORT reachable from the test hosts at IP:PORT. The switch side
# is io.vidforge.tools.SlowLink, a relay that holds each host's bytes back by the delay ./run.sh net
# gives it (RUN_DIR/net/delays-NAME): this kernel has no sch_netem, so latency is made in user space.
net_expose() {
  local name=$1 ip=$2 port=$3 sock
  sock="$(net_dir)/$name.sock"
  net_fwd "$name-root" - "UNIX-LISTEN:$sock,fork,unlink-early,mode=600" "TCP:127.0.0.1:$port"
  net_await_socket "$sock"
  : >"$(net_dir)/delays-$name"
  # shellcheck disable=SC1091
  ( . "$RUN_DIR/cluster.env"
    start_process "$(net_dir)" "fwd-$name-sw" ip netns exec "$(net_switch_ns)" "$JAVA_HOME/bin/java" -Xmx48m \
      -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "${VIDFORGE_CLASSPATH:-$JAR}" io.vidforge.tools.SlowLink \
      "$ip" "$port" "$sock" "$(net_dir)/delays-$name" )
  wait_for 60 "$(cat "$(net_dir)/fwd-$name-sw.pid")" log_says "$(net_dir)/fwd-$name-sw.out" "SlowLink listening" \
    || die "the relay to $name did not start (log: $(net_dir)/fwd-$name-sw.out)"
}

# net_control ID IP PORT: the node on IP:PORT reachable from the root namespace at 127.0.0.1:PORT (for
# ./run.sh status, the tests, nginx's front door), from the control address.
net_control() {
  local id=$1 ip=$2 port=$3 sock
  sock="$(net_dir)/ctl-$id.sock"
  net_fwd "ctl-$id-sw" "$(net_switch_ns)" "UNIX-LISTEN:$sock,fork,unlink-early,mode=600" "TCP:$ip:$port,bind=$NET_CONTROL_IP"
  net_await_socket "$sock"
  net_fwd "ctl-$id-root" - "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" "UNIX-CONNECT:$sock"
}

# net_up CONF: the switch, one namespace per netns host of CONF and the front door's, the forwarders to
# the database and S3, and the control path of every node on a test host.
net_up() {
  local conf=$1 sw id host name n=0 db_port s3_port
  grep -qE '^\s*[^#[:space:]]+\s+\S+\s+\S+\s+netns:' "$conf" || return 0
  ensure_net_tools
  mkdir -p "$(net_dir)"
  : >"$(net_dir)/hosts"
  sw=$(net_switch_ns)
  say "creating test hosts (network namespaces $(net_tag)-*)"
  net_record_ns "$sw"
  ip netns add "$sw"
  ip -n "$sw" link set lo up
  ip -n "$sw" link add br0 type bridge
  ip -n "$sw" link set br0 up
  ip -n "$sw" addr add "$NET_DB_IP/16" dev br0
  ip -n "$sw" addr add "$NET_S3_IP/16" dev br0
  ip -n "$sw" addr add "$NET_CONTROL_IP/16" dev br0
  local seen=" "
  while read -r id host; do
    case "$host" in netns:*) ;; *) continue ;; esac
    name=${host#netns:}
    [[ $seen == *" $name "* ]] && continue
    seen+="$name "; n=$((n + 1))
    net_add_host "$name" "10.77.2.$n"
  done < <(hosts_of "$conf")
  local k
  for k in $(seq 1 "${FRONT_DOORS:-1}"); do net_add_host "front$k" "10.77.3.$k"; done
  db_port=$(printf '%s' "${DB_URL:-jdbc:postgresql://127.0.0.1:5432/vidforge}" | sed -n 's#^jdbc:postgresql://\(127\.0\.0\.1\|localhost\):\([0-9]*\)/.*#\2#p')
  [ -n "$db_port" ] || die "test hosts need the database on this machine's loopback (DB_URL=jdbc:postgresql://127.0.0.1:PORT/DB)"
  [ -z "${S3_ENDPOINT:-}" ] || die "test hosts need the cluster's own S3 server (leave S3_ENDPOINT unset)"
  s3_port=${S3_PORT:-9000}
  net_expose db "$NET_DB_IP" "$db_port"
  net_expose s3 "$NET_S3_IP" "$s3_port"
  while read -r id host; do
    case "$host" in netns:*) ;; *) continue ;; esac
    local port; port=$(awk -v i="$id" '$1==i {print $3}' < <(roles_of "$conf"))
    net_control "$id" "$(net_host_ip "${host#netns:}")" "$port"
  done < <(hosts_of "$conf")
  # The front doors: nginx K listens on a UNIX socket in its own namespace; root 127.0.0.1:PORT+K-1.
  for k in $(seq 1 "${FRONT_DOORS:-1}"); do
    net_fwd "front$k-root" - "TCP-LISTEN:$((PORT + k - 1)),bind=127.0.0.1,reuseaddr,fork" "UNIX-CONNECT:$(net_dir)/front$k.sock"
  done
  cp "$conf" "$(net_dir)/roles.conf"
}

# The environment a node on a test host gets on top of cluster.env: its own address, the database
# and S3 at their switch addresses.
net_node_env() {
  local host=$1 ip db_url
  ip=$(net_host_ip "${host#netns:}")
  db_url=$(printf '%s' "${DB_URL:-jdbc:postgresql://127.0.0.1:5432/vidforge}" | sed "s#^jdbc:postgresql://\(127\.0\.0\.1\|localhost\):#jdbc:postgresql://$NET_DB_IP:#")
  printf 'export HOST=%q DB_URL=%q S3_ENDPOINT=%q NODE_NETNS=%q\n' "$ip" "$db_url" \
    "http://$NET_S3_IP:${S3_PORT:-9000}" "$(net_host_ns "${host#netns:}")"
}

# net_down: every forwarder and namespace this cluster made, whatever state they are in.
net_down() {
  local d; d=$(net_dir)
  [ -d "$d" ] || return 0
  local f pid
  for f in "$d"/fwd-*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f"); if alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for f in "$d"/fwd-*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f"); wait_gone "$pid" "" 5 || kill -KILL "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  if [ -f "$d/namespaces" ]; then
    local ns
    # Hosts first, the switch last (deleting a namespace deletes its end of every veth pair).
    while read -r ns; do
      [ -n "$ns" ] && ip netns del "$ns" 2>/dev/null || true
    done < <(tac "$d/namespaces")
  fi
  rm -rf "$d"
}

# ---------------------------------------------------------------------------------------------
# ./run.sh net NODE partition|heal|clear [--from db|s3|nginx|NODE]
# ./run.sh net NODE delay MS [JITTER_MS] [LOSS_PCT] [--from db|s3|nginx|NODE]
# ---------------------------------------------------------------------------------------------

# The addresses of a --from peer (several for nginx: every front door).
net_peer_ips() {
  local peer=$1 host
  case "$peer" in
    db) echo "$NET_DB_IP" ;;
    s3) echo "$NET_S3_IP" ;;
    nginx) awk '$1 ~ /^front[0-9]+$/ {print $3}' "$(net_dir)/hosts" ;;
    *)
      [ -f "$RUN_DIR/$peer.node" ] || die "--from $peer: no such node (db, s3, nginx or a node id)"
      host=$(host_of_id "$peer")
      [[ $host == netns:* ]] || die "--from $peer: $peer is not on a test host"
      net_host_ip "${host#netns:}" ;;
  esac
}

net_ipt() { ip netns exec "$NET_NS" iptables -w "$@"; }

# Drop rules for one peer address (both directions), or for every test-host address except control.
net_cut() {
  local ip
  if [ $# -eq 0 ]; then
    net_ipt -A VF -s "$NET_CONTROL_IP" -j RETURN
    net_ipt -A VF -d "$NET_CONTROL_IP" -j RETURN
    net_ipt -A VF -s "$NET_IP" -d "$NET_IP" -j RETURN
    net_ipt -A VF -s 10.77.0.0/16 -j DROP
    net_ipt -A VF -d 10.77.0.0/16 -j DROP
    return 0
  fi
  for ip in "$@"; do
    net_ipt -A VF -s "$ip" -j DROP
    net_ipt -A VF -d "$ip" -j DROP
  done
}

# Deletes every VF rule that names one of the addresses (all rules when none given).
net_uncut() {
  if [ $# -eq 0 ]; then net_ipt -F VF; return 0; fi
  local ip rule
  for ip in "$@"; do
    while read -r rule; do
      # shellcheck disable=SC2086
      [ -n "$rule" ] && net_ipt ${rule/-A VF/-D VF} 2>/dev/null || true
    done < <(net_ipt -S VF | grep -E -- "-(s|d) $ip(/32)? " || true)
  done
}

# Loss: real packets dropped at random (iptables statistic), each direction: a packet matches one rule.
# Without peers: every packet on the test network but the control path and the host's own traffic (an
# inbound relay to its node is no network path). iptables takes one -s per rule, hence RETURNs first.
net_loss() {
  local pct=$1; shift
  local p; p=$(awk -v x="$pct" 'BEGIN {printf "%.4f", x / 100}')
  local ip
  if [ $# -eq 0 ]; then
    local -a keep
    for keep in "-s $NET_IP -d $NET_IP" "-s $NET_CONTROL_IP" "-d $NET_CONTROL_IP"; do
      # shellcheck disable=SC2086
      net_ipt -C VF $keep -j RETURN 2>/dev/null || net_ipt -I VF 1 $keep -j RETURN
    done
    net_ipt -A VF -s 10.77.0.0/16 -d 10.77.0.0/16 -m statistic --mode random --probability "$p" -j DROP
    return 0
  fi
  for ip in "$@"; do
    net_ipt -A VF -s "$ip" -m statistic --mode random --probability "$p" -j DROP
    net_ipt -A VF -d "$ip" -m statistic --mode random --probability "$p" -j DROP
  done
}

# net_set_delay NAME MS JITTER: this host's line in the relay's delays file (none when MS and JITTER are 0).
net_set_delay() {
  local f; f="$(net_dir)/delays-$1"
  grep -v "^$NET_IP " "$f" >"$f.new" 2>/dev/null || true
  if [ "$2" != 0 ] || [ "$3" != 0 ]; then echo "$NET_IP $2 $3" >>"$f.new"; fi
  mv -f "$f.new" "$f"
}

# ---- Latency on paths into a node (from nginx or another test host) --------------------------------
# No sch_netem, so these paths get a relay too: a SlowLink in the node's own namespace, listening on an
# alias address (10.77.6.N on lo, for host 10.77.2.N) on the node's port and passing on to the node. A
# DNAT rule in the host's nat table (chain VFNAT) sends the node's NEW inbound connections from the
# chosen peers to it, only while a delay is set; the source address stays the peer's, so cuts and loss by
# peer (chain VF) apply as before. The relay is a JVM, started the first time a delay needs it and
# stopped by ./run.sh stop. Delays per peer in RUN_DIR/net/delays-in-ID.

net_alias_ip() { echo "10.77.6.${1##*.}"; }
net_nat() { ip netns exec "$1" iptables -w -t nat "${@:2}"; }

# Node ids on test host NAME.
net_nodes_on() {
  local f
  for f in "$RUN_DIR"/*.host; do
    [ -e "$f" ] || continue
    [ "$(cat "$f")" = "netns:$1" ] && [ -f "$RUN_DIR/$(basename "$f" .host).node" ] && basename "$f" .host
  done
  return 0
}

# Whether a node takes connections from nginx (the only connections VidForge opens between test hosts).
net_takes_inbound() { case "$(role_of "$1")" in upload|segment|all) return 0 ;; *) return 1 ;; esac; }

# net_node_addr ID: "NS IP ALIAS PORT" of a node on a test host.
net_node_addr() {
  local host port ip
  host=$(host_of_id "$1"); host=${host#netns:}
  read -r _ _ port <"$RUN_DIR/$1.node"
  ip=$(net_host_ip "$host")
  echo "$(net_host_ns "$host") $ip $(net_alias_ip "$ip") $port"
}

# net_inbound_relay ID: the node's relay (and its alias address and VFNAT chain), started once.
net_inbound_relay() {
  local id=$1 d ns ip alias port
  d=$(net_dir)
  if [ -f "$d/fwd-in-$id.pid" ] && alive "$(cat "$d/fwd-in-$id.pid")"; then return 0; fi
  read -r ns ip alias port < <(net_node_addr "$id")
  # (No "| grep -q" here: under pipefail its early exit would fail ip with SIGPIPE.)
  [ -n "$(ip -n "$ns" -o addr show dev lo to "$alias/32")" ] || ip -n "$ns" addr add "$alias/32" dev lo
  if ! net_nat "$ns" -S VFNAT >/dev/null 2>&1; then
    net_nat "$ns" -N VFNAT
    net_nat "$ns" -A PREROUTING -j VFNAT
  fi
  touch "$d/delays-in-$id"
  # shellcheck disable=SC1091
  ( . "$RUN_DIR/cluster.env"
    start_process "$d" "fwd-in-$id" ip netns exec "$ns" "$JAVA_HOME/bin/java" -Xmx48m -XX:+UseSerialGC \
      -XX:TieredStopAtLevel=1 -cp "${VIDFORGE_CLASSPATH:-$JAR}" io.vidforge.tools.SlowLink \
      "$alias" "$port" "$ip:$port" "$d/delays-in-$id" )
  wait_for 60 "$(cat "$d/fwd-in-$id.pid")" log_says "$d/fwd-in-$id.out" "SlowLink listening" \
    || die "the inbound relay of $id did not start (log: $d/fwd-in-$id.out)"
}

# net_relay_reads OUT N: the relay whose log is OUT has read its delays file more than N times (it logs
# "delays now" on every change).
net_relay_reads() {
  local n; n=$(grep -c 'delays now' "$1" 2>/dev/null || true)
  [ "${n:-0}" -gt "$2" ]
}

# net_divert ID MS JITTER PEER_IP...: the node's new connections from those peers through its relay,
# MS ± JITTER each way. Connections already open from them (nginx keeps some alive) would pass the relay
# by, so when the DNAT rule is new they are reset (ss -K): nginx drops an idle kept-alive connection that
# resets and opens a new one; a request in flight on one at that moment fails over like any connection
# error.
net_divert() {
  local id=$1 ms=$2 jitter=$3; shift 3
  local d f ns ip alias port peer n
  d=$(net_dir); f="$d/delays-in-$id"
  net_inbound_relay "$id"
  read -r ns ip alias port < <(net_node_addr "$id")
  n=$(grep -c 'delays now' "$d/fwd-in-$id.out" 2>/dev/null || true)
  cp "$f" "$d/tmp-delays"
  for peer in "$@"; do
    grep -v "^$peer " "$d/tmp-delays" >"$d/tmp-delays.1" || true
    echo "$peer $ms $jitter" >>"$d/tmp-delays.1"
    mv -f "$d/tmp-delays.1" "$d/tmp-delays"
  done
  mv -f "$d/tmp-delays" "$f"
  # The relay must hold the new delay before the first connection is diverted to it.
  wait_for 10 "" net_relay_reads "$d/fwd-in-$id.out" "${n:-0}" \
    || warn "the inbound relay of $id did not confirm its new delays (log: $d/fwd-in-$id.out)"
  for peer in "$@"; do
    local -a rule=(VFNAT -s "$peer" -d "$ip" -p tcp --dport "$port" -j DNAT --to-destination "$alias:$port")
    if ! net_nat "$ns" -C "${rule[@]}" 2>/dev/null; then
      net_nat "$ns" -A "${rule[@]}"
      ip netns exec "$ns" ss -K -tn state established src "$ip:$port" dst "$peer" >/dev/null 2>&1 || true
    fi
  done
}

# net_undivert ID [PEER_IP...]: no delay any more from those peers (all when none). The DNAT rules stay
# (until ./run.sh stop): deleting one drops the kernel's NAT state of the connections it diverted, and
# the next request nginx sends on one of them meets a reset and fails over (seen in NetworkFaultTest).
# So the relay keeps carrying them, at no delay.
net_undivert() {
  local id=$1; shift
  local d f peer
  d=$(net_dir); f="$d/delays-in-$id"
  [ -f "$f" ] || return 0
  if [ $# -eq 0 ]; then : >"$f"; return 0; fi
  cp "$f" "$d/tmp-delays"
  for peer in "$@"; do
    grep -v "^$peer " "$d/tmp-delays" >"$d/tmp-delays.1" || true
    mv -f "$d/tmp-delays.1" "$d/tmp-delays"
  done
  mv -f "$d/tmp-delays" "$f"
}

# Every address on the test network but HOST's own: front doors and test hosts (never control).
net_other_ips() { awk -v n="$1" '$1 != n {print $3}' "$(net_dir)/hosts"; }

# net_delay_inbound MS JITTER FROM: latency on the connections into the nodes of NET_HOST from FROM
# (nginx, a node id, or "" for every other host), or, when NET_HOST is a front door, on nginx's
# connections into the node FROM (every upload and segment node when "").
net_delay_inbound() {
  local ms=$1 jitter=$2 from=$3 id
  local -a ids=() peers=()
  if [[ $NET_HOST == front* ]]; then
    case "$from" in
      db|s3|nginx) die "nginx has no path to $from (its paths go to the upload and segment nodes)" ;;
      "") for id in $(ids_with_role upload segment all); do [[ $(host_of_id "$id") == netns:* ]] && ids+=("$id"); done ;;
      *) ids=("$from") ;;
    esac
    peers=("$NET_IP")
  else
    case "$from" in
      nginx) mapfile -t peers < <(net_peer_ips nginx) ;;
      "") mapfile -t peers < <(net_other_ips "$NET_HOST") ;;
      *) mapfile -t peers < <(net_peer_ips "$from") ;;
    esac
    mapfile -t ids < <(net_nodes_on "$NET_HOST")
  fi
  local any=0
  for id in "${ids[@]}"; do
    if [ "$from" = "" ] || [ "$from" = nginx ] || [[ $NET_HOST == front* ]]; then
      net_takes_inbound "$id" || continue # nothing but the control path connects to it
    fi
    any=1
    if [ "$ms" = 0 ] && [ "$jitter" = 0 ]; then net_undivert "$id" "${peers[@]}"
    else net_divert "$id" "$ms" "$jitter" "${peers[@]}"; fi
  done
  if [ "$any" = 0 ] && [ -n "$from" ]; then
    die "no node on $NET_HOST takes connections from $from (only upload and segment nodes do, from nginx)"
  fi
  return 0
}

# Latency, one way each (a round trip costs twice), made by relays (io.vidforge.tools.SlowLink): on the
# paths to the database and S3 by the switch's relays, on the paths into a node by the node's own.
net_delay() {
  local ms=$1 jitter=$2 from=$3
  case "$from" in
    db|s3) [[ $NET_HOST == front* ]] && die "nginx has no path to $from"
           net_set_delay "$from" "$ms" "$jitter" ;;
    "") if [[ $NET_HOST != front* ]]; then net_set_delay db "$ms" "$jitter"; net_set_delay s3 "$ms" "$jitter"; fi
        net_delay_inbound "$ms" "$jitter" "" ;;
    *) net_delay_inbound "$ms" "$jitter" "$from" ;;
  esac
}

# Every delay of NET_HOST: its lines in the switch's relays, the relays of its own nodes, and its address
# in every other node's relay.
net_clear_delay() {
  net_set_delay db 0 0
  net_set_delay s3 0 0
  local f id
  for f in "$(net_dir)"/delays-in-*; do
    [ -e "$f" ] || continue
    id=${f##*/delays-in-}
    if [ "$(host_of_id "$id")" = "netns:$NET_HOST" ]; then net_undivert "$id"; else net_undivert "$id" "$NET_IP"; fi
  done
}

cmd_net() {
  local node=${1:-} action=${2:-}
  [ -n "$node" ] && [ -n "$action" ] || die "usage: ./run.sh net NODE partition|heal|clear [--from db|s3|nginx|NODE] | delay MS [JITTER_MS] [LOSS_PCT] [--from ...]"
  shift 2
  uses_netns || die "no test hosts in this cluster (roles.conf HOST netns:NAME)"
  local host
  if [[ $node =~ ^front[0-9]+$ ]] || [ "$node" = nginx ]; then
    host="netns:${node/nginx/front1}"
  else
    [ -f "$RUN_DIR/$node.node" ] || die "no node $node (see ./run.sh status)"
    host=$(host_of_id "$node")
    [[ $host == netns:* ]] || die "$node is not on a test host (HOST $host): faults need netns:NAME"
  fi
  NET_HOST=${host#netns:}
  NET_NS=$(net_host_ns "$NET_HOST")
  NET_IP=$(net_host_ip "$NET_HOST")
  local -a args=() peers=()
  local from=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --from) from=${2:?--from needs db, s3, nginx or a node id}; shift 2 ;;
      *) args+=("$1"); shift ;;
    esac
  done
  if [ -n "$from" ]; then mapfile -t peers < <(net_peer_ips "$from"); fi
  case "$action" in
    partition) net_cut "${peers[@]}"; echo "$node: cut off${from:+ from $from}" ;;
    heal) net_uncut "${peers[@]}"; echo "$node: healed${from:+ from $from}" ;;
    clear) net_uncut; net_clear_delay; echo "$node: every fault cleared" ;;
    delay)
      local ms=${args[0]:-} jitter=${args[1]:-0} loss=${args[2]:-0}
      [[ $ms =~ ^[0-9]+$ && $jitter =~ ^[0-9]+$ && $loss =~ ^[0-9]+(\.[0-9]+)?$ ]] \
        || die "usage: ./run.sh net NODE delay MS [JITTER_MS] [LOSS_PCT] [--from ...]"
      net_delay "$ms" "$jitter" "$from"
      if [ "$loss" != 0 ]; then net_loss "$loss" "${peers[@]}"; fi
      echo "$node: delay ${ms} ms ± ${jitter} ms, loss ${loss} %${from:+ from $from}" ;;
    *) die "unknown net action '$action' (partition, heal, delay, clear)" ;;
  esac
}
