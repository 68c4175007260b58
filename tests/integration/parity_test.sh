#!/usr/bin/env bash
# Parity: the same delivery cases through the simulator and through a real relay on loopback
# (dnsmasq MX records, `relaylab serve`, a destination server of our own); both must decide
# the same per-recipient outcomes, codes and notices. See tests/integration/parity.py.
source "$(dirname "$0")/lib.sh"
command -v dnsmasq >/dev/null || { bad "dnsmasq missing (scripts/bootstrap installs dnsmasq-base)"; finish; exit 1; }
python3 "$HERE/parity.py" "$BIN" "$T/parity"
