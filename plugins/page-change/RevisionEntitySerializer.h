// fragment/mediawiki/state/entity/revision 2.0.0 (spec section 4.4) and its content_slots map,
// revision_slots 2.0.1 (section 4.5).
#ifndef EVENTBUS_PAGECHANGE_REVISIONENTITYSERIALIZER_H
#define EVENTBUS_PAGECHANGE_REVISIONENTITYSERIALIZER_H

#include "MediaWikiState.h"
#include "UserEntitySerializer.h"

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

namespace eventbus {
namespace pagechange {

class RevisionEntitySerializer {
public:
    using Allocator = rapidjson::Document::AllocatorType;

    RevisionEntitySerializer(const UserEntitySerializer& users, std::string userVersion)
        : _users(users), _userVersion(std::move(userVersion))
    {
    }

    /// rev_id, rev_dt, is_minor_edit, rev_sha1, rev_size, [rev_parent_id], [comment], visibility flags.
    rapidjson::Value toEntity(const RevisionState& revision, Allocator& alloc) const;
    /// toEntity plus editor (absent when the user is hidden) and content_slots (when any).
    rapidjson::Value toFullEntity(const RevisionState& revision, Allocator& alloc) const;
    /// The content_slots map: role -> {slot_role, content_model, content_sha1, content_size,
    /// [content_format], [origin_rev_id]}.
    rapidjson::Value contentSlots(const std::vector<SlotState>& slots, Allocator& alloc) const;
    /// is_content_visible, is_editor_visible, is_comment_visible from bits 1, 4 and 2.
    static rapidjson::Value visibilityFlags(int bits, Allocator& alloc);
    /// The default serialization format of a content model, empty when the model is unknown.
    static std::string defaultFormat(std::string_view model);

private:
    const UserEntitySerializer& _users;
    std::string _userVersion;
};

} // namespace pagechange
} // namespace eventbus

#endif
