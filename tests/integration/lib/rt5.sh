# shellcheck shell=bash
#
# rt5.sh: start a private Request Tracker 5 (Debian's packages) on a free
# loopback port, for integration tests and `ricochet dev`. Source it:
#
#     . tests/integration/lib/rt5.sh
#     rt5_install_if_missing || exit 1
#     trap rt5_stop EXIT
#     rt5_start "$(mktemp -d)" || exit 1
#     curl -u "$RT5_USER:$RT5_PASSWORD" "$RT5_URL/REST/2.0/queues/all"
#     rt5_stop
#
# What was found on Debian 12 (request-tracker5 5.0.3+dfsg-3~deb12u6) and
# why the harness works the way it does:
#
# - RT reads RT_Config.pm (defaults) from /usr/share/request-tracker5/etc and
#   the site config from $RT::LocalEtcPath = /etc/request-tracker5:
#   RT_SiteConfig.pm plus RT_SiteConfig.d/*.pm. RT::Config::LoadConfig lets
#   two environment variables replace both: RT_SITE_CONFIG (the site file)
#   and RT_SITE_CONFIG_DIR (replaces BOTH the /usr/share/.../RT_SiteConfig.d
#   and the /etc/.../RT_SiteConfig.d snippet directories). Pointing them at
#   a temporary directory means none of Debian's snippets are read: not
#   50-debconf.pm (which sets $WebPath "/rt"), not 51-dbconfig-common.pm
#   (which points at the dbconfig database) and not 60-logging.pm (syslog).
# - dbconfig-common created a system database at
#   /var/lib/dbconfig-common/sqlite3/request-tracker5/rtdb when the packages
#   were installed (mode 0660 root:www-data). The harness never opens it:
#   its own site config names a SQLite file in the temporary directory, and
#   `rt-setup-database --action init --skip-create` fills that file with the
#   schema and initial data (root/password, queue "General") in about 2 s.
#   A fresh database per run also means no state leaks between test runs.
# - Paths compiled into RT::Generated ($RT::MasonDataDir under
#   /var/cache/request-tracker5, $RT::MasonSessionDir, $RT::VarPath under
#   /var/lib/request-tracker5) are plain package variables; the site config
#   is evaluated after RT::Generated is loaded, so assigning them there moves
#   every file RT writes into the temporary directory. The server can then
#   run as any user.
# - rt-server (libexec) is a Plack runner; with --port and --host it serves
#   on 127.0.0.1 only, REST2 at /REST/2.0/ (REST2 is core in RT 5). Without
#   --server it uses Starlet, a pre-forking server (10 workers by default;
#   --max-workers lowers that). Run as root it installs a SIGINT handler
#   that chowns /var/lib/request-tracker5 to www-data, so rt5_stop sends
#   SIGTERM to the process group instead.
# - It also runs as an unprivileged user (tried as "nobody").
# - Basic auth works for REST2 out of the box (root/password from the
#   initial data). A wrong password gives 401 {"message":"Unauthorized"}.
#
# Timings on the 2-core development machine: rt-setup-database 1.6-2.2 s
# and rt-server until REST2 answers 1.6-1.7 s when the machine is idle, so
# rt5_start takes ~3.3 s; with other builds running (load ~2.7) it was
# 5 s + 2.7-3.6 s. Each start prints its own numbers. rt5_stop takes ~0.4 s.
# Installing the packages on a fresh Debian 12 was not measured here (they
# were preinstalled); the design brief says "a few minutes".
#
# Environment (all optional):
#   RT5_START_TIMEOUT  seconds to wait for REST2 to answer (default 90)
#   RT5_WORKERS        Starlet worker processes (default 2)
# Exported by rt5_start: RT5_URL, RT5_PID, RT5_DIR, RT5_USER, RT5_PASSWORD,
# RT5_LOG.

RT5_SERVER=${RT5_SERVER:-/usr/share/request-tracker5/libexec/rt-server}
RT5_SETUP_DB=${RT5_SETUP_DB:-/usr/sbin/rt-setup-database}

