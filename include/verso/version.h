/* verso/version.h - release and protocol version numbers (constants only:
 * nothing to own). */
#ifndef VERSO_VERSION_H
#define VERSO_VERSION_H

#define VERSO_VERSION          "0.1.0"
#define VERSO_PROTOCOL         1
#define VERSO_DEFAULT_ENDPOINT "tcp://127.0.0.1:5555"

#endif
