#pragma once
// The glossary: the words of mail delivery a newcomer meets in the explanations, each in one
// to three sentences of our own with the RFC that defines it. The page links explanations to
// it (terms_in) and lists it whole. Plain data; no UI here.
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::sim {

struct GlossaryTerm {
    const char* term;  // as listed: "MX", "envelope vs header"
    const char* text;
    const char* rfc;   // "" when no RFC defines it
    // Words that mention the term in an explanation, matched as whole words ("bounce",
    // "bounced"); an all-capital word is matched case-sensitively, others in any case.
    std::span<const char* const> mentions;
};

std::span<const GlossaryTerm> glossary();
const GlossaryTerm* find_glossary_term(std::string_view term);
// The terms a text mentions, in the order of their first mention, each once.
std::vector<std::string> glossary_terms_in(std::string_view text);

}  // namespace relaylab::sim
