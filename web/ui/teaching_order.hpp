#pragma once
// Scenarios in teaching order: submission basics → DNS → relaying → failures → attacks,
// each with a one-line "what you will learn" taken from its description.
#include <string>
#include <string_view>

namespace relaylab::ui {

struct Lesson {
    int chapter = 5;    // 0 submission basics, 1 DNS, 2 relaying, 3 failures, 4 attacks, 5 other
    int rank = 1000;    // order within the whole list (unknown scenarios last)
};
Lesson lesson_of(std::string_view scenario_name);
const char* chapter_name(int chapter);
// The description's first sentence, cut to about max_chars at a word.
std::string first_sentence(std::string_view description, std::size_t max_chars = 110);

}  // namespace relaylab::ui
