#include "WikiSettings.h"

#include "eventbus/Url.h"

#include <algorithm>
#include <stdexcept>

namespace eventbus {
namespace pagechange {

namespace {

std::string underscored(std::string_view s)
{
    std::string out(s);
    std::replace(out.begin(), out.end(), ' ', '_');
    return out;
}

} // namespace

std::string WikiSettings::legacyDomain() const
{
    return serverName.empty() ? hostOf(canonicalServer) : serverName;
}

std::string WikiSettings::currentWikiId() const
{
    return wikiId.empty() ? database : wikiId;
}

std::string WikiSettings::modernDomain() const
{
    return domain.empty() ? hostOf(canonicalServer) : domain;
}

bool WikiSettings::isContentNamespace(int64_t namespaceId) const
{
    return std::find(contentNamespaces.begin(), contentNamespaces.end(), namespaceId) != contentNamespaces.end();
}

std::string WikiSettings::articleUrl(std::string_view prefixedDbKey) const
{
    return eventbus::articleUrl(canonicalServer, articlePath, prefixedDbKey);
}

std::string WikiSettings::localUrlPath(std::string_view prefixedDbKey) const
{
    return eventbus::articleUrl("", articlePath, prefixedDbKey);
}

std::string WikiSettings::userPageUrl(std::string_view userName) const
{
    return articleUrl(underscored(userNamespace + ":" + std::string(userName)));
}

std::string WikiSettings::foreignUserPageUrl(const std::string& foreignWikiId, std::string_view userName) const
{
    auto it = wikiMap.find(foreignWikiId);
    if (it == wikiMap.end()) return userPageUrl(userName);
    return eventbus::articleUrl(it->second.canonicalServer, it->second.articlePath,
                                underscored("User:" + std::string(userName)));
}

std::vector<int64_t> WikiSettings::parseNamespaceList(std::string_view list)
{
    std::vector<int64_t> out;
    size_t pos = 0;
    while (pos <= list.size()) {
        size_t comma = list.find(',', pos);
        if (comma == std::string_view::npos) comma = list.size();
        std::string item(list.substr(pos, comma - pos));
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (!item.empty()) {
            size_t used = 0;
            int64_t value = 0;
            try {
                value = std::stoll(item, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != item.size()) throw std::invalid_argument("not a namespace id: '" + item + "'");
            out.push_back(value);
        }
        pos = comma + 1;
    }
    return out;
}

std::string WikiSettings::hostOf(std::string_view server)
{
    size_t start = server.find("//");
    start = start == std::string_view::npos ? 0 : start + 2;
    size_t end = server.find_first_of(":/?#", start);
    if (end == std::string_view::npos) end = server.size();
    return std::string(server.substr(start, end - start));
}

} // namespace pagechange
} // namespace eventbus
