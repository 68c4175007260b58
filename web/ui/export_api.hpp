#pragma once
// The wire view's and the exports' ops of the page API (web/ui/export_api.cpp):
//   wire → the current step's octets {step, connection, tls, summary, segments: [{direction,
//          bytes (escaped), length, tls_opaque, notes, secret, decoded, warning}], observer}
//   showWire → selects the Wire tab; decodeAuth{on} → the "decode the credentials" button
//   exports → [{kind, index, name, ...}]; exportFile{kind, index} → {name, mime, text|base64}
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "web/ui/app.hpp"

namespace relaylab::ui {

// nullopt when `op` is not one of these.
std::optional<std::string> export_api_call(App& app, const std::string& op, const nlohmann::ordered_json& request);

}  // namespace relaylab::ui
