/*
 * verso/limits.h - the protocol's size limits that server and clients share
 * (docs/PROTOCOL.md section 2). A server refuses what exceeds them with
 * ETOOBIG, naming the limit; a client may check first (the CLI's import
 * skips such records and reports them). Constants only: nothing to own.
 */
#ifndef VERSO_LIMITS_H
#define VERSO_LIMITS_H

/* Bytes of an entry's source or target text, of its context segments, of
 * its tmx data, and of a segment looked up (given, or a sentence of
 * "text"). A segment is a sentence or a paragraph; the fuzzy matcher's
 * distance costs grow with the product of two segments' lengths, and this
 * bounds them. 256 KiB: room for the 65,534 inline tags a segment may have
 * (4 bytes each). */
#define VERSO_SEGMENT_MAX_BYTES 262144u

/* Bytes of a TM's TMX header (the add op's "tmx_header"). */
#define VERSO_TMX_HEADER_MAX_BYTES 1048576u

#endif
