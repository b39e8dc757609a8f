#include "PageEntitySerializer.h"

#include "JsonObject.h"
#include "SchemaVersion.h"

namespace eventbus {
namespace pagechange {

rapidjson::Value PageEntitySerializer::toEntity(const PageState& page, Allocator& alloc,
                                                const std::string& version) const
{
    rapidjson::Value entity(rapidjson::kObjectType);
    JsonObject out(entity, alloc);
    out.integer("page_id", page.id);
    out.str("page_title", page.title);
    out.integer("namespace_id", page.namespaceId);
    out.boolean("is_redirect", page.isRedirect);
    if (schemaVersionAtLeast(version, "2.1.0"))
        out.boolean("namespace_is_content", _wiki.isContentNamespace(page.namespaceId));
    return entity;
}

rapidjson::Value PageEntitySerializer::toLinkEntity(const LinkTarget& target, Allocator& alloc) const
{
    rapidjson::Value entity(rapidjson::kObjectType);
    JsonObject out(entity, alloc);
    out.str("page_title", target.interwiki.empty() ? target.title : target.interwiki + ":" + target.title);
    out.integer("namespace_id", target.namespaceId);
    if (target.pageId && target.interwiki.empty()) {
        out.integer("page_id", *target.pageId);
        out.boolean("is_redirect", target.isRedirect);
    }
    if (!target.interwiki.empty()) out.str("interwiki_prefix", target.interwiki);
    return entity;
}

std::string PageEntitySerializer::canonicalPageUrl(const PageState& page) const
{
    return _wiki.articleUrl(page.title);
}

} // namespace pagechange
} // namespace eventbus
