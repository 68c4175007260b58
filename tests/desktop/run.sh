#!/bin/sh
# Desktop window test: starts Xvfb on a free display, runs relaylab-desktop on it,
# captures the screen with `import -window root` and checks the picture is not one
# flat colour. Usage: run.sh <relaylab-desktop> [screenshot.png] [link]
# Cleans up the processes it started (by their ids) on every exit path.
set -u
bin=${1:?usage: run.sh <relaylab-desktop> [screenshot.png] [link]}
shot=${2:-}
link=${3:-scenario=mx-fallback&step=49}
for tool in Xvfb import convert; do
  command -v "$tool" >/dev/null 2>&1 || { echo "FAIL desktop: $tool is not installed (scripts/bootstrap installs xvfb imagemagick)"; exit 1; }
done
work=$(mktemp -d)
[ -n "$shot" ] || shot=$work/shot.png
xvfb_pid=; app_pid=
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A free display: no lock file and no socket.
display=
n=90
while [ $n -lt 200 ]; do
  if [ ! -e /tmp/.X$n-lock ] && [ ! -e /tmp/.X11-unix/X$n ]; then display=$n; break; fi
  n=$((n + 1))
done
[ -n "$display" ] || { echo "FAIL desktop: no free X display"; exit 1; }
Xvfb :$display -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
i=0
while [ ! -e /tmp/.X11-unix/X$display ]; do
  i=$((i + 1)); [ $i -gt 100 ] && { echo "FAIL desktop: Xvfb :$display did not start"; cat "$work/xvfb.log"; exit 1; }
  kill -0 "$xvfb_pid" 2>/dev/null || { echo "FAIL desktop: Xvfb exited"; cat "$work/xvfb.log"; exit 1; }
  sleep 0.1
done
export DISPLAY=:$display

"$bin" --link "$link" >"$work/app.log" 2>&1 &
app_pid=$!
sleep 3
kill -0 "$app_pid" 2>/dev/null || { echo "FAIL desktop: relaylab-desktop exited early"; cat "$work/app.log"; exit 1; }
import -window root "$shot" || { echo "FAIL desktop: import could not capture the screen"; exit 1; }
colours=$(convert "$shot" -format '%k' info:)
echo "desktop screenshot: $colours colours"
if [ "$colours" -lt 16 ]; then
  echo "FAIL desktop: the screen is (nearly) one flat colour ($colours colours)"; cat "$work/app.log"; exit 1
fi
echo "ok   desktop window draws the simulator"
