/* wired.h — the protocol between wired_server.c and wired_client.c (test/systems/three.system). */
#ifndef TEST_SYSTEMS_WIRED_H
#define TEST_SYSTEMS_WIRED_H

#define WIRED_ADD 1
#define WIRED_BYE 2

#endif
