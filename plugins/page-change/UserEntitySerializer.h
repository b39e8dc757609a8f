// fragment/mediawiki/state/entity/user (spec section 4.6), used by page_change and user_change.
#ifndef EVENTBUS_PAGECHANGE_USERENTITYSERIALIZER_H
#define EVENTBUS_PAGECHANGE_USERENTITYSERIALIZER_H

#include "MediaWikiState.h"
#include "WikiSettings.h"

#include <rapidjson/document.h>

#include <string>

namespace eventbus {
namespace pagechange {

class UserEntitySerializer {
public:
    using Allocator = rapidjson::Document::AllocatorType;

    static constexpr const char* kEarliestVersion = "1.1.0";

    explicit UserEntitySerializer(const WikiSettings& wiki) : _wiki(wiki) {}

    /// The entity at version (1.1.0 and up): wiki_id from 1.2.0, first_edit_dt from 1.3.0.
    rapidjson::Value toEntity(const UserState& user, Allocator& alloc, const std::string& version) const;
    /// The entity plus edit_global_count, which is added only when the user has a central id and
    /// the count is known (spec section 4.1).
    rapidjson::Value toEntityWithGlobalCount(const UserState& user, Allocator& alloc,
                                             const std::string& version) const;

private:
    const WikiSettings& _wiki;
};

} // namespace pagechange
} // namespace eventbus

#endif
