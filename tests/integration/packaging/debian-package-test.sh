#!/bin/bash
# DebianPackageTest: the Debian packages end to end, as an administrator meets them. Builds
# eventbusd and libeventbus-sdk-dev from a copy of the source tree, checks them with lintian,
# installs them, checks the installed tree, the unit and the SDK, runs the installed daemon as
# user eventbus (confined as the unit confines it) against a fake EventGate, delivers one event,
# stops it, purges both packages and checks that nothing is left behind.
#
# It installs packages system-wide, so it needs root; it skips (exit 77) without root or the
# Debian packaging tools, except on CI (CI=true), where a skip would hide a broken package.
set -uo pipefail

SKIP=77
here="$(cd "$(dirname "$0")" && pwd)"
source_dir="${EVENTBUS_SOURCE_DIR:-$(cd "$here/../../.." && pwd)}"
build_dir="${EVENTBUS_BUILD_DIR:-}"

failures=0
checks=0
pass() { checks=$((checks + 1)); echo "ok - $*"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL - $*"; }
check() { # check "description" command...
    local what="$1"; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
fatal() { echo "FAIL - $*"; exit 1; }
quietly() { "$@" >/dev/null 2>&1; }
skip_or_fail() {
    if [ "${CI:-}" = true ]; then fatal "$* (CI must run this test)"; fi
    echo "SKIPPED: $*"
    exit $SKIP
}
# Waits until "$@" succeeds or SECONDS have passed; no fixed sleeps.
poll() {
    local seconds="$1"; shift
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.2
    done
}

[ "$(id -u)" -eq 0 ] || skip_or_fail "needs root: it installs and purges the eventbusd packages"
for tool in dpkg-buildpackage dh lintian fakeroot adduser setpriv python3; do
    command -v "$tool" >/dev/null || skip_or_fail "$tool is not installed (scripts/setup installs it)"
done
for pkg in eventbusd libeventbus-sdk-dev; do
    if dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qv '^not-installed$'; then
        skip_or_fail "$pkg is already installed here; this test would replace it (dpkg --purge $pkg to run it)"
    fi
done

work="$(mktemp -d /tmp/eventbus-package-test.XXXXXX)"
chmod 0755 "$work" # the daemon, as eventbus, reaches the notify socket in here
user_existed=false
getent passwd eventbus >/dev/null && user_existed=true
installed=false
daemon_pid=""
helper_pids=()
dropin=/etc/eventbus/conf.d/zz-package-test.properties

cleanup() {
    [ -n "$daemon_pid" ] && kill -KILL "$daemon_pid" 2>/dev/null
    for pid in "${helper_pids[@]}"; do kill "$pid" 2>/dev/null; done
    if $installed; then dpkg --purge eventbusd libeventbus-sdk-dev >/dev/null 2>&1; fi
    rm -f "$dropin"
    rmdir /etc/eventbus/conf.d /etc/eventbus 2>/dev/null
    # The package keeps its system user on purge (Debian's custom); the test does not.
    if ! $user_existed && getent passwd eventbus >/dev/null; then
        deluser --quiet --system eventbus >/dev/null 2>&1
        getent group eventbus >/dev/null && delgroup --quiet --system eventbus >/dev/null 2>&1
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# ------------------------------------------------------------------ build
# A copy of the tree without build folders, with packaging/debian as debian/, since
# dpkg-buildpackage wants debian/ at the source root and writes beside it.
mkdir "$work/src"
tar -C "$source_dir" --exclude=./.git --exclude='./build*' --exclude='./obj-*' --exclude=./debian -cf - . |
    tar -C "$work/src" -xf - || fatal "copying the source tree"
cp -r "$source_dir/packaging/debian" "$work/src/debian"
echo "# building the packages (log: dpkg-buildpackage.log on failure)"
started=$SECONDS
if ! (cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) \
        >"$work/dpkg-buildpackage.log" 2>&1; then
    tail -n 60 "$work/dpkg-buildpackage.log"
    fatal "dpkg-buildpackage -us -uc -b"
fi
pass "dpkg-buildpackage -us -uc -b ($((SECONDS - started)) s)"
daemon_deb=$(ls "$work"/eventbusd_*.deb)
sdk_deb=$(ls "$work"/libeventbus-sdk-dev_*.deb)
check "two binary packages built" test -f "$daemon_deb" -a -f "$sdk_deb"

# ------------------------------------------------------------------ lintian
lintian --fail-on error "$work"/eventbusd_*.changes >"$work/lintian.txt" 2>&1
lintian_rc=$?
grep -v 'running with root privileges' "$work/lintian.txt" | sed 's/^/  lintian: /'
check "lintian reports no errors" test $lintian_rc -eq 0

# ------------------------------------------------------------------ install
snapshot() { # every path a package could leave, minus logs, caches and what others write
    find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
        -o -path /var/tmp -o -path /var/log -o -path /var/cache -o -path /var/lib/dpkg \
        -o -path /var/lib/apt -o -path /root -o -path /home -o -path /work -o -path "$work" \
        -o -path "$source_dir" ${build_dir:+-o -path "$build_dir"} \) -prune -o -print 2>/dev/null | sort
}
snapshot >"$work/before.txt"
echo "# installing"
installed=true
if ! dpkg -i "$daemon_deb" "$sdk_deb" >"$work/dpkg-i.log" 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -f -y -qq >>"$work/dpkg-i.log" 2>&1
fi
for pkg in eventbusd libeventbus-sdk-dev; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' $pkg)" != installed ]; then
        cat "$work/dpkg-i.log"
        fatal "$pkg is installed"
    fi
    pass "$pkg is installed"
done

# ------------------------------------------------------------------ the installed tree
check "system user eventbus with group eventbus" test "$(id -gn eventbus 2>/dev/null)" = eventbus
check "eventbus has no login shell" test "$(getent passwd eventbus | cut -d: -f7)" = /usr/sbin/nologin
owner_mode() { stat -c '%U:%G %a' "$1"; }
check "/var/lib/eventbus is eventbus:eventbus 0750" test "$(owner_mode /var/lib/eventbus)" = "eventbus:eventbus 750"
check "/etc/eventbus is root:eventbus 0750 (drop-ins may hold secrets)" \
    test "$(owner_mode /etc/eventbus)" = "root:eventbus 750"
writable_by_others=$(dpkg -L eventbusd libeventbus-sdk-dev | while read -r path; do
    [ -e "$path" ] && [ ! -L "$path" ] || continue
    if [ "$(stat -c %u "$path")" != 0 ] || [ -n "$(find "$path" -maxdepth 0 -perm /022)" ]; then echo "$path"; fi
done)
check "every packaged path is owned by root and writable by root only${writable_by_others:+: $writable_by_others}" \
    test -z "$writable_by_others"
check "/usr/sbin/eventbusd and the plugins are installed" \
    test -x /usr/sbin/eventbusd -a -f /usr/lib/eventbus/plugins/rcfeed.so
check "man pages eventbusd(8) and eventbus-spool(1)" \
    test -f /usr/share/man/man8/eventbusd.8.gz -a -f /usr/share/man/man1/eventbus-spool.1.gz
check "systemd unit installed" test -f /lib/systemd/system/eventbusd.service
config=/etc/eventbus/eventbusd.properties
check "production config: plugin_dir" grep -qx 'eventbusd.plugin_dir = /usr/lib/eventbus/plugins' $config
check "production config: state_dir" grep -qx 'eventbusd.state_dir = /var/lib/eventbus' $config
conffiles=$(dpkg-query -W -f='${Conffiles}\n' eventbusd | awk '{print $1}')
check "eventbusd.properties is a conffile" grep -qx $config <<<"$conffiles"
for dropin_file in /etc/eventbus/conf.d/*.properties; do
    name=$(basename "$dropin_file" .properties)
    check "conf.d/$name.properties is a conffile" grep -qx "$dropin_file" <<<"$conffiles"
    check "conf.d/$name.properties ships disabled" grep -qx "plugin\.$name\.enabled = false" "$dropin_file"
done
for module in /usr/lib/eventbus/plugins/*.so; do
    name=$(basename "$module" .so)
    [ -f "/etc/eventbus/conf.d/$name.properties" ] || echo "# note: plugin $name ships without a conf.d drop-in"
done

check "eventbusd --validate accepts the shipped configuration (as root)" \
    /usr/sbin/eventbusd --validate --config=$config
check "eventbusd --validate accepts the shipped configuration (as eventbus)" \
    runuser -u eventbus -- /usr/sbin/eventbusd --validate --config=$config
if command -v systemd-analyze >/dev/null; then
    # Silent, not merely exit 0: unknown keys or bad values are only warnings to systemd.
    verify_silently() { local out; out=$(SYSTEMD_UNIT_PATH="$1:" systemd-analyze verify "$1/eventbusd.service" 2>&1) && [ -z "$out" ] || { echo "$out"; false; }; }
    check "systemd-analyze verify eventbusd.service" verify_silently /lib/systemd/system
    mkdir -p "$work/units/eventbusd.service.d"
    cp /lib/systemd/system/eventbusd.service "$work/units/"
    cp /usr/share/doc/eventbusd/examples/low-port.conf "$work/units/eventbusd.service.d/"
    check "systemd-analyze verify eventbusd.service with the low-port.conf drop-in" verify_silently "$work/units"
    systemd-analyze security --offline=true /lib/systemd/system/eventbusd.service 2>/dev/null |
        grep 'Overall exposure' | sed 's/^/# /'
else
    echo "# note: systemd-analyze is not installed; the unit was not verified"
fi

# The SDK as a plugin author meets it: pkg-config, and the shipped example built against /usr.
check "pkg-config finds eventbus-sdk" pkg-config --exists eventbus-sdk
example="$work/hello-udp"
cp -r /usr/share/doc/libeventbus-sdk-dev/examples/hello-udp "$example"
if cmake -S "$example" -B "$example/build" >"$work/example.log" 2>&1 &&
        cmake --build "$example/build" -j2 >>"$work/example.log" 2>&1 &&
        ctest --test-dir "$example/build" --output-on-failure >>"$work/example.log" 2>&1; then
    pass "the SDK example builds against the installed SDK and its tests pass"
else
    tail -n 30 "$work/example.log"
    fail "the SDK example builds against the installed SDK and its tests pass"
fi

# ------------------------------------------------------------------ confinement
as_eventbus() { runuser -u eventbus -- "$@" 2>/dev/null; }
for dir in /etc/eventbus /etc/eventbus/conf.d /usr/lib/eventbus/plugins /usr/sbin /lib/systemd/system /var/lib /; do
    check "eventbus cannot write $dir" bash -c "! runuser -u eventbus -- touch '$dir/eventbus-was-here' 2>/dev/null"
done
check "eventbus can write its state directory" as_eventbus touch /var/lib/eventbus/probe
rm -f /var/lib/eventbus/probe
check "other users cannot read the drop-ins" bash -c "! runuser -u nobody -- cat /etc/eventbus/conf.d/rcfeed.properties >/dev/null 2>&1"
check "other users cannot enter the state directory" bash -c "! runuser -u nobody -- ls /var/lib/eventbus >/dev/null 2>&1"

# ------------------------------------------------------------------ run it, deliver one event
free_udp_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
python3 "$here/fake_eventgate.py" "$work/eventgate.port" "$work/bodies.jsonl" 300 &
helper_pids+=($!)
python3 "$here/notify_listener.py" "$work/notify.sock" "$work/notify.log" 300 &
helper_pids+=($!)
poll 20 test -s "$work/eventgate.port" -a -S "$work/notify.sock" || fatal "the fake EventGate did not start"
rc_port=$(free_udp_port)
cat >"$dropin" <<EOF
# DebianPackageTest: the recent-changes feed on a free port, delivered to a fake EventGate.
plugin.rcfeed.enabled = true
plugin.rcfeed.listen = 127.0.0.1:$rc_port
service.fake.url = http://127.0.0.1:$(cat "$work/eventgate.port")/v1/events
eventbusd.default_service = fake
ingress.http.listen =
admin.listen =
EOF
check "eventbusd --validate accepts the test drop-in (as eventbus)" \
    runuser -u eventbus -- /usr/sbin/eventbusd --validate --config=$config

# As eventbusd.service runs it: user eventbus, no capabilities, no new privileges, umask 077,
# the state directory as working directory, a clean environment with NOTIFY_SOCKET.
(
    cd /var/lib/eventbus && umask 0077 &&
    exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 NOTIFY_SOCKET="$work/notify.sock" \
        setpriv --reuid=eventbus --regid=eventbus --init-groups --no-new-privs --bounding-set=-all --inh-caps=-all \
        /usr/sbin/eventbusd --config=$config
) >"$work/daemon.log" 2>&1 &
daemon_pid=$!
# Type=notify: systemd, and this test, wait for READY=1.
if ! poll 30 grep -qs 'READY=1' "$work/notify.log" || ! kill -0 "$daemon_pid" 2>/dev/null; then
    cat "$work/daemon.log"
    fatal "the installed daemon did not start and send READY=1"
fi
pass "the installed daemon started and sent READY=1"
check "the daemon runs as eventbus" test "$(ps -o user= -p "$daemon_pid")" = eventbus
check "the daemon has no capabilities" grep -q '^CapEff:[[:space:]]*0*$' /proc/$daemon_pid/status

marker="PackageTest-$$-$RANDOM"
send_change() { # one $wgRCFeeds datagram whose title is $1
    python3 - "$rc_port" "$1" <<'EOF'
import json, socket, sys
change = {"id": 7, "type": "edit", "namespace": 0, "title": sys.argv[2],
          "title_url": "https://w.example/wiki/" + sys.argv[2], "comment": "", "timestamp": 1719835200,
          "user": "U", "bot": False, "server_name": "w.example"}
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(json.dumps(change).encode(), ("127.0.0.1", int(sys.argv[1])))
EOF
}
send_change "$marker"
if poll 30 grep -q "$marker" "$work/bodies.jsonl"; then
    pass "the event reached the fake EventGate"
    check "it arrived as a mediawiki/recentchange event" python3 - "$work/bodies.jsonl" "$marker" <<'EOF'
import json, sys
marker = sys.argv[2]
events = [e for line in open(sys.argv[1]) for e in json.loads(line) if e.get("title") == marker]
ok = len(events) >= 1 and all(e["$schema"].startswith("/mediawiki/recentchange/")
                              and e["meta"]["stream"] == "mediawiki.recentchange" and e["meta"].get("dt") for e in events)
sys.exit(0 if ok else 1)
EOF
else
    cat "$work/daemon.log"
    fail "the event reached the fake EventGate"
fi
# ExecReload's signal: the daemon reloads and keeps delivering.
kill -HUP "$daemon_pid"
send_change "$marker-after-reload"
check "after SIGHUP the daemon still delivers" poll 30 grep -q "$marker-after-reload" "$work/bodies.jsonl"
check "SIGHUP did not stop the daemon" kill -0 "$daemon_pid"

if [ -x /usr/bin/eventbus-spool ]; then
    check "eventbus-spool reads the installed daemon's spool (as eventbus)" \
        quietly runuser -u eventbus -- /usr/bin/eventbus-spool --config=$config stats
fi
foreign=$(find /var/lib/eventbus -mindepth 1 \( ! -user eventbus -o -perm /077 \) 2>/dev/null)
check "what the daemon wrote is its own and private (umask 077)${foreign:+: $foreign}" test -z "$foreign"

kill -TERM "$daemon_pid"
if poll 30 bash -c "! kill -0 $daemon_pid 2>/dev/null"; then
    wait "$daemon_pid"
    check "SIGTERM stops the daemon cleanly" test $? -eq 0
else
    fail "SIGTERM stops the daemon within 30 s (TimeoutStopSec)"
fi
daemon_pid=""
check "the daemon told systemd STOPPING=1" grep -q 'STOPPING=1' "$work/notify.log"

# ------------------------------------------------------------------ purge
echo "# purging"
check "dpkg --purge eventbusd libeventbus-sdk-dev" quietly dpkg --purge eventbusd libeventbus-sdk-dev
installed=false
# The administrator's own drop-in stays: purge removes what the package created, and only that.
check "purge keeps the administrator's drop-in" test -f "$dropin"
rm -f "$dropin"
rmdir /etc/eventbus/conf.d /etc/eventbus 2>/dev/null
check "no statoverride left for /etc/eventbus" bash -c "! dpkg-statoverride --list /etc/eventbus >/dev/null"
snapshot >"$work/after.txt"
left_behind=$(comm -13 "$work/before.txt" "$work/after.txt")
check "nothing is left behind${left_behind:+:$'\n'$left_behind}" test -z "$left_behind"
for path in /etc/eventbus /var/lib/eventbus /usr/lib/eventbus /usr/sbin/eventbusd /usr/include/eventbus \
        /lib/systemd/system/eventbusd.service /etc/systemd/system/multi-user.target.wants/eventbusd.service; do
    check "$path is gone" test ! -e "$path"
done
check "the system user eventbus is kept (Debian keeps system users on purge)" quietly getent passwd eventbus

echo "# $((checks - failures)) passed, $failures failed"
[ $failures -eq 0 ]
