#include "PrometheusText.h"

#include <cctype>
#include <cstdlib>
#include <set>
#include <sstream>

namespace eventbus {
namespace test {

namespace {

bool validName(const std::string& n, bool label)
{
    if (n.empty()) return false;
    for (size_t i = 0; i < n.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(n[i]);
        bool ok = std::isalpha(c) || c == '_' || (!label && c == ':') || (i > 0 && std::isdigit(c));
        if (!ok) return false;
    }
    return true;
}

std::string familyOf(const std::string& name, const std::map<std::string, std::string>& types)
{
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        std::string s(suffix);
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
            std::string base = name.substr(0, name.size() - s.size());
            auto it = types.find(base);
            if (it != types.end() && (it->second == "histogram" || it->second == "summary")) return base;
        }
    }
    return name;
}

} // namespace

Exposition parsePrometheusText(const std::string& text)
{
    Exposition e;
    std::set<std::string> seenSeries, closedFamilies;
    std::string currentFamily;
    std::istringstream in(text);
    std::string line;
    int n = 0;
    auto fail = [&](const std::string& why) {
        throw std::runtime_error("line " + std::to_string(n) + ": " + why + ": " + line);
    };
    if (!text.empty() && text.back() != '\n') throw std::runtime_error("exposition must end with a newline");
    while (std::getline(in, line)) {
        ++n;
        if (line.empty()) continue;
        if (line[0] == '#') {
            std::istringstream ls(line);
            std::string hash, kind, name;
            ls >> hash >> kind >> name;
            if (kind == "TYPE") {
                std::string type;
                ls >> type;
                static const std::set<std::string> types = {"counter", "gauge", "histogram", "summary", "untyped"};
                if (!validName(name, false) || !types.count(type)) fail("bad TYPE line");
                if (e.types.count(name)) fail("second TYPE for a family");
                if (closedFamilies.count(name)) fail("TYPE after the family's samples");
                e.types[name] = type;
            } else if (kind == "HELP") {
                if (!validName(name, false)) fail("bad HELP line");
            }
            continue;
        }
        Sample s;
        size_t i = 0;
        while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
        s.name = line.substr(0, i);
        if (!validName(s.name, false)) fail("bad metric name");
        std::string series = s.name;
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (i < line.size() && line[i] != '}') {
                size_t eq = line.find('=', i);
                if (eq == std::string::npos) fail("label without =");
                std::string lname = line.substr(i, eq - i);
                if (!validName(lname, true)) fail("bad label name");
                if (eq + 1 >= line.size() || line[eq + 1] != '"') fail("label value not quoted");
                std::string value;
                size_t j = eq + 2;
                for (; j < line.size() && line[j] != '"'; ++j) {
                    if (line[j] == '\\') {
                        if (j + 1 >= line.size()) fail("dangling escape");
                        char c = line[++j];
                        if (c == 'n') value += '\n';
                        else if (c == '\\' || c == '"') value += c;
                        else fail("bad escape in label value");
                    } else {
                        value += line[j];
                    }
                }
                if (j >= line.size()) fail("unterminated label value");
                if (s.labels.count(lname)) fail("duplicate label");
                s.labels[lname] = value;
                series += "|" + lname + "=" + value;
                i = j + 1;
                if (i < line.size() && line[i] == ',') ++i;
            }
            if (i >= line.size()) fail("unterminated label set");
            ++i;
        }
        if (i >= line.size() || line[i] != ' ') fail("no space before the value");
        std::string rest = line.substr(i + 1);
        std::string valueText = rest.substr(0, rest.find(' '));
        char* end = nullptr;
        s.value = std::strtod(valueText.c_str(), &end);
        if (valueText.empty() || (end && *end != '\0' && valueText != "+Inf" && valueText != "-Inf" && valueText != "NaN"))
            fail("bad value");
        std::string family = familyOf(s.name, e.types);
        if (family != currentFamily) {
            if (closedFamilies.count(family)) fail("family's samples are not grouped together");
            if (!currentFamily.empty()) closedFamilies.insert(currentFamily);
            currentFamily = family;
        }
        if (!seenSeries.insert(series).second) fail("duplicate series");
        e.samples.push_back(std::move(s));
    }
    return e;
}

bool Exposition::has(const std::string& name, const std::map<std::string, std::string>& match) const
{
    for (const auto& s : samples) {
        if (s.name != name) continue;
        bool all = true;
        for (const auto& [k, v] : match) {
            auto it = s.labels.find(k);
            all = all && it != s.labels.end() && it->second == v;
        }
        if (all) return true;
    }
    return false;
}

double Exposition::value(const std::string& name, const std::map<std::string, std::string>& match) const
{
    double total = 0;
    int found = 0;
    for (const auto& s : samples) {
        if (s.name != name) continue;
        bool all = true;
        for (const auto& [k, v] : match) {
            auto it = s.labels.find(k);
            all = all && it != s.labels.end() && it->second == v;
        }
        if (all) {
            total = s.value;
            ++found;
        }
    }
    if (found != 1) throw std::runtime_error(name + ": " + std::to_string(found) + " matching samples");
    return total;
}

} // namespace test
} // namespace eventbus
