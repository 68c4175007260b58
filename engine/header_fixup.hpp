#pragma once
// Header fields a server adds or removes on the way through, none of them changing what the
// author wrote:
//
//     // submission (RFC 6409): complete the message before it is queued
//     const SubmissionFixup f = missing_submission_headers(msg, "mx.example", now_ms, seed, n);
//     msg = f.headers + msg;
//     // final delivery (RFC 5321 §4.4): the reverse-path as the one trusted Return-Path
//     msg = return_path_header(envelope.reverse_path) + strip_return_path(msg);
//
// Fields written here end with CRLF (the engine's wire form); the time and the identifiers are
// parameters, so the result is a pure function of them (the engine reads no clock and no random source).
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/address.hpp"

namespace relaylab {

// RFC 6409 §8.2 (Date) and §8.3 (Message-ID): a submission server may add these when the
// client left them out (RFC 5322 §3.6 requires the first and asks for the second).
struct SubmissionFixup {
    std::string headers;  // the fields to prepend, CRLF-terminated, possibly empty
    bool added_date = false;
    bool added_message_id = false;
};

// Looks only at the header section of `message` (field names case-insensitive). The Date is
// format_rfc5322_date(now_ms_since_epoch); the Message-ID is make_message_id(seed, counter,
// hostname), whose right side keeps only the characters of `hostname` a dot-atom allows.
// Date comes first, as RFC 5322 §3.6 lists the fields.
SubmissionFixup missing_submission_headers(std::string_view message, std::string_view hostname,
                                           std::int64_t now_ms_since_epoch, std::uint64_t seed,
                                           std::uint64_t counter);

// RFC 5321 §4.4: the final delivery adds "Return-Path:" with the reverse-path of MAIL FROM:
// "Return-Path: <a@b.example>\r\n", or "Return-Path: <>\r\n" for the null path. A source
// route is left out (RFC 5321 §4.1.1.3 / Appendix C: ignored, and RFC 5322 §3.6.7 path has no
// room for it). Control characters (CR and LF above all) are dropped so the address can only
// ever fill this one line.
std::string return_path_header(const Path& reverse_path);

// `message` without its Return-Path fields (continuation lines included). Only the header
// section is looked at; everything else, the body too, is kept byte for byte. Return-Path
// fields that arrive with a message were written by someone else and must not be trusted:
// RFC 5321 §4.4 leaves the field to the final delivery.
std::string strip_return_path(std::string_view message);

}  // namespace relaylab
