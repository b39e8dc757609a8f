// A strict reader of the Prometheus text exposition format 0.0.4, for tests: it fails on anything
// a Prometheus server would reject or that breaks the format's rules.
#ifndef EVENTBUS_TESTS_PROMETHEUSTEXT_H
#define EVENTBUS_TESTS_PROMETHEUSTEXT_H

#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace eventbus {
namespace test {

struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

struct Exposition {
    std::map<std::string, std::string> types; ///< family -> counter/gauge/histogram/...
    std::vector<Sample> samples;
    /// Value of the one sample with this name whose labels include match; throws when absent.
    double value(const std::string& name, const std::map<std::string, std::string>& match = {}) const;
    bool has(const std::string& name, const std::map<std::string, std::string>& match = {}) const;
};

/// Parses text; throws std::runtime_error with the line number on any violation.
Exposition parsePrometheusText(const std::string& text);

} // namespace test
} // namespace eventbus

#endif
