# Helpers of the capture scripts (scripts/capture-*.sh) that run coturn on loopback inside a
# private network namespace: source it, then call the functions. Nothing here leaves `lo`.

# capture_cert DIR: a self-signed certificate (DIR/cert.pem) and its key (DIR/key.pem) for
# coturn's TLS/DTLS listeners, made for this run.
capture_cert() {
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=turn.msstun.test \
        -keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null
}

# capture_turnserver DIR ARGS...: coturn in the foreground on 127.0.0.1 with DIR's
# certificate, long-term credentials alice:wonderland in realm example.org, loopback peers
# allowed, logging to stdout; ARGS add the listeners, relay ports, pid file and database.
capture_turnserver() {
    local dir=$1
    shift
    turnserver -n --no-cli --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 \
        --cert="$dir/cert.pem" --pkey="$dir/key.pem" \
        --lt-cred-mech --user=alice:wonderland --realm=example.org \
        --allow-loopback-peers --log-file=stdout --simple-log "$@"
}
