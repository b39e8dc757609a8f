#include "eventbus/Url.h"

namespace eventbus {

namespace {

/// Bytes that PHP's urlencode leaves literal.
bool unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
}

/// Bytes that wfUrlencode leaves literal: urlencode's unreserved set plus the ones it restores.
bool staysLiteral(unsigned char c) {
    if (unreserved(c)) return true;
    switch (c) {
    case ';': case '@': case '$': case '!': case '*': case '(': case ')': case ',': case '/': case '~': case ':':
        return true;
    default:
        return false;
    }
}

/// Form encoding: the literal bytes as they are, space as '+', every other byte as uppercase %XX.
std::string formEncode(std::string_view s, bool (*literal)(unsigned char)) {
    static const char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size() * 3);
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (literal(c)) {
            out += ch;
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    return out;
}

} // namespace

std::string urlencode(std::string_view s) { return formEncode(s, unreserved); }

std::string wfUrlencode(std::string_view s) { return formEncode(s, staysLiteral); }

std::string articleUrl(std::string_view canonicalServer, std::string_view articlePath,
                       std::string_view prefixedDbKey) {
    const std::string encoded = wfUrlencode(prefixedDbKey);
    std::string out(canonicalServer);
    size_t pos = 0;
    while (pos < articlePath.size()) {
        const size_t hit = articlePath.find("$1", pos);
        if (hit == std::string_view::npos) {
            out.append(articlePath.substr(pos));
            break;
        }
        out.append(articlePath.substr(pos, hit - pos));
        out += encoded;
        pos = hit + 2;
    }
    return out;
}

} // namespace eventbus
