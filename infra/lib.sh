# Shared shell helpers for run-local.sh and test.sh.

# Fails with a clear message when a TCP port on 127.0.0.1 is taken. It probes the way the servers
# bind (tokio's and std's TcpListener, and moto's HTTP server, set SO_REUSEADDR on Linux): a
# listener on the port fails the probe, connections of a previous run left in TIME_WAIT do not.
require_free_port() {
  local port=$1 what=$2
  if ! python3 - "$port" <<'PY'
import socket, sys
s = socket.socket()
try:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
  then
    echo "error: port $port (for $what) is already in use on 127.0.0.1." >&2
    echo "       stop whatever listens there, or choose another port (see README: configuration)." >&2
    exit 1
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Starts moto on 127.0.0.1:$1 in the background; sets MOTO_PID; waits until it answers.
start_moto() {
  local port=$1 log=$2
  moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$MOTO_PID" 2>/dev/null; then
      echo "error: the emulator (moto_server) exited; its log:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "error: the emulator did not answer on port $port within 20 s" >&2
  exit 1
}

# Asks the emulator to stop, and kills it after 5 s: after TERM, moto exits through Python's
# finalisation, which freeing the gigabytes of a whole test run's tables stretched to minutes
# (the shell sat in `wait`, CI would have hung until its time limit).
stop_moto() {
  if [ -n "${MOTO_PID:-}" ] && kill -0 "$MOTO_PID" 2>/dev/null; then
    kill "$MOTO_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$MOTO_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
  fi
}

# Dummy credentials: the emulator accepts any, and no real AWS account is ever touched.
export_emulator_env() {
  export AWS_ENDPOINT_URL="http://127.0.0.1:$1"
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=ap-southeast-3
  export AWS_DEFAULT_REGION=ap-southeast-3
  unset AWS_PROFILE AWS_SESSION_TOKEN
}

# Starts the built local stack (target/debug/local-stack, or $CARGO_TARGET_DIR's) on
# 127.0.0.1:$1 in the background, against the emulator exported by export_emulator_env; sets
# LOCAL_STACK_PID; waits until its token route answers (it provisions the template's resources
# first). Used by the checks that drive the stack over HTTP (contract, browser tests).
start_local_stack() {
  local port=$1 log=$2 bin=${CARGO_TARGET_DIR:-target}/debug/local-stack
  LOCAL_LISTEN="127.0.0.1:$port" "$bin" >"$log" 2>&1 &
  LOCAL_STACK_PID=$!
  for _ in $(seq 1 300); do
    if curl -fsS "http://127.0.0.1:$port/_local/token?sub=probe&groups=petugas&kecamatan=*" >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$LOCAL_STACK_PID" 2>/dev/null; then
      echo "error: the local stack exited; its log:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "error: the local stack did not answer on port $port within 60 s" >&2
  exit 1
}

stop_local_stack() {
  if [ -n "${LOCAL_STACK_PID:-}" ] && kill -0 "$LOCAL_STACK_PID" 2>/dev/null; then
    kill "$LOCAL_STACK_PID" 2>/dev/null || true
    wait "$LOCAL_STACK_PID" 2>/dev/null || true
  fi
}