_rt5_have() {
    [ -x "$RT5_SERVER" ] && [ -x "$RT5_SETUP_DB" ] && command -v curl >/dev/null 2>&1 &&
        perl -MDBD::SQLite -e 1 >/dev/null 2>&1
}

# Install RT 5 with the SQLite backend and the standalone server when they
# are missing. Needs root (or password-less sudo). Returns non-zero with a
# message when it cannot.
rt5_install_if_missing() {
    local sudo="" t0 pkgs="request-tracker5 rt5-db-sqlite rt5-standalone curl"
    _rt5_have && return 0
    if [ "$(id -u)" != 0 ]; then
        if sudo -n true 2>/dev/null; then
            sudo="sudo -n"
        else
            echo "rt5: Request Tracker 5 is not installed and we are not root (install: $pkgs)" >&2
            return 1
        fi
    fi
    t0=$(date +%s)
    echo "rt5: installing $pkgs" >&2
    # shellcheck disable=SC2086
    if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs >&2; then
        echo "rt5: install failed, running apt-get update and retrying" >&2
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update >&2 || return 1
        # shellcheck disable=SC2086
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs >&2 || return 1
    fi
    echo "rt5: installed in $(($(date +%s) - t0)) s" >&2
    _rt5_have || { echo "rt5: installed, but $RT5_SERVER or DBD::SQLite is still missing" >&2; return 1; }
}

# A port nobody listens on right now. Another process may take it before
# rt-server binds, so rt5_start retries with a new port when the bind fails.
_rt5_free_port() {
    perl -MIO::Socket::INET -e '
        my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0, Proto => "tcp")
            or die "rt5: cannot bind a loopback socket: $!\n";
        print $s->sockport, "\n";'
}

_rt5_write_config() {
    local dir=$1 port=$2
    mkdir -p "$dir/RT_SiteConfig.d" "$dir/mason_data" "$dir/session_data" "$dir/var" "$dir/tmp" || return 1
    # Single-quoted Perl strings: the temporary path must not contain "'".
    cat >"$dir/RT_SiteConfig.pm" <<EOF
# Private RT 5 for ricochet's tests, written by tests/integration/lib/rt5.sh.
Set(\$rtname, 'ricochet-test');
Set(\$Organization, 'ricochet.test');
Set(\$CorrespondAddress, 'rt\@ricochet.invalid');
Set(\$CommentAddress, 'rt-comment\@ricochet.invalid');
Set(\$DatabaseType, 'SQLite');
Set(\$DatabaseName, '$dir/rtdb');
Set(\$WebDomain, '127.0.0.1');
Set(\$WebPort, $port);
Set(\$WebPath, '');
Set(\$Timezone, 'UTC');
Set(\$LogToSTDERR, 'warning');
Set(\$LogToSyslog, undef);
Set(\$LogToFile, undef);
# Never hand mail to a local MTA from a test server: "testfile" appends every
# outgoing mail (autoreplies to requestors) to a File::Temp file in \$TMPDIR,
# which rt5_start points at $dir/tmp.
Set(\$MailCommand, 'testfile');
\$RT::MasonDataDir = '$dir/mason_data';
\$RT::MasonSessionDir = '$dir/session_data';
\$RT::VarPath = '$dir/var';
1;
EOF
}

_rt5_now_ms() { date +%s%3N; }

