// fragment/mediawiki/state/entity/page (spec section 4.2) and page_link (section 4.3).
#ifndef EVENTBUS_PAGECHANGE_PAGEENTITYSERIALIZER_H
#define EVENTBUS_PAGECHANGE_PAGEENTITYSERIALIZER_H

#include "MediaWikiState.h"
#include "WikiSettings.h"

#include <rapidjson/document.h>

#include <string>

namespace eventbus {
namespace pagechange {

class PageEntitySerializer {
public:
    using Allocator = rapidjson::Document::AllocatorType;

    static constexpr const char* kEarliestVersion = "2.0.0";

    explicit PageEntitySerializer(const WikiSettings& wiki) : _wiki(wiki) {}

    /// page_id, page_title, namespace_id, is_redirect, and from 2.1.0 namespace_is_content.
    rapidjson::Value toEntity(const PageState& page, Allocator& alloc, const std::string& version) const;
    /// page_title (with the interwiki prefix, as core formats it), namespace_id, and page_id plus
    /// is_redirect only for a local target that resolved to an existing page, then interwiki_prefix.
    rapidjson::Value toLinkEntity(const LinkTarget& target, Allocator& alloc) const;
    /// The article URL of the page (spec section 0.3).
    std::string canonicalPageUrl(const PageState& page) const;

private:
    const WikiSettings& _wiki;
};

} // namespace pagechange
} // namespace eventbus

#endif
