#include "HookPayloadParser.h"

#include "InvalidPayload.h"

namespace eventbus {
namespace pagechange {

namespace {

/// Ids and sizes are never negative in MediaWiki; the schemas bound them at 0 (or 1).
int64_t nonNegative(const PayloadReader& in, const char* key)
{
    const int64_t value = in.integer(key);
    if (value < 0) in.fail(key, "must not be negative");
    return value;
}

} // namespace

UserState HookPayloadParser::user(const PayloadReader& in)
{
    UserState user;
    user.name = in.string("name");
    if (user.name.empty()) in.fail("name", "must not be empty");
    user.id = in.optInteger("id").value_or(0);
    if (user.id < 0) in.fail("id", "must not be negative");
    user.groups = in.strings("groups");
    user.isTemp = in.optBoolean("is_temp", false);
    user.isBot = in.optBoolean("is_bot", false);
    user.isSystem = in.optBoolean("is_system", false);
    user.editCount = in.optInteger("edit_count");
    user.registrationDt = in.optDt("registration").value_or("");
    user.firstRegistrationDt = in.optDt("first_registration").value_or("");
    user.firstEditDt = in.optDt("first_edit").value_or("");
    user.centralId = in.optInteger("central_id").value_or(0);
    user.editGlobalCount = in.optInteger("edit_global_count");
    user.wikiId = in.optString("wiki_id").value_or("");
    return user;
}

std::optional<UserState> HookPayloadParser::optUser(const PayloadReader& in, const char* key)
{
    const rapidjson::Value* v = in.find(key);
    if (!v || (v->IsBool() && !v->GetBool())) return std::nullopt;
    return user(in.object(key));
}

void HookPayloadParser::applyPublicAudience(RevisionState& revision)
{
    if (revision.visibility & DELETED_COMMENT) {
        revision.comment.reset();
        revision.parsedComment.clear();
    }
    if (revision.visibility & DELETED_USER) revision.user.reset();
    if (revision.visibility & DELETED_TEXT) revision.contentIsRedirect = false;
}

RevisionState HookPayloadParser::revision(const PayloadReader& in)
{
    RevisionState revision;
    revision.id = nonNegative(in, "rev_id");
    revision.timestampDt = in.dt("timestamp");
    revision.sha1 = in.string("sha1");
    revision.size = nonNegative(in, "size");
    revision.minor = in.optBoolean("minor", false);
    revision.parentId = in.optInteger("parent_id");
    revision.comment = in.optString("comment");
    revision.parsedComment = in.optString("parsedcomment").value_or("");
    revision.visibility = static_cast<int>(in.optInteger("visibility").value_or(0));
    if (revision.visibility < 0 || revision.visibility > 15) in.fail("visibility", "expected bits 0..15");
    revision.user = optUser(in, "user");
    revision.contentIsRedirect = in.optBoolean("content_is_redirect", false);
    revision.parentSha1 = in.optString("parent_sha1");

    PayloadReader slots = in.object("slots");
    if (!slots.has("main")) slots.fail("main", "missing (every revision has a main slot)");
    for (const auto& m : slots.value().GetObject()) {
        std::string role = PayloadReader::checkedString(m.name, slots.path() + " (role name)");
        PayloadReader slotIn = PayloadReader::objectAt(m.value, slots.fieldPath(role.c_str()));
        SlotState slot;
        slot.role = role;
        slot.model = slotIn.string("model");
        slot.sha1 = slotIn.string("sha1");
        slot.size = nonNegative(slotIn, "size");
        slot.format = slotIn.optString("format").value_or("");
        slot.originRevId = slotIn.optInteger("origin_rev_id");
        revision.slots.push_back(std::move(slot));
    }
    applyPublicAudience(revision);
    return revision;
}

std::optional<RevisionState> HookPayloadParser::optRevision(const PayloadReader& in, const char* key)
{
    if (!in.has(key)) return std::nullopt;
    return revision(in.object(key));
}

PageState HookPayloadParser::page(const PayloadReader& in)
{
    PageState page;
    page.id = nonNegative(in, "page_id");
    page.title = in.string("title");
    if (page.title.empty()) in.fail("title", "must not be empty");
    page.namespaceId = in.optInteger("namespace").value_or(0);
    page.isRedirect = in.optBoolean("is_redirect", false);
    page.latestRevId = in.optInteger("latest_rev_id");
    page.wikibaseItemId = in.optString("wikibase_item_id").value_or("");
    page.wikiId = in.optString("wiki_id").value_or("");
    return page;
}

LinkTarget HookPayloadParser::linkTarget(const PayloadReader& in)
{
    LinkTarget target;
    target.title = in.string("title");
    if (target.title.empty()) in.fail("title", "must not be empty");
    target.namespaceId = in.optInteger("namespace").value_or(0);
    target.interwiki = in.optString("interwiki").value_or("");
    target.pageId = in.optInteger("page_id");
    if (target.pageId && *target.pageId == 0) target.pageId.reset();
    target.isRedirect = in.optBoolean("is_redirect", false);
    target.wikibaseItemId = in.optString("wikibase_item_id").value_or("");
    return target;
}

std::optional<LinkTarget> HookPayloadParser::optLinkTarget(const PayloadReader& in, const char* key)
{
    if (!in.has(key)) return std::nullopt;
    return linkTarget(in.object(key));
}

BlockState HookPayloadParser::block(const PayloadReader& in)
{
    BlockState block;
    block.reason = in.optString("reason").value_or("");
    block.hideName = in.optBoolean("hide_name", false);
    block.emailBlocked = in.optBoolean("email_blocked", false);
    block.usertalkEditAllowed = in.optBoolean("usertalk_edit_allowed", true);
    block.createAccountBlocked = in.optBoolean("create_account_blocked", false);
    block.sitewide = in.optBoolean("sitewide", true);
    for (const PayloadReader& r : in.optObjects("restrictions")) {
        BlockRestriction restriction;
        restriction.type = r.string("type");
        restriction.value = r.integer("value");
        block.restrictions.push_back(std::move(restriction));
    }
    const rapidjson::Value* expiry = in.find("expiry");
    const bool infinite = !expiry
        || (expiry->IsString()
            && (std::string_view(expiry->GetString()) == "infinity" || std::string_view(expiry->GetString()) == "infinite"));
    if (!infinite) block.expiryDt = in.dt("expiry");
    return block;
}

EditResult HookPayloadParser::editResult(const PayloadReader& in)
{
    EditResult result;
    result.isRevert = in.optBoolean("is_revert", false);
    result.revertMethod = in.optString("revert_method").value_or("");
    if (!result.revertMethod.empty() && result.revertMethod != "rollback" && result.revertMethod != "undo"
        && result.revertMethod != "manual")
        in.fail("revert_method", "unknown revert method '" + result.revertMethod + "' (rollback, undo or manual)");
    result.isExactRevert = in.optBoolean("is_exact_revert", false);
    result.originalRevId = in.optInteger("original_rev_id");
    result.originalRevDt = in.optDt("original_rev_timestamp").value_or("");
    result.oldestRevertedRevId = in.optInteger("oldest_reverted_rev_id");
    result.newestRevertedRevId = in.optInteger("newest_reverted_rev_id");
    return result;
}

std::vector<std::string> HookPayloadParser::groupNames(const PayloadReader& in, const char* key)
{
    const rapidjson::Value* v = in.find(key);
    if (!v) return {};
    if (v->IsArray()) return in.strings(key);
    if (!v->IsObject()) in.fail(key, "expected a list of group names or an object keyed by group name");
    std::vector<std::string> names;
    for (const auto& m : v->GetObject()) names.push_back(PayloadReader::checkedString(m.name, in.fieldPath(key)));
    return names;
}

void HookPayloadParser::applyWikiOverrides(const PayloadReader& body, WikiSettings& wiki)
{
    std::optional<PayloadReader> in = body.optObject("wiki");
    if (!in) return;
    if (auto v = in->optString("server_name")) wiki.serverName = *v;
    if (auto v = in->optString("canonical_server")) wiki.canonicalServer = *v;
    if (auto v = in->optString("article_path")) {
        if (v->find("$1") == std::string::npos) in->fail("article_path", "must contain $1");
        wiki.articlePath = *v;
    }
    if (auto v = in->optString("database")) wiki.database = *v;
    if (auto v = in->optString("wiki_id")) wiki.wikiId = *v;
    if (auto v = in->optString("domain")) wiki.domain = *v;
    if (auto v = in->optString("user_namespace")) wiki.userNamespace = *v;
    if (const rapidjson::Value* list = in->find("content_namespaces")) {
        if (!list->IsArray()) in->fail("content_namespaces", "expected a list of namespace ids");
        wiki.contentNamespaces.clear();
        for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
            if (!(*list)[i].IsInt64())
                throw InvalidPayload(in->fieldPath("content_namespaces") + "[" + std::to_string(i) + "]",
                                     "expected an integer");
            wiki.contentNamespaces.push_back((*list)[i].GetInt64());
        }
    }
    if (std::optional<PayloadReader> map = in->optObject("wikimap")) {
        for (const auto& m : map->value().GetObject()) {
            std::string id = PayloadReader::checkedString(m.name, map->path());
            PayloadReader entry = PayloadReader::objectAt(m.value, map->fieldPath(id.c_str()));
            ForeignWiki foreign;
            foreign.canonicalServer = entry.string("canonical_server");
            foreign.articlePath = entry.optString("article_path").value_or("/wiki/$1");
            wiki.wikiMap[id] = foreign;
        }
    }
}

} // namespace pagechange
} // namespace eventbus
