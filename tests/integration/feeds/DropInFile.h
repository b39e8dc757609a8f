// Checks a plugin's shipped drop-in (conf/conf.d/<plugin>.properties) against its key table.
#ifndef EVENTBUS_TESTS_FEEDS_DROPINFILE_H
#define EVENTBUS_TESTS_FEEDS_DROPINFILE_H

#include "eventbus/plugin.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

class DropInFile {
public:
    /// Asserts that the drop-in disables the plugin and sets every declared key to its default,
    /// each after a comment, and sets nothing else.
    static void assertMatches(const eb_plugin_descriptor& plugin) {
        const char* source = std::getenv("EVENTBUS_SOURCE_DIR");
        CPPUNIT_ASSERT_MESSAGE("EVENTBUS_SOURCE_DIR is not set (run through ctest)", source != nullptr);
        const std::string name = plugin.name;
        const std::string path = std::string(source) + "/conf/conf.d/" + name + ".properties";
        std::ifstream in(path);
        CPPUNIT_ASSERT_MESSAGE("cannot read " + path, in.good());

        std::set<std::string> settings;
        std::string line;
        bool commented = false;
        while (std::getline(in, line)) {
            if (line.empty()) {
                commented = false;
                continue;
            }
            if (line[0] == '#') {
                commented = true;
                continue;
            }
            CPPUNIT_ASSERT_MESSAGE(path + ": setting without a comment above it: " + line, commented);
            settings.insert(line);
        }
        std::set<std::string> expected{"plugin." + name + ".enabled = false"};
        for (size_t i = 0; i < plugin.config_key_count; ++i) {
            const eb_config_key& key = plugin.config_keys[i];
            const std::string value = key.default_value ? key.default_value : "";
            expected.insert("plugin." + name + "." + key.name + (value.empty() ? " =" : " = " + value));
        }
        for (const auto& e : expected) CPPUNIT_ASSERT_MESSAGE(path + " lacks \"" + e + "\"", settings.count(e));
        for (const auto& s : settings) CPPUNIT_ASSERT_MESSAGE(path + " sets an undeclared key: " + s, expected.count(s));
    }
};

#endif
