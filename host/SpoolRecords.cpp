#include "SpoolRecords.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace eventbus {

namespace {

void putU32(char* at, uint32_t value)
{
    for (int i = 0; i < 4; ++i)
        at[i] = static_cast<char>(value >> (8 * i));
}

void putU64(char* at, uint64_t value)
{
    for (int i = 0; i < 8; ++i)
        at[i] = static_cast<char>(value >> (8 * i));
}

uint32_t getU32(const char* at)
{
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i)
        value |= uint32_t(static_cast<unsigned char>(at[i])) << (8 * i);
    return value;
}

uint64_t getU64(const char* at)
{
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i)
        value |= uint64_t(static_cast<unsigned char>(at[i])) << (8 * i);
    return value;
}

/// Where the checksummed part of a record starts, after its size and checksum.
const size_t SUMMED_FROM = 12;

} // namespace

size_t SpoolRecords::recordSize(const Event& event)
{
    return HEADER + event.stream.size() + event.id.size() + event.clientIp.size() + event.plugin.size() + event.json.size();
}

void SpoolRecords::add(const Event& event)
{
    const std::string* strings[5] = {&event.stream, &event.id, &event.clientIp, &event.plugin, &event.json};
    size_t size = recordSize(event);
    if (size > MAX_RECORD_BYTES)
        throw std::length_error("spool record of " + std::to_string(size) + " bytes, more than " + std::to_string(MAX_RECORD_BYTES));
    size_t start = _blob.size();
    if (_blob.capacity() < start + size)
        _blob.reserve(std::max(start + size, 2 * _blob.capacity()));
    _blob.resize(start + size);
    char* at = &_blob[start];
    putU32(at, static_cast<uint32_t>(size - 4));
    putU32(at + 12, static_cast<uint32_t>(event.type));
    putU64(at + 16, static_cast<uint64_t>(event.ingressUs));
    char* text = at + HEADER;
    for (int i = 0; i < 5; ++i) {
        putU32(at + 24 + 4 * i, static_cast<uint32_t>(strings[i]->size()));
        if (!strings[i]->empty()) {
            std::memcpy(text, strings[i]->data(), strings[i]->size());
            text += strings[i]->size();
        }
    }
    putU64(at + 4, XXH3_64bits(at + SUMMED_FROM, size - SUMMED_FROM));
    if (_count == 0 || event.ingressUs < _oldestIngressUs)
        _oldestIngressUs = event.ingressUs;
    ++_count;
    _bodyBytes += event.json.size();
    _extraBytes += size - HEADER - event.json.size();
}

SpoolRecords::Cursor::Cursor(const void* data, size_t size)
    : _data(static_cast<const char*>(data))
    , _size(data ? size : 0)
{
}

bool SpoolRecords::Cursor::next()
{
    _record = nullptr;
    if (_damaged || _next == _size)
        return false;
    size_t left = _size - _next;
    const char* at = _data + _next;
    uint32_t size = left >= 4 ? getU32(at) : 0;
    if (left < HEADER || size < HEADER - 4 || size > left - 4) {
        _damaged = true;
        return false;
    }
    uint64_t strings = 0;
    for (int i = 0; i < 5; ++i) {
        _lengths[i] = getU32(at + 24 + 4 * i);
        strings += _lengths[i];
    }
    if (strings != size - (HEADER - 4)) {
        _damaged = true;
        return false;
    }
    _record = at;
    _recordSize = size + 4;
    _next += _recordSize;
    return true;
}

bool SpoolRecords::countAgrees(const void* data, size_t size, int64_t count, int64_t* records)
{
    Cursor cursor(data, size);
    int64_t walked = 0;
    while (cursor.next())
        ++walked;
    if (records)
        *records = walked;
    if (count < 1 || count > int64_t(MAX_EVENTS))
        return false;
    return cursor.atEnd() ? walked == count : walked < count;
}

bool SpoolRecords::Cursor::intact() const
{
    return XXH3_64bits(_record + SUMMED_FROM, _recordSize - SUMMED_FROM) == storedChecksum();
}

uint64_t SpoolRecords::Cursor::storedChecksum() const
{
    return getU64(_record + 4);
}

int64_t SpoolRecords::Cursor::ingressUs() const
{
    return static_cast<int64_t>(getU64(_record + 16));
}

void SpoolRecords::Cursor::read(Event& event) const
{
    event.type = static_cast<int>(getU32(_record + 12));
    event.ingressUs = ingressUs();
    std::string* strings[5] = {&event.stream, &event.id, &event.clientIp, &event.plugin, &event.json};
    const char* text = _record + HEADER;
    for (int i = 0; i < 5; ++i) {
        strings[i]->assign(text, _lengths[i]);
        text += _lengths[i];
    }
}

} // namespace eventbus