# rt5_start DIR: initialise a database in DIR and start rt-server on a free
# loopback port. Returns 0 once GET /REST/2.0/queues/all answers 200, else
# prints the server log, stops the server and returns 1.
rt5_start() {
    local dir=$1 port pid attempt t0 t_db deadline code
    if [ -z "$dir" ]; then
        echo "rt5_start: usage: rt5_start DIR" >&2
        return 2
    fi
    if [ -n "${RT5_PID:-}" ] && kill -0 "$RT5_PID" 2>/dev/null; then
        return 0 # already running: idempotent
    fi
    case $dir in *"'"*) echo "rt5_start: directory name must not contain a quote: $dir" >&2; return 2 ;; esac
    mkdir -p "$dir" || return 1
    dir=$(cd "$dir" && pwd) || return 1
    _rt5_have || { echo "rt5_start: RT 5 is not installed (run rt5_install_if_missing)" >&2; return 1; }

    export RT_SITE_CONFIG="$dir/RT_SiteConfig.pm" RT_SITE_CONFIG_DIR="$dir/RT_SiteConfig.d"
    t0=$(_rt5_now_ms)
    _rt5_write_config "$dir" 0 || return 1
    rm -f "$dir/rtdb"
    if ! TMPDIR="$dir/tmp" "$RT5_SETUP_DB" --action init --skip-create >"$dir/setup.log" 2>&1; then
        echo "rt5_start: rt-setup-database failed:" >&2
        cat "$dir/setup.log" >&2
        return 1
    fi
    t_db=$(_rt5_now_ms)

    for attempt in 1 2 3; do
        port=$(_rt5_free_port) || return 1
        _rt5_write_config "$dir" "$port" || return 1
        # Own process group (pgid == pid), so rt5_stop can end Starlet's
        # workers together with their parent.
        TMPDIR="$dir/tmp" perl -e 'setpgrp(0, 0); exec @ARGV or die "exec $ARGV[0]: $!\n"' -- \
            "$RT5_SERVER" --port "$port" --host 127.0.0.1 --max-workers "${RT5_WORKERS:-2}" \
            >"$dir/server.log" 2>&1 </dev/null &
        pid=$!
        export RT5_PID=$pid RT5_DIR=$dir RT5_URL="http://127.0.0.1:$port" RT5_USER=root RT5_PASSWORD=password
        export RT5_LOG="$dir/server.log"
        deadline=$(($(date +%s) + ${RT5_START_TIMEOUT:-90}))
        while :; do
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -u "$RT5_USER:$RT5_PASSWORD" \
                "$RT5_URL/REST/2.0/queues/all" 2>/dev/null) || true
            if [ "$code" = 200 ]; then
                echo "rt5: RT 5 at $RT5_URL (pid $pid): database $((t_db - t0)) ms," \
                    "server $(($(_rt5_now_ms) - t_db)) ms" >&2
                return 0
            fi
            if ! kill -0 "$pid" 2>/dev/null; then
                wait "$pid" 2>/dev/null || true
                break
            fi
            if [ "$(date +%s)" -ge "$deadline" ]; then
                echo "rt5_start: REST2 did not answer within ${RT5_START_TIMEOUT:-90} s (last status $code)" >&2
                break
            fi
            sleep 0.2
        done
        # Lost the port to someone else: try another one.
        if ! kill -0 "$pid" 2>/dev/null && grep -q "couldn't start up a web server" "$dir/server.log"; then
            echo "rt5_start: port $port was taken, retrying ($attempt)" >&2
            unset RT5_PID
            continue
        fi
        break
    done
    echo "rt5_start: RT 5 failed to start; server log $dir/server.log:" >&2
    cat "$dir/server.log" >&2
    rt5_stop
    return 1
}

# Whether any live (non-zombie) process is in process group $1. kill -0
# cannot tell: it succeeds on a zombie leader nobody has reaped yet.
_rt5_group_alive() {
    local pgid=$1 f line rest
    for f in /proc/[0-9]*/stat; do
        read -r line <"$f" 2>/dev/null || continue
        rest=${line##*) } # skip "pid (comm) ", comm may contain spaces
        # shellcheck disable=SC2086
        set -- $rest
        [ "$3" = "$pgid" ] && [ "$1" != Z ] && return 0
    done
    return 1
}

# Stop the server started by rt5_start: SIGTERM to its process group (the
# parent and Starlet's workers), SIGKILL after 5 s. Safe to call any number
# of times, with or without a running server, and from an EXIT trap under
# "set -e".
rt5_stop() {
    local pid=${RT5_PID:-}
    [ -n "$pid" ] || return 0
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        _rt5_group_alive "$pid" || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset RT5_PID RT5_URL
    return 0
}
