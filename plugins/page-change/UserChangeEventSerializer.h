// development/mediawiki_user_change 1.3.0 (spec section 4.7): account creation, rename and group
// changes of named users.
#ifndef EVENTBUS_PAGECHANGE_USERCHANGEEVENTSERIALIZER_H
#define EVENTBUS_PAGECHANGE_USERCHANGEEVENTSERIALIZER_H

#include "MediaWikiState.h"
#include "UserEntitySerializer.h"
#include "WikiSettings.h"

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <vector>

namespace eventbus {
namespace pagechange {

struct UserChange {
    std::string kind;                          ///< create, rename or groups_change
    UserState user;
    std::optional<UserState> performer;
    std::optional<std::string> comment;
    std::string eventDt;                       ///< empty: now
    bool isAutocreate = false;                 ///< create
    std::string newName;                       ///< rename
    std::string oldName;                       ///< rename
    std::vector<std::string> groups;           ///< groups_change: current groups
    std::vector<std::string> priorGroups;      ///< groups_change
};

class UserChangeEventSerializer {
public:
    static constexpr const char* kSchema = "/development/mediawiki_user_change/1.3.0";
    static constexpr const char* kUserEntityVersion = "1.3.0";

    UserChangeEventSerializer(const WikiSettings& wiki, std::string stream);

    /// The whole event. Throws std::invalid_argument for an unknown kind or when the user or the
    /// performer is not a named (registered, non-temporary) account.
    rapidjson::Document toEvent(const UserChange& change) const;

    static std::string changelogKind(const std::string& userChangeKind);

private:
    const WikiSettings& _wiki;
    std::string _stream;
    UserEntitySerializer _users;
};

} // namespace pagechange
} // namespace eventbus

#endif
