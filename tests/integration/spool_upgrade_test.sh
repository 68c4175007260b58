#!/usr/bin/env bash
# A spool written by the previous release ("relaylab-spool 1" records) is read by this one:
# the message comes back with its envelope (a v1 address string parsed into a Path by the
# engine's address parser) and is delivered; nothing acknowledged is lost across an upgrade
# (RFC 5321 §6.1: once "250" was said, the message is ours).
source "$(dirname "$0")/lib.sh"

read -r P_A_SMTP <<<"$(free_ports 1)"
relay_config a "$P_A_SMTP" "" "" "" </dev/null
add_user a bob@lab.test
python3 "$HERE/spool_v1.py" "$T/a" OLDRELEASE001 alice@lab.test bob@lab.test,Postmaster

out="$("$BIN" queue --config "$T/a.toml" 2>&1)"
check "relaylab queue lists the v1 message" grep -q "^OLDRELEASE001 .*alice@lab.test .*bob@lab.test (queued)" <<<"$out"
check "... with <Postmaster> as a recipient (RFC 5321 §4.1.1.3)" grep -q "Postmaster (queued)" <<<"$out"

relay_up a
check "bob gets the message written by the previous release" wait_files 20 "$T/a/mail/lab.test/bob/new" 1
check "so does the postmaster" wait_files 20 "$T/a/mail/lab.test/postmaster/new" 1
check "its content is intact" grep -q "^still here" "$T"/a/mail/lab.test/bob/new/*
check "no spool problem reported" bash -c "! grep -q spool-problem '$T/a.log'"
check "the queue is empty afterwards" wait_for 20 bash -c "\"$BIN\" queue --config \"$T/a.toml\" | grep -q '^0 message'"
finish
