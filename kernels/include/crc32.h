/* CRC-32 (IEEE 802.3, the one of zlib, gzip and PNG): reflected polynomial
 * 0xedb88320, initial value and final XOR 0xffffffff. */
#ifndef AUTON_CRC32_H
#define AUTON_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 of len bytes. Chains: crc32_update(crc32(a), b) = crc32(a || b). */
uint32_t crc32(const void *buf, size_t len);
uint32_t crc32_update(uint32_t crc, const void *buf, size_t len);

#endif
