#include "engine/next_hop.hpp"

#include "engine/content_scan.hpp"
#include "engine/mime_downgrade.hpp"

namespace relaylab {

NextHopContent adapt_for_next_hop(std::string_view content, bool eight_bit_body, bool smtputf8, bool utf8_address,
                                  const ServerCapabilities& caps) {
    NextHopContent out;
    if (utf8_address && !caps.smtputf8) {
        out.refusal = make_reply(553, "5.6.7", "an address needs SMTPUTF8, which the next server does not offer");
        return out;
    }
    if (smtputf8 && !caps.smtputf8 && scan_content(content).eight_bit_headers) {
        out.refusal = make_reply(554, "5.6.9", "UTF-8 header fields need SMTPUTF8, which the next server does not offer");
        return out;
    }
    if (eight_bit_body && !caps.eight_bit_mime && contains_8bit(content)) {
        DowngradeResult d = downgrade_to_7bit(content);
        if (d.status == DowngradeStatus::impossible) {
            out.refusal = make_reply(554, "5.6.3",
                                     "8-bit content, the next server does not offer 8BITMIME, and it cannot be "
                                     "converted: " + d.reason);
            return out;
        }
        out.converted = d.status == DowngradeStatus::converted;
        out.content = std::move(d.content);
        return out;
    }
    out.content = std::string(content);
    return out;
}

}  // namespace relaylab
