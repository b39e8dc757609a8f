#include "Sha1Digest.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <thread>
#include <vector>

using eventbus::jobqueue::Sha1Digest;

class Sha1DigestTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(Sha1DigestTest);
    CPPUNIT_TEST(testSha1PublishedVectors);
    CPPUNIT_TEST(testHmacRfc2202Vectors);
    CPPUNIT_TEST(testEmptyKeyAndMessage);
    CPPUNIT_TEST(testThreadsShareOneKeyedDigest);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSha1PublishedVectors() {
        // FIPS 180-2 appendix A, and the empty message.
        Sha1Digest digest("unused");
        CPPUNIT_ASSERT_EQUAL(std::string("a9993e364706816aba3e25717850c26c9cd0d89d"), digest.sha1Hex("abc"));
        CPPUNIT_ASSERT_EQUAL(std::string("84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
                             digest.sha1Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
        CPPUNIT_ASSERT_EQUAL(std::string("da39a3ee5e6b4b0d3255bfef95601890afd80709"), digest.sha1Hex(""));
    }

    void testHmacRfc2202Vectors() {
        CPPUNIT_ASSERT_EQUAL(std::string("b617318655057264e28bc0b6fb378c8ef146be00"),
                             Sha1Digest(std::string(20, '\x0b')).hmacHex("Hi There"));
        CPPUNIT_ASSERT_EQUAL(std::string("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
                             Sha1Digest("Jefe").hmacHex("what do ya want for nothing?"));
        // A key longer than SHA-1's block is hashed first.
        CPPUNIT_ASSERT_EQUAL(std::string("aa4ae5e15272d00e95705637ce8a3b55ed402112"),
                             Sha1Digest(std::string(80, '\xaa')).hmacHex("Test Using Larger Than Block-Size Key - Hash Key First"));
        // A key of exactly one block is used as it is; one byte more and it is hashed (values from
        // Python's hmac module).
        CPPUNIT_ASSERT_EQUAL(std::string("d52b5b30393c20f423870bb6d0ad622b02848ca9"),
                             Sha1Digest(std::string(64, 'k')).hmacHex("m"));
        CPPUNIT_ASSERT_EQUAL(std::string("d7ab367121230c7e073a785f02c779c915e96d01"),
                             Sha1Digest(std::string(65, 'k')).hmacHex("m"));
        // The keyed context is copied per message, never consumed: the same message twice, the same MAC.
        Sha1Digest jefe("Jefe");
        CPPUNIT_ASSERT_EQUAL(jefe.hmacHex("what do ya want for nothing?"), jefe.hmacHex("what do ya want for nothing?"));
    }

    void testEmptyKeyAndMessage() {
        // An unset $wgSecretKey still signs, as PHP's hash_hmac does with an empty key.
        CPPUNIT_ASSERT_EQUAL(std::string("fbdb1d1b18aa6c08324b7d64b71fb76370690e1d"), Sha1Digest("").hmacHex(""));
    }

    void testThreadsShareOneKeyedDigest() {
        const Sha1Digest digest("Jefe");
        const std::string expected = "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79";
        std::vector<int> wrong(4, 0);
        std::vector<std::thread> threads;
        for (size_t t = 0; t < wrong.size(); ++t)
            threads.emplace_back([&, t] {
                for (int i = 0; i < 2000; ++i)
                    if (digest.hmacHex("what do ya want for nothing?") != expected) ++wrong[t];
            });
        for (auto& thread : threads) thread.join();
        for (int count : wrong) CPPUNIT_ASSERT_EQUAL(0, count);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(Sha1DigestTest);
