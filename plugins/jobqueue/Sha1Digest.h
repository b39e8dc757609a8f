// SHA-1 and HMAC-SHA1 as hex, the two digests a job event carries (its de-duplication sha1 and its
// mediawiki_signature), computed by OpenSSL: Poco's portable SHA-1 was a third of the daemon's
// CPU in the jobs benchmark, OpenSSL's uses the CPU's SHA instructions where it has them.
#ifndef EVENTBUS_JOBQUEUE_SHA1DIGEST_H
#define EVENTBUS_JOBQUEUE_SHA1DIGEST_H

#include <string>
#include <string_view>

typedef struct evp_md_st EVP_MD;
typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace eventbus {
namespace jobqueue {

/// Looks up the digest and hashes the HMAC key's pads once, so a digest costs no lookup and a
/// signature no key setup. Thread-safe: every call works on a context of its own.
class Sha1Digest {
public:
    /// Throws std::runtime_error when OpenSSL offers no SHA-1 (a FIPS-only configuration).
    explicit Sha1Digest(std::string_view hmacKey);
    ~Sha1Digest();
    Sha1Digest(const Sha1Digest&) = delete;
    Sha1Digest& operator=(const Sha1Digest&) = delete;

    /// 40 lowercase hex digits.
    std::string sha1Hex(std::string_view bytes) const;
    /// HMAC-SHA1 of bytes under the key given at construction, 40 lowercase hex digits.
    std::string hmacHex(std::string_view bytes) const;

private:
    EVP_MD* _sha1 = nullptr;
    EVP_MD_CTX* _inner = nullptr; ///< has hashed the key's inner pad; each hmacHex works on a copy
    EVP_MD_CTX* _outer = nullptr; ///< has hashed the key's outer pad
};

} // namespace jobqueue
} // namespace eventbus

#endif
