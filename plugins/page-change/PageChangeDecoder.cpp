#include "PageChangeDecoder.h"

#include "HookPayloadParser.h"
#include "InvalidPayload.h"
#include "LegacyEventSerializer.h"
#include "PageChangeEventSerializer.h"
#include "UserChangeEventSerializer.h"

#include "eventbus/Envelope.h"
#include "eventbus/PhpJson.h"
#include "eventbus/plugin.h"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <stdexcept>

namespace eventbus {
namespace pagechange {

namespace {

/// A well-formed request that the extension would have refused with an exception of its own.
class RejectedChange : public std::runtime_error {
public:
    RejectedChange(std::string reason, const std::string& message)
        : std::runtime_error(message), _reason(std::move(reason))
    {
    }
    const std::string& reason() const { return _reason; }

private:
    std::string _reason;
};

constexpr int kEditNew = 1;

/// Deeper nesting than any hook payload has is refused before parsing, so neither the parser
/// nor the encoder can be driven into deep recursion.
bool nestingWithin(std::string_view body, size_t limit)
{
    size_t depth = 0;
    bool inString = false;
    for (size_t i = 0; i < body.size(); ++i) {
        char c = body[i];
        if (inString) {
            if (c == '\\') ++i;
            else if (c == '"') inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            if (++depth > limit) return false;
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return true;
}

std::vector<std::string> uniqueAppend(std::vector<std::string> base, const std::vector<std::string>& more)
{
    for (const auto& g : more)
        if (std::find(base.begin(), base.end(), g) == base.end()) base.push_back(g);
    return base;
}

} // namespace

struct PageChangeDecoder::Request {
    PayloadReader body;
    WikiSettings wiki;
    std::string requestId;
    std::string eventDt;   ///< the body's "timestamp", empty when absent
    LegacyEventSerializer legacy;

    Request(PayloadReader b, WikiSettings w, std::string id, std::string dt)
        : body(std::move(b)), wiki(std::move(w)), requestId(std::move(id)), eventDt(std::move(dt)),
          legacy(wiki, requestId, eventDt)
    {
    }
    Request(const Request&) = delete;
    Request& operator=(const Request&) = delete;
};

const std::vector<PageChangeDecoder::Route>& PageChangeDecoder::routes()
{
    static const std::vector<Route> table = {
        {"hooks/page-save-complete", &PageChangeDecoder::pageSaveComplete},
        {"hooks/revision-record-inserted", &PageChangeDecoder::revisionRecordInserted},
        {"hooks/page-delete-complete", &PageChangeDecoder::pageDeleteComplete},
        {"hooks/page-undelete-complete", &PageChangeDecoder::pageUndeleteComplete},
        {"hooks/page-move-complete", &PageChangeDecoder::pageMoveComplete},
        {"hooks/article-revision-visibility-set", &PageChangeDecoder::articleRevisionVisibilitySet},
        {"hooks/article-purge", &PageChangeDecoder::articlePurge},
        {"hooks/block-ip-complete", &PageChangeDecoder::blockIpComplete},
        {"hooks/links-update-complete", &PageChangeDecoder::linksUpdateComplete},
        {"hooks/article-protect-complete", &PageChangeDecoder::articleProtectComplete},
        {"hooks/change-tags-after-update-tags", &PageChangeDecoder::changeTagsAfterUpdateTags},
        {"page-change/page-latest-revision-changed", &PageChangeDecoder::pageLatestRevisionChanged},
        {"page-change/page-deleted", &PageChangeDecoder::pageDeleted},
        {"page-change/page-moved", &PageChangeDecoder::pageMoved},
        {"page-change/page-created", &PageChangeDecoder::pageCreated},
        {"page-change/page-history-visibility-changed", &PageChangeDecoder::pageHistoryVisibilityChanged},
        {"user-change/local-user-created", &PageChangeDecoder::localUserCreated},
        {"user-change/user-groups-changed", &PageChangeDecoder::userGroupsChanged},
        {"user-change/manual-log-entry-before-publish", &PageChangeDecoder::manualLogEntryBeforePublish},
    };
    return table;
}

const std::vector<std::string>& PageChangeDecoder::routeNames()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> list;
        for (const Route& route : routes()) list.push_back(route.name);
        return list;
    }();
    return names;
}

PageChangeDecoder::PageChangeDecoder(WikiSettings defaults, std::string pageChangeStream, std::string userChangeStream)
    : _defaults(std::move(defaults)), _pageChangeStream(std::move(pageChangeStream)),
      _userChangeStream(std::move(userChangeStream))
{
}

DecodeResult PageChangeDecoder::decode(std::string_view route, std::string_view body,
                                       std::string_view requestIdHeader) const
{
    DecodeResult result;
    auto reject = [&result](const std::string& reason, const std::string& message) {
        result.events.clear();
        result.rejectReason = reason;
        result.rejectMessage = message;
        return result;
    };
    auto found = std::find_if(routes().begin(), routes().end(), [route](const Route& r) { return r.name == route; });
    if (found == routes().end())
        return reject("unknown_route", "no page-change route named '" + std::string(route) + "'");
    if (!nestingWithin(body, kMaxNesting))
        return reject("malformed_json", "JSON nested deeper than " + std::to_string(kMaxNesting) + " levels");

    // Not validating UTF-8 while parsing lets binary page property values through to be
    // replaced (spec section 1.10); every other string is checked where it is read.
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
    if (doc.HasParseError())
        return reject("malformed_json", std::string("body is not JSON: ") + rapidjson::GetParseError_En(doc.GetParseError())
                                            + " at offset " + std::to_string(doc.GetErrorOffset()));
    try {
        if (!doc.IsObject()) throw InvalidPayload("body", "expected a JSON object");
        PayloadReader in(doc, "");
        WikiSettings wiki = _defaults;
        HookPayloadParser::applyWikiOverrides(in, wiki);
        if (wiki.database.empty()) throw InvalidPayload("wiki.database", "missing (and no database configured)");
        if (wiki.canonicalServer.empty())
            throw InvalidPayload("wiki.canonical_server", "missing (and no canonical_server configured)");
        std::string requestId = in.optString("request_id").value_or(std::string(requestIdHeader));
        if (requestId.empty()) requestId = newRequestId();
        Request request(in, std::move(wiki), requestId, in.optDt("timestamp").value_or(""));

        for (rapidjson::Document& event : (this->*(found->handler))(request)) {
            EncodedEvent encoded;
            encoded.type = EB_TYPE_EVENT;
            encoded.stream = event["meta"]["stream"].GetString();
            encoded.id = event["meta"]["id"].GetString();
            encoded.json = json::encode(event);
            result.events.push_back(std::move(encoded));
        }
    } catch (const InvalidPayload& e) {
        return reject("invalid_payload", e.what());
    } catch (const RejectedChange& e) {
        return reject(e.reason(), e.what());
    } catch (const json::EncodeError& e) {
        return reject("invalid_payload", std::string("a value is not valid UTF-8: ") + e.what());
    } catch (const std::invalid_argument& e) {
        return reject("invalid_payload", e.what());
    }
    return result;
}

// EventBusHooks (legacy streams, spec section 5.1)

PageChangeDecoder::Documents PageChangeDecoder::pageSaveComplete(const Request& r) const
{
    PageState page = HookPayloadParser::page(r.body.object("page"));
    RevisionState revision = HookPayloadParser::revision(r.body.object("revision"));
    const int64_t flags = r.body.optInteger("flags").value_or(0);
    Documents out;
    if (r.body.optBoolean("is_null_edit", false))
        out.push_back(r.legacy.resourceChange(page, {"null_edit"}));
    else if (flags & kEditNew)
        out.push_back(r.legacy.revisionCreate("mediawiki.page-create", page, revision));
    return out;
}

PageChangeDecoder::Documents PageChangeDecoder::revisionRecordInserted(const Request& r) const
{
    PageState page = HookPayloadParser::page(r.body.object("page"));
    RevisionState revision = HookPayloadParser::revision(r.body.object("revision"));
    Documents out;
    out.push_back(r.legacy.revisionCreate("mediawiki.revision-create", page, revision));
    return out;
}

PageChangeDecoder::Documents PageChangeDecoder::pageDeleteComplete(const Request& r) const
{
    PageState page = HookPayloadParser::page(r.body.object("page"));
    std::optional<UserState> performer = HookPayloadParser::optUser(r.body, "performer");
    const std::string logType = r.body.optString("log_type").value_or("delete");
    const bool suppressed = logType == "suppress";
    Documents out;
    out.push_back(r.legacy.pageDelete(suppressed ? "mediawiki.page-suppress" : "mediawiki.page-delete", page,
                                      suppressed ? std::nullopt : performer, r.body.optInteger("rev_id"),
                                      r.body.optInteger("archived_revision_count"),
                                      r.body.optString("reason").value_or(""),
                                      r.body.optString("parsed_reason").value_or("")));
    return out;
}

PageChangeDecoder::Documents PageChangeDecoder::pageUndeleteComplete(const Request& r) const
{
    PageState page = HookPayloadParser::page(r.body.object("page"));
    UserState performer = HookPayloadParser::user(r.body.object("performer"));
    Documents out;
    out.push_back(r.legacy.pageUndelete(page, performer, r.body.optInteger("rev_id"), r.body.optInteger("old_page_id"),
                                        r.body.optString("reason").value_or(""),
                                        r.body.optString("parsed_reason").value_or("")));
    return out;
}

PageChangeDecoder::Documents PageChangeDecoder::pageMoveComplete(const Request& r) const
{
    LinkTarget oldTitle = HookPayloadParser::linkTarget(r.body.object("old_title"));
    LinkTarget newTitle = HookPayloadParser::linkTarget(r.body.object("new_title"));
    UserState performer = HookPayloadParser::user(r.body.object("performer"));
    RevisionState revision = HookPayloadParser::revision(r.body.object("revision"));
    const int64_t pageId = r.body.integer("page_id");
    std::optional<PageState> redirectPage;
    if (std::optional<PayloadReader> redirect = r.body.optObject("redirect_page")) {
        PageState page;
        page.id = redirect->integer("page_id");
        page.latestRevId = redirect->optInteger("latest_rev_id");
        redirectPage = page;
    }
    Documents out;
    out.push_back(r.legacy.pageMove(oldTitle, newTitle, revision, pageId, performer,
                                    r.body.optString("reason").value_or(""),
                                    r.body.optString("parsed_reason").value_or(""), redirectPage));
    return out;
}

PageChangeDecoder::Documents PageChangeDecoder::articleRevisionVisibilitySet(const Request& r) const
{
    PageState page = HookPayloadParser::page(r.body.object("page"));
    std::optional<UserState> performer = HookPayloadParser::optUser(r.body, "performer");
    Documents out;
    for (const PayloadReader& change : r.body.optObjects("changes")) {
        const int64_t oldBits = change.integer("old_bits");
        const int64_t newBits = change.integer("new_bits");
        if (oldBits < 0 || oldBits > 15) change.fail("old_bits", "expected bits 0..15");
        if (newBits < 0 || newBits > 15) change.fail("new_bits", "expected bits 0..15");
        // A revision that no longer exists (null) is skipped, as the hook skips it.
        std::optional<RevisionState> revision = HookPayloadParser::optRevision(change, "revision");
        if (!revision) continue;
        if (!change.object("revision").has("visibility")) {
            revision->visibility = static_cast<int>(newBits);
            HookPayloadParser::applyPublicAudience(*revision);
        }
        out.push_back(r.legacy.revisionVisibilityChange(page, *revision, performer, static_cast<int>(oldBits),
                                                        static_cast<int>(newBits)));
    }
    return out;
}

PageChangeDecoder::Documents PageChangeDecoder::articlePurge(const Request& r) const
{
    PageState page = HookPayloadParser::page(r.body.object("page"));
    Documents out;
    out.push_back(r.legacy.resourceChange(page, {"purge"}));
    return out;
}

PageChangeDecoder::Documents PageChangeDecoder::blockIpComplete(const Request& r) const
{
    UserState performer = HookPayloadParser::user(r.body.object("performer"));
    PayloadReader targetIn = r.body.object("target");
    UserState target;
    target.name = targetIn.string("name");
    target.id = targetIn.optInteger("id").value_or(0);
    if (target.id != 0) target.groups = targetIn.strings("groups");
    BlockState block = HookPayloadParser::block(r.body.object("block"));
    std::optional<BlockState> prior;
    if (std::optional<PayloadReader> priorIn = r.body.optObject("prior_block")) prior = HookPayloadParser::block(*priorIn);
    Documents out;
    out.push_back(r.legacy.userBlocksChange(performer, target, block, prior));
    return out;
}

PageChangeDecoder::Documents PageChangeDecoder::linksUpdateComplete(const Request& r) const
{
    PageState page = HookPayloadParser::page(r.body.object("page"));
    std::optional<int64_t> revId = r.body.optInteger("rev_id");
    if (!revId) revId = page.latestRevId;
    std::optional<UserState> performer = HookPayloadParser::optUser(r.body, "performer");
    static const rapidjson::Value emptyMap(rapidjson::kObjectType);
    auto properties = [&](const char* key) -> const rapidjson::Value& {
        std::optional<PayloadReader> map = r.body.optObject(key);
        if (!map) return emptyMap;
        for (const auto& m : map->value().GetObject()) {
            std::string name = PayloadReader::checkedString(m.name, map->path() + " (property name)");
            if (!m.value.IsString() && !m.value.IsNumber() && !m.value.IsBool())
                map->fail(name.c_str(), "expected a string or number");
        }
        return map->value();
    };
    const rapidjson::Value& added = properties("added_properties");
    const rapidjson::Value& removed = properties("removed_properties");
    std::vector<std::string> addedLinks = r.body.optStrings("added_links");
    std::vector<std::string> addedExternal = r.body.optStrings("added_external_links");
    std::vector<std::string> removedLinks = r.body.optStrings("removed_links");
    std::vector<std::string> removedExternal = r.body.optStrings("removed_external_links");

    Documents out;
    if (added.MemberCount() > 0 || removed.MemberCount() > 0)
        out.push_back(r.legacy.pagePropertiesChange(page, revId, performer, added, removed));
    if (!addedLinks.empty() || !addedExternal.empty() || !removedLinks.empty() || !removedExternal.empty())
        out.push_back(
            r.legacy.pageLinksChange(page, revId, performer, addedLinks, addedExternal, removedLinks, removedExternal));
    return out;
}

PageChangeDecoder::Documents PageChangeDecoder::articleProtectComplete(const Request& r) const
{
    PageState page = HookPayloadParser::page(r.body.object("page"));
    UserState performer = HookPayloadParser::user(r.body.object("performer"));
    PayloadReader protections = r.body.object("protections");
    for (const auto& m : protections.value().GetObject()) {
        std::string action = PayloadReader::checkedString(m.name, protections.path() + " (action)");
        PayloadReader::checkedString(m.value, protections.fieldPath(action.c_str()));
    }
    std::optional<int64_t> revId = r.body.optInteger("rev_id");
    if (!revId) revId = page.latestRevId;
    Documents out;
    out.push_back(r.legacy.pageRestrictionsChange(page, performer, r.body.optString("reason").value_or(""),
                                                  protections.value(), revId));
    return out;
}

PageChangeDecoder::Documents PageChangeDecoder::changeTagsAfterUpdateTags(const Request& r) const
{
    Documents out;
    if (!r.body.optInteger("rev_id")) return out;
    std::optional<RevisionState> revision = HookPayloadParser::optRevision(r.body, "revision");
    if (!revision) return out;
    PageState page = HookPayloadParser::page(r.body.object("page"));
    std::optional<UserState> performer = HookPayloadParser::optUser(r.body, "performer");
    if (!performer) performer = HookPayloadParser::optUser(r.body, "rc_performer");
    out.push_back(r.legacy.revisionTagsChange(page, *revision, performer, r.body.optStrings("prev_tags"),
                                              r.body.optStrings("added_tags"), r.body.optStrings("removed_tags")));
    return out;
}

// PageChangeEventIngress (mediawiki.page_change.v1, spec section 5.2)

PageChangeDecoder::Documents PageChangeDecoder::pageLatestRevisionChanged(const Request& r) const
{
    static const std::vector<std::string> causes = {"edit", "import", "rollback", "undo", "upload"};
    const std::string cause = r.body.string("cause");
    PageChange change;
    change.page = HookPayloadParser::page(r.body.object("page"));
    change.revision = HookPayloadParser::revision(r.body.object("revision"));
    change.parentRevision = HookPayloadParser::optRevision(r.body, "parent_revision");
    change.performer = HookPayloadParser::optUser(r.body, "performer");
    if (std::optional<PayloadReader> result = r.body.optObject("edit_result"))
        change.editResult = HookPayloadParser::editResult(*result);
    change.redirectTarget = HookPayloadParser::optLinkTarget(r.body, "redirect_target");
    change.requestId = r.requestId;
    const bool nullEdit = r.body.optBoolean("is_null_edit", false);
    Documents out;
    if (std::find(causes.begin(), causes.end(), cause) == causes.end() || nullEdit) return out;
    change.kind = r.body.optBoolean("is_creation", false) ? "create" : "edit";
    if (change.kind == "create") change.parentRevision.reset();
    out.push_back(PageChangeEventSerializer(r.wiki, _pageChangeStream).toEvent(change));
    return out;
}

PageChangeDecoder::Documents PageChangeDecoder::pageDeleted(const Request& r) const
{
    PageChange change;
    change.kind = "delete";
    change.page = HookPayloadParser::page(r.body.object("page"));
    change.revision = HookPayloadParser::revision(r.body.object("revision"));
    change.isSuppressed = r.body.optBoolean("is_suppressed", false);
    change.performer = HookPayloadParser::optUser(r.body, "performer");
    if (change.isSuppressed) change.performer.reset();
    change.comment = r.body.optString("reason").value_or("");
    change.eventDt = r.eventDt;
    change.archivedRevisionCount = r.body.optInteger("archived_revision_count");
    change.redirectTarget = HookPayloadParser::optLinkTarget(r.body, "redirect_target");
    change.requestId = r.requestId;
    Documents out;
    out.push_back(PageChangeEventSerializer(r.wiki, _pageChangeStream).toEvent(change));
    return out;
}

PageChangeDecoder::Documents PageChangeDecoder::pageMoved(const Request& r) const
{
    PageChange change;
    change.kind = "move";
    change.pageBefore = HookPayloadParser::page(r.body.object("page_before"));
    PayloadReader afterIn = r.body.object("page_after");
    change.page = HookPayloadParser::page(afterIn);
    if (!afterIn.optBoolean("exists", true))
        throw RejectedChange("page_not_found", "No page moved from '" + change.pageBefore->title + "' to '"
                                                   + change.page.title + "' with ID "
                                                   + std::to_string(change.page.id) + " could be found");
    change.revision = HookPayloadParser::revision(r.body.object("revision"));
    change.parentRevision = HookPayloadParser::optRevision(r.body, "parent_revision");
    change.performer = HookPayloadParser::optUser(r.body, "performer");
    change.comment = r.body.optString("reason").value_or("");
    if (std::optional<PayloadReader> redirect = r.body.optObject("redirect_page"))
        change.createdRedirectPage = HookPayloadParser::page(*redirect);
    change.redirectTarget = HookPayloadParser::optLinkTarget(r.body, "redirect_target");
    change.requestId = r.requestId;
    Documents out;
    out.push_back(PageChangeEventSerializer(r.wiki, _pageChangeStream).toEvent(change));
    return out;
}

PageChangeDecoder::Documents PageChangeDecoder::pageCreated(const Request& r) const
{
    const std::string cause = r.body.string("cause");
    PageChange change;
    change.kind = "undelete";
    change.page = HookPayloadParser::page(r.body.object("page"));
    change.revision = HookPayloadParser::revision(r.body.object("revision"));
    change.performer = HookPayloadParser::optUser(r.body, "performer");
    change.comment = r.body.optString("reason").value_or("");
    change.eventDt = r.eventDt;
    change.oldPageId = r.body.optInteger("page_id_before");
    change.redirectTarget = HookPayloadParser::optLinkTarget(r.body, "redirect_target");
    change.requestId = r.requestId;
    Documents out;
    if (cause != "undelete") return out;
    out.push_back(PageChangeEventSerializer(r.wiki, _pageChangeStream).toEvent(change));
    return out;
}

PageChangeDecoder::Documents PageChangeDecoder::pageHistoryVisibilityChanged(const Request& r) const
{
    Documents out;
    if (!r.body.boolean("current_revision_affected")) return out;
    const int64_t before = r.body.integer("visibility_before");
    const int64_t after = r.body.integer("visibility_after");
    if (before < 0 || before > 15) r.body.fail("visibility_before", "expected bits 0..15");
    if (after < 0 || after > 15) r.body.fail("visibility_after", "expected bits 0..15");
    PageChange change;
    change.kind = "visibility_change";
    change.page = HookPayloadParser::page(r.body.object("page"));
    change.revision = HookPayloadParser::revision(r.body.object("revision"));
    if (change.revision.visibility != after)
        throw RejectedChange("unexpected_value", "revision.visibility: the current revision has visibility "
                                                     + std::to_string(change.revision.visibility)
                                                     + ", but visibility_after is " + std::to_string(after));
    change.priorVisibility = static_cast<int>(before);
    change.performer = HookPayloadParser::optUser(r.body, "performer");
    if (r.body.optBoolean("is_suppression", false)) change.performer.reset();
    change.eventDt = r.eventDt;
    change.requestId = r.requestId;
    out.push_back(PageChangeEventSerializer(r.wiki, _pageChangeStream).toEvent(change));
    return out;
}

// UserChangeHooks (mediawiki.user_change.v1, spec section 5.3)

PageChangeDecoder::Documents PageChangeDecoder::localUserCreated(const Request& r) const
{
    UserChange change;
    change.kind = "create";
    change.user = HookPayloadParser::user(r.body.object("user"));
    change.isAutocreate = r.body.optBoolean("autocreated", false);
    std::optional<UserState> context = HookPayloadParser::optUser(r.body, "context_user");
    Documents out;
    if (!change.user.isNamed()) return out;
    if (!r.body.optBoolean("context_user_safe_to_load", true)) {
        if (change.isAutocreate) change.performer = change.user;
    } else if (!context || !context->isNamed()) {
        change.performer = change.user;
    } else {
        change.performer = context;
    }
    change.eventDt = change.user.registrationDt;
    out.push_back(UserChangeEventSerializer(r.wiki, _userChangeStream).toEvent(change));
    return out;
}

PageChangeDecoder::Documents PageChangeDecoder::userGroupsChanged(const Request& r) const
{
    UserChange change;
    change.kind = "groups_change";
    change.user = HookPayloadParser::user(r.body.object("user"));
    std::vector<std::string> oldMemberships = HookPayloadParser::groupNames(r.body, "old_memberships");
    std::vector<std::string> newMemberships = HookPayloadParser::groupNames(r.body, "new_memberships");
    // Implicit groups are the effective groups that no membership grants.
    std::vector<std::string> implicit;
    for (const auto& g : change.user.groups)
        if (std::find(oldMemberships.begin(), oldMemberships.end(), g) == oldMemberships.end()
            && std::find(newMemberships.begin(), newMemberships.end(), g) == newMemberships.end())
            implicit.push_back(g);
    change.groups = uniqueAppend(uniqueAppend({}, implicit), newMemberships);
    change.priorGroups = uniqueAppend(uniqueAppend({}, implicit), oldMemberships);
    const rapidjson::Value* reason = r.body.find("reason");
    if (reason && !(reason->IsBool() && !reason->GetBool())) change.comment = r.body.string("reason");
    // The extension crashed on an unnamed performer; such a change is reported without one.
    change.performer = HookPayloadParser::optUser(r.body, "performer");
    if (change.performer && !change.performer->isNamed()) change.performer.reset();
    if (!change.user.isNamed()) throw InvalidPayload("user", "'" + change.user.name + "' is not a named user");
    change.eventDt = r.eventDt;
    Documents out;
    out.push_back(UserChangeEventSerializer(r.wiki, _userChangeStream).toEvent(change));
    return out;
}

PageChangeDecoder::Documents PageChangeDecoder::manualLogEntryBeforePublish(const Request& r) const
{
    Documents out;
    if (r.body.string("log_type") != "renameuser" || r.body.string("log_subtype") != "renameuser") return out;
    PayloadReader params = r.body.object("params");
    UserChange change;
    change.kind = "rename";
    change.newName = params.string("5::newuser");
    change.oldName = params.string("4::olduser");
    if (!r.body.has("user"))
        throw InvalidPayload("user", "missing: newuser name '" + change.newName + "' is not a valid username");
    change.user = HookPayloadParser::user(r.body.object("user"));
    if (!change.user.isNamed()) throw InvalidPayload("user", "'" + change.newName + "' is not a named user");
    change.performer = HookPayloadParser::optUser(r.body, "performer");
    if (change.performer && !change.performer->isNamed()) change.performer.reset();
    change.comment = r.body.optString("comment");
    change.eventDt = r.eventDt;
    out.push_back(UserChangeEventSerializer(r.wiki, _userChangeStream).toEvent(change));
    return out;
}

} // namespace pagechange
} // namespace eventbus
