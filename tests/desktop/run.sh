#!/bin/sh
# Desktop window test: starts Xvfb on a free display, runs relaylab-desktop on it,
# captures the screen with `import -window root` and checks that it shows the UI: the
# theme's background over most of the screen and text spread across it. Usage: run.sh <relaylab-desktop> [screenshot.png] [link]
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
# What the UI draws (web/ui/theme.cpp, the default dark theme): window backgrounds of about
# rgb(26, 28, 33) and rgb(23, 26, 31) over the cleared rgb(28, 31, 36), with light text of
# about rgb(230, 233, 240) or white on top. A black, blank or merely cleared screen fails:
# the theme's dark blue-grey must cover most of the screen, and light text-coloured pixels
# must appear in many places across it (text in several panels, not one stray blob).
check_shot() {  # check_shot PICTURE: exit status 0 when it shows the UI
  convert "$1" -depth 8 ppm:"$work/check.ppm" || { echo "FAIL desktop: cannot convert $1"; return 1; }
  python3 - "$work/check.ppm" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
# Binary PPM: "P6" width height maxval, each separated by whitespace, then RGB bytes.
fields, pos = [], 0
while len(fields) < 4:
    while data[pos:pos + 1].isspace():
        pos += 1
    start = pos
    while not data[pos:pos + 1].isspace():
        pos += 1
    fields.append(data[start:pos])
pos += 1
assert fields[0] == b"P6" and fields[3] == b"255", fields
w, h = int(fields[1]), int(fields[2])
px = data[pos:pos + 3 * w * h]
backgrounds = [(26, 28, 33), (23, 26, 31), (28, 31, 36)]
grid = 8  # 8 x 8 tiles
background = 0
text_tiles = set()
text = 0
for y in range(0, h, 2):
    row = 3 * w * y
    for x in range(0, w, 2):
        i = row + 3 * x
        r, g, b = px[i], px[i + 1], px[i + 2]
        if any(abs(r - br) <= 6 and abs(g - bg) <= 6 and abs(b - bb) <= 6 for br, bg, bb in backgrounds):
            background += 1
        elif r >= 200 and g >= 200 and b >= 200 and max(r, g, b) - min(r, g, b) <= 30:
            text += 1
            text_tiles.add((x * grid // w, y * grid // h))
samples = ((w + 1) // 2) * ((h + 1) // 2)
share = background / samples
print("desktop screenshot: %dx%d, theme background %.0f%%, light text pixels %d in %d of %d tiles"
      % (w, h, 100 * share, text, len(text_tiles), grid * grid))
problems = []
if share < 0.5:
    problems.append("the theme's background covers only %.0f%% of the screen (want at least 50%%)" % (100 * share))
if text < 2000:
    problems.append("only %d light text-coloured pixels (want at least 2000)" % text)
if len(text_tiles) < 12:
    problems.append("text appears in only %d of %d screen tiles (want at least 12)" % (len(text_tiles), grid * grid))
for p in problems:
    print("FAIL desktop: " + p)
sys.exit(1 if problems else 0)
PY
}
# Control: a black screen and a window that only cleared its background must both fail.
for blank in black 'rgb(28,31,36)'; do
  convert -size 1280x800 "xc:$blank" "$work/blank.png"
  if check_shot "$work/blank.png" >/dev/null; then
    echo "FAIL desktop: the check passes a blank $blank screen, so it proves nothing"; exit 1
  fi
done
check_shot "$shot" || { cat "$work/app.log"; exit 1; }
echo "ok   desktop window draws the simulator"
