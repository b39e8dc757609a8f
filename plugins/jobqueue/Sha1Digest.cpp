#include "Sha1Digest.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace eventbus {
namespace jobqueue {

namespace {

const size_t kSha1Bytes = 20;

[[noreturn]] void fail(const char* what) {
    unsigned long code = ERR_get_error();
    char reason[256] = "no detail";
    if (code) ERR_error_string_n(code, reason, sizeof reason);
    ERR_clear_error();
    throw std::runtime_error(std::string("OpenSSL: ") + what + " (" + reason + ")");
}

std::string toHex(const unsigned char* digest, size_t size) {
    static const char kDigits[] = "0123456789abcdef";
    std::string hex(size * 2, '0');
    for (size_t i = 0; i < size; ++i) {
        hex[2 * i] = kDigits[digest[i] >> 4];
        hex[2 * i + 1] = kDigits[digest[i] & 0xf];
    }
    return hex;
}

} // namespace

Sha1Digest::Sha1Digest(std::string_view hmacKey) {
    _sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    if (!_sha1) fail("SHA-1 is not available");
    EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (!hmac) {
        EVP_MD_free(_sha1);
        fail("HMAC is not available");
    }
    _keyed = EVP_MAC_CTX_new(hmac);
    EVP_MAC_free(hmac); // the context keeps its own reference
    char digest[] = "SHA1";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    // An empty key is a valid HMAC key, but OpenSSL wants a non-null pointer for it.
    static const unsigned char kNoKey = 0;
    const auto* key = hmacKey.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(hmacKey.data());
    if (!_keyed || !EVP_MAC_init(_keyed, key, hmacKey.size(), params)) {
        EVP_MAC_CTX_free(_keyed);
        EVP_MD_free(_sha1);
        fail("cannot set up HMAC-SHA1");
    }
}

Sha1Digest::~Sha1Digest() {
    EVP_MAC_CTX_free(_keyed);
    EVP_MD_free(_sha1);
}

std::string Sha1Digest::sha1Hex(std::string_view bytes) const {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (!EVP_Digest(bytes.data(), bytes.size(), digest, &size, _sha1, nullptr) || size != kSha1Bytes)
        fail("SHA-1 failed");
    return toHex(digest, size);
}

std::string Sha1Digest::hmacHex(std::string_view bytes) const {
    // A copy of the keyed context skips hashing the key's pads again (a third of the cost);
    // copying only reads the original, so threads can share it.
    std::unique_ptr<EVP_MAC_CTX, void (*)(EVP_MAC_CTX*)> ctx(EVP_MAC_CTX_dup(_keyed), EVP_MAC_CTX_free);
    unsigned char digest[EVP_MAX_MD_SIZE];
    size_t size = 0;
    if (!ctx || !EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) ||
        !EVP_MAC_final(ctx.get(), digest, &size, sizeof digest) || size != kSha1Bytes)
        fail("HMAC-SHA1 failed");
    return toHex(digest, size);
}

} // namespace jobqueue
} // namespace eventbus
