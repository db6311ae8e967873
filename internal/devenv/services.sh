#!/usr/bin/env bash
# services.sh makes the Postgres and Redis that KIKUNDI_DATABASE_URL and KIKUNDI_REDIS_URL
# point at available on a developer machine (or CI): it starts them when stopped, installs
# them from Debian's packages when absent and we are root, and creates the URL's role and
# database. Run again, it changes nothing and returns in well under a second.
#
#   internal/devenv/services.sh           Postgres and Redis
#   internal/devenv/services.sh --bench   also makes sure pgbench is available
#
# Only services on this machine (127.0.0.1, ::1, localhost) are started or installed; for
# any other host it only checks. Query parameters such as ?host= inside the URL are passed
# to psql as they are but not interpreted here.

# Not -e: every failure below is handled where it happens, with a message that says what to do.
set -uo pipefail

DEFAULT_DATABASE_URL='postgres://postgres@127.0.0.1:5432/kikundi?sslmode=disable'
DEFAULT_REDIS_URL='redis://127.0.0.1:6379/0'
PG_WAIT_SECONDS=30
REDIS_WAIT_SECONDS=10
APT_LOG=/tmp/kikundi-apt.log
REDIS_LOG=/tmp/kikundi-redis.log

say() { printf '%s\n' "$*"; }
fail() {
	printf '%s\n' "$*" >&2
	exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }
is_root() { [ "$(id -u)" -eq 0 ]; }
can_apt() { is_root && have apt-get; }

# What a user who is not root should do to install packages.
apt_hint() {
	if have apt-get; then
		say "run: sudo apt-get install -y $*"
	else
		say "install $* with your system's package manager"
	fi
}

urldecode() { printf '%b' "${1//%/\\x}"; }

# first_line TEXT: psql's first error line without its "psql: error: " prefix.
first_line() { head -n 1 <<<"$1" | sed -E 's/^psql: (error: )?//'; }

is_local_host() {
	case $1 in
	'' | localhost | 127.* | ::1) return 0 ;;
	*) return 1 ;;
	esac
}

