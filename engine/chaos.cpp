#include "engine/chaos.hpp"

#include <string>

namespace relaylab {

bool chaos_active(const ChaosSettings& s) {
    return s.sender.probability > 0 || s.recipient.probability > 0 || s.authentication.probability > 0 ||
           s.greylist || s.defer_every > 0 || s.slow_reply_ms > 0 || s.drop_after_data > 0;
}

const char* chaos_trigger_problem(const ChaosTrigger& t) {
    if (t.error_code < k_chaos_min_code || t.error_code > k_chaos_max_code)
        return "ErrorCode must be between 400 and 599";
    if (t.probability < 0 || t.probability > 100) return "Probability must be between 0 and 100";
    return nullptr;
}

bool chaos_fires(int probability, unsigned draw) {
    if (probability <= 0) return false;
    if (probability >= 100) return true;
    return draw % 100 < static_cast<unsigned>(probability);
}

std::optional<Reply> chaos_reply(const ChaosSettings& settings, ChaosStage stage, unsigned draw) {
    const ChaosTrigger& t = stage == ChaosStage::sender      ? settings.sender
                            : stage == ChaosStage::recipient ? settings.recipient
                                                             : settings.authentication;
    if (!chaos_fires(t.probability, draw)) return std::nullopt;
    const int cls = t.error_code / 100;
    std::string enhanced = std::to_string(cls);
    if (stage == ChaosStage::authentication) enhanced += cls == 5 ? ".7.8" : ".7.0";
    else enhanced += ".0.0";
    const char* what = stage == ChaosStage::sender      ? "sender"
                       : stage == ChaosStage::recipient ? "recipient"
                                                        : "authentication";
    return make_reply(t.error_code, enhanced, std::string("Chaos switch: ") + what + " refused on purpose");
}

DataChaos chaos_after_data(const ChaosSettings& settings, std::uint64_t message_number, unsigned drop_draw) {
    if (chaos_fires(settings.drop_after_data, drop_draw)) return DataChaos::drop;
    if (settings.defer_every > 0 && message_number > 0 && message_number % settings.defer_every == 0)
        return DataChaos::defer;
    return DataChaos::none;
}

// RFC 3463 X.3.0: other or undefined mail system status; transient, so the client retries.
Reply chaos_defer_reply() { return make_reply(451, "4.3.0", "Chaos switch: message deferred on purpose, try again later"); }

}  // namespace relaylab
