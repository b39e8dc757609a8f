#include "MetricsRegistry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace eventbus {

namespace {

/// Latency buckets in seconds: sub-millisecond loopback answers up to events held for an hour
/// while EventGate was down.
const std::vector<double> DEFAULT_BOUNDS{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
    5, 10, 30, 60, 300, 1800, 3600};

std::string formatNumber(double value)
{
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "+Inf" : "-Inf";
    char buffer[64];
    if (value == std::floor(value) && std::fabs(value) < 1e15)
        std::snprintf(buffer, sizeof(buffer), "%.0f", value);
    else {
        // The shortest of the two precisions that reads back as the same double.
        std::snprintf(buffer, sizeof(buffer), "%.15g", value);
        if (std::strtod(buffer, nullptr) != value)
            std::snprintf(buffer, sizeof(buffer), "%.17g", value);
    }
    return buffer;
}

std::string escapeLabelValue(const std::string& value)
{
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        default: out += c;
        }
    }
    return out;
}

std::string escapeHelp(const std::string& help)
{
    std::string out;
    for (char c : help) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string renderLabels(const Labels& labels, const std::string& extraName = {},
    const std::string& extraValue = {})
{
    if (labels.empty() && extraName.empty())
        return {};
    std::string out = "{";
    bool first = true;
    for (const auto& [name, value] : labels) {
        if (!first)
            out += ',';
        first = false;
        out += name + "=\"" + escapeLabelValue(value) + "\"";
    }
    if (!extraName.empty()) {
        if (!first)
            out += ',';
        out += extraName + "=\"" + escapeLabelValue(extraValue) + "\"";
    }
    return out + "}";
}

bool includes(const Labels& labels, const Labels& match)
{
    return std::all_of(match.begin(), match.end(), [&](const auto& wanted) {
        return std::find(labels.begin(), labels.end(), wanted) != labels.end();
    });
}

} // namespace

MetricsRegistry::Family& MetricsRegistry::family(const std::string& name)
{
    return _families[name];
}

void MetricsRegistry::describe(const std::string& name, const std::string& type, const std::string& help)
{
    std::lock_guard<std::mutex> lock(_mutex);
    Family& f = family(name);
    f.type = type;
    f.help = help;
    if (type == "histogram" && f.bounds.empty())
        f.bounds = DEFAULT_BOUNDS;
}

void MetricsRegistry::describeHistogram(const std::string& name, const std::string& help, std::vector<double> bounds)
{
    std::lock_guard<std::mutex> lock(_mutex);
    Family& f = family(name);
    f.type = "histogram";
    f.help = help;
    std::sort(bounds.begin(), bounds.end());
    f.bounds = std::move(bounds);
}

void MetricsRegistry::add(const std::string& name, const Labels& labels, double delta)
{
    std::lock_guard<std::mutex> lock(_mutex);
    Family& f = family(name);
    if (f.type.empty())
        f.type = "counter";
    f.values[labels] += delta;
}

void MetricsRegistry::set(const std::string& name, const Labels& labels, double value)
{
    std::lock_guard<std::mutex> lock(_mutex);
    Family& f = family(name);
    if (f.type.empty())
        f.type = "gauge";
    f.values[labels] = value;
}

void MetricsRegistry::observe(const std::string& name, const Labels& labels, double value)
{
    observe(name, labels, std::vector<double>{value});
}

void MetricsRegistry::observe(const std::string& name, const Labels& labels, const std::vector<double>& values)
{
    std::lock_guard<std::mutex> lock(_mutex);
    Family& f = family(name);
    if (f.type.empty())
        f.type = "histogram";
    if (f.bounds.empty())
        f.bounds = DEFAULT_BOUNDS;
    std::vector<double>& counts = f.buckets[labels];
    counts.resize(f.bounds.size() + 1, 0);
    double& sum = f.sums[labels];
    // Each observation lands in one bucket; render() accumulates them into Prometheus' cumulative form.
    for (double value : values) {
        size_t index = std::lower_bound(f.bounds.begin(), f.bounds.end(), value) - f.bounds.begin();
        counts[index] += 1;
        sum += value;
    }
    f.values[labels] += static_cast<double>(values.size());
}

double MetricsRegistry::value(const std::string& name, const Labels& labels) const
{
    std::lock_guard<std::mutex> lock(_mutex);
    auto f = _families.find(name);
    if (f == _families.end())
        return 0;
    auto v = f->second.values.find(labels);
    return v == f->second.values.end() ? 0 : v->second;
}

double MetricsRegistry::sum(const std::string& name, const Labels& match) const
{
    std::lock_guard<std::mutex> lock(_mutex);
    auto f = _families.find(name);
    if (f == _families.end())
        return 0;
    double total = 0;
    for (const auto& [labels, value] : f->second.values) {
        if (includes(labels, match))
            total += value;
    }
    return total;
}

std::string MetricsRegistry::render() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    std::ostringstream out;
    for (const auto& [name, f] : _families) {
        if (!f.help.empty())
            out << "# HELP " << name << ' ' << escapeHelp(f.help) << '\n';
        out << "# TYPE " << name << ' ' << (f.type.empty() ? "untyped" : f.type) << '\n';
        if (f.type != "histogram") {
            for (const auto& [labels, value] : f.values)
                out << name << renderLabels(labels) << ' ' << formatNumber(value) << '\n';
            continue;
        }
        for (const auto& [labels, counts] : f.buckets) {
            double cumulative = 0;
            for (size_t i = 0; i < f.bounds.size(); ++i) {
                cumulative += counts[i];
                out << name << "_bucket" << renderLabels(labels, "le", formatNumber(f.bounds[i])) << ' '
                    << formatNumber(cumulative) << '\n';
            }
            cumulative += counts[f.bounds.size()];
            out << name << "_bucket" << renderLabels(labels, "le", "+Inf") << ' ' << formatNumber(cumulative) << '\n';
            out << name << "_sum" << renderLabels(labels) << ' ' << formatNumber(f.sums.at(labels)) << '\n';
            out << name << "_count" << renderLabels(labels) << ' ' << formatNumber(cumulative) << '\n';
        }
    }
    return out.str();
}

} // namespace eventbus