# split_authority AUTHORITY sets U_USERINFO, U_HOSTPORT, U_HOST and U_PORT (empty when absent).
split_authority() {
	local authority=$1
	U_USERINFO='' U_HOSTPORT=$authority U_PORT=''
	if [[ $authority == *@* ]]; then
		U_USERINFO=${authority%@*}
		U_HOSTPORT=${authority##*@}
	fi
	if [[ $U_HOSTPORT == \[* ]]; then # [IPv6]:port
		U_HOST=${U_HOSTPORT#\[}
		U_HOST=${U_HOST%%]*}
		local after=${U_HOSTPORT#*]}
		U_PORT=${after#:}
	else
		U_HOST=${U_HOSTPORT%%:*}
		[[ $U_HOSTPORT == *:* ]] && U_PORT=${U_HOSTPORT##*:}
	fi
}

# ---------------------------------------------------------------------------- apt-get

APT_UPDATED=0
# apt_install WHAT PACKAGE... installs packages quietly, logging to $APT_LOG.
apt_install() {
	local what=$1
	shift
	say "$what: installing $* with apt-get (log: $APT_LOG)"
	if [ "$APT_UPDATED" -eq 0 ]; then
		if ! apt-get update >>"$APT_LOG" 2>&1 </dev/null; then
			tail -n 5 "$APT_LOG" >&2
			fail "$what: 'apt-get update' failed; see $APT_LOG"
		fi
		APT_UPDATED=1
	fi
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" \
		>>"$APT_LOG" 2>&1 </dev/null; then
		tail -n 5 "$APT_LOG" >&2
		fail "$what: 'apt-get install -y $*' failed; see $APT_LOG"
	fi
}

# ---------------------------------------------------------------------------- Postgres

parse_database_url() {
	local url=$1 rest
	case $url in
	postgres://* | postgresql://*) ;;
	*) fail "postgres: KIKUNDI_DATABASE_URL must look like $DEFAULT_DATABASE_URL (got a value not starting with postgres://)" ;;
	esac
	PG_SCHEME=${url%%://*}
	rest=${url#*://}
	PG_QUERY=''
	if [[ $rest == *\?* ]]; then
		PG_QUERY="?${rest#*\?}"
		rest=${rest%%\?*}
	fi
	PG_DB=''
	[[ $rest == */* ]] && PG_DB=$(urldecode "${rest#*/}")
	split_authority "${rest%%/*}"
	PG_USERINFO=$U_USERINFO
	PG_HOSTPORT=$U_HOSTPORT
	PG_HOST=${U_HOST:-localhost}
	PG_PORT=${U_PORT:-5432}
	PG_USER=$(urldecode "${U_USERINFO%%:*}")
	# libpq's defaults: the user is PGUSER or the OS user, the database is named after the user.
	[ -n "$PG_USER" ] || PG_USER=${PGUSER:-$(id -un)}
	[ -n "$PG_DB" ] || PG_DB=$PG_USER
	[[ $PG_PORT =~ ^[0-9]+$ ]] || fail "postgres: the port in KIKUNDI_DATABASE_URL is not a number: $PG_PORT"
	local at=''
	[ -n "$PG_USERINFO" ] && at="$PG_USERINFO@"
	# The same server and credentials, but the maintenance database every cluster has.
	PG_ADMIN_URL="$PG_SCHEME://$at$PG_HOSTPORT/postgres$PG_QUERY"
	PG_WHERE="$PG_HOST:$PG_PORT"
	[[ $PG_HOST == *:* ]] && PG_WHERE="[$PG_HOST]:$PG_PORT"
}

# pg_run URL SQL: runs SQL (which may use psql variables :'user' :"user" :'db' :"db") as the
# URL's user; prints the result, and psql's errors on stderr. Never prompts for a password.
pg_run() {
	LC_ALL=C PGCONNECT_TIMEOUT=5 psql -X -w -q -A -t -v ON_ERROR_STOP=1 \
		-v user="$PG_USER" -v db="$PG_DB" -d "$1" <<<"$2"
}

# as_postgres CMD...: runs a command as the postgres OS user (root only).
as_postgres() {
	if have runuser; then
		runuser -u postgres -- "$@"
	else
		su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
	fi
}

# pg_superuser SQL: runs SQL as the postgres superuser over the local socket (root only).
pg_superuser() {
	(cd / && LC_ALL=C as_postgres psql -X -q -A -t -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres \
		-v user="$PG_USER" -v db="$PG_DB" <<<"$1")
}

pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1; }

pg_server_installed() {
	have pg_lsclusters && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

# The cluster (VERSION NAME STATUS OWNER) listening on $PG_PORT, if any.
pg_cluster_on_port() {
	have pg_lsclusters || return 0
	pg_lsclusters -h 2>/dev/null | awk -v port="$PG_PORT" '$3 == port { print $1, $2, $4, $5; exit }'
}

PG_FRESH=0 # this run installed Postgres or created its cluster: its auth may be rewritten
PG_STATE=ok

pg_install() {
	if ! have apt-get; then
		fail "postgres: nothing answers at $PG_WHERE, and without Debian's PostgreSQL packages (apt-get) this script cannot install or start one; start PostgreSQL 15 or later there, or set KIKUNDI_DATABASE_URL"
	fi
	if ! is_root; then
		fail "postgres: PostgreSQL is not installed; $(apt_hint postgresql postgresql-contrib) (then run this again)"
	fi
	apt_install postgres postgresql postgresql-contrib
	PG_FRESH=1
	PG_STATE=installed
}

# pg_create_cluster: a Debian package install normally creates VERSION/main; make one on
# $PG_PORT when there is none at all.
pg_create_cluster() {
	local version name=main
	version=$(find /usr/lib/postgresql -maxdepth 1 -mindepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n 1)
	[ -n "$version" ] || fail "postgres: no PostgreSQL server found under /usr/lib/postgresql"
	if ! is_root; then
		fail "postgres: PostgreSQL $version is installed but has no cluster; create one with: sudo pg_createcluster --port $PG_PORT $version main"
	fi
	[ -d "/etc/postgresql/$version/main" ] && name=kikundi
	say "postgres: creating cluster $version/$name on port $PG_PORT"
	pg_createcluster --port "$PG_PORT" "$version" "$name" >>"$APT_LOG" 2>&1 ||
		fail "postgres: 'pg_createcluster --port $PG_PORT $version $name' failed; see $APT_LOG"
	PG_FRESH=1
}

pg_start_cluster() {
	local version=$1 name=$2 owner=$3 out
	local cmd="pg_ctlcluster --skip-systemctl-redirect $version $name start"
	if ! is_root && [ "$(id -un)" != "$owner" ]; then
		fail "postgres: cluster $version/$name is stopped; start it with: sudo $cmd"
	fi
	say "postgres: starting cluster $version/$name"
	if ! out=$(pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start 2>&1); then
		# "already running" is fine: the wait below decides.
		if ! grep -qi 'already running' <<<"$out"; then
			printf '%s\n' "$out" | tail -n 3 >&2
			fail "postgres: '$cmd' failed; see /var/log/postgresql/postgresql-$version-$name.log"
		fi
	fi
	[ "$PG_STATE" = ok ] && PG_STATE=started
}

pg_wait() {
	local deadline=$((SECONDS + PG_WAIT_SECONDS))
	until pg_ready; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			fail "postgres: $PG_WHERE did not accept connections within ${PG_WAIT_SECONDS}s; see /var/log/postgresql/"
		fi
		sleep 0.2
	done
}

# Makes something answer at $PG_HOST:$PG_PORT.
pg_bring_up() {
	local rc
	pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1
	rc=$?
	# 0: accepting connections; 1: rejecting them while starting up, so wait the usual time.
	case $rc in
	0) return 0 ;;
	1)
		pg_wait
		return 0
		;;
	esac
	if ! is_local_host "$PG_HOST"; then
		fail "postgres: nothing answers at $PG_WHERE; start that server, or set KIKUNDI_DATABASE_URL to one that runs"
	fi
	pg_server_installed || pg_install
	local cluster
	cluster=$(pg_cluster_on_port)
	if [ -z "$cluster" ]; then
		if [ -n "$(pg_lsclusters -h 2>/dev/null)" ]; then
			fail "postgres: no PostgreSQL cluster uses port $PG_PORT (existing: $(pg_lsclusters -h | awk '{ printf "%s%s/%s on %s", sep, $1, $2, $3; sep = ", " }')); set KIKUNDI_DATABASE_URL to one of those ports"
		fi
		pg_create_cluster
		cluster=$(pg_cluster_on_port)
		[ -n "$cluster" ] || fail "postgres: created a cluster, but pg_lsclusters shows none on port $PG_PORT"
	fi
	local version name status owner
	read -r version name status owner <<<"$cluster"
	if [ "$status" = online ]; then
		fail "postgres: cluster $version/$name is running but does not answer at $PG_WHERE; check listen_addresses in /etc/postgresql/$version/$name/postgresql.conf, or use 127.0.0.1 in KIKUNDI_DATABASE_URL"
	fi
	pg_start_cluster "$version" "$name" "$owner"
	pg_wait
}

is_auth_error() { grep -Eqi 'authentication failed|no password supplied|no pg_hba.conf entry' <<<"$1"; }

pg_enable_loopback_trust() {
	local hba tmp
	hba=$(pg_superuser 'show hba_file') || fail "postgres: could not find pg_hba.conf (as the postgres OS user)"
	if ! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba" ||
		! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+::1/128[[:space:]]+trust' "$hba"; then
		tmp=$(mktemp) || fail "postgres: mktemp failed"
		{
			say '# Added by Kikundi internal/devenv/services.sh: trust loopback connections (development only).'
			say 'host all all 127.0.0.1/32 trust'
			say 'host all all ::1/128 trust'
			cat "$hba"
		} >"$tmp"
		# Rewrite in place so the file keeps its owner and mode.
		cat "$tmp" >"$hba" || fail "postgres: could not write $hba"
		rm -f "$tmp"
	fi
	pg_superuser 'select pg_reload_conf()' >/dev/null || fail "postgres: could not reload the configuration"
	say "postgres: NOTICE: enabled trust authentication for loopback connections in $hba (development only)"
}

# Makes the URL's user able to log in, creating the role when it is missing.
pg_ensure_role() {
	local _ err
	for _ in 1 2 3; do
		err=$(pg_run "$PG_ADMIN_URL" 'select 1' 2>&1 >/dev/null) && return 0
		if grep -q "role \".*\" does not exist" <<<"$err"; then
			if ! is_root; then
				fail "postgres: role \"$PG_USER\" does not exist; create it with: sudo -u postgres createuser --superuser '$PG_USER'"
			fi
			pg_superuser 'CREATE ROLE :"user" LOGIN SUPERUSER' >/dev/null ||
				fail "postgres: could not create role \"$PG_USER\""
			say "postgres: created role $PG_USER (superuser: tests create and drop databases)"
		elif is_auth_error "$err"; then
			if [ "$PG_FRESH" -eq 1 ] && is_root; then
				pg_enable_loopback_trust
			else
				fail "postgres: $PG_WHERE refused user \"$PG_USER\" ($(first_line "$err")). Put the password in KIKUNDI_DATABASE_URL (postgres://USER:PASSWORD@$PG_HOSTPORT/$PG_DB), or for a development server add 'host all all 127.0.0.1/32 trust' at the top of pg_hba.conf and reload"
			fi
		else
			fail "postgres: cannot connect to $PG_WHERE as \"$PG_USER\": $(first_line "$err")"
		fi
	done
	fail "postgres: cannot connect to $PG_WHERE as \"$PG_USER\": $(first_line "$err")"
}

pg_ensure_database() {
	local exists err
	exists=$(pg_run "$PG_ADMIN_URL" "select count(*) from pg_database where datname = :'db'" 2>&1) ||
		fail "postgres: cannot list databases: $(first_line "$exists")"
	[ "$exists" = 1 ] && return 0
	if ! err=$(pg_run "$PG_ADMIN_URL" 'CREATE DATABASE :"db"' 2>&1 >/dev/null); then
		if grep -qi 'permission denied' <<<"$err" && is_root; then
			pg_superuser 'CREATE DATABASE :"db" OWNER :"user"' >/dev/null ||
				fail "postgres: could not create database \"$PG_DB\""
		elif grep -qi 'permission denied' <<<"$err"; then
			fail "postgres: role \"$PG_USER\" may not create databases; run: sudo -u postgres createdb -O '$PG_USER' '$PG_DB'"
		else
			fail "postgres: could not create database \"$PG_DB\": $(first_line "$err")"
		fi
	fi
	say "postgres: created database $PG_DB"
}

ensure_postgres() {
	parse_database_url "${KIKUNDI_DATABASE_URL:-$DEFAULT_DATABASE_URL}"
	local url=${KIKUNDI_DATABASE_URL:-$DEFAULT_DATABASE_URL}

	if ! have psql || ! have pg_isready; then
		if is_local_host "$PG_HOST" && can_apt; then
			pg_install
		else
			fail "postgres: psql and pg_isready are not installed; $(apt_hint postgresql postgresql-contrib)"
		fi
	fi

	# Fast path: the database is there and we may log in.
	if pg_run "$url" 'select 1' >/dev/null 2>&1; then
		say "postgres: ok ($PG_WHERE, database $PG_DB)"
		return 0
	fi
	pg_bring_up
	pg_ensure_role
	pg_ensure_database
	local err
	err=$(pg_run "$url" 'select 1' 2>&1 >/dev/null) ||
		fail "postgres: still cannot connect with KIKUNDI_DATABASE_URL: $(first_line "$err")"
	say "postgres: $PG_STATE ($PG_WHERE, database $PG_DB)"
}

# ---------------------------------------------------------------------------- Redis

parse_redis_url() {
	local url=$1 rest
	case $url in
	redis://* | rediss://*) ;;
	*) fail "redis: KIKUNDI_REDIS_URL must look like $DEFAULT_REDIS_URL" ;;
	esac
	rest=${url#*://}
	rest=${rest%%\?*}
	split_authority "${rest%%/*}"
	REDIS_HOST=${U_HOST:-127.0.0.1}
	REDIS_PORT=${U_PORT:-6379}
	REDIS_PASSWORD=''
	[[ $U_USERINFO == *:* ]] && REDIS_PASSWORD=$(urldecode "${U_USERINFO#*:}")
	[[ $REDIS_PORT =~ ^[0-9]+$ ]] || fail "redis: the port in KIKUNDI_REDIS_URL is not a number: $REDIS_PORT"
	REDIS_WHERE="$REDIS_HOST:$REDIS_PORT"
	[[ $REDIS_HOST == *:* ]] && REDIS_WHERE="[$REDIS_HOST]:$REDIS_PORT"
}

# redis_ping prints what the server answered to PING (empty when nothing answers).
redis_ping() {
	if have redis-cli; then
		if [ -z "$REDIS_PASSWORD" ]; then
			timeout 3 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null
			return 0
		fi
		# redis-cli reports a refused AUTH on stderr and pings anyway; the app would fail.
		local out
		out=$(REDISCLI_AUTH=$REDIS_PASSWORD timeout 3 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>&1)
		grep -m 1 '^AUTH failed' <<<"$out" || grep -v -e '^Could not connect' -e '^Error' <<<"$out"
		return 0
	fi
	# No redis-cli: speak the protocol over bash's /dev/tcp.
	local reply=''
	(
		exec 3<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT" || exit 0
		[ -n "$REDIS_PASSWORD" ] && printf 'AUTH %s\r\n' "$REDIS_PASSWORD" >&3 && IFS= read -r -t 2 reply <&3
		printf 'PING\r\n' >&3
		IFS= read -r -t 2 reply <&3
		printf '%s\n' "${reply#+}" | tr -d '\r'
	) 2>/dev/null
}

redis_start() {
	redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" \
		--save "" --appendonly no --dir /tmp --logfile "$REDIS_LOG" >/dev/null 2>&1 ||
		fail "redis: redis-server did not start on port $REDIS_PORT; see $REDIS_LOG"
}

ensure_redis() {
	parse_redis_url "${KIKUNDI_REDIS_URL:-$DEFAULT_REDIS_URL}"
	local reply state=started
	reply=$(redis_ping)
	case $reply in
	PONG)
		say "redis: ok ($REDIS_WHERE)"
		return 0
		;;
	*NOAUTH* | *WRONGPASS* | *'AUTH failed'* | *'invalid password'* | *'invalid username'*)
		fail "redis: $REDIS_WHERE refused the credentials in KIKUNDI_REDIS_URL ($reply); put the right password in it: redis://:PASSWORD@$REDIS_WHERE/0"
		;;
	?*)
		fail "redis: $REDIS_WHERE answered PING with \"$reply\""
		;;
	esac
	if ! is_local_host "$REDIS_HOST"; then
		fail "redis: nothing answers at $REDIS_WHERE; start that server, or set KIKUNDI_REDIS_URL to one that runs"
	fi
	if ! have redis-server; then
		if ! have apt-get; then
			fail "redis: redis-server is not installed and there is no apt-get; install Redis 6.2 or later, start it on $REDIS_WHERE, or set KIKUNDI_REDIS_URL"
		fi
		if ! is_root; then
			fail "redis: redis-server is not installed; $(apt_hint redis-server redis-tools) (then run this again)"
		fi
		apt_install redis redis-server redis-tools
		state=installed
	fi
	# A package install may have started it already.
	[ "$(redis_ping)" = PONG ] || redis_start
	local deadline=$((SECONDS + REDIS_WAIT_SECONDS))
	until [ "$(redis_ping)" = PONG ]; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			fail "redis: $REDIS_WHERE did not answer PING within ${REDIS_WAIT_SECONDS}s; see $REDIS_LOG"
		fi
		sleep 0.1
	done
	say "redis: $state ($REDIS_WHERE)"
}

# ---------------------------------------------------------------------------- pgbench

ensure_pgbench() {
	local path
	# /usr/bin/pgbench on Debian is a wrapper that fails when no server package provides it.
	if have pgbench && pgbench --version >/dev/null 2>&1; then
		say "pgbench: $(command -v pgbench)"
		return 0
	fi
	path=$(compgen -G '/usr/lib/postgresql/*/bin/pgbench' | sort -V | tail -n 1)
	if [ -z "$path" ]; then
		if ! can_apt; then
			fail "pgbench: not found; $(apt_hint postgresql-contrib)"
		fi
		apt_install pgbench postgresql-contrib
		if have pgbench && pgbench --version >/dev/null 2>&1; then
			say "pgbench: $(command -v pgbench)"
			return 0
		fi
		path=$(compgen -G '/usr/lib/postgresql/*/bin/pgbench' | sort -V | tail -n 1)
		[ -n "$path" ] || fail "pgbench: still not found after installing postgresql-contrib"
	fi
	say "pgbench: $path (not on PATH; add $(dirname "$path") to PATH, as make bench-ledger does)"
}

# ---------------------------------------------------------------------------- main

main() {
	local bench=0 arg
	for arg in "$@"; do
		case $arg in
		--bench) bench=1 ;;
		-h | --help)
			sed -n '2,12s/^# \{0,1\}//p' "$0"
			return 0
			;;
		*) fail "services.sh: unknown argument '$arg' (known: --bench)" ;;
		esac
	done
	ensure_postgres
	ensure_redis
	[ "$bench" -eq 0 ] || ensure_pgbench
}

main "$@"
