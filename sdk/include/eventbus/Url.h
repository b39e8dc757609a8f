// URL and title encodings of MediaWiki core (spec eventbus-behaviour.md sections 0.3 and 0.4).
#ifndef EVENTBUS_URL_H
#define EVENTBUS_URL_H

#include <string>
#include <string_view>

namespace eventbus {

/// PHP urlencode(): A-Z a-z 0-9 - _ . kept, space as "+", every other byte as uppercase %XX.
std::string urlencode(std::string_view s);
/// wfUrlencode: form-urlencode (space -> '+', uppercase %XX), then restore ; @ $ ! * ( ) , / ~ :
std::string wfUrlencode(std::string_view s);
/// CanonicalServer + ArticlePath with every "$1" replaced by wfUrlencode(prefixedDbKey).
std::string articleUrl(std::string_view canonicalServer, std::string_view articlePath,
                       std::string_view prefixedDbKey);

} // namespace eventbus

#endif
